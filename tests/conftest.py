"""Shared fixtures: migrated databases copied from templates migrated once per run, on SQLite and on
PostgreSQL; the handler harness; the `e2e` marker for tests that start processes."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

import bot  # noqa: F401 - sets PTB_TIMEDELTA before anything imports telegram
from bot.runner import seed_coordinators
from storage import users
from storage.db import Database
from storage.models import Base, Role
from tests.harness import Harness, MakeHarness, start_harness

# End-to-end fixtures (`tg`, `bot`) and the browser (`driver`) live beside their helpers.
pytest_plugins = ("tests.e2e", "tests.web.browser")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# .ci/run sets this: there a PostgreSQL test that cannot reach its server fails instead of skipping.
REQUIRE_POSTGRES = os.environ.get("KPR_REQUIRE_POSTGRES") == "1"
COORD = 500  # the coordinator the `h` harness knows, as in tests/e2e/__init__.py

T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks e2e what runs the bot as a process: the `bot` fixture's users and tests/test_e2e*.py.
    Other tests that start a process carry the mark themselves (see processes_only_in_e2e_tests)."""
    for item in items:
        if "bot" in getattr(item, "fixturenames", ()) or item.path.name.startswith("test_e2e"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def processes_only_in_e2e_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a process must be marked e2e, so that `-m "not e2e"` stays fast."""
    if request.node.get_closest_marker("e2e") is not None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"{request.node.nodeid} starts a process: mark it @pytest.mark.e2e", pytrace=False)

    monkeypatch.setattr(subprocess, "Popen", refuse)


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to its end in a thread of its own, so that sync fixtures and helpers can
    call it from inside a running event loop too."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()


# ---- SQLite: one file migrated per run, copied for each test ----


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest migration, for tests to copy (`copy_sqlite`), never to open."""
    path = tmp_path_factory.mktemp("template") / "kpr-bot.db"
    in_thread(_migrate(f"sqlite+aiosqlite:///{path}"))
    # Everything into the main file, so that the file alone is the whole database.
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    """A migrated database at `target` (a copy of the template); its URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own."""
    return copy_sqlite(sqlite_template, tmp_path / "test.db")


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    """For tests that need a database but are not about it: SQLite only."""
    database = Database(sqlite_url)
    yield database
    await database.dispose()


# ---- PostgreSQL: one database migrated per run, the template of the tests' databases ----


def _admin(statement: str) -> None:
    """Runs one statement on the server's maintenance database (TEST_POSTGRES_URL)."""
    in_thread(_admin_async(statement))


async def _admin_async(statement: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database, timeout=3,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_url_of(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


class DatabaseCopies:
    """Copies of the template database for tests of their own, each made while the test before
    runs: CREATE DATABASE takes about half a second of the server's writing."""

    def __init__(self, template: str) -> None:
        self.template = template
        # One thread does all the creating and dropping, in order.
        self.worker = ThreadPoolExecutor(1)
        self.next: Future[str] | None = None

    def create(self) -> str:
        name = f"kpr_test_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def take(self) -> str:
        """A new copy, and the next one under way."""
        ready = self.next or self.worker.submit(self.create)
        self.next = self.worker.submit(self.create)
        return ready.result()

    def drop(self, name: str) -> None:
        self.worker.submit(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.next is not None:
            self.drop(self.next.result())
        self.worker.shutdown(wait=True)  # every copy gone before the template goes


@pytest.fixture(scope="session")
def postgres_copies() -> Iterator[DatabaseCopies]:
    """Copies of a database at the newest migration (the template, dropped at the end of the run).
    Nothing may stay connected to the template: PostgreSQL copies only a database nobody uses."""
    template = f"kpr_template_{uuid.uuid4().hex[:10]}"
    try:
        _admin(f'CREATE DATABASE "{template}"')
    except Exception as error:  # noqa: BLE001 - any failure means: no server to test against
        reason = f"no PostgreSQL server at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    copies = DatabaseCopies(template)
    try:
        in_thread(_migrate(_postgres_url_of(template)))
        yield copies
    finally:
        copies.close()
        _admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_copies: DatabaseCopies) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own, dropped after (for processes, e.g. the bot)."""
    name = postgres_copies.take()
    yield _postgres_url_of(name)
    postgres_copies.drop(name)


@pytest.fixture(scope="session")
def postgres_scratch(postgres_copies: DatabaseCopies) -> Iterator[str]:
    """One copy for all the `db` tests of this run (of this xdist worker), emptied before each
    (`empty`): some 50 ms where a new copy costs half a second of the server's time."""
    name = postgres_copies.create()
    yield _postgres_url_of(name)
    postgres_copies.drop(name)


async def empty(database: Database) -> None:
    """Every table as in a new copy (the migrations write no rows): TRUNCATE, not DELETE, so that
    rows come back in the order they are written, and the ids start again."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY")


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A migrated database with no rows, on SQLite (a copy of its own) and on PostgreSQL (emptied)."""
    async with open_database(request) as database:
        yield database


@contextlib.asynccontextmanager
async def open_database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """The `db` fixture's database for its parameter, "sqlite" or "postgresql"."""
    if request.param == "sqlite":
        database = Database(request.getfixturevalue("sqlite_url"))
    else:
        database = Database(request.getfixturevalue("postgres_scratch"))
        await empty(database)
    try:
        yield database
    finally:
        await database.dispose()


# ---- The handler harness ----


@pytest.fixture
async def make_harness() -> AsyncIterator[MakeHarness]:
    """Starts handler harnesses on a database; at the end shuts them down and fails the test if a
    handler raised (process_update swallows what handlers raise).

    `coordinators` are coordinators; `members` (id -> name) are members speaking `language`, first
    seen at `seen_at` (now if None); with `greeted`, COORD has sent /start in English.
    `coordinator_ids`, `flood_limit`, `content_file` and any other keyword are the bot's settings
    (start_harness)."""
    started: list[Harness] = []

    async def make(db: Database, *, coordinators: tuple[int, ...] = (COORD,), members: Mapping[int, str] = {},
                   language: str = "de", seen_at: datetime | None = None, greeted: bool = False,
                   **settings: Any) -> Harness:
        await seed_coordinators(db, coordinators)
        if members:
            async with db.begin() as session:
                for user_id, name in members.items():
                    await users.ensure(session, user_id, name, language, seen_at or datetime.now(timezone.utc))
                    await users.set_role(session, user_id, Role.MEMBER)
        harness = await start_harness(db, **settings)
        started.append(harness)
        if greeted:
            await harness.send(COORD, "/start", language="en")
        return harness

    yield make
    for harness in started:
        await harness.app.shutdown()
    for harness in started:
        assert not harness.errors, f"handlers raised: {harness.errors!r}"


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    """The harness on the test's database, with COORD a coordinator. Modules whose tests need more
    people or COORD's /start first override it with make_harness's options."""
    return await make_harness(db)
