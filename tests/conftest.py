"""Shared fixtures: a migrated database per test, on SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

import bot  # noqa: F401 - sets PTB_TIMEDELTA before anything imports telegram
from storage.db import Database

# End-to-end fixtures (`tg`, `bot`) live beside their helpers.
pytest_plugins = ("tests.e2e",)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# .ci/run sets this: there a PostgreSQL test that cannot reach its server fails instead of skipping.
REQUIRE_POSTGRES = os.environ.get("KPR_REQUIRE_POSTGRES") == "1"


def _admin(statement: str) -> None:
    """Runs one statement on the server's maintenance database, in a thread of its own so it
    works from inside a running event loop too."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin_async(statement)).result()


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, dropped at the end."""
    name = f"kpr_test_{uuid.uuid4().hex[:10]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001 - any failure means: no server to test against
        reason = f"no PostgreSQL server at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    await database.migrate()
    yield database
    await database.dispose()
