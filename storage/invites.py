"""Invite codes for deep links; a use is taken atomically in SQL, never read-then-written."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite


async def create(
    session: AsyncSession, code: str, created_by: int, max_uses: int, now: datetime, expires_at: datetime
) -> Invite:
    invite = Invite(code=code, created_by=created_by, max_uses=max_uses, uses=0, created_at=now, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def take_use(session: AsyncSession, code: str, now: datetime) -> bool:
    """Counts one use if the code exists, has uses left and has not expired; True if it did."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.uses < Invite.max_uses, Invite.expires_at > now)
        .values(uses=Invite.uses + 1)
    )
    return result.rowcount == 1
