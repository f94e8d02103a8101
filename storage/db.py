"""The database handle: engine, one session per unit of work, SQLite set up for concurrent writers."""
from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import Result, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.sql import Executable

# Seconds any one wait on the database may take: a statement, a connection, SQLite's write lock.
# The bot's statements take milliseconds; a wait far longer means the database is in trouble.
DEFAULT_TIMEOUT = 5.0
# Seconds the connections get to close at the end: a stop has a deadline, and a connection that
# does not answer its goodbye is closed with the process anyway.
CLOSE_WAIT = 2.0
# Seconds after which a pooled PostgreSQL connection is replaced, so that none lives on for days
# through whatever a firewall or a failover did to it meanwhile.
POOL_RECYCLE = 1800
# SQLite connections (each with a thread) for read(): cards and lists shown at the same time.
READERS = 2


class Database:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            with contextlib.suppress(OSError):  # why_unusable says so, where it matters
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self._sqlite_path = parsed.database or ":memory:"
        self.timeout = timeout
        # Every unit of work ends its transaction itself (Database.begin), so the pool need not
        # roll back once more when a connection comes back: one round trip less per transaction.
        # Errors name the statement but not its values, which are people's names and texts: an
        # error is logged with its message.
        if self.is_sqlite:
            # A pool that keeps its connections, whichever SQLAlchemy 2.0 release picks what
            # (before 2.0.38 a file got a new connection, and with it a new thread, per checkout).
            pool = {"poolclass": AsyncAdaptedQueuePool} if self._sqlite_path != ":memory:" else {}
            self.engine = create_async_engine(url, pool_reset_on_return=None, hide_parameters=True, **pool)
            _configure_sqlite(self.engine.sync_engine, timeout, begin="BEGIN IMMEDIATE")
            # Readers of their own, for read(): in WAL mode a reader sees the last commit and
            # neither waits for the writer nor holds it up. (A second connection to an in-memory
            # database would see another database, so there read() shares the writer's.)
            if pool:
                self._read_engine = create_async_engine(url, pool_reset_on_return=None, hide_parameters=True,
                                                        pool_size=READERS, max_overflow=0, pool_timeout=timeout,
                                                        **pool)
                _configure_sqlite(self._read_engine.sync_engine, timeout, begin="BEGIN", query_only=True)
            else:
                self._read_engine = self.engine
        else:
            # The pre-ping finds a connection that died while idle in the pool before a statement
            # does; the ping, like every statement, is bounded by the timeout.
            self.engine = create_async_engine(url, pool_pre_ping=True, pool_recycle=POOL_RECYCLE,
                                              pool_reset_on_return=None, hide_parameters=True,
                                              connect_args=_postgres_bounds(timeout))
            _discard_timed_out_connections(self.engine.sync_engine)
            # One snapshot throughout, and no write by mistake.
            self._read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ",
                                                              postgresql_readonly=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queuing this process's writers here, fairly and without
        # polling, beats SQLite's busy handler, which sleeps in growing steps; the busy handler is
        # left for other processes (the CLI).
        # PostgreSQL handles concurrent transactions itself.
        self._sqlite_lock = asyncio.Lock() if self.is_sqlite else None
        self._reader: aiosqlite.Connection | None = None  # for fetch_one, opened on first use
        self._reader_opening = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits on success, rolls back on error. Never await Telegram inside."""
        async with self._sqlite_lock or contextlib.nullcontext(), self.sessions.begin() as session:
            yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads, and sees one state of the database throughout.

        On SQLite it neither waits for this process's writer nor keeps it waiting: a transaction
        that holds the writer waits for the event loop at every statement, and every update behind
        it waits too, so what only shows things (cards, lists) reads beside it. It refuses writes."""
        if self._read_engine is self.engine and self._sqlite_lock is not None:
            async with self.begin() as session:  # in-memory: one database, one connection
                yield session
            return
        async with self._read_sessions.begin() as session:
            yield session

    async def fetch_one(self, sql: str, **parameters: Any) -> tuple | None:
        """The first row of a query, in SQL both databases understand, with `:name` parameters.

        For the reads done on every update: SQLAlchemy's session costs some ten times what SQLite
        needs for a row by key, and its aiosqlite dialect goes to aiosqlite's thread four times per
        statement. On SQLite the statement goes to an aiosqlite connection of its own, in one trip,
        outside any transaction, so it sees everything committed and never waits for the writer.
        Values come back as the driver gives them: no dates, enums or JSON, which differ between
        the two databases."""
        # (A second connection to an in-memory database would see another database.)
        if not self.is_sqlite or self._sqlite_path == ":memory:":
            async with self.engine.connect() as connection:
                row = (await connection.execute(text(sql), parameters)).first()
            return None if row is None else tuple(row)
        reader = self._reader or await self._open_reader()
        # Fetched to the end in one trip to aiosqlite's thread: an unfinished statement would keep
        # the reader on an old snapshot.
        rows = await reader.execute_fetchall(sql, parameters)
        return next(iter(rows), None)

    async def _open_reader(self) -> aiosqlite.Connection:
        async with self._reader_opening:  # one reader, however many updates ask for it at once
            if self._reader is None:
                reader = await aiosqlite.connect(self._sqlite_path, timeout=self.timeout)
                await reader.execute_fetchall("PRAGMA query_only=ON")
                self._reader = reader
            return self._reader

    async def why_unusable(self) -> str | None:
        """Why the bot could not work with this database, in a line for the operator, or None.

        Asked at start (`kpr-bot run`) and by `kpr-bot health`, so that a read-only file or folder,
        or a server that does not answer, is named as such rather than ending in a traceback at
        the first write. Writes nothing (but creates a missing SQLite file, as the migrations would)."""
        if self.is_sqlite:
            if self._sqlite_path == ":memory:":
                return None
            path = Path(self._sqlite_path)
            # os.access also sees what stops root: a read-only mount, an immutable file.
            if not path.parent.is_dir():
                return f"the folder {path.parent} of the database file does not exist and cannot be created"
            if not os.access(path.parent, os.W_OK):
                return f"the folder {path.parent} is read-only; SQLite writes its journal there beside the database file"
            if path.exists() and not os.access(path, os.W_OK):
                return f"the database file {path} is read-only"
        try:
            async with asyncio.timeout(self.timeout), self.engine.begin() as connection:
                # SQLite: every transaction begins by taking the write lock (the "begin" event
                # below), which only a writable file gives. PostgreSQL: a standby, or a database
                # set read-only, refuses every write.
                read_only = None if self.is_sqlite else await connection.scalar(text("SHOW transaction_read_only"))
        except (OSError, TimeoutError) as error:
            if self.is_sqlite:
                return f"the database file {self._sqlite_path} cannot be used ({_first_line(error)})"
            url = self.engine.url
            return f"the database server at {url.host}:{url.port or 5432} does not answer ({_first_line(error)})"
        except Exception as error:  # noqa: BLE001 - whatever it is, the line names it
            return f"the database cannot be used ({_first_line(error)})"
        if read_only == "on":
            return "the PostgreSQL database accepts no writes (transaction_read_only is on: a standby?)"
        return None

    async def migrate(self) -> None:
        from storage.migrate import upgrade_to_head

        await upgrade_to_head(self.engine)

    async def dispose(self) -> None:
        """Closes the connections, waiting CLOSE_WAIT seconds at most. (The reader's thread would
        keep the process from ending until it is closed.)"""
        reader, self._reader = self._reader, None
        try:
            async with asyncio.timeout(CLOSE_WAIT):
                if reader is not None:
                    await reader.close()
                await self.engine.dispose()
                if self.is_sqlite and self._read_engine is not self.engine:
                    await self._read_engine.dispose()
        except TimeoutError:
            await self.engine.dispose(close=False)  # those still open end with the process
            if self.is_sqlite:
                await self._read_engine.dispose(close=False)


async def run(session: AsyncSession, statement: Executable, **parameters: Any) -> Result:
    """A Core statement on the session's connection, in its transaction, past the ORM.

    For the statements of every update: build them once, on the tables, with bindparam() for the
    values. The ORM costs about a millisecond per statement; SQLAlchemy Core works out a statement's
    cache key once per statement object, so a statement built anew for every call pays that again,
    which for a query with subqueries cost more than running it. Past the ORM means without its
    autoflush too: objects changed in the session are not written first."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)


def _first_line(error: BaseException) -> str:
    """The error's kind and the first line of what it says: SQLAlchemy adds the statement and a
    link on further lines."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else 'no details'}"


def _discard_timed_out_connections(sync_engine: Any) -> None:
    """A connection on which a statement timed out is in a state nobody knows (the statement may
    still run, the network may have dropped it silently): it is treated as disconnected, so the
    pool drops it, and the next unit of work gets a fresh one instead of an error from it."""

    @event.listens_for(sync_engine, "handle_error")
    def _on_error(context: Any) -> None:
        if isinstance(context.original_exception, (TimeoutError, ConnectionError, OSError)):
            context.is_disconnect = True


def _postgres_bounds(timeout: float) -> dict[str, Any]:
    """asyncpg's arguments that bound every wait on PostgreSQL.

    A connection the network silently dropped (a server that lost power, a firewall that forgot
    the connection) never answers and never closes; without a bound, whatever waits on it waits for
    good. asyncpg has no option for TCP keepalive on its side, and a socket option would need its
    private transport; it needs none: `command_timeout` bounds every statement, the pool's ping
    and the closing of a connection, `timeout` the making of one. What the settings below add is
    for the server: it ends the session of a bot it no longer hears from (keepalive) or that left a
    transaction open (idle timeout), so that locks such a session holds (rows locked for update,
    the sender lock of storage.lock) are given back."""
    seconds = max(1, round(timeout))
    return {
        "timeout": timeout,
        "command_timeout": timeout,
        "server_settings": {
            "tcp_keepalives_idle": str(10 * seconds),
            "tcp_keepalives_interval": str(seconds),
            "tcp_keepalives_count": "3",
            "idle_in_transaction_session_timeout": str(int(3 * timeout * 1000)),
        },
    }


def _configure_sqlite(sync_engine: Any, timeout: float, begin: str, query_only: bool = False) -> None:
    """SQLAlchemy's recipe for SQLite transactions (its SQLite dialect's documentation, "Serializable
    isolation / Savepoints / Transactional DDL"): the driver sends no BEGIN of its own, the "begin"
    event sends `begin`. The writer's is IMMEDIATE: it takes the write lock up front, so a
    read-then-write transaction can never fail half way with "database is locked" when another
    process wrote in between. A reader's plain BEGIN takes no lock and keeps one snapshot."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not just marked free: an erased person's data must
        # not stay readable in the file (storage.privacy.leave_no_trace empties the write-ahead log).
        cursor.execute("PRAGMA secure_delete=ON")
        # How long SQLite waits for another process's write lock (the CLI's) before "database is
        # locked": the database's timeout. It waits in aiosqlite's thread, not in the event loop.
        cursor.execute(f"PRAGMA busy_timeout={round(timeout * 1000)}")
        if query_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(begin)
