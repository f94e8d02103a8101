"""Working groups and local councils in the database. Places are counted in SQL: a place is taken by
an UPDATE that only succeeds while one is free (and a CHECK keeps members <= capacity), joining
twice is stopped by a unique constraint, and the waitlist is ordered by the rows' ids. Whatever
frees a place locks the group's row first, so two changes to one group never interleave."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from bot.rules.groups import Joined, promotions
from storage import outbox, upsert
from storage.models import DeliveryKind, Group, GroupKind, GroupMember, GroupStatus, Role, User


async def create(session: AsyncSession, *, name: str, kind: GroupKind, description: str, capacity: int | None,
                 leads: list[int], created_by: int, now: datetime) -> Group | None:
    """The group with its leads as its first members; None when the name is taken."""
    if await name_taken(session, name):
        return None
    group = Group(name=name, kind=kind, description=description, capacity=capacity, members=len(leads),
                  created_by=created_by, created_at=now)
    session.add(group)
    await session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=uid, status=GroupStatus.MEMBER, lead=True, joined_at=now)
                    for uid in leads)
    return group


async def name_taken(session: AsyncSession, name: str, but: int | None = None) -> bool:
    """Whether another group has this name, whatever its capitals (the unique index is the backstop)."""
    query = select(func.count()).select_from(Group).where(func.lower(Group.name) == name.lower())
    if but is not None:
        query = query.where(Group.id != but)
    return bool(await session.scalar(query))


async def get(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


async def listing(session: AsyncSession, *, archived: bool = False) -> list[Group]:
    query = select(Group).where(Group.archived_at.is_not(None) if archived else Group.archived_at.is_(None))
    return list(await session.scalars(query.order_by(Group.kind, Group.name)))


async def memberships_of(session: AsyncSession, user_id: int) -> dict[int, GroupMember]:
    rows = await session.scalars(select(GroupMember).where(GroupMember.user_id == user_id))
    return {row.group_id: row for row in rows}


async def membership(session: AsyncSession, group_id: int, user_id: int) -> GroupMember | None:
    return await session.scalar(select(GroupMember).where(GroupMember.group_id == group_id,
                                                          GroupMember.user_id == user_id))


async def join(session: AsyncSession, group_id: int, user_id: int, now: datetime) -> Joined:
    """A place if one is free, else the waitlist. Safe when many press Join at once."""
    group = await session.get(Group, group_id)
    if group is None or group.archived_at is not None:
        return Joined.CLOSED
    signed_up = await session.execute(
        upsert.insert(session, GroupMember).values(group_id=group_id, user_id=user_id, status=GroupStatus.WAITING,
                                                   lead=False, joined_at=now)
        .on_conflict_do_nothing(index_elements=["group_id", "user_id"]))
    if signed_up.rowcount != 1:
        return Joined.ALREADY
    # The one statement that decides: it takes a place only while one is free, and on PostgreSQL it
    # holds the group's row, so a second Join waits for the first and then finds the group full.
    took = await session.execute(
        update(Group).where(Group.id == group_id, Group.archived_at.is_(None),
                            (Group.capacity.is_(None)) | (Group.members < Group.capacity))
        .values(members=Group.members + 1).execution_options(synchronize_session=False))
    if took.rowcount == 1:
        await session.execute(update(GroupMember).where(GroupMember.group_id == group_id,
                                                        GroupMember.user_id == user_id)
                              .values(status=GroupStatus.MEMBER).execution_options(synchronize_session=False))
        return Joined.MEMBER
    return Joined.WAITING


async def _locked(session: AsyncSession, group_id: int) -> Group | None:
    """The group's row, held until the transaction ends (SQLite holds the whole database anyway)."""
    return await session.scalar(select(Group).where(Group.id == group_id).with_for_update()
                                .execution_options(populate_existing=True))


async def leave(session: AsyncSession, group_id: int, user_id: int) -> tuple[GroupStatus | None, list[int]]:
    """Takes someone out of the group or its waitlist; returns what they were (None: not in it) and
    who got the place they freed."""
    group = await _locked(session, group_id)
    row = await membership(session, group_id, user_id)
    if group is None or row is None:
        return None, []
    was = row.status
    await session.delete(row)
    if was is GroupStatus.WAITING:
        return was, []
    group.members -= 1
    await session.flush()
    return was, await _fill_places(session, group)


async def _fill_places(session: AsyncSession, group: Group) -> list[int]:
    """Gives free places to the first on the waitlist, in the order they signed up."""
    if group.archived_at is not None:
        return []
    waiting = list(await session.scalars(select(GroupMember).where(
        GroupMember.group_id == group.id, GroupMember.status == GroupStatus.WAITING).order_by(GroupMember.id)))
    promoted = waiting[:promotions(group.capacity, group.members, len(waiting))]
    for row in promoted:
        row.status = GroupStatus.MEMBER
    group.members += len(promoted)
    await session.flush()
    return [row.user_id for row in promoted]


async def add_by_hand(session: AsyncSession, group_id: int, user_id: int, now: datetime) -> Joined:
    """A coordinator puts someone in: a place if free (from the waitlist too), never past the capacity."""
    group = await _locked(session, group_id)
    if group is None or group.archived_at is not None:
        return Joined.CLOSED
    row = await membership(session, group_id, user_id)
    if row is not None and row.status is GroupStatus.MEMBER:
        return Joined.ALREADY
    if group.capacity is not None and group.members >= group.capacity:
        return Joined.WAITING  # full: nothing changed
    if row is None:
        session.add(GroupMember(group_id=group_id, user_id=user_id, status=GroupStatus.MEMBER, lead=False,
                                joined_at=now))
    else:
        row.status = GroupStatus.MEMBER
    group.members += 1
    await session.flush()
    return Joined.MEMBER


async def set_capacity(session: AsyncSession, group_id: int, capacity: int | None) -> tuple[int | None, list[int]]:
    """(members the group has, who got a place). Refused by the caller if below the members; a
    larger capacity gives places to the waitlist at once."""
    group = await _locked(session, group_id)
    if group is None:
        return None, []
    if capacity is not None and capacity < group.members:
        return group.members, []
    group.capacity = capacity
    await session.flush()
    return group.members, await _fill_places(session, group)


async def set_lead(session: AsyncSession, group_id: int, user_id: int, lead: bool) -> bool:
    """Only a member of the group can lead it; False otherwise."""
    result = await session.execute(update(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.user_id == user_id, GroupMember.status == GroupStatus.MEMBER)
        .values(lead=lead).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def is_lead(session: AsyncSession, group_id: int, user_id: int) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.user_id == user_id, GroupMember.lead.is_(True),
        GroupMember.status == GroupStatus.MEMBER)))


async def end_leads(session: AsyncSession, user_id: int) -> list[int]:
    """Ends every lead of this person (they left the council, and a lead acts only while in it, see
    storage.permissions); the ids of the groups they led, each of which may now have none."""
    led = list(await session.scalars(select(GroupMember.group_id).where(
        GroupMember.user_id == user_id, GroupMember.lead.is_(True)).order_by(GroupMember.group_id)))
    if led:
        await session.execute(update(GroupMember).where(GroupMember.user_id == user_id, GroupMember.lead.is_(True))
                              .values(lead=False).execution_options(synchronize_session=False))
    return led


async def led_by(session: AsyncSession, user_id: int) -> list[Group]:
    """The groups this person leads, not archived, by name."""
    return list(await session.scalars(
        select(Group).join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id, GroupMember.lead.is_(True), Group.archived_at.is_(None))
        .order_by(Group.name)))


async def managed_by(session: AsyncSession, user_id: int, *, coordinator: bool) -> set[int | None]:
    """The groups whose meetings this person manages (None in it: the council's own): every one for a
    coordinator, archived ones too; a lead the groups they lead. What they may do is asked again at
    each action (storage.permissions)."""
    if coordinator:
        return {None, *await session.scalars(select(Group.id))}
    return {group.id for group in await led_by(session, user_id)}


@dataclass(frozen=True, slots=True)
class GroupPerson:
    """Someone in a group or on its waitlist."""

    user_id: int
    name: str
    organisation: str | None
    status: GroupStatus
    lead: bool
    place: int | None  # on the waitlist, from 1 (the next free place) in the order of sign-up; None: a member
    joined_at: datetime


async def people(session: AsyncSession, group_id: int) -> list[GroupPerson]:
    """Everyone in the group and on its waitlist, in the order of sign-up."""
    place = func.row_number().over(partition_by=GroupMember.status, order_by=GroupMember.id)
    rows = await session.execute(
        select(User.id, User.display_name, User.organisation, GroupMember.status, GroupMember.lead,
               case((GroupMember.status == GroupStatus.WAITING, place)).label("place"), GroupMember.joined_at)
        .join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.group_id == group_id)
        .order_by(GroupMember.id))
    return [GroupPerson(row.id, row.display_name, row.organisation, row.status, row.lead, row.place, row.joined_at)
            for row in rows]


def audience(group_id: int) -> Select:
    """Ids of the group's members (not those waiting) who are in the council and whom Telegram can
    reach: the same people a meeting of the group is for."""
    return (select(User.id).join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group_id, GroupMember.status == GroupStatus.MEMBER,
                   User.role.in_([Role.MEMBER, Role.COORDINATOR]), User.unreachable_since.is_(None)))


async def send_notice(session: AsyncSession, group: Group, event: str, user_ids: list[int] | None,
                      now: datetime) -> int:
    """Queues news of the group (a place came free, someone was added or taken out, it was archived
    or restored: `event`) for these people, None: all its members; returns for how many. The group's
    id goes with it, for a button to the group's card."""
    recipients = audience(group.id) if user_ids is None else select(User.id).where(User.id.in_(user_ids))
    return await outbox.enqueue(session, DeliveryKind.GROUP, recipients, now=now,
                                payload={"event": event, "group": group.name, "group_id": group.id})


async def tell_if_leaderless(session: AsyncSession, group_id: int, now: datetime, *, but: int | None = None) -> int:
    """After a lead left or stopped leading: if the group (not archived) has no lead now, queues the
    news for every coordinator Telegram can reach, but `but` (who caused it, and knows); for how many."""
    group = await session.get(Group, group_id)
    if group is None or group.archived_at is not None:
        return 0
    leads = await session.scalar(select(func.count()).select_from(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.lead.is_(True), GroupMember.status == GroupStatus.MEMBER))
    if leads:
        return 0
    coordinators = select(User.id).where(User.role == Role.COORDINATOR, User.unreachable_since.is_(None))
    if but is not None:
        coordinators = coordinators.where(User.id != but)
    return await outbox.enqueue(session, DeliveryKind.GROUP, coordinators, now=now,
                                payload={"event": "leaderless", "group": group.name, "group_id": group.id})


async def set_archived(session: AsyncSession, group_id: int, archived_at: datetime | None) -> bool:
    """Archives (a time) or restores (None) a group; False when it already was so."""
    result = await session.execute(
        update(Group).where(Group.id == group_id,
                            Group.archived_at.is_(None) if archived_at else Group.archived_at.is_not(None))
        .values(archived_at=archived_at).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def edit(session: AsyncSession, group: Group, **changes: object) -> bool:
    """Changes name or description; False when the new name is taken."""
    if "name" in changes and await name_taken(session, str(changes["name"]), but=group.id):
        return False
    for name, value in changes.items():
        setattr(group, name, value)
    return True
