"""INSERT ... ON CONFLICT for the database at hand: SQLite and PostgreSQL spell it alike, but
SQLAlchemy builds it per dialect."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that offers `.on_conflict_do_nothing(...)`, for the session's database."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
