"""The web console's sign-ins and sessions, who may use it, and its record of changes. Tokens are
kept only as hashes (storage never sees a token itself)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupMember, GroupStatus, Role, User, WebChange, WebLogin, WebSession


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who is at the console, as the database says now: a coordinator, or the lead of `groups`."""

    id: int
    name: str
    role: Role
    language: str | None
    groups: frozenset[int]  # the groups they lead (for a coordinator: all, whatever this says)

    @property
    def coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    def may_lead(self, group_id: int | None) -> bool:
        return self.coordinator or (group_id is not None and group_id in self.groups)


async def console_user(session: AsyncSession, user_id: int) -> ConsoleUser | None:
    """The person if they may use the console now (a coordinator, or a member leading a group); else None."""
    user = await session.get(User, user_id, populate_existing=True)
    if user is None or user.role is Role.APPLICANT:
        return None
    led = frozenset(await session.scalars(select(GroupMember.group_id).where(
        GroupMember.user_id == user_id, GroupMember.lead.is_(True), GroupMember.status == GroupStatus.MEMBER)))
    if user.role is not Role.COORDINATOR and not led:
        return None
    return ConsoleUser(user.id, user.display_name, user.role, user.language, led)


async def add_login(session: AsyncSession, user_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None:
    session.add(WebLogin(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))
    # Spent and expired links are of no use to anyone: they go whenever a new one is made.
    await session.execute(delete(WebLogin).where(WebLogin.expires_at < now))


async def use_login(session: AsyncSession, token_hash: str, now: datetime) -> int | None:
    """Marks the link used and returns whose it is; None when it is unknown, used or expired. One
    UPDATE, so that two browsers opening the same link cannot both be signed in."""
    user_id = await session.scalar(select(WebLogin.user_id).where(WebLogin.token_hash == token_hash))
    used = await session.execute(update(WebLogin).where(
        WebLogin.token_hash == token_hash, WebLogin.used_at.is_(None), WebLogin.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    return user_id if used.rowcount == 1 else None


async def add_session(session: AsyncSession, id_hash: str, user_id: int, csrf: str, language: str,
                      now: datetime, idle_before: datetime) -> None:
    session.add(WebSession(id_hash=id_hash, user_id=user_id, csrf=csrf, language=language, created_at=now,
                           last_seen=now))
    await session.execute(delete(WebSession).where(WebSession.last_seen < idle_before))


@dataclass(frozen=True, slots=True)
class OpenSession:
    user_id: int
    csrf: str
    language: str


async def touch_session(session: AsyncSession, id_hash: str, now: datetime, idle_before: datetime) -> OpenSession | None:
    """The session if it was used since `idle_before`, now marked used; None when unknown or idle too long."""
    row = await session.scalar(select(WebSession).where(WebSession.id_hash == id_hash,
                                                        WebSession.last_seen >= idle_before))
    if row is None:
        return None
    row.last_seen = now
    return OpenSession(row.user_id, row.csrf, row.language)


async def set_session_language(session: AsyncSession, id_hash: str, language: str) -> None:
    await session.execute(update(WebSession).where(WebSession.id_hash == id_hash).values(language=language))


async def end_session(session: AsyncSession, id_hash: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))


async def record(session: AsyncSession, user: ConsoleUser, now: datetime, message: str, **values: object) -> None:
    """Notes a change made in the console, in the transaction that made it: the untranslated message
    and its values, so that each reader sees it in their language."""
    what = json.dumps({"message": message, "values": values}, ensure_ascii=False, default=str)
    session.add(WebChange(at=now, user_id=user.id, author_name=user.name[:200], what=what))


async def changes(session: AsyncSession, limit: int = 100) -> list[WebChange]:
    return list(await session.scalars(select(WebChange).order_by(WebChange.id.desc()).limit(limit)))
