"""Users and roles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from bot.rules.roles import RoleChange
from storage import outbox, upsert
from storage.db import Database
from storage.models import CoordinatorSeed, DeliveryKind, Role, User


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def ensure(session: AsyncSession, user_id: int, display_name: str, language: str, now: datetime) -> Account:
    """The user's account, created on first contact (as applicant, in `language`), with the name
    kept current and marked reachable (they wrote to us). Someone seeded before they ever wrote
    (COORDINATOR_IDS, the CLI) has no language yet: the bot learns it now, so that messages it sends
    them on its own speak it too. One statement, which no race between two first updates of one
    person (in two processes) can turn into an error."""
    new = upsert.insert(session, User).values(id=user_id, display_name=display_name[:200], language=language,
                                              role=Role.APPLICANT, first_seen=now, last_seen=now.date())
    row = (await session.execute(new.on_conflict_do_update(index_elements=["id"], set_={
        "display_name": new.excluded.display_name, "language": func.coalesce(User.language, new.excluded.language),
        "unreachable_since": None, "last_seen": new.excluded.last_seen,
    }).returning(User.id, User.display_name, User.language, User.role, User.news))).one()
    return Account(id=row.id, display_name=row.display_name, language=row.language, role=row.role, news=row.news)


# What handlers read of the account of the person an update is from; the rest stays unloaded.
_ACCOUNT = ("SELECT id, display_name, language, role, news, unreachable_since IS NOT NULL, last_seen "
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


async def current_account(db: Database, user_id: int, display_name: str, language: str, now: datetime) -> Account:
    """ensure() for every update: most of the time nothing needs writing and one plain read does."""
    row = await db.fetch_one(_ACCOUNT, id=user_id)
    # The day last seen as the driver gives it (a date, or SQLite's "YYYY-MM-DD"): written once a day.
    seen_today = row is not None and str(row[6])[:10] == now.date().isoformat()
    if row is None or row[1] != display_name[:200] or row[2] is None or row[5] or not seen_today:
        async with db.begin() as session:
            return await ensure(session, user_id, display_name, language, now)
    return _account(row)


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def set_role(session: AsyncSession, user_id: int, role: Role) -> None:
    await session.execute(update(User).where(User.id == user_id).values(role=role))


async def set_organisation(session: AsyncSession, user_id: int, organisation: str | None) -> bool:
    """Whom the person speaks for (None: not known); False when nobody has this id."""
    result = await session.execute(update(User).where(User.id == user_id).values(organisation=organisation)
                                   .execution_options(synchronize_session=False))
    return result.rowcount == 1


async def change_role(session: AsyncSession, user_id: int, role: Role, *, check_only: bool = False) -> RoleChange:
    """Gives the person `role`, unless they have it or it would take the last coordinator's away;
    with `check_only`, only says what it would do. Every role change made by a person (/members,
    `kpr-bot coordinators remove`) goes through here."""
    last = await is_last_coordinator(session, user_id)  # first: a coordinator's role then stays as read
    current = await session.scalar(select(User.role).where(User.id == user_id))
    if current is None:
        return RoleChange.UNKNOWN
    if current is role:
        return RoleChange.UNCHANGED
    if last:
        return RoleChange.LAST_COORDINATOR
    if not check_only:
        await set_role(session, user_id, role)
    return RoleChange.CHANGED


async def is_last_coordinator(session: AsyncSession, user_id: int) -> bool:
    """Whether `user_id` is the only coordinator, asked before anything takes a coordinator's role
    away (a role change, an erasure), in the same transaction: the answer holds until it ends."""
    return await lock_coordinators(session) == [user_id]


async def lock_coordinators(session: AsyncSession) -> list[int]:
    """The coordinators' ids, their rows locked until the transaction ends, so that nobody else's
    transaction can change who coordinates meanwhile.

    Two coordinators demoting each other at the same moment on PostgreSQL would otherwise each see
    the other still there, and both demotions would leave none; now the second waits for the first
    to commit and then counts one. (On SQLite every transaction takes the write lock when it
    begins, so they are one after the other anyway; it knows no FOR UPDATE.) Ordered, so that two
    transactions lock the rows in the same order and never deadlock."""
    return list(await session.scalars(
        select(User.id).where(User.role == Role.COORDINATOR).order_by(User.id).with_for_update()))


async def tell_new_role(session: AsyncSession, user_id: int, role: Role, now: datetime) -> None:
    """Queues the news of their new role for the person, in the transaction that changed it."""
    await outbox.enqueue(session, DeliveryKind.ROLE, just(user_id), now=now, payload={"role": role.value})


def just(user_id: int) -> Select:
    """The audience of a message to one person (storage.outbox.enqueue)."""
    return select(User.id).where(User.id == user_id)


def reachable_coordinators() -> Select:
    """The audience of what every coordinator gets (questions, join requests): those Telegram can reach."""
    return select(User.id).where(User.role == Role.COORDINATOR, User.unreachable_since.is_(None))


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


async def seed_coordinator(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Makes an id of COORDINATOR_IDS a coordinator the first time the bot sees it there, and
    never again, so that a coordinator demoted in the bot stays demoted across restarts. True when
    it changed someone's role."""
    if await session.get(CoordinatorSeed, user_id) is not None:
        return False
    changed = await ensure_coordinator(session, user_id, now)
    # A statement, not session.add: it flushes the new user first, which the seed refers to.
    await session.execute(insert(CoordinatorSeed).values(user_id=user_id, seeded_at=now))
    return changed


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
