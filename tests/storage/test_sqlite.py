"""SQLite run in the event loop's thread (storage/sqlite.py): another process holding the write
lock must not stop the bot, and a lock held too long is an error, not a hang."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from storage import users
from storage.db import Database

from tests.storage.test_storage import NOW


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await database.migrate()
    yield database
    await database.dispose()


def _other_process_writes(path: Path) -> sqlite3.Connection:
    """A connection that has taken the write lock, as `kpr-bot coordinators add` does for a moment."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_the_bot_keeps_running_while_another_process_holds_the_write_lock(sqlite_db: Database,
                                                                              tmp_path: Path) -> None:
    other = _other_process_writes(tmp_path / "bot.db")
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


async def test_a_write_lock_held_too_long_is_an_error_not_a_hang(tmp_path: Path) -> None:
    sqlite_db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", timeout=0.3)
    await sqlite_db.migrate()
    other = _other_process_writes(tmp_path / "bot.db")
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
