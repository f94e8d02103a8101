"""Requests to join the council, and the coordinators' copies of them in the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox, users
from storage.models import Delivery, DeliveryKind, DeliveryStatus, JoinRequest, RequestStatus, User


async def open_request(
    session: AsyncSession, user_id: int, name: str, organisation: str, now: datetime
) -> JoinRequest | None:
    """Files a request; None when the user already has one pending (the unique index says so)."""
    request = JoinRequest(user_id=user_id, name=name, organisation=organisation, created_at=now)
    try:
        async with session.begin_nested():
            session.add(request)
    except IntegrityError:
        return None
    return request


async def send_to_coordinators(session: AsyncSession, request: JoinRequest, now: datetime) -> int:
    """Queues a copy of the request, with Approve and Decline, for every coordinator Telegram can
    reach; returns how many. The copies go with the request when it is erased or purged."""
    return await outbox.enqueue(
        session, DeliveryKind.JOIN_REQUEST, users.reachable_coordinators(), now=now, join_request_id=request.id,
        payload={"request": request.id, "name": request.name, "organisation": request.organisation})


async def pending_for(session: AsyncSession, user_id: int) -> JoinRequest | None:
    return await session.scalar(
        select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == RequestStatus.PENDING)
    )


async def get(session: AsyncSession, request_id: int) -> JoinRequest | None:
    return await session.get(JoinRequest, request_id)


async def all_pending(session: AsyncSession) -> list[JoinRequest]:
    rows = await session.scalars(
        select(JoinRequest).where(JoinRequest.status == RequestStatus.PENDING).order_by(JoinRequest.created_at)
    )
    return list(rows)


async def decide(
    session: AsyncSession, request_id: int, status: RequestStatus, decided_by: int, now: datetime
) -> bool:
    """Decides a pending request; False if someone else decided it first."""
    result = await session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == request_id, JoinRequest.status == RequestStatus.PENDING)
        .values(status=status, decided_by=decided_by, decided_at=now)
    )
    return result.rowcount == 1


async def tell_decision(session: AsyncSession, request: JoinRequest, approved: bool, now: datetime, *,
                        reason: str | None = None) -> None:
    """Queues the decision for the applicant, in the transaction that made it, with the coordinator's
    reason for a decline if they gave one."""
    payload: dict[str, object] = {"approved": approved}
    if reason:
        payload["reason"] = reason
    await outbox.enqueue(session, DeliveryKind.JOIN_DECISION, users.just(request.user_id), now=now,
                         join_request_id=request.id, payload=payload)


@dataclass(frozen=True, slots=True)
class SentCopy:
    """A coordinator's message about a request, as Telegram took it."""

    chat_id: int
    message_id: int
    language: str | None  # the coordinator's


async def close_copies(session: AsyncSession, request_id: int) -> list[SentCopy]:
    """Once the request is decided: its copies not sent yet will not be, and those sent are returned
    to be updated."""
    await outbox.cancel_pending(session, join_request_id=request_id, kinds=[DeliveryKind.JOIN_REQUEST])
    rows = await session.execute(
        select(Delivery.chat_id, Delivery.message_id, User.language)
        .outerjoin(User, User.id == Delivery.chat_id)
        .where(Delivery.join_request_id == request_id, Delivery.kind == DeliveryKind.JOIN_REQUEST,
               Delivery.status == DeliveryStatus.SENT, Delivery.chat_id.is_not(None),
               Delivery.message_id.is_not(None))
        .order_by(Delivery.id))
    return [SentCopy(row.chat_id, row.message_id, row.language) for row in rows]
