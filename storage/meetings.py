"""Meetings, their audience and the members' answers (RSVP)."""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, false, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage import outbox, upsert
from storage.models import (
    Attendance,
    DeliveryKind,
    DeliveryStatus,
    GroupMember,
    GroupStatus,
    Meeting,
    MeetingStatus,
    Role,
    Rsvp,
    User,
)


async def create_series(session: AsyncSession, *, title: str, dates: list[datetime], place: str, agenda: str,
                        agenda_file_id: str | None, repetition: dict | None, created_by: int,
                        now: datetime, group_id: int | None = None,
                        duration: timedelta = timedelta(hours=2)) -> list[Meeting]:
    """One row per date, each lasting `duration`; all of a series point to the first. `group_id`: a
    meeting of that group."""
    meetings = [Meeting(title=title, starts_at=when, ends_at=when + duration, place=place, agenda=agenda,
                        agenda_file_id=agenda_file_id, repetition=repetition, status=MeetingStatus.SCHEDULED,
                        sequence=0, created_by=created_by, created_at=now, updated_at=now, group_id=group_id)
                for when in dates]
    session.add_all(meetings)
    await session.flush()
    if len(meetings) > 1:
        for meeting in meetings:
            meeting.series_id = meetings[0].id
    return meetings


async def get(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


def _upcoming_where(now: datetime, for_user: int | None) -> list:
    where = [Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now]
    if for_user is not None:
        their_groups = select(GroupMember.group_id).where(GroupMember.user_id == for_user,
                                                          GroupMember.status == GroupStatus.MEMBER)
        where.append(Meeting.group_id.is_(None) | Meeting.group_id.in_(their_groups))
    return where


async def upcoming(session: AsyncSession, now: datetime, *, limit: int, offset: int = 0,
                   for_user: int | None = None) -> tuple[list[Meeting], int]:
    """Scheduled meetings that have not begun, soonest first, and how many there are in all;
    `for_user`: only those that person is invited to (None: all, as a coordinator sees them)."""
    where = _upcoming_where(now, for_user)
    total = await session.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0
    page = await session.scalars(select(Meeting).where(*where).order_by(Meeting.starts_at, Meeting.id)
                                 .offset(offset).limit(limit))
    return list(page), total


async def upcoming_entries(session: AsyncSession, now: datetime, *, limit: int, offset: int = 0,
                           for_user: int | None = None) -> tuple[list[list[Meeting]], int]:
    """As `upcoming`, but a series counts once: each entry is a meeting, or the upcoming dates of a
    series (soonest first); entries by their next date; and how many entries there are in all."""
    where = _upcoming_where(now, for_user)
    entry = func.coalesce(Meeting.series_id, Meeting.id)
    entries = (select(entry.label("entry"), func.min(Meeting.starts_at).label("first")).where(*where)
               .group_by(entry).subquery())
    total = await session.scalar(select(func.count()).select_from(entries)) or 0
    page = list(await session.scalars(select(entries.c.entry).order_by(entries.c.first, entries.c.entry)
                                      .offset(offset).limit(limit)))
    found: dict[int, list[Meeting]] = {key: [] for key in page}
    for meeting in await session.scalars(select(Meeting).where(*where, entry.in_(page))
                                         .order_by(Meeting.starts_at, Meeting.id)):
        found[meeting.series_id or meeting.id].append(meeting)
    return list(found.values()), total


async def series_dates(session: AsyncSession, series_id: int, now: datetime) -> list[Meeting]:
    """The upcoming scheduled dates of a series, soonest first."""
    return list(await session.scalars(select(Meeting).where(*_upcoming_where(now, None),
                                                            Meeting.series_id == series_id)
                                      .order_by(Meeting.starts_at, Meeting.id)))


async def recent_past(session: AsyncSession, now: datetime, limit: int,
                      groups: set[int | None] | None = None) -> list[Meeting]:
    """Meetings that have begun, latest first: where minutes can be attached. `groups`: only those of
    these groups (None in it: the council's)."""
    query = select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at <= now)
    if groups is not None:
        ids = [g for g in groups if g is not None]
        query = query.where(Meeting.group_id.in_(ids) | (Meeting.group_id.is_(None) if None in groups else false()))
    return list(await session.scalars(query.order_by(Meeting.starts_at.desc()).limit(limit)))


async def series_from(session: AsyncSession, meeting: Meeting) -> list[Meeting]:
    """This meeting and the later scheduled ones of its series."""
    if meeting.series_id is None:
        return [meeting]
    rows = await session.scalars(select(Meeting).where(
        Meeting.series_id == meeting.series_id, Meeting.starts_at >= meeting.starts_at,
        Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.starts_at))
    return list(rows)


async def audience_size(session: AsyncSession, meeting_id: int | None = None, *, group_id: int | None = None,
                        without_declined: bool = False, leave_out: int | None = None,
                        concerned: Collection[int] | None = None) -> int:
    """How many people a meeting is for (no meeting yet: a new one of the whole council, or of `group_id`)."""
    query = audience(meeting_id, group_id=group_id, without_declined=without_declined, leave_out=leave_out,
                     concerned=concerned)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


def audience(meeting_id: int | None, *, group_id: int | None = None, without_declined: bool = False,
             leave_out: int | None = None, concerned: Collection[int] | None = None) -> Select:
    """Ids of the people a meeting is for: the council's members and coordinators Telegram can reach,
    or of those the members of the meeting's group (`group_id` for a meeting not yet written).
    `without_declined` leaves out who declined the meeting, or with `concerned` (dates of its series,
    changed together) who declined every one of them: whoever still comes to one of them is told."""
    query = select(User.id).where(User.role.in_([Role.MEMBER, Role.COORDINATOR]), User.unreachable_since.is_(None))
    group = (select(Meeting.group_id).where(Meeting.id == meeting_id).scalar_subquery()
             if meeting_id is not None else literal(group_id, Integer()))
    in_group = select(GroupMember.user_id).where(GroupMember.group_id == group,
                                                 GroupMember.status == GroupStatus.MEMBER)
    query = query.where(group.is_(None) | User.id.in_(in_group))
    if without_declined:
        if concerned:
            dates = set(concerned)
            declined = (select(Rsvp.user_id).where(Rsvp.meeting_id.in_(dates), Rsvp.answer == Attendance.NO)
                        .group_by(Rsvp.user_id).having(func.count() == len(dates)))
        else:
            declined = select(Rsvp.user_id).where(Rsvp.meeting_id == meeting_id, Rsvp.answer == Attendance.NO)
        query = query.where(User.id.not_in(declined))
    if leave_out is not None:
        query = query.where(User.id != leave_out)
    return query


async def is_for(session: AsyncSession, meeting_id: int, user_id: int) -> bool:
    return await session.scalar(_IS_FOR, {"meeting": meeting_id, "user": user_id}) is not None


@dataclass(frozen=True, slots=True)
class Deputy:
    """Who comes in someone's place, as they typed it."""

    name: str
    organisation: str | None = None


async def answer(session: AsyncSession, meeting_id: int, user_id: int, attendance: Attendance, now: datetime,
                 deputy: Deputy | None = None) -> None:
    """Records the person's answer, or changes the one they gave; a deputy only with "no", and any
    other answer takes a deputy named before back."""
    await session.execute(_ANSWER[session.bind.dialect.name],
                          {"meeting": meeting_id, "user": user_id, "answer": attendance, "at": now,
                           "deputy": deputy.name if deputy else None,
                           "organisation": deputy.organisation if deputy else None})


async def answers_of(session: AsyncSession, user_id: int, meeting_ids: list[int]) -> dict[int, Attendance]:
    """The person's answers to these meetings, by meeting."""
    rows = await session.execute(_ANSWERS_OF, {"user": user_id, "meetings": meeting_ids})
    return {row.meeting_id: row.answer for row in rows}


async def deputies_of(session: AsyncSession, user_id: int, meeting_ids: list[int]) -> dict[int, Deputy]:
    """Whom the person sends in their place, by meeting (only where they named someone)."""
    rows = await session.execute(select(Rsvp.meeting_id, Rsvp.deputy_name, Rsvp.deputy_organisation).where(
        Rsvp.user_id == user_id, Rsvp.meeting_id.in_(meeting_ids), Rsvp.deputy_name.is_not(None)))
    return {row.meeting_id: Deputy(row.deputy_name, row.deputy_organisation) for row in rows}


async def counts(session: AsyncSession, meeting_ids: list[int]) -> dict[int, dict[Attendance, int]]:
    """How many gave each answer, by meeting."""
    found: dict[int, dict[Attendance, int]] = {m: {a: 0 for a in Attendance} for m in meeting_ids}
    for row in await session.execute(_COUNTS, {"meetings": meeting_ids}):
        found[row.meeting_id][row.answer] = row.n
    return found


def _answer(insert: Callable[[Any], Any]) -> Any:
    new = insert(Rsvp).values(meeting_id=bindparam("meeting"), user_id=bindparam("user"),
                              answer=bindparam("answer", type_=Rsvp.answer.type),
                              answered_at=bindparam("at", type_=Rsvp.answered_at.type),
                              deputy_name=bindparam("deputy", type_=Rsvp.deputy_name.type),
                              deputy_organisation=bindparam("organisation", type_=Rsvp.deputy_organisation.type))
    return new.on_conflict_do_update(index_elements=["meeting_id", "user_id"],
                                     set_={"answer": new.excluded.answer, "answered_at": new.excluded.answered_at,
                                           "deputy_name": new.excluded.deputy_name,
                                           "deputy_organisation": new.excluded.deputy_organisation})


# Built once: an RSVP runs these (with the permission rule) while the person waits for the button,
# and building a statement with subqueries costs about what running it does (storage/__init__.py).
_IS_FOR = audience(bindparam("meeting")).where(User.id == bindparam("user"))
_ANSWER = upsert.per_database(_answer)
_ANSWERS_OF = select(Rsvp.meeting_id, Rsvp.answer).where(
    Rsvp.user_id == bindparam("user"), Rsvp.meeting_id.in_(bindparam("meetings", expanding=True)))
_COUNTS = (select(Rsvp.meeting_id, Rsvp.answer, func.count().label("n"))
           .where(Rsvp.meeting_id.in_(bindparam("meetings", expanding=True)))
           .group_by(Rsvp.meeting_id, Rsvp.answer))


@dataclass(frozen=True, slots=True)
class Attendee:
    """Someone a meeting is for, or who answered, with their answer (None: none yet)."""

    user_id: int
    name: str
    organisation: str | None
    answer: Attendance | None
    answered_at: datetime | None
    deputy: Deputy | None = None  # who comes in their place


async def attendance_list(session: AsyncSession, meeting_id: int) -> list[Attendee]:
    """Everyone the meeting is for and everyone who answered, by name."""
    invited = audience(meeting_id).subquery()
    answered = select(Rsvp.user_id).where(Rsvp.meeting_id == meeting_id)
    rows = await session.execute(
        select(User.id, User.display_name, User.organisation, Rsvp.answer, Rsvp.answered_at, Rsvp.deputy_name,
               Rsvp.deputy_organisation)
        .outerjoin(Rsvp, (Rsvp.user_id == User.id) & (Rsvp.meeting_id == meeting_id))
        .where(User.id.in_(select(invited.c[0])) | User.id.in_(answered))
        .order_by(User.display_name, User.id))
    return [Attendee(row.id, row.display_name, row.organisation, row.answer, row.answered_at,
                     Deputy(row.deputy_name, row.deputy_organisation) if row.deputy_name else None) for row in rows]


async def edit(session: AsyncSession, meeting: Meeting, now: datetime, **changes: object) -> None:
    """Changes title, time, place or agenda; a calendar sees the new SEQUENCE (counted in SQL, so
    two edits at once give two numbers)."""
    await session.execute(update(Meeting).where(Meeting.id == meeting.id)
                          .values(**changes, sequence=Meeting.sequence + 1, updated_at=now)
                          .execution_options(synchronize_session=False))
    await session.refresh(meeting)


async def cancel(session: AsyncSession, meetings: list[Meeting], now: datetime) -> list[Meeting]:
    """Cancels those of the meetings still scheduled, and whatever of their messages has not gone out
    yet (reminders above all). Returns the ones this call cancelled: when two coordinators cancel at
    once, only one of them tells everyone."""
    cancelled = set(await session.scalars(
        update(Meeting).where(Meeting.id.in_([m.id for m in meetings]), Meeting.status == MeetingStatus.SCHEDULED)
        .values(status=MeetingStatus.CANCELLED, sequence=Meeting.sequence + 1, updated_at=now)
        .returning(Meeting.id).execution_options(synchronize_session=False)))
    await outbox.cancel_pending(session, meeting_ids=list(cancelled), kinds=[DeliveryKind.REMINDER])
    for meeting in meetings:
        await session.refresh(meeting)
    return [m for m in meetings if m.id in cancelled]


async def notify(session: AsyncSession, meeting: Meeting, payload: dict, now: datetime, *,
                 without_declined: bool, leave_out: int | None, concerned: Collection[int] | None = None) -> int:
    """Queues a notice about the meeting (invitation, change, cancellation, minutes) for its audience;
    `concerned`: the dates of its series the notice is about as well (see `audience`)."""
    return await outbox.enqueue(
        session, DeliveryKind.MEETING, audience(meeting.id, without_declined=without_declined, leave_out=leave_out,
                                                concerned=concerned),
        now=now, meeting_id=meeting.id, payload=payload, status=DeliveryStatus.PENDING)


async def mark_minutes(session: AsyncSession, meeting_id: int, file_id: str, now: datetime) -> bool:
    """Records the minutes once; False if they were sent already."""
    result = await session.execute(update(Meeting).where(Meeting.id == meeting_id, Meeting.minutes_sent_at.is_(None))
                                   .values(minutes_file_id=file_id, minutes_sent_at=now))
    return result.rowcount == 1
