"""One sender per database: a second `kpr-bot run` against the same database refuses to start,
so reminders and broadcasts can never go out twice from two processes.

PostgreSQL: a session-level advisory lock, held on a connection of its own for the process's
lifetime. SQLite: an exclusive `flock` on a file next to the database. Both are released by the
operating system or the server when the process dies, also by SIGKILL, so a crash never leaves a
stale lock behind.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

from storage.db import Database

# Any fixed 64-bit number; other applications sharing the PostgreSQL database would have to pick
# the same one by accident. (0x4b5052 is "KPR".)
ADVISORY_KEY = 0x4B5052_0001


class AlreadyRunning(Exception):
    """Another process holds the database's sender lock; the message says which and where."""


@contextlib.asynccontextmanager
async def single_sender(db: Database) -> AsyncIterator[None]:
    if db.is_sqlite:
        path = db.engine.url.database
        if not path or path == ":memory:":
            yield  # a database nobody else can open needs no lock
            return
        with _file_lock(Path(f"{path}.lock")):
            yield
        return
    async with _advisory_lock(db):
        yield


@contextlib.contextmanager
def _file_lock(path: Path):  # type: ignore[no-untyped-def]
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            raise AlreadyRunning(f"another kpr-bot (pid {holder}) is already running against this database; "
                                 f"lock file {path}") from None
        # The pid is for the message above; the file is never deleted, since deleting it while
        # another process waits to open it would let two processes hold "the" lock.
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        yield
    finally:
        os.close(descriptor)  # closing releases the flock


@contextlib.asynccontextmanager
async def _advisory_lock(db: Database) -> AsyncIterator[None]:
    # Autocommit: the connection must not sit "idle in transaction" for the bot's whole run.
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        held = (await connection.execute(text("select pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})).scalar()
        if not held:
            raise AlreadyRunning("another kpr-bot is already running against this database "
                                 f"(PostgreSQL advisory lock {ADVISORY_KEY} is held)")
        try:
            yield
        finally:
            await connection.execute(text("select pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
