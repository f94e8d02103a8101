"""Handler tests run on SQLite. Handlers build no SQL (test_handlers_build_no_sql.py), and every
query they call runs on both databases in tests/storage; a handler test about a difference between
the two databases asks for both with `@both_databases`."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.conftest import open_database

both_databases = pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(params=["sqlite"])
async def db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    async with open_database(request) as database:
        yield database
