"""Deadline reminders in the database: an applicant's wish to be reminded, and the outbox rows that
remind them, written in one transaction with the mark that the lead time is dealt with."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox, upsert
from storage.models import DeadlineReminder, Delivery, DeliveryKind, DeliveryStatus, User


@dataclass(frozen=True, slots=True)
class Reminding:
    """One applicant's reminder of one programme's deadline."""

    id: int
    user_id: int
    programme: str
    deadline: date
    reminded: timedelta | None  # the shortest lead time dealt with so far

    @classmethod
    def of(cls, row: DeadlineReminder) -> Reminding:
        seconds = row.reminded_seconds
        return cls(row.id, row.user_id, row.programme, row.deadline,
                   timedelta(seconds=seconds) if seconds is not None else None)


def dedupe_prefix(reminder_id: int, offset: timedelta) -> str:
    return f"deadline:{reminder_id}:{int(offset.total_seconds())}:"


async def add(session: AsyncSession, user_id: int, programme: str, deadline: date, now: datetime,
              reminded: timedelta | None) -> Reminding | None:
    """The reminder; None when the person has this one already. `reminded`: the lead times whose
    time had passed when it was asked for are not sent late, they count as dealt with."""
    added = await session.execute(upsert.insert(session, DeadlineReminder).values(
        user_id=user_id, programme=programme, deadline=deadline, created_at=now,
        reminded_seconds=int(reminded.total_seconds()) if reminded is not None else None,
    ).on_conflict_do_nothing(index_elements=["user_id", "programme", "deadline"]))
    if added.rowcount != 1:
        return None
    row = await session.scalar(select(DeadlineReminder).where(
        DeadlineReminder.user_id == user_id, DeadlineReminder.programme == programme,
        DeadlineReminder.deadline == deadline))
    assert row is not None
    return Reminding.of(row)


async def get(session: AsyncSession, reminder_id: int) -> Reminding | None:
    row = await session.get(DeadlineReminder, reminder_id)
    return Reminding.of(row) if row is not None else None


async def of_user(session: AsyncSession, user_id: int, today: date) -> list[Reminding]:
    """The person's reminders of deadlines not passed, soonest first."""
    rows = await session.scalars(select(DeadlineReminder).where(
        DeadlineReminder.user_id == user_id, DeadlineReminder.deadline >= today)
        .order_by(DeadlineReminder.deadline, DeadlineReminder.id))
    return [Reminding.of(row) for row in rows]


async def upcoming(session: AsyncSession, today: date) -> list[Reminding]:
    """Every reminder of a deadline not passed: what a (re)start plans again."""
    rows = await session.scalars(select(DeadlineReminder).where(DeadlineReminder.deadline >= today))
    return [Reminding.of(row) for row in rows]


async def remind(session: AsyncSession, reminder: Reminding, offset: timedelta, now: datetime,
                 payload: dict) -> bool:
    """Marks the lead time dealt with and writes the outbox row, together; False when it had been
    dealt with already or the reminder is gone (stopped, or its owner erased), so nothing is written."""
    seconds = int(offset.total_seconds())
    marked = await session.execute(update(DeadlineReminder).where(
        DeadlineReminder.id == reminder.id,
        or_(DeadlineReminder.reminded_seconds.is_(None), DeadlineReminder.reminded_seconds > seconds))
        .values(reminded_seconds=seconds).execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        return False
    await outbox.enqueue(session, DeliveryKind.DEADLINE, select(User.id).where(User.id == reminder.user_id),
                         now=now, payload=payload, dedupe_prefix=dedupe_prefix(reminder.id, offset))
    return True


async def stop(session: AsyncSession, reminder_id: int, user_id: int) -> Reminding | None:
    """Stops one of the person's reminders, with any row of it not sent yet; None when it was not theirs
    or is gone."""
    row = await session.get(DeadlineReminder, reminder_id)
    if row is None or row.user_id != user_id:
        return None
    stopped = Reminding.of(row)
    await session.execute(update(Delivery).where(
        Delivery.kind == DeliveryKind.DEADLINE, Delivery.status == DeliveryStatus.PENDING,
        Delivery.dedupe_key.startswith(f"deadline:{reminder_id}:", autoescape=True))
        .values(status=DeliveryStatus.CANCELLED).execution_options(synchronize_session=False))
    await session.delete(row)
    return stopped

