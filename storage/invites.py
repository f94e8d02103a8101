"""Invite codes for deep links; a use is taken atomically in SQL, never read-then-written."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite, User


async def create(
    session: AsyncSession, code: str, created_by: int, max_uses: int, now: datetime, expires_at: datetime
) -> Invite:
    invite = Invite(code=code, created_by=created_by, max_uses=max_uses, uses=0, created_at=now, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def take_use(session: AsyncSession, code: str, now: datetime) -> bool:
    """Counts one use if the code exists, has uses left, has not expired and was not revoked; True if it did."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.uses < Invite.max_uses, Invite.expires_at > now,
               Invite.revoked_at.is_(None))
        .values(uses=Invite.uses + 1)
    )
    return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class ActiveInvite:
    """A link that still makes members: for /invite's list."""

    code: str
    max_uses: int
    uses_left: int
    expires_at: datetime
    made_by: str | None  # None: the coordinator who made it has erased their data


async def active(session: AsyncSession, now: datetime) -> list[ActiveInvite]:
    """Links with uses left, not expired, not revoked; the newest first."""
    rows = await session.execute(
        select(Invite.code, Invite.max_uses, Invite.uses, Invite.expires_at, User.display_name)
        .outerjoin(User, User.id == Invite.created_by)
        .where(Invite.uses < Invite.max_uses, Invite.expires_at > now, Invite.revoked_at.is_(None))
        .order_by(Invite.created_at.desc(), Invite.code))
    return [ActiveInvite(row.code, row.max_uses, row.max_uses - row.uses, row.expires_at, row.display_name)
            for row in rows]


async def revoke(session: AsyncSession, code: str, now: datetime) -> bool:
    """Ends a link at once; False when it was revoked already or is unknown."""
    result = await session.execute(update(Invite).where(Invite.code == code, Invite.revoked_at.is_(None))
                                   .values(revoked_at=now))
    return result.rowcount == 1


class Refusal(enum.Enum):
    """Why a link made nobody a member."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used_up"


async def why_refused(session: AsyncSession, code: str, now: datetime) -> tuple[Refusal, str | None]:
    """Why take_use() refused the code, and who made it (whom to ask for a new one; None: unknown)."""
    row = (await session.execute(
        select(Invite.revoked_at, Invite.expires_at, User.display_name)
        .outerjoin(User, User.id == Invite.created_by).where(Invite.code == code))).one_or_none()
    if row is None:
        return Refusal.UNKNOWN, None
    if row.revoked_at is not None:
        return Refusal.REVOKED, row.display_name
    return (Refusal.EXPIRED if row.expires_at <= now else Refusal.USED_UP), row.display_name
