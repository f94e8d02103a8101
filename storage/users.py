"""Users and roles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.db import Database
from storage.models import Role, User


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def ensure(session: AsyncSession, user_id: int, display_name: str, language: str, now: datetime) -> User:
    """The user's row, created on first contact (as applicant, in `language`); the name kept current."""
    user = await session.get(User, user_id)
    if user is None:
        # Insert-or-ignore: two first updates of one user can race only across processes,
        # but a unique key must never turn into an error for the user.
        new = upsert.insert(session, User).values(
            id=user_id, display_name=display_name[:200], language=language, role=Role.APPLICANT, first_seen=now
        )
        await session.execute(new.on_conflict_do_nothing(index_elements=["id"]))
        user = await session.get(User, user_id)
        assert user is not None
    else:
        if user.display_name != display_name[:200]:
            user.display_name = display_name[:200]
        if user.language is None:
            # Seeded before they ever wrote (COORDINATOR_IDS, the CLI): the bot learns their language now,
            # so that messages it sends them on its own speak it too.
            user.language = language
    if user.unreachable_since is not None:
        user.unreachable_since = None  # they wrote to us, so they can be reached again
    return user


# What handlers read of the account of the person an update is from; the rest stays unloaded.
_ACCOUNT = ("SELECT id, display_name, language, role, news, unreachable_since IS NOT NULL "
            "FROM users WHERE id = :id")


@dataclass
class Account:
    """What handlers read of the person an update is from, as the User row has it: a plain object,
    because making a User of the ORM for every update cost more than reading the row."""

    id: int
    display_name: str
    language: str | None
    role: Role
    news: bool | None = None


def _account(row: tuple) -> Account:
    return Account(id=row[0], display_name=row[1], language=row[2], role=Role(row[3]),
                   news=None if row[4] is None else bool(row[4]))


async def account(db: Database, user_id: int) -> Account | None:
    """The account as stored now, or None: get() for every update, in one plain read."""
    row = await db.fetch_one(_ACCOUNT, id=user_id)
    return None if row is None else _account(row)


async def current_account(db: Database, user_id: int, display_name: str, language: str,
                          now: datetime) -> Account | User:
    """ensure() for every update: most of the time nothing needs writing and one plain read does."""
    row = await db.fetch_one(_ACCOUNT, id=user_id)
    if row is None or row[1] != display_name[:200] or row[2] is None or row[5]:
        async with db.begin() as session:
            return await ensure(session, user_id, display_name, language, now)
    return _account(row)


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def set_role(session: AsyncSession, user_id: int, role: Role) -> None:
    await session.execute(update(User).where(User.id == user_id).values(role=role))


async def ensure_coordinator(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Makes a (possibly never seen) user a coordinator; True when something changed."""
    user = await session.get(User, user_id)
    if user is None:
        session.add(User(id=user_id, display_name=str(user_id), role=Role.COORDINATOR, first_seen=now))
        return True
    if user.role is not Role.COORDINATOR:
        user.role = Role.COORDINATOR
        return True
    return False


async def count_with_role(session: AsyncSession, role: Role) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(User.role == role)) or 0


async def with_role(session: AsyncSession, role: Role) -> list[User]:
    result = await session.scalars(select(User).where(User.role == role).order_by(User.display_name, User.id))
    return list(result)


async def page_of_members(session: AsyncSession, offset: int, limit: int) -> tuple[list[User], int]:
    """Members and coordinators, coordinators first, by name; and how many there are in all."""
    council = User.role.in_([Role.MEMBER, Role.COORDINATOR])
    total = await session.scalar(select(func.count()).select_from(User).where(council)) or 0
    rows = await session.scalars(
        select(User)
        .where(council)
        .order_by((User.role == Role.COORDINATOR).desc(), User.display_name, User.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def mark_unreachable(session: AsyncSession, user_ids: list[int], now: datetime) -> None:
    """Telegram said these users blocked the bot: audiences skip them until they write again."""
    await session.execute(update(User).where(User.id.in_(user_ids), User.unreachable_since.is_(None))
                          .values(unreachable_since=now).execution_options(synchronize_session=False))


async def set_news(session: AsyncSession, user_id: int, wanted: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(news=wanted))


def wants_news(user: Account | User) -> bool:
    if user.news is not None:
        return user.news
    return user.role in (Role.MEMBER, Role.COORDINATOR)
