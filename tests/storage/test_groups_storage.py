"""Groups in the database: places and the waitlist hold when many press Join at once, leaving gives
the place to the first who waited, and the capacity never drops below the members."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.rules.groups import Joined, capacity_problem, parse_capacity, places_left, promotions
from storage import groups, users
from storage.db import Database
from storage.models import Group, GroupKind, GroupStatus, Role

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


async def council(db: Database, ids: list[int]) -> None:
    async with db.begin() as session:
        for uid in {1, *ids}:
            await users.ensure(session, uid, f"Person {uid}", "de", NOW)
            await users.set_role(session, uid, Role.MEMBER)


async def a_group(db: Database, capacity: int | None, leads: list[int] = ()) -> int:  # type: ignore[assignment]
    async with db.begin() as session:
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=capacity, leads=list(leads), created_by=1, now=NOW)
        return group.id


def test_capacity_and_waitlist_rules() -> None:
    assert places_left(None, 40) is None and places_left(5, 3) == 2 and places_left(2, 2) == 0
    assert parse_capacity(" 12 ") == 12
    for text in ("0", "-1", "zwölf", "1001", ""):
        with pytest.raises(ValueError):
            parse_capacity(text)
    assert capacity_problem(3, 4) is not None and capacity_problem(4, 4) is None and capacity_problem(None, 9) is None
    assert promotions(5, 3, 10) == 2 and promotions(None, 3, 10) == 10 and promotions(3, 3, 4) == 0


async def test_many_press_join_for_the_last_place_at_once(db: Database) -> None:
    people = list(range(100, 120))
    await council(db, people)
    group_id = await a_group(db, capacity=1)

    async def press_join(uid: int) -> Joined:
        async with db.begin() as session:
            return await groups.join(session, group_id, uid, NOW)

    results = await asyncio.gather(*(press_join(uid) for uid in people))
    assert results.count(Joined.MEMBER) == 1 and results.count(Joined.WAITING) == 19
    async with db.begin() as session:
        listed = await groups.people(session, group_id)
        group = await groups.get(session, group_id)
    assert group.members == 1 and [p.status for p in listed].count(GroupStatus.MEMBER) == 1
    # The waitlist's places count from 1 in the order of sign-up; a member has none.
    assert [p.place for p in listed if p.status is GroupStatus.WAITING] == list(range(1, 20))
    assert [p.place for p in listed if p.status is GroupStatus.MEMBER] == [None]
    # Twice is impossible, also at once.
    again = await asyncio.gather(*(press_join(people[0]) for _ in range(5)))
    assert again == [Joined.ALREADY] * 5
    async with db.begin() as session:
        assert len(await groups.people(session, group_id)) == 20


async def test_leaving_gives_the_place_to_the_first_who_waited(db: Database) -> None:
    await council(db, [1, 2, 3, 4])
    group_id = await a_group(db, capacity=1)
    for uid in (2, 3, 4):  # 2 gets the place; 3 waits before 4
        async with db.begin() as session:
            await groups.join(session, group_id, uid, NOW)
    async with db.begin() as session:
        assert await groups.leave(session, group_id, 3) == (GroupStatus.WAITING, [])  # off the waitlist
        assert await groups.leave(session, group_id, 2) == (GroupStatus.MEMBER, [4])
        assert await groups.leave(session, group_id, 2) == (None, [])  # not in it any more
        assert (await groups.get(session, group_id)).members == 1


async def test_capacity_cannot_drop_below_members_and_raising_it_fills_places(db: Database) -> None:
    await council(db, [1, 2, 3, 4])
    group_id = await a_group(db, capacity=2, leads=[1])
    for uid in (2, 3, 4):
        async with db.begin() as session:
            await groups.join(session, group_id, uid, NOW)
    async with db.begin() as session:
        assert await groups.set_capacity(session, group_id, 1) == (2, [])  # refused: two are in it
        assert (await groups.get(session, group_id)).capacity == 2
        assert await groups.set_capacity(session, group_id, 4) == (2, [3, 4])
    # The database itself refuses more members than places, whatever the code does.
    with pytest.raises(IntegrityError):
        async with db.begin() as session:
            group = await session.get(Group, group_id)
            group.members = 5
    async with db.begin() as session:
        assert (await groups.get(session, group_id)).members == 4


async def test_archived_and_unknown_groups_take_no_sign_ups(db: Database) -> None:
    await council(db, [1, 2])
    group_id = await a_group(db, capacity=None)
    async with db.begin() as session:
        assert await groups.set_archived(session, group_id, NOW)
        assert not await groups.set_archived(session, group_id, NOW)  # archived already
        assert await groups.join(session, group_id, 2, NOW) is Joined.CLOSED
        assert await groups.join(session, 999_999, 2, NOW) is Joined.CLOSED
        assert await groups.add_by_hand(session, group_id, 2, NOW) is Joined.CLOSED
        assert await groups.set_archived(session, group_id, None)
        assert await groups.join(session, group_id, 2, NOW) is Joined.MEMBER


async def test_leads_are_members_and_a_name_is_taken_once(db: Database) -> None:
    await council(db, [1, 2])
    group_id = await a_group(db, capacity=3, leads=[1])
    async with db.begin() as session:
        assert await groups.is_lead(session, group_id, 1) and not await groups.is_lead(session, group_id, 2)
        assert not await groups.set_lead(session, group_id, 2, True)  # not in the group
        assert await groups.create(session, name="AG Schule", kind=GroupKind.LOCAL_COUNCIL, description="",
                                   capacity=None, leads=[], created_by=1, now=NOW) is None
        assert [g.id for g in await groups.led_by(session, 1)] == [group_id]
