"""Coordinators: the council always keeps one, also when two act at the same moment."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from bot.runner import seed_coordinators
from storage import users
from storage.db import Database
from storage.models import Role
from tests.harness import Harness, buttons, MakeHarness
from tests.storage.test_storage import NOW
from tests.handlers.conftest import both_databases

ANNA, BERND = 500, 501

# What the rule reads (the coordinators) and what takes a coordinator's role away.
_READS_COORDINATORS = re.compile(r"FROM users\s+WHERE users\.role =")
_TAKES_ROLE_AWAY = re.compile(r"^(UPDATE users SET role|DELETE FROM users WHERE)")


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    async with db.begin() as session:
        await users.ensure(session, BERND, "Bernd", "de", NOW)
        await users.set_role(session, BERND, Role.COORDINATOR)
    harness = await make_harness(db, coordinators=(ANNA,))
    for coordinator in (ANNA, BERND):
        await harness.send(coordinator, "/start")  # their accounts as the presses below find them
    return harness


@contextmanager
def both_read_before_either_writes(db: Database) -> Iterator[None]:
    """On PostgreSQL, holds back each write that takes a coordinator's role away until two
    transactions have asked who the coordinators are, and each has its answer or waits for a lock:
    the moment a check that only reads lets both through. (On SQLite the transactions are one after
    the other, which is the point there.)"""
    if db.is_sqlite:
        yield
        return
    asked = answered = 0

    def before_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        nonlocal asked
        if _READS_COORDINATORS.search(statement):
            asked += 1
        elif _TAKES_ROLE_AWAY.match(statement):
            conn.connection.dbapi_connection.run_async(lambda _: both_read())

    def after_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        nonlocal answered
        if _READS_COORDINATORS.search(statement):
            answered += 1

    async def both_read() -> None:
        async with asyncio.timeout(5):
            # Whether the other is still waiting for a lock, only the server can say: asked again.
            while not (answered >= 2 or (asked >= 2 and await _someone_waits_for_a_lock(db))):
                await asyncio.sleep(0.01)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before_execute)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after_execute)
    try:
        yield
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before_execute)
        event.remove(db.engine.sync_engine, "after_cursor_execute", after_execute)


async def _someone_waits_for_a_lock(db: Database) -> bool:
    async with db.engine.connect() as connection:
        waiting = await connection.scalar(text(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"))
    return bool(waiting)


async def coordinators(db: Database) -> list[int]:
    async with db.begin() as session:
        return [user.id for user in await users.with_role(session, Role.COORDINATOR)]


@both_databases
async def test_two_coordinators_demoting_each_other_at_once_leave_one(h: Harness, db: Database) -> None:
    with both_read_before_either_writes(db):
        await asyncio.gather(h.press(ANNA, f"role:{BERND}:member:1"), h.press(BERND, f"role:{ANNA}:member:1"))
    assert len(await coordinators(db)) == 1
    # Refused as the last coordinator's demotion, or (when the first was quick enough) as a press
    # by someone who is no longer a coordinator.
    assert len([answer for answer in h.answers() if answer.get("show_alert")]) == 1


@both_databases
async def test_a_coordinator_stepping_down_while_the_other_erases_themselves_is_refused(
        h: Harness, db: Database) -> None:
    await h.send(ANNA, "/deleteme")
    erase = buttons(h.request.latest(ANNA))["Ja, alles löschen"]
    with both_read_before_either_writes(db):
        await asyncio.gather(h.press(ANNA, erase), h.press(BERND, f"role:{BERND}:member:1"))
    assert len(await coordinators(db)) == 1


async def test_a_role_change_says_why_it_was_refused(db: Database) -> None:
    await seed_coordinators(db, (ANNA,))
    async with db.begin() as session:
        await users.ensure(session, BERND, "Bernd", "de", NOW)
        assert await users.change_role(session, ANNA, Role.MEMBER) is users.RoleChange.LAST_COORDINATOR
        assert await users.change_role(session, BERND, Role.APPLICANT) is users.RoleChange.UNCHANGED
        assert await users.change_role(session, 999, Role.MEMBER) is users.RoleChange.UNKNOWN
        assert await users.change_role(session, BERND, Role.COORDINATOR, check_only=True) is users.RoleChange.CHANGED
        assert (await users.get(session, BERND)).role is Role.APPLICANT, "only checked"
        assert await users.change_role(session, BERND, Role.COORDINATOR) is users.RoleChange.CHANGED
        assert await users.change_role(session, ANNA, Role.MEMBER) is users.RoleChange.CHANGED
    assert await coordinators(db) == [BERND]


async def role_of(db: Database, user_id: int) -> Role | None:
    async with db.begin() as session:
        user = await users.get(session, user_id)
    return None if user is None else user.role


async def test_coordinator_ids_make_coordinators_once_so_a_demotion_in_the_bot_sticks(h: Harness, db: Database) -> None:
    # Anna came from COORDINATOR_IDS (the fixture's start); Bernd makes her a member in /members.
    await h.press(BERND, f"role:{ANNA}:member:1")
    assert await role_of(db, ANNA) is Role.MEMBER
    await seed_coordinators(db, (ANNA,))  # the next start, with the same setting
    assert await role_of(db, ANNA) is Role.MEMBER, "the demotion stays"

    carla = 502
    await seed_coordinators(db, (ANNA, carla))  # an id added to the setting later
    assert (await role_of(db, ANNA), await role_of(db, carla)) == (Role.MEMBER, Role.COORDINATOR)
    await h.press(BERND, f"role:{carla}:applicant:1")
    await seed_coordinators(db, (ANNA, carla))
    assert await role_of(db, carla) is Role.APPLICANT


async def test_a_listed_coordinator_who_erased_their_data_is_seeded_anew(h: Harness, db: Database) -> None:
    # The record of the seeding goes with the account; the id, still in COORDINATOR_IDS, is new again.
    await h.send(ANNA, "/deleteme")
    await h.press(ANNA, buttons(h.request.latest(ANNA))["Ja, alles löschen"])
    assert await role_of(db, ANNA) is None
    await seed_coordinators(db, (ANNA,))
    assert await role_of(db, ANNA) is Role.COORDINATOR
