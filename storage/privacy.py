"""A person's data: everything stored about them (GDPR Art. 15), erasing it (Art. 17), and the
retention purge. Where a record has to stay, the council's own (an announcement and its counts, a
reply the office wrote), it stays without the person's name and Telegram id."""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import groups, users
from storage.models import (
    Acknowledgement, Base, Broadcast, ConversationState, Delivery, DeliveryKind, DeliveryStatus, EligibilityCheck,
    FlowData, Group, GroupMember, Invite, JoinRequest, JoinRequestNotice, Meeting, Question, Reply, ReminderOptOut,
    Role, Rsvp, User,
)


def _row(row: Base) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__mapper__.column_attrs}


def _plain(value: object) -> object:
    """A value as JSON has it."""
    if isinstance(value, datetime):
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
    memberships = [dict(_row(member), group=name) for member, name in (await session.execute(
        select(GroupMember, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user_id).order_by(GroupMember.id))).all()]
    answers = [dict(_row(rsvp), meeting=title, starts_at=starts) for rsvp, title, starts in (await session.execute(
        select(Rsvp, Meeting.title, Meeting.starts_at).join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.user_id == user_id).order_by(Meeting.starts_at))).all()]
    data: dict[str, object] = {
        "profile": _row(user) if user is not None else None,
        "join_requests": await rows(select(JoinRequest).where(JoinRequest.user_id == user_id)),
        "groups": memberships,
        "meeting_answers": answers,
        "reminder_opt_outs": await rows(select(ReminderOptOut).where(ReminderOptOut.user_id == user_id)),
        "eligibility_checks": await rows(select(EligibilityCheck).where(EligibilityCheck.user_id == user_id)
                                         .order_by(EligibilityCheck.id)),
        "questions": questions,
        "acknowledgements": await rows(select(Acknowledgement).where(Acknowledgement.user_id == user_id)),
        "messages_to_you": await rows(select(Delivery).where(Delivery.chat_id == user_id).order_by(Delivery.id)),
        "unfinished_steps": await rows(select(FlowData).where(FlowData.user_id == user_id)),
        # What they did for the council, which names them.
        "announcements_written": await rows(select(Broadcast).where(Broadcast.created_by == user_id)),
        "replies_written": await rows(select(Reply).where(Reply.author_id == user_id)),
        "meetings_planned": await rows(select(Meeting).where(Meeting.created_by == user_id)),
        "groups_set_up": await rows(select(Group).where(Group.created_by == user_id)),
        "invites_created": await rows(select(Invite).where(Invite.created_by == user_id)),
        "join_requests_decided": await rows(select(JoinRequest).where(JoinRequest.decided_by == user_id)),
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


async def erase(session: AsyncSession, user_id: int) -> Erasure:
    """Erases the person at once: their rows go; the council's records that must stay lose their
    name and Telegram id. Refused for the last coordinator."""
    if await users.is_last_coordinator(session, user_id):
        return Erasure(Erased.LAST_COORDINATOR)
    if await export(session, user_id) is None:
        return Erasure(Erased.NOTHING)
    promoted: dict[int, list[int]] = {}
    for group_id in list(await session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id))):
        _, given = await groups.leave(session, group_id, user_id)  # frees the place for the waitlist
        if given:
            promoted[group_id] = given
    questions = list(await session.scalars(select(Question.id).where(Question.user_id == user_id)))
    await _forget_deliveries(session, Delivery.chat_id == user_id)
    if questions:
        # The copies of their questions sent to the coordinators carry their name and text.
        shown = [row for row in await session.execute(select(Delivery.id, Delivery.payload).where(
            Delivery.kind == DeliveryKind.QUESTION)) if (row.payload or {}).get("question") in questions]
        await session.execute(delete(Delivery).where(Delivery.id.in_([row.id for row in shown])))
    await session.execute(delete(Reply).where(Reply.question_id.in_(questions)))
    for statement in (
        delete(Question).where(Question.user_id == user_id),
        delete(EligibilityCheck).where(EligibilityCheck.user_id == user_id),
        delete(Rsvp).where(Rsvp.user_id == user_id),
        delete(ReminderOptOut).where(ReminderOptOut.user_id == user_id),
        delete(Acknowledgement).where(Acknowledgement.user_id == user_id),
        delete(JoinRequestNotice).where(JoinRequestNotice.chat_id == user_id),
        delete(JoinRequest).where(JoinRequest.user_id == user_id),
        delete(FlowData).where(FlowData.user_id == user_id),
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
    # Where they stood in a flow: keys are [chat id, user id] as JSON (see bot.persistence).
    states = (await session.execute(select(ConversationState.name, ConversationState.key))).all()
    for name, key in states:
        if user_id in json.loads(key):
            await session.execute(delete(ConversationState).where(
                ConversationState.name == name, ConversationState.key == key))
    await session.execute(delete(User).where(User.id == user_id))
    return Erasure(Erased.DONE, promoted)


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
    applicants: int = 0


async def purge(session: AsyncSession, cutoff: datetime) -> Purged:
    """What is older than `cutoff`: eligibility checks, questions (by their last change) with their
    replies, the outbox's finished rows, and applicants Telegram could not reach since then."""
    purged = Purged()
    purged.checks = (await session.execute(delete(EligibilityCheck).where(
        EligibilityCheck.started_at < cutoff))).rowcount or 0
    old = select(Question.id).where(Question.updated_at < cutoff)
    await session.execute(delete(Reply).where(Reply.question_id.in_(old)))
    purged.questions = (await session.execute(delete(Question).where(Question.updated_at < cutoff))).rowcount or 0
    finished = (Delivery.created_at < cutoff) & (Delivery.status != DeliveryStatus.PENDING) & \
        Delivery.chat_id.is_not(None)
    purged.deliveries = await session.scalar(select(func.count()).select_from(Delivery).where(finished)) or 0
    await _forget_deliveries(session, finished)
    gone = list(await session.scalars(select(User.id).where(
        User.role == Role.APPLICANT, User.unreachable_since < cutoff)))
    for user_id in gone:
        await erase(session, user_id)
    purged.applicants = len(gone)
    return purged
