"""SQLite for SQLAlchemy's asyncio engine, run in the event loop's own thread.

SQLAlchemy's aiosqlite dialect hands every call on the connection to a thread of aiosqlite's own
and waits for the answer. For the bot's statements (a row or a few, by key, from a file the
operating system keeps in memory) SQLite's work takes microseconds; the hand-over between threads
and back through the event loop costs far more, and while a transaction waits for it, it holds
SQLite's single write lock, so every other update waits too. The connections made here do the
work in the calling thread instead: a transaction is over before any other coroutine runs. The
price is that a statement over many rows holds the event loop while it runs (queuing an
announcement to 10,000 people: about 40 ms), as it held the write lock before.

The one wait SQLite itself has is for the write lock while another process (the CLI) holds it.
Blocking there would stop the whole bot, so the connection does not wait inside SQLite
(busy_timeout 0) but sleeps in asyncio and tries again, for up to `busy_wait` seconds (the
database's timeout, storage.db).
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

_FIRST_PAUSE, _LONGEST_PAUSE = 0.001, 0.05  # seconds between tries, doubling
_T = TypeVar("_T")


async def connect(path: str, busy_wait: float) -> InlineConnection:
    """A connection to the database file at `path`, in autocommit mode: SQLAlchemy's "begin" event
    sends BEGIN itself (storage.db). It waits up to `busy_wait` seconds for another process's lock."""
    # The pool may hand a connection to another thread's event loop (one per test, say); only one
    # coroutine at a time ever uses it, which is what the check would protect.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout=0")
    return InlineConnection(connection, busy_wait)


async def _patiently(call: Callable[[], _T], busy_wait: float) -> _T:
    """`call`'s result; while another process holds the write lock, tried again after a pause."""
    deadline = time.monotonic() + busy_wait
    pause = _FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _worth_waiting(error) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


def _worth_waiting(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes (Python reports those): another connection holds a lock
    for now. Not BUSY_SNAPSHOT: a transaction that read an old snapshot cannot write, however long
    it waits (storage.db begins every transaction IMMEDIATE, so it should not happen)."""
    code = error.sqlite_errorcode
    return code & 0xFF == sqlite3.SQLITE_BUSY and code != sqlite3.SQLITE_BUSY_SNAPSHOT


class InlineConnection:
    """The part of aiosqlite.Connection that SQLAlchemy's aiosqlite dialect uses. Not its way of
    changing the isolation level (a queue of calls), which nothing here does: every transaction
    begins with BEGIN IMMEDIATE (storage.db)."""

    def __init__(self, connection: sqlite3.Connection, busy_wait: float) -> None:
        # The dialect reads `_connection` of aiosqlite's connection by name.
        self._conn = connection
        self._connection = connection
        self._busy_wait = busy_wait

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self._busy_wait)

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """SQLAlchemy registers REGEXP on every new connection."""
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await _patiently(self._conn.commit, self._busy_wait)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()


class InlineCursor:
    """The part of aiosqlite.Cursor that SQLAlchemy's asyncio adapter uses for ordinary statements;
    not what server-side cursors (`stream()`, `yield_per`) would need, which nothing here uses."""

    def __init__(self, cursor: sqlite3.Cursor, busy_wait: float) -> None:
        self._cursor = cursor
        self._busy_wait = busy_wait

    async def __aenter__(self) -> InlineCursor:
        return self

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await _patiently(lambda: self._cursor.execute(sql, parameters), self._busy_wait)
        return self

    async def executemany(self, sql: str, parameters: Any) -> InlineCursor:
        await _patiently(lambda: self._cursor.executemany(sql, parameters), self._busy_wait)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def fetchone(self) -> Any:
        """The next row, at once: the rows are already here (not part of aiosqlite's interface)."""
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()
