"""A person's data: everything stored about them (GDPR Art. 15), erasing it (Art. 17) without a trace
left in the database files, and the retention purge. Where a record has to stay, the council's own
(an announcement and its counts, a reply the office wrote), it stays without the person's name and
Telegram id."""
from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import groups, users
from storage.db import Database
from storage.models import (
    Acknowledgement, Base, Broadcast, ContentVersion, ConversationState, CoordinatorSeed, DeadlineReminder, Delivery,
    DeliveryKind, DeliveryStatus, EligibilityCheck, FlowData, Group, GroupMember, Invite, JoinRequest, Meeting,
    Question, Reply, ReminderOptOut, RequestStatus, Role, Rsvp, User, WebChange, WebLogin, WebSession,
)

# What each table holds of a person: where /mydata shows it, or why it holds nothing of theirs.
# (A test fails when a table is added without saying so here.)
WHAT_EACH_TABLE_HOLDS = {
    "users": "profile",
    "invites": "invites_created: the coordinator who made the link",
    "join_requests": "join_requests: the applicant's; join_requests_decided: the coordinator's decisions",
    "conversation_states": "steps_in_progress: the step of a flow someone is at",
    "flow_data": "unfinished_steps: the answers of a flow not finished yet",
    "broadcasts": "announcements_written: the author, and the chat that showed the progress",
    "deliveries": "messages_to_you; question_copies_sent_to_coordinators: their name and question; "
                  "join_request_copies_sent_to_coordinators: their name and organisation",
    "acknowledgements": "acknowledgements",
    "meetings": "meetings_planned",
    "rsvps": "meeting_answers",
    "coordinator_seeds": "made_coordinator_by_setting: when COORDINATOR_IDS made them a coordinator",
    "reminder_runs": "nobody's: which reminder of a meeting was dealt with, and how many it went to",
    "reminder_opt_outs": "reminder_opt_outs",
    "groups": "groups_set_up",
    "group_members": "groups",
    "eligibility_checks": "eligibility_checks",
    "deadline_reminders": "deadline_reminders",
    "questions": "questions",
    "replies": "questions (the replies to them); replies_written",
    "web_logins": "console_sign_in_links: when a link to the web console was made and used",
    "web_sessions": "console_sessions: when a signed-in browser began and was last used",
    "web_changes": "console_changes: what they changed in the web console",
    "content_versions": "content_versions_written: the versions of the content they saved in the web console",
}


def _row(row: Base) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__mapper__.column_attrs}


def _copy(delivery: Delivery) -> dict:
    """A coordinator's copy of what someone sent the council, as theirs to see: which coordinator got
    it, its message there and Telegram's word about that chat are the coordinator's, not theirs."""
    return {key: value for key, value in _row(delivery).items() if key not in ("chat_id", "message_id", "error")}


def _plain(value: object) -> object:
    """A value as JSON has it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


async def export(session: AsyncSession, user_id: int) -> dict[str, object] | None:
    """Everything stored about the person, by topic; None when nothing is."""

    async def rows(statement) -> list[dict]:  # type: ignore[no-untyped-def]
        return [_row(row) for row in await session.scalars(statement)]

    user = await session.get(User, user_id)
    questions = await rows(select(Question).where(Question.user_id == user_id).order_by(Question.id))
    for question in questions:
        question["replies"] = await rows(select(Reply).where(Reply.question_id == question["id"]).order_by(Reply.id))
    copies = [_copy(copy) for copy in await _question_copies(session, [question["id"] for question in questions])]
    their_requests = select(JoinRequest.id).where(JoinRequest.user_id == user_id)
    request_copies = [_copy(copy) for copy in await session.scalars(select(Delivery).where(
        Delivery.kind == DeliveryKind.JOIN_REQUEST, Delivery.join_request_id.in_(their_requests)).order_by(Delivery.id))]
    memberships = [dict(_row(row.GroupMember), group=row.name) for row in await session.execute(
        select(GroupMember, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user_id).order_by(GroupMember.id))]
    answers = [dict(_row(row.Rsvp), meeting=row.title, starts_at=row.starts_at) for row in await session.execute(
        select(Rsvp, Meeting.title, Meeting.starts_at).join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.user_id == user_id).order_by(Meeting.starts_at))]
    data: dict[str, object] = {
        "profile": _row(user) if user is not None else None,
        "join_requests": await rows(select(JoinRequest).where(JoinRequest.user_id == user_id)),
        "groups": memberships,
        "meeting_answers": answers,
        "reminder_opt_outs": await rows(select(ReminderOptOut).where(ReminderOptOut.user_id == user_id)),
        "eligibility_checks": await rows(select(EligibilityCheck).where(EligibilityCheck.user_id == user_id)
                                         .order_by(EligibilityCheck.id)),
        "deadline_reminders": await rows(select(DeadlineReminder).where(DeadlineReminder.user_id == user_id)
                                         .order_by(DeadlineReminder.id)),
        "questions": questions,
        "acknowledgements": await rows(select(Acknowledgement).where(Acknowledgement.user_id == user_id)),
        "messages_to_you": await rows(select(Delivery).where(Delivery.chat_id == user_id).order_by(Delivery.id)),
        "question_copies_sent_to_coordinators": copies,
        "join_request_copies_sent_to_coordinators": request_copies,
        "unfinished_steps": await rows(select(FlowData).where(FlowData.user_id == user_id)),
        "steps_in_progress": [{"flow": state.name, "step": state.state}
                              for state in await _flow_states(session, {user_id})],
        # What they did for the council, which names them.
        "announcements_written": await rows(select(Broadcast).where(
            or_(Broadcast.created_by == user_id, Broadcast.progress_chat_id == user_id))),
        "replies_written": await rows(select(Reply).where(Reply.author_id == user_id)),
        "meetings_planned": await rows(select(Meeting).where(Meeting.created_by == user_id)),
        "groups_set_up": await rows(select(Group).where(Group.created_by == user_id)),
        "invites_created": await rows(select(Invite).where(Invite.created_by == user_id)),
        "join_requests_decided": await rows(select(JoinRequest).where(JoinRequest.decided_by == user_id)),
        "made_coordinator_by_setting": await rows(select(CoordinatorSeed).where(CoordinatorSeed.user_id == user_id)),
        "console_sign_in_links": [{"created_at": row.created_at, "expires_at": row.expires_at, "used_at": row.used_at}
                                  for row in await session.scalars(select(WebLogin).where(WebLogin.user_id == user_id))],
        "console_sessions": [{"created_at": row.created_at, "last_seen": row.last_seen, "language": row.language}
                             for row in await session.scalars(select(WebSession).where(WebSession.user_id == user_id))],
        "console_changes": await rows(select(WebChange).where(WebChange.user_id == user_id).order_by(WebChange.id)),
        "content_versions_written": [
            {"id": row.id, "created_at": row.created_at, "note": row.note} for row in await session.scalars(
                select(ContentVersion).where(ContentVersion.author_id == user_id).order_by(ContentVersion.id))],
    }
    if not any(data.values()):
        return None
    return json.loads(json.dumps(data, default=_plain))  # plain JSON types throughout


def to_json(data: dict[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


class Erased(enum.Enum):
    DONE = "done"
    NOTHING = "nothing"  # nothing was stored
    LAST_COORDINATOR = "last_coordinator"  # the council would be left without one


@dataclass
class Erasure:
    outcome: Erased
    promoted: dict[int, list[int]] = field(default_factory=dict)  # group id -> who got the freed place
    led: list[int] = field(default_factory=list)  # the groups they led: each may be left without a lead


async def erase(session: AsyncSession, user_id: int) -> Erasure:
    """Erases the person at once: their rows go; the council's records that must stay lose their
    name and Telegram id. Refused for the last coordinator."""
    if await users.is_last_coordinator(session, user_id):
        return Erasure(Erased.LAST_COORDINATOR)
    if await export(session, user_id) is None:
        return Erasure(Erased.NOTHING)
    promoted: dict[int, list[int]] = {}
    led = list(await session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id,
                                                                        GroupMember.lead.is_(True))))
    for group_id in list(await session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id))):
        _, given = await groups.leave(session, group_id, user_id)  # frees the place for the waitlist
        if given:
            promoted[group_id] = given
    questions = list(await session.scalars(select(Question.id).where(Question.user_id == user_id)))
    await _forget_deliveries(session, Delivery.chat_id == user_id)
    # The copies of their questions sent to the coordinators carry their name and text.
    for copy in await _question_copies(session, questions):
        await session.delete(copy)
    await session.execute(delete(Reply).where(Reply.question_id.in_(questions)))
    for statement in (
        delete(Question).where(Question.user_id == user_id),
        delete(EligibilityCheck).where(EligibilityCheck.user_id == user_id),
        delete(DeadlineReminder).where(DeadlineReminder.user_id == user_id),
        delete(Rsvp).where(Rsvp.user_id == user_id),
        delete(ReminderOptOut).where(ReminderOptOut.user_id == user_id),
        delete(Acknowledgement).where(Acknowledgement.user_id == user_id),
        delete(JoinRequest).where(JoinRequest.user_id == user_id),  # and its copies sent to the coordinators
        delete(FlowData).where(FlowData.user_id == user_id),
        delete(WebLogin).where(WebLogin.user_id == user_id),
        delete(WebSession).where(WebSession.user_id == user_id),
        update(WebChange).where(WebChange.user_id == user_id).values(user_id=None, author_name=""),
        update(ContentVersion).where(ContentVersion.author_id == user_id).values(author_id=None, author_name=""),
        update(JoinRequest).where(JoinRequest.decided_by == user_id).values(decided_by=None),
        update(Invite).where(Invite.created_by == user_id).values(created_by=None),
        update(Meeting).where(Meeting.created_by == user_id).values(created_by=None),
        update(Group).where(Group.created_by == user_id).values(created_by=None),
        update(Reply).where(Reply.author_id == user_id).values(author_id=None, author_name=""),
        update(Broadcast).where(Broadcast.created_by == user_id).values(created_by=None, author_name=""),
        update(Broadcast).where(Broadcast.progress_chat_id == user_id).values(
            progress_chat_id=None, progress_message_id=None, progress_language=None),
    ):
        await session.execute(statement.execution_options(synchronize_session=False))
    for state in await _flow_states(session, {user_id}):
        await session.delete(state)
    await session.execute(delete(User).where(User.id == user_id))
    return Erasure(Erased.DONE, promoted, led)


async def _question_copies(session: AsyncSession, question_ids: Collection[int]) -> list[Delivery]:
    """The outbox rows that carry these questions to the coordinators (their payload names the question)."""
    if not question_ids:
        return []
    copies = await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.QUESTION))
    return [copy for copy in copies if (copy.payload or {}).get("question") in question_ids]


async def _flow_states(session: AsyncSession, user_ids: Collection[int]) -> list[ConversationState]:
    """Where these people stand in flows: a state's key is [chat id, user id] as JSON (bot.ptb.persistence)."""
    states = await session.scalars(select(ConversationState).order_by(ConversationState.name))
    return [state for state in states if not set(json.loads(state.key)).isdisjoint(user_ids)]


async def leave_no_trace(db: Database) -> bool:
    """After an erasure or a purge: SQLite's write-ahead log still holds the pages as they were before,
    the erased rows included, until its next checkpoint. Copies the log into the database file (where
    secure_delete has overwritten the rows with zeros, see storage.db) and empties it. False when
    another process's reader or writer kept it from finishing. PostgreSQL needs nothing here: its
    dead rows are not readable through SQL and go at the next (auto)vacuum."""
    path = db.engine.url.database
    if not db.is_sqlite or not path or path == ":memory:":
        return True
    # On a connection of its own, in a thread: it may wait (a second at most) for a writer to finish.
    return await asyncio.to_thread(_checkpoint, path)


def _checkpoint(path: str) -> bool:
    with contextlib.closing(sqlite3.connect(path, timeout=1.0)) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


async def _forget_deliveries(session: AsyncSession, which: object) -> None:
    """Rows of the outbox: one still waiting is dropped, as is everything but an announcement's row,
    which stays for the announcement's counts without the chat, the message and the reason."""
    await session.execute(delete(Delivery).where(which, or_(
        Delivery.kind != DeliveryKind.BROADCAST, Delivery.status == DeliveryStatus.PENDING)))
    await session.execute(update(Delivery).where(which).values(
        chat_id=None, message_id=None, error=None, dedupe_key=None, payload=None)
        .execution_options(synchronize_session=False))


@dataclass
class Purged:
    checks: int = 0
    questions: int = 0
    deliveries: int = 0
    deadline_reminders: int = 0
    applicants: int = 0
    drafts: int = 0
    join_requests: int = 0
    invites: int = 0
    acknowledgements: int = 0
    meeting_answers: int = 0
    # Whose answers in flows went (unfinished flows, erased applicants), so that the bot forgets its
    # copy in memory too; not for the log.
    answers_gone: list[int] = field(default_factory=list, repr=False)


async def purge(session: AsyncSession, cutoff: datetime, today: date | None = None) -> Purged:
    """Reminders of deadlines before `today` (passed: nothing left to remind of); what is older than
    `cutoff`: eligibility checks, questions (by their last change) with their
    replies, the outbox's finished rows, applicants Telegram could not reach since then or who have not
    written since then (unless they get the news, wait for a decision on joining or for a deadline
    reminder), unfinished
    flows untouched since then, join requests decided (or made and never decided) before it, invite
    links that expired before it, acknowledgements, and the answers to meetings that began before it.
    The README's "Where the data lives" lists the same."""
    purged = Purged()
    if today is not None:
        purged.deadline_reminders = (await session.execute(delete(DeadlineReminder).where(
            DeadlineReminder.deadline < today))).rowcount or 0
    purged.checks = (await session.execute(delete(EligibilityCheck).where(
        EligibilityCheck.started_at < cutoff))).rowcount or 0
    old = select(Question.id).where(Question.updated_at < cutoff)
    await session.execute(delete(Reply).where(Reply.question_id.in_(old)))
    purged.questions = (await session.execute(delete(Question).where(Question.updated_at < cutoff))).rowcount or 0
    finished = (Delivery.created_at < cutoff) & (Delivery.status != DeliveryStatus.PENDING) & \
        Delivery.chat_id.is_not(None)
    purged.deliveries = await session.scalar(select(func.count()).select_from(Delivery).where(finished)) or 0
    await _forget_deliveries(session, finished)
    # Applicants Telegram could not reach since then, and those who have not written since then
    # unless they asked for the council's news (which is what keeps them here), wait for a
    # decision on joining or for a deadline reminder they asked for.
    quiet = or_(User.last_seen < cutoff.date(), User.last_seen.is_(None) & (User.first_seen < cutoff))
    waiting = select(JoinRequest.id).where(JoinRequest.user_id == User.id, JoinRequest.status == RequestStatus.PENDING,
                                           JoinRequest.created_at >= cutoff)
    reminded = select(DeadlineReminder.id).where(DeadlineReminder.user_id == User.id)
    gone = list(await session.scalars(select(User.id).where(User.role == Role.APPLICANT, or_(
        User.unreachable_since < cutoff,
        quiet & User.news.is_not(True) & ~waiting.exists() & ~reminded.exists()))))
    for user_id in gone:
        await erase(session, user_id)
    purged.applicants = len(gone)

    abandoned = list(await session.scalars(select(FlowData.user_id).where(FlowData.updated_at < cutoff)))
    purged.drafts = len(abandoned)
    purged.answers_gone = gone + abandoned
    await session.execute(delete(FlowData).where(FlowData.user_id.in_(abandoned)))
    # Their steps in flows go with the answers: without them no flow can go on.
    for state in await _flow_states(session, abandoned):
        await session.delete(state)
    purged.join_requests = (await session.execute(delete(JoinRequest).where(or_(
        JoinRequest.decided_at < cutoff,
        (JoinRequest.status == RequestStatus.PENDING) & (JoinRequest.created_at < cutoff))))).rowcount or 0
    purged.invites = (await session.execute(delete(Invite).where(Invite.expires_at < cutoff))).rowcount or 0
    purged.acknowledgements = (await session.execute(delete(Acknowledgement).where(
        Acknowledgement.at < cutoff))).rowcount or 0
    purged.meeting_answers = (await session.execute(delete(Rsvp).where(Rsvp.meeting_id.in_(
        select(Meeting.id).where(Meeting.starts_at < cutoff))))).rowcount or 0
    return purged
