"""One sender per database: a second `kpr-bot run` against the same database refuses to start,
so reminders and broadcasts can never go out twice from two processes.

PostgreSQL: a session-level advisory lock, held on a connection of its own for the process's
lifetime. SQLite: an exclusive `flock` on a file next to the database. Both are released by the
operating system or the server when the process dies, also by SIGKILL, so a crash never leaves a
stale lock behind.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import func, select

from storage.db import Database

log = logging.getLogger(__name__)

# Any fixed 64-bit number; other applications sharing the PostgreSQL database would have to pick
# the same one by accident. (0x4b5052 is "KPR".)
ADVISORY_KEY = 0x4B5052_0001
# A process killed a moment ago may still hold the lock for an instant (PostgreSQL ends its
# session when it notices the closed connection), so a restart right after a crash tries for a while.
WAIT = 5.0
RELEASE_WAIT = 1.0  # seconds


class AlreadyRunning(Exception):
    """Another process holds the database's sender lock; the message says which and where."""


@contextlib.asynccontextmanager
async def single_sender(db: Database, wait: float = WAIT) -> AsyncIterator[None]:
    if db.is_sqlite:
        path = db.engine.url.database
        if not path or path == ":memory:":
            yield  # a database nobody else can open needs no lock
            return
        async with _file_lock(Path(f"{path}.lock"), wait):
            yield
        return
    async with _advisory_lock(db, wait):
        yield


async def _retrying(attempt, wait: float):  # type: ignore[no-untyped-def]
    """Calls `attempt` until it does not raise AlreadyRunning, for at most `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return await attempt()
        except AlreadyRunning:
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def _file_lock(path: Path, wait: float) -> AsyncIterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    async def attempt() -> None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyRunning(f"another kpr-bot (pid {holder}) is already running against this database; "
                                 f"lock file {path}") from None

    try:
        await _retrying(attempt, wait)
        # The pid is for the message above; the file is never deleted, since deleting it while
        # another process waits to open it would let two processes hold "the" lock.
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(descriptor)  # closing releases the flock


@contextlib.asynccontextmanager
async def _advisory_lock(db: Database, wait: float) -> AsyncIterator[None]:
    # Autocommit: the connection must not sit "idle in transaction" for the bot's whole run.
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")

        async def attempt() -> None:
            if not await connection.scalar(select(func.pg_try_advisory_lock(ADVISORY_KEY))):
                raise AlreadyRunning("another kpr-bot is already running against this database "
                                     f"(PostgreSQL advisory lock {ADVISORY_KEY} is held)")

        await _retrying(attempt, wait)
        try:
            yield
        finally:
            try:
                # Not long: the server ends the lock with the session anyway, and a stop has a deadline.
                async with asyncio.timeout(RELEASE_WAIT):
                    await connection.execute(select(func.pg_advisory_unlock(ADVISORY_KEY)))
            except Exception as error:  # noqa: BLE001 - a database that does not answer now
                log.warning("Could not release the sender lock (%s); it ends with the connection",
                            type(error).__name__)
