"""The database handle: engine, one session per unit of work, SQLite set up for concurrent writers."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only


class Database:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Every unit of work ends its transaction itself (Database.begin), so the pool need not
        # roll back once more when a connection comes back: one round trip less per transaction.
        self.engine = create_async_engine(url, pool_pre_ping=not self.is_sqlite, pool_reset_on_return=None)
        if self.is_sqlite:
            _configure_sqlite(self.engine.sync_engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queuing writers here, fairly and without polling,
        # beats SQLite's busy handler, which sleeps in growing steps under contention.
        # PostgreSQL handles concurrent transactions itself.
        self._sqlite_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits on success, rolls back on error. Never await Telegram inside."""
        async with self._sqlite_lock or contextlib.nullcontext():
            async with self.sessions.begin() as session:
                yield session

    async def migrate(self) -> None:
        from storage.migrate import upgrade_to_head

        await upgrade_to_head(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(sync_engine: object) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Every statement in one trip to aiosqlite's thread (see _OneTripConnection); the class
        # adds methods only, so the connection SQLAlchemy opened can simply become one.
        dbapi_connection.driver_connection.__class__ = _OneTripConnection
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the driver's implicit one is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction can never
        # fail half way with "database is locked" when another process wrote in between.
        # Sent on the driver's connection directly, past SQLAlchemy's cursor machinery, which adds
        # up at a transaction per handled update.
        await_only(connection.connection.driver_connection.execute("BEGIN IMMEDIATE"))


class _OneTripConnection(aiosqlite.Connection):
    """aiosqlite runs each call on the sqlite3 connection in a thread of its own, and SQLAlchemy makes
    four such calls for a query (open a cursor, execute, fetch the rows, close) and three for a
    change. Each is a hand-over between threads that costs the event loop more than SQLite's own
    work, and while a transaction waits for them it holds SQLite's single write lock. Its cursors
    do all of it in one call: benchmarks/updates.py handles a fifth more updates a second so."""

    def cursor(self) -> _OneTripCursor:  # type: ignore[override]
        return _OneTripCursor(self)


class _OneTripCursor:
    """What SQLAlchemy's aiosqlite adapter uses of a cursor; `execute` brings the rows along."""

    arraysize = 1

    def __init__(self, connection: _OneTripConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> _OneTripCursor:
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> _OneTripCursor:
        await self._run(sqlite3.Cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> _OneTripCursor:
        await self._run(sqlite3.Cursor.executemany, sql, parameters)
        return self

    async def _run(self, method: Any, sql: str, parameters: Any) -> None:
        def in_thread() -> tuple[Any, list[Any], int, int | None]:
            cursor = self._connection._conn.cursor()
            try:
                method(cursor, sql, parameters)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        self.description, self._rows, self.rowcount, self.lastrowid = await self._connection._execute(in_thread)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def close(self) -> None:
        self._rows = []
