"""Requests to join the council, and the coordinator messages that announced them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JoinRequest, JoinRequestNotice, RequestStatus, User


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


async def add_notice(session: AsyncSession, request_id: int, chat_id: int, message_id: int) -> None:
    session.add(JoinRequestNotice(request_id=request_id, chat_id=chat_id, message_id=message_id))


async def notices_with_language(session: AsyncSession, request_id: int) -> list[tuple[JoinRequestNotice, str | None]]:
    """The request's coordinator messages, each with that coordinator's language."""
    rows = await session.execute(
        select(JoinRequestNotice, User.language)
        .outerjoin(User, User.id == JoinRequestNotice.chat_id)
        .where(JoinRequestNotice.request_id == request_id)
    )
    return [(notice, language) for notice, language in rows.all()]
