"""Reminders in the database: which have been dealt with, and the rows that deal with one."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.reminders import Decision, MeetingDate, Reminder
from storage import meetings, outbox, upsert
from storage.models import (
    DeliveryKind,
    DeliveryStatus,
    Meeting,
    MeetingStatus,
    ReminderOptOut,
    ReminderRun,
    User,
)


def dedupe_prefix(reminder: Reminder) -> str:
    """The key of one reminder to one person is this and their id: meeting, date, offset, person."""
    return f"reminder:{reminder.meeting_id}:{int(reminder.starts_at.timestamp())}:{int(reminder.offset.total_seconds())}:"


async def upcoming(session: AsyncSession, now: datetime) -> list[MeetingDate]:
    """Every scheduled meeting that has not begun."""
    rows = await session.execute(select(Meeting.id, Meeting.starts_at).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now))
    return [MeetingDate(row.id, row.starts_at) for row in rows]


async def dealt_with(session: AsyncSession, now: datetime) -> set[Reminder]:
    """The reminders of upcoming meetings already dealt with."""
    rows = await session.execute(select(ReminderRun.meeting_id, ReminderRun.starts_at, ReminderRun.offset_seconds)
                                 .where(ReminderRun.starts_at > now))
    return {Reminder(row.meeting_id, row.starts_at, timedelta(seconds=row.offset_seconds)) for row in rows}


async def deal_with(session: AsyncSession, reminder: Reminder, decision: Decision, now: datetime,
                    payload: dict) -> int | None:
    """Records the reminder as dealt with and writes one row per person who is due it: pending to
    be sent, or skipped. None when it had been dealt with already (so nothing is written twice)."""
    offset = int(reminder.offset.total_seconds())
    marked = await session.execute(upsert.insert(session, ReminderRun).values(
        meeting_id=reminder.meeting_id, starts_at=reminder.starts_at, offset_seconds=offset,
        decision=decision.value, decided_at=now, recipients=0,
    ).on_conflict_do_nothing(index_elements=["meeting_id", "starts_at", "offset_seconds"]))
    if marked.rowcount != 1:
        return None
    # Who declined gets no further reminders; nor who turned reminders, or this one, off.
    opted_out = select(ReminderOptOut.user_id).where(ReminderOptOut.offset_seconds == offset)
    recipients = (meetings.audience(reminder.meeting_id, without_declined=True)
                  .where(User.reminders.is_not(False), User.id.not_in(opted_out)))
    status = DeliveryStatus.SKIPPED if decision is Decision.SKIP else DeliveryStatus.PENDING
    written = await outbox.enqueue(session, DeliveryKind.REMINDER, recipients, now=now, status=status,
                                   meeting_id=reminder.meeting_id, payload=payload,
                                   dedupe_prefix=dedupe_prefix(reminder))
    run = await session.get(ReminderRun, (reminder.meeting_id, reminder.starts_at, offset))
    assert run is not None
    run.recipients = written
    return written


async def opted_out(session: AsyncSession, user_id: int) -> set[timedelta]:
    rows = await session.scalars(select(ReminderOptOut.offset_seconds).where(ReminderOptOut.user_id == user_id))
    return {timedelta(seconds=s) for s in rows}


async def set_offset(session: AsyncSession, user_id: int, offset: timedelta, wanted: bool) -> None:
    seconds = int(offset.total_seconds())
    if wanted:
        existing = await session.get(ReminderOptOut, (user_id, seconds))
        if existing is not None:
            await session.delete(existing)
    else:
        await session.execute(upsert.insert(session, ReminderOptOut).values(user_id=user_id, offset_seconds=seconds)
                              .on_conflict_do_nothing(index_elements=["user_id", "offset_seconds"]))


async def set_enabled(session: AsyncSession, user_id: int, enabled: bool) -> None:
    user = await session.get(User, user_id)
    if user is not None:
        user.reminders = enabled
