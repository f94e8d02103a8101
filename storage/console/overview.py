"""What the web console's pages count and list beyond what the bot's own repositories give."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Acknowledgement, Attendance, Broadcast, Delivery, DeliveryStatus, EligibilityCheck, Group, GroupMember,
    GroupStatus, JoinRequest, Meeting, MeetingStatus, Role, Rsvp, User,
)


async def people_by_role(session: AsyncSession) -> dict[Role, int]:
    rows = await session.execute(select(User.role, func.count()).group_by(User.role))
    counts = {role: count for role, count in rows.all()}
    return {role: counts.get(role, 0) for role in Role}


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: Role
    language: str | None
    groups: tuple[str, ...]
    organisation: str  # from their request to join, where there was one


async def people(session: AsyncSession, group_ids: frozenset[int] | None = None) -> list[Person]:
    """Members and coordinators (with `group_ids`: the members of those groups), by name."""
    query = select(User).where(User.role.in_([Role.MEMBER, Role.COORDINATOR]))
    if group_ids is not None:
        query = query.where(User.id.in_(select(GroupMember.user_id).where(
            GroupMember.group_id.in_(group_ids), GroupMember.status == GroupStatus.MEMBER)))
    found = list(await session.scalars(query.order_by(User.display_name, User.id)))
    ids = [user.id for user in found]
    names: dict[int, list[str]] = {}
    for user_id, name in await session.execute(
            select(GroupMember.user_id, Group.name).join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.user_id.in_(ids), GroupMember.status == GroupStatus.MEMBER).order_by(Group.name)):
        names.setdefault(user_id, []).append(name)
    organisations = dict((await session.execute(
        select(JoinRequest.user_id, JoinRequest.organisation).where(JoinRequest.user_id.in_(ids))
        .order_by(JoinRequest.id))).all())
    return [Person(user.id, user.display_name, user.role, user.language, tuple(names.get(user.id, ())),
                   organisations.get(user.id, "")) for user in found]


@dataclass(frozen=True, slots=True)
class MeetingRow:
    id: int
    title: str
    starts_at: datetime
    place: str
    group: str | None
    group_id: int | None
    answers: dict[Attendance, int]


async def meetings(session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None,
                   group_ids: frozenset[int] | None = None, limit: int = 50, latest_first: bool = False
                   ) -> list[MeetingRow]:
    """Scheduled meetings in a time range with their answers; `group_ids`: only those groups'."""
    query = (select(Meeting, Group.name).outerjoin(Group, Group.id == Meeting.group_id)
             .where(Meeting.status == MeetingStatus.SCHEDULED))
    if since is not None:
        query = query.where(Meeting.starts_at > since)
    if until is not None:
        query = query.where(Meeting.starts_at <= until)
    if group_ids is not None:
        query = query.where(Meeting.group_id.in_(group_ids))
    order = Meeting.starts_at.desc() if latest_first else Meeting.starts_at
    rows = list(await session.execute(query.order_by(order, Meeting.id).limit(limit)))
    counts: dict[int, dict[Attendance, int]] = {}
    ids = [row.Meeting.id for row in rows]
    for meeting_id, answer, count in await session.execute(
            select(Rsvp.meeting_id, Rsvp.answer, func.count()).where(Rsvp.meeting_id.in_(ids))
            .group_by(Rsvp.meeting_id, Rsvp.answer)):
        counts.setdefault(meeting_id, {})[answer] = count
    return [MeetingRow(row.Meeting.id, row.Meeting.title, row.Meeting.starts_at, row.Meeting.place, row.name,
                       row.Meeting.group_id,
                       {answer: counts.get(row.Meeting.id, {}).get(answer, 0) for answer in Attendance})
            for row in rows]


@dataclass(frozen=True, slots=True)
class Sent:
    """An announcement with what became of it."""

    id: int
    text: str
    author: str
    created_at: datetime
    send_at: datetime
    status: str
    recipients: int
    delivered: int
    not_reached: int
    waiting: int
    with_ack: bool
    acknowledged: int


async def announcements(session: AsyncSession, limit: int = 10, group_ids: frozenset[int] | None = None) -> list[Sent]:
    query = select(Broadcast)
    if group_ids is not None:
        query = query.where(Broadcast.group_id.in_(group_ids))
    found = list(await session.scalars(query.order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)))
    ids = [b.id for b in found]
    statuses: dict[int, dict[DeliveryStatus, int]] = {}
    for broadcast_id, status, count in await session.execute(
            select(Delivery.broadcast_id, Delivery.status, func.count()).where(Delivery.broadcast_id.in_(ids))
            .group_by(Delivery.broadcast_id, Delivery.status)):
        statuses.setdefault(broadcast_id, {})[status] = count
    acks = dict((await session.execute(select(Acknowledgement.broadcast_id, func.count())
                                       .where(Acknowledgement.broadcast_id.in_(ids))
                                       .group_by(Acknowledgement.broadcast_id))).all())
    result = []
    for b in found:
        counts = statuses.get(b.id, {})
        result.append(Sent(b.id, b.text, b.author_name, b.created_at, b.send_at, b.status.value, b.recipients,
                           counts.get(DeliveryStatus.SENT, 0),
                           counts.get(DeliveryStatus.UNREACHABLE, 0) + counts.get(DeliveryStatus.FAILED, 0),
                           counts.get(DeliveryStatus.PENDING, 0), b.with_ack, acks.get(b.id, 0)))
    return result


async def checks_per_month(session: AsyncSession, since: datetime) -> list[tuple[str, str, int]]:
    """(YYYY-MM, the micro projects' verdict, count) of the eligibility checks finished since then."""
    rows = await session.execute(select(EligibilityCheck.finished_at, EligibilityCheck.micro)
                                 .where(EligibilityCheck.finished_at >= since, EligibilityCheck.micro.is_not(None)))
    counted: dict[tuple[str, str], int] = {}
    for finished_at, verdict in rows:
        key = (finished_at.strftime("%Y-%m"), verdict)
        counted[key] = counted.get(key, 0) + 1
    return [(month, verdict, count) for (month, verdict), count in sorted(counted.items())]
