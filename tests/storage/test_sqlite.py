"""SQLite for a bot with many chats at once and a CLI beside it: writers take turns without "database
is locked", another process holding the write lock neither stops the bot nor makes it wait for good,
and reads go on while someone writes."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from storage import users
from storage.db import Database
from storage.models import CoordinatorSeed, Role, User
from tests.storage.test_storage import NOW


def _file(database: Database) -> Path:
    return Path(database.engine.url.database or "")


def _other_process_writes(path: Path) -> sqlite3.Connection:
    """A connection that has taken the write lock, as `kpr-bot coordinators add` does for a moment."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_the_bot_keeps_running_while_another_process_holds_the_write_lock(sqlite_db: Database) -> None:
    other = _other_process_writes(_file(sqlite_db))
    ticks = 0

    async def event_loop_alive() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with sqlite_db.begin() as session:
            await users.ensure(session, 41, "Ali", "de", NOW)

    alive = asyncio.create_task(event_loop_alive())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done(), "the write should wait for the other process"
    assert ticks >= 10, f"the event loop ran only {ticks} times in 0.3 s: SQLite blocked it"
    assert await users.account(sqlite_db, 41) is None  # reading never waits for the writer
    other.commit()
    await asyncio.wait_for(writing, 2)
    alive.cancel()
    other.close()
    assert (await users.account(sqlite_db, 41)).display_name == "Ali"


async def test_a_write_lock_held_too_long_is_an_error_not_a_hang(sqlite_url: str) -> None:
    sqlite_db = Database(sqlite_url, timeout=0.3)
    other = _other_process_writes(_file(sqlite_db))
    began = time.monotonic()
    try:
        with pytest.raises(Exception, match="database is locked"):
            async with sqlite_db.begin() as session:
                await users.ensure(session, 42, "Bo", "de", NOW)
    finally:
        other.close()
    assert 0.2 < time.monotonic() - began < 2
    async with sqlite_db.begin() as session:  # the lock given back, the next write goes through
        await users.ensure(session, 42, "Bo", "de", NOW)
    assert (await users.account(sqlite_db, 42)).display_name == "Bo"
    await sqlite_db.dispose()


async def test_the_bot_and_the_cli_demoting_at_once_leave_a_coordinator(sqlite_db: Database, sqlite_url: str) -> None:
    """Each reads who coordinates and then writes: were both to read before either wrote, both would
    demote (or one would fail with "database is locked"). Every transaction takes the write lock as it
    begins, so the second reads what the first wrote."""
    cli = Database(sqlite_url)  # a database of its own, as another process has
    async with sqlite_db.begin() as session:
        for person in (1, 2):
            await users.ensure(session, person, f"Coordinator {person}", "de", NOW)
            await users.set_role(session, person, Role.COORDINATOR)
    has_read = {1: asyncio.Event(), 2: asyncio.Event()}

    async def demote(db: Database, person: int, other: int) -> bool:
        async with db.begin() as session:
            last = await users.is_last_coordinator(session, person)
            has_read[person].set()
            # Room for the other to read now, were it let in.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(has_read[other].wait(), 0.3)
            if not last:
                await users.set_role(session, person, Role.MEMBER)
            return not last

    try:
        demoted = await asyncio.gather(demote(sqlite_db, 1, 2), demote(cli, 2, 1))
    finally:
        await cli.dispose()
    assert sorted(demoted) == [False, True]
    async with sqlite_db.begin() as session:
        assert len(await users.lock_coordinators(session)) == 1


async def test_many_chats_write_at_once_without_database_is_locked(sqlite_db: Database, sqlite_url: str) -> None:
    cli = Database(sqlite_url)

    async def first_update(db: Database, person: int) -> None:
        await users.current_account(db, person, f"Person {person}", "de", NOW)

    try:
        await asyncio.gather(*(first_update(sqlite_db if person % 4 else cli, person) for person in range(100, 180)))
    finally:
        await cli.dispose()
    for person in range(100, 180):
        assert (await users.account(sqlite_db, person)).display_name == f"Person {person}"


async def test_reads_go_on_while_a_write_is_under_way(sqlite_db: Database) -> None:
    async with sqlite_db.begin() as session:
        await users.ensure(session, 7, "Old name", "de", NOW)
    async with sqlite_db.begin() as session:
        await session.execute(update(User).where(User.id == 7).values(display_name="New name"))
        # Many updates at once, each reading its account (the first of them opening the reader):
        # none waits for this transaction, and all see what was committed, not what is under way.
        accounts = await asyncio.wait_for(asyncio.gather(*(users.account(sqlite_db, 7) for _ in range(50))), 2)
    assert {account.display_name for account in accounts} == {"Old name"}
    assert (await users.account(sqlite_db, 7)).display_name == "New name"


async def test_the_database_is_in_wal_mode(sqlite_db: Database) -> None:
    """WAL: readers are not held up by the writer, and a crash leaves no half-written page."""
    async with sqlite_db.begin() as session:
        await users.ensure(session, 8, "Someone", "de", NOW)
    with contextlib.closing(sqlite3.connect(_file(sqlite_db))) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_what_belongs_to_an_account_goes_with_it(sqlite_db: Database) -> None:
    """SQLite keeps foreign keys only when asked to, on every connection."""
    async with sqlite_db.begin() as session:
        await users.ensure(session, 8, "Someone", "de", NOW)
        session.add(CoordinatorSeed(user_id=8, seeded_at=NOW))
    async with sqlite_db.begin() as session:
        await session.execute(delete(User).where(User.id == 8))
    async with sqlite_db.begin() as session:
        assert await session.scalar(select(func.count()).select_from(CoordinatorSeed)) == 0


async def test_a_disposed_database_leaves_no_thread_that_keeps_the_process_alive(sqlite_url: str) -> None:
    before = set(threading.enumerate())
    database = Database(sqlite_url)
    await asyncio.gather(*(users.account(database, person) for person in range(20)))
    async with database.read() as session:
        await session.scalar(select(func.count()).select_from(User))
    async with database.begin() as session:
        await users.ensure(session, 9, "Someone", "de", NOW)
    await database.dispose()
    await asyncio.sleep(0.1)
    left = [thread for thread in set(threading.enumerate()) - before if not thread.daemon and thread.is_alive()]
    assert not left, f"{len(left)} threads would keep the process from ending"
