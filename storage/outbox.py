"""The outbox: one row per message the bot sends on its own, read when due and answered in SQL."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, String, bindparam, case, cast, func, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage import upsert
from storage.models import Delivery, DeliveryKind, DeliveryStatus, User
from storage.types import UTCDateTime

@dataclass(frozen=True)
class DueRow:
    delivery_id: int
    chat_id: int
    kind: DeliveryKind
    broadcast_id: int | None
    payload: dict | None
    attempts: int
    language: str | None


async def enqueue(session: AsyncSession, kind: DeliveryKind, recipients: Select, *, now: datetime,
                  not_before: datetime | None = None, status: DeliveryStatus = DeliveryStatus.PENDING,
                  broadcast_id: int | None = None, meeting_id: int | None = None, join_request_id: int | None = None,
                  payload: dict | None = None, dedupe_prefix: str | None = None) -> int:
    """One row per user id that `recipients` selects, written by the database itself (INSERT ...
    SELECT), so an audience of any size costs one statement and no memory here. With
    `dedupe_prefix`, each row's key is the prefix and the user id; a row whose key exists already
    is left out, so the same message can never be queued twice; so is a broadcast's row for a person
    who has one of that broadcast already. Returns how many rows were written."""
    audience = recipients.subquery()
    user_id = audience.c[0]
    columns = {
        "kind": literal(kind.value, String()),
        "chat_id": user_id,
        "status": literal(status.value, String()),
        "attempts": literal(0, Integer()),
        "not_before": literal(not_before or now, UTCDateTime()),
        "created_at": literal(now, UTCDateTime()),
        "broadcast_id": literal(broadcast_id, Integer()),
        "meeting_id": literal(meeting_id, Integer()),
        "join_request_id": literal(join_request_id, Integer()),
        "payload": literal(payload, JSON(none_as_null=True)),
        "dedupe_key": (literal(dedupe_prefix, String()) + cast(user_id, String())) if dedupe_prefix else
        literal(None, String()),
    }
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT (its documented quirk).
    statement = upsert.insert(session, Delivery).from_select(list(columns), select(*columns.values()).where(true()))
    if dedupe_prefix:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif broadcast_id is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["broadcast_id", "chat_id"])
    return (await session.execute(statement)).rowcount


@dataclass(frozen=True)
class Answer:
    """What Telegram's answer to one row means, as the row will store it."""

    delivery_id: int
    chat_id: int
    status: DeliveryStatus
    attempts: int
    at: datetime
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None  # a pending row goes out again from then on


# The engine's two statements, built once with bindparam(): it runs them for every few rows while an
# announcement goes out (hundreds of rows a second with the rate lifted), and building one costs
# about what running it does. The answers are written with one executemany.
_DUE = (
    select(Delivery.id, Delivery.chat_id, Delivery.kind, Delivery.broadcast_id, Delivery.payload, Delivery.attempts,
           User.language)
    .outerjoin(User, User.id == Delivery.chat_id)
    .where(Delivery.status == DeliveryStatus.PENDING, Delivery.not_before <= bindparam("now", type_=UTCDateTime()),
           Delivery.id.not_in(bindparam("in_flight", expanding=True)))
    .order_by(Delivery.not_before, Delivery.id)
    .limit(bindparam("limit"))
)
_RECORD = (
    update(Delivery.__table__)
    # A row cancelled while Telegram had it keeps its answer if that was final (sent, failed,
    # unreachable) but is not made pending again: a cancelled reminder must not come back.
    .where(Delivery.__table__.c.id == bindparam("delivery_id"),
           (Delivery.__table__.c.status == DeliveryStatus.PENDING.value) | bindparam("final"))
    .values(status=bindparam("status"), attempts=bindparam("attempts"), error=bindparam("error"),
            sent_at=bindparam("sent_at"), message_id=bindparam("message_id"), not_before=bindparam("not_before"))
)


async def read_due(session: AsyncSession, now: datetime, limit: int, in_flight: Collection[int]) -> list[DueRow]:
    """Up to `limit` due rows, oldest first, leaving out those the engine holds already.

    Rows stay "pending" until their answer is recorded: after a crash, whatever was in flight is
    simply due again. A broadcast has rows only once it has started (storage.broadcasts.release_due)."""
    rows = (await session.execute(_DUE, {"now": now, "in_flight": list(in_flight), "limit": limit})).all()
    return [DueRow(r.id, r.chat_id, r.kind, r.broadcast_id, r.payload, r.attempts + 1, r.language) for r in rows]


async def record(session: AsyncSession, answers: list[Answer]) -> None:
    """Writes the outcomes of several rows in one statement."""
    await session.execute(_RECORD, [{
        "delivery_id": a.delivery_id,
        "status": a.status,
        "attempts": a.attempts,
        "error": a.error[:300] if a.error else None,
        "sent_at": a.at if a.status is DeliveryStatus.SENT else None,
        "message_id": a.message_id,
        "not_before": a.retry_at or a.at,
        "final": a.status is not DeliveryStatus.PENDING,
    } for a in answers])


async def cancel_pending(session: AsyncSession, *, broadcast_id: int | None = None,
                         meeting_ids: list[int] | None = None, join_request_id: int | None = None,
                         kinds: list[DeliveryKind] | None = None) -> int:
    """Rows not sent yet that belong to a broadcast, to meetings or to a join request (of some kinds)
    will not be sent."""
    query = update(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
    if broadcast_id is not None:
        query = query.where(Delivery.broadcast_id == broadcast_id)
    if meeting_ids is not None:
        query = query.where(Delivery.meeting_id.in_(meeting_ids))
    if join_request_id is not None:
        query = query.where(Delivery.join_request_id == join_request_id)
    if kinds is not None:
        query = query.where(Delivery.kind.in_(kinds))
    result = await session.execute(query.values(status=DeliveryStatus.CANCELLED)
                                   .execution_options(synchronize_session=False))
    return result.rowcount


async def next_due(session: AsyncSession, in_flight: Collection[int]) -> datetime | None:
    """When the next pending row not already in flight is due."""
    return await session.scalar(select(func.min(Delivery.not_before)).where(
        Delivery.status == DeliveryStatus.PENDING, Delivery.id.not_in(in_flight) if in_flight else true()))


async def counts(session: AsyncSession, broadcast_id: int) -> dict[DeliveryStatus, int]:
    """How many of a broadcast's rows are in each status."""
    rows = await session.execute(select(Delivery.status, func.count().label("n"))
                                 .where(Delivery.broadcast_id == broadcast_id).group_by(Delivery.status))
    found = {status: 0 for status in DeliveryStatus}
    found.update({row.status: row.n for row in rows})
    return found


async def counts_for(session: AsyncSession, broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sent / failed (incl. unreachable) / open counts for several broadcasts in one query."""
    if not broadcast_ids:
        return {}
    def how_many(condition: object) -> object:
        return func.sum(case((condition, 1), else_=0))

    rows = await session.execute(
        select(
            Delivery.broadcast_id,
            how_many(Delivery.status == DeliveryStatus.SENT).label("sent"),
            how_many(Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.UNREACHABLE])).label("failed"),
            how_many(Delivery.status == DeliveryStatus.PENDING).label("open"),
        ).where(Delivery.broadcast_id.in_(broadcast_ids)).group_by(Delivery.broadcast_id))
    return {row.broadcast_id: {"sent": int(row.sent or 0), "failed": int(row.failed or 0), "open": int(row.open or 0)}
            for row in rows}


@dataclass(frozen=True, slots=True)
class NotReached:
    """A recipient a broadcast did not reach, and Telegram's word why."""

    chat_id: int | None  # None: they erased their data since
    name: str | None
    status: DeliveryStatus  # failed or unreachable
    reason: str | None


async def problems(session: AsyncSession, broadcast_id: int) -> list[NotReached]:
    """Every recipient a broadcast did not reach, in the order they were written."""
    rows = await session.execute(
        select(Delivery.chat_id, User.display_name, Delivery.status, Delivery.error)
        .outerjoin(User, User.id == Delivery.chat_id)
        .where(Delivery.broadcast_id == broadcast_id,
               Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.UNREACHABLE]))
        .order_by(Delivery.id))
    return [NotReached(row.chat_id, row.display_name, row.status, row.error) for row in rows]
