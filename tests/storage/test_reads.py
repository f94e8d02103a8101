"""Database.read(): what only shows things reads one state of the database, beside the writer."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from storage import users
from storage.db import Database
from storage.models import User
from tests.storage.test_storage import NOW


async def test_cards_and_lists_are_read_while_a_write_is_under_way(db: Database) -> None:
    """read(): what only shows things neither waits for the writer nor sees its unfinished work."""
    async with db.begin() as session:
        await users.ensure(session, 7, "Old name", "de", NOW)

    async def name_shown() -> str:
        async with db.read() as session:
            return await session.scalar(select(User.display_name).where(User.id == 7))

    async with db.begin() as session:
        await session.execute(update(User).where(User.id == 7).values(display_name="New name"))
        shown = await asyncio.wait_for(asyncio.gather(*(name_shown() for _ in range(10))), 2)
    assert set(shown) == {"Old name"}
    assert await name_shown() == "New name"


async def test_a_read_sees_one_state_of_the_database_throughout(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, 7, "Old name", "de", NOW)
    async with db.read() as reading:
        before = await reading.scalar(select(User.display_name).where(User.id == 7))
        async with db.begin() as session:
            await session.execute(update(User).where(User.id == 7).values(display_name="New name"))
        after = await reading.scalar(select(User.display_name).where(User.id == 7))
    assert before == after == "Old name"


async def test_a_read_cannot_write(db: Database) -> None:
    with pytest.raises(Exception, match="(?i)readonly|read-only"):
        async with db.read() as session:
            await session.execute(update(User).values(display_name="Nobody"))
