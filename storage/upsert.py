"""INSERT ... ON CONFLICT for the database at hand: SQLite and PostgreSQL spell it alike, but
SQLAlchemy builds it per dialect."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

_T = TypeVar("_T")


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that offers `.on_conflict_do_nothing(...)`, for the session's database."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def per_database(build: Callable[[Callable[[Any], Any]], _T]) -> dict[str, _T]:
    """What `build` makes from each database's insert(), by dialect name: for an upsert built once
    (see storage/__init__.py); pick with `session.bind.dialect.name`."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}
