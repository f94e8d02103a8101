"""The database handle: engine, one session per unit of work, SQLite set up for concurrent writers."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

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
        # Sent on the driver's connection directly: one trip to aiosqlite's thread instead of
        # three (cursor, execute, close), which adds up at a transaction per handled update.
        await_only(connection.connection.driver_connection.execute("BEGIN IMMEDIATE"))
