"""Runs the Alembic migrations on an engine's connection (used by `run` and `migrate`), and says
without Alembic whether they are all applied.

Alembic and what it loads (Mako, every dialect's DDL rules, the migration scripts) is a fair share
of the bot's memory, and Python keeps a module for the rest of the process once imported. So
`is_current` reads the newest revision from the migration files and the applied one from the
database itself, and only `upgrade_to_head` imports Alembic.
"""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
# Where Alembic records the applied revision (its default table and column).
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_REVISES = re.compile(r"^down_revision\s*(?::[^=]*)?=(.*)$", re.MULTILINE)


def alembic_config():  # type: ignore[no-untyped-def]  # alembic.config.Config, imported only here
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    from alembic import command

    def _upgrade(connection) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def head_revision() -> str | None:
    """The newest migration's revision: the one no other migration revises. Read from the files'
    `revision = ...` and `down_revision = ...` lines (as Alembic writes them); None when a file has
    neither or the migrations do not end in one head (tests/test_storage.py holds it to Alembic's
own answer)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision, revises = _REVISION.search(source), _REVISES.search(source)
        if revision is None or revises is None:
            return None
        revisions.add(revision.group(1))
        revised.update(re.findall(r"['\"]([^'\"]+)['\"]", revises.group(1)))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


async def applied_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None for a database never migrated (or one whose table
    records several heads, which this project's single line of migrations never makes)."""
    def _applied(connection) -> str | None:  # type: ignore[no-untyped-def]
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        return versions[0] if len(versions) == 1 else None

    async with engine.connect() as connection:
        return await connection.run_sync(_applied)


async def is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the newest migration."""
    head = head_revision()
    return head is not None and await applied_revision(engine) == head
