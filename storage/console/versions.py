"""The versions of the content file: the file the bot was started with, and each change made in the
web console; the newest is what the bot says."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContentVersion

FILE, CONSOLE = "file", "console"


async def newest(session: AsyncSession, origin: str | None = None) -> ContentVersion | None:
    query = select(ContentVersion).order_by(ContentVersion.id.desc()).limit(1)
    if origin is not None:
        query = query.where(ContentVersion.origin == origin)
    return await session.scalar(query)


async def get(session: AsyncSession, version_id: int) -> ContentVersion | None:
    return await session.get(ContentVersion, version_id)


async def listing(session: AsyncSession, limit: int = 200) -> list[ContentVersion]:
    return list(await session.scalars(select(ContentVersion).order_by(ContentVersion.id.desc()).limit(limit)))


async def before(session: AsyncSession, version_id: int) -> ContentVersion | None:
    return await session.scalar(select(ContentVersion).where(ContentVersion.id < version_id)
                                .order_by(ContentVersion.id.desc()).limit(1))


async def add(session: AsyncSession, text: str, *, origin: str, now: datetime, author_id: int | None = None,
              author_name: str = "", note: str = "") -> ContentVersion:
    version = ContentVersion(text=text, origin=origin, created_at=now, author_id=author_id,
                             author_name=author_name[:200], note=note[:300])
    session.add(version)
    await session.flush()
    return version
