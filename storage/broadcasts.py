"""Broadcasts: audiences, the rows written with them, acknowledgements, cancellation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage import groups, outbox, upsert, users
from storage.models import (
    Acknowledgement,
    Attendance,
    Audience,
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Group,
    GroupMember,
    GroupStatus,
    Role,
    Rsvp,
    User,
)

# A scheduled broadcast that starts later than this after its time is reported as late.
LATE_AFTER = timedelta(minutes=1)


def audience_query(audience: Audience, ref: int | None = None, *, author_id: int | None = None) -> Select:
    """Ids of the users an audience reaches now; people Telegram reported unreachable are left out
    until they write to the bot again, and so is the author, who has seen the preview. `ref` is what
    the audience refers to: the group, the meeting whose Zusagen it is, the broadcast a reminder is about."""
    council = User.role.in_([Role.MEMBER, Role.COORDINATOR])
    reachable = User.unreachable_since.is_(None)
    if author_id is not None:
        reachable = reachable & (User.id != author_id)
    if audience is Audience.MEMBERS:
        return select(User.id).where(council, reachable)
    if audience is Audience.NEWS:
        wants_news = or_(User.news.is_(True), User.news.is_(None) & council)
        return select(User.id).where(wants_news, reachable)
    if audience is Audience.GROUP and ref is not None:
        return groups.audience(ref).where(reachable)
    if audience is Audience.MEETING and ref is not None:
        coming = select(Rsvp.user_id).where(Rsvp.meeting_id == ref, Rsvp.answer == Attendance.YES)
        return select(User.id).where(council, reachable, User.id.in_(coming))
    if audience is Audience.NOT_ACKNOWLEDGED and ref is not None:
        acknowledged = select(Acknowledgement.user_id).where(Acknowledgement.broadcast_id == ref)
        return (select(Delivery.chat_id).join(User, User.id == Delivery.chat_id)
                .where(Delivery.broadcast_id == ref, Delivery.status == DeliveryStatus.SENT,
                       Delivery.chat_id.not_in(acknowledged), reachable, council))
    raise ValueError(f"audience {audience} needs what it refers to")


async def audience_size(session: AsyncSession, audience: Audience, ref: int | None = None, *,
                        author_id: int | None = None) -> int:
    query = audience_query(audience, ref, author_id=author_id)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


async def create(session: AsyncSession, *, author_id: int, author_name: str, audience: Audience, text: str,
                 attachment_kind: str | None, attachment_file_id: str | None, with_ack: bool, send_at: datetime,
                 now: datetime, progress_chat_id: int, progress_message_id: int | None, language: str,
                 reminder_of: int | None = None, meeting_id: int | None = None,
                 group_id: int | None = None) -> Broadcast:
    """The broadcast, in the caller's transaction. Its recipients are chosen when it is due, by the
    audience's rules at that moment (release_due): one due now is released at once, here."""
    broadcast = Broadcast(
        created_by=author_id, author_name=author_name[:200], audience=audience, text=text,
        attachment_kind=attachment_kind, attachment_file_id=attachment_file_id, with_ack=with_ack,
        reminder_of=reminder_of, meeting_id=meeting_id, group_id=group_id, status=BroadcastStatus.SCHEDULED,
        recipients=0, created_at=now, send_at=send_at,
        progress_chat_id=progress_chat_id, progress_message_id=progress_message_id, progress_language=language,
    )
    session.add(broadcast)
    await session.flush()
    if send_at <= now:
        broadcast.status, broadcast.started_at = BroadcastStatus.SENDING, now
        broadcast.late = send_at < now - LATE_AFTER
        broadcast.recipients = await _choose_recipients(session, broadcast.id, audience,
                                                        reminder_of or meeting_id or group_id, author_id, now)
    return broadcast


async def _choose_recipients(session: AsyncSession, broadcast_id: int, audience: Audience, ref: int | None,
                             author_id: int | None, now: datetime) -> int:
    """One pending row per person the audience reaches now; a person who has a row of this
    broadcast already is left out (the unique constraint), so choosing twice never sends twice."""
    return await outbox.enqueue(session, DeliveryKind.BROADCAST, audience_query(audience, ref, author_id=author_id),
                                now=now, broadcast_id=broadcast_id)


async def release_due(session: AsyncSession, now: datetime) -> list[int]:
    """Starts every scheduled broadcast whose time has come: marks it sending and writes its
    recipients' rows, all in the caller's transaction, so a crash leaves either both or neither.
    The status moves from "scheduled" once only: of several processes (PostgreSQL) the first
    UPDATE takes the row and the others find it started, and a restart finds it done or not begun."""
    due = (await session.execute(
        update(Broadcast)
        .where(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now)
        .values(status=BroadcastStatus.SENDING, started_at=now, late=Broadcast.send_at < now - LATE_AFTER)
        .returning(Broadcast.id, Broadcast.audience, Broadcast.reminder_of, Broadcast.meeting_id,
                   Broadcast.group_id, Broadcast.created_by)
        .execution_options(synchronize_session=False))).all()
    for row in due:
        ref = row.reminder_of or row.meeting_id or row.group_id
        # The meeting or group it was for was deleted meanwhile: its audience is nobody now.
        gone = ref is None and row.audience not in (Audience.MEMBERS, Audience.NEWS)
        chosen = 0 if gone else await _choose_recipients(session, row.id, row.audience, ref, row.created_by, now)
        await session.execute(update(Broadcast).where(Broadcast.id == row.id).values(recipients=chosen)
                              .execution_options(synchronize_session=False))
    return [row.id for row in due]


async def next_release(session: AsyncSession) -> datetime | None:
    """When the next scheduled broadcast is due."""
    return await session.scalar(select(func.min(Broadcast.send_at)).where(
        Broadcast.status == BroadcastStatus.SCHEDULED))


async def drop(session: AsyncSession, broadcast: Broadcast) -> None:
    """A broadcast written for nobody (its audience emptied since the preview): nothing of it is kept."""
    await session.delete(broadcast)


async def reminder_running(session: AsyncSession, original_id: int) -> bool:
    """Whether a reminder of this broadcast is scheduled or still going out."""
    return bool(await session.scalar(select(func.count()).select_from(Broadcast).where(
        Broadcast.reminder_of == original_id,
        Broadcast.status.in_([BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING]))))


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


@dataclass(frozen=True, slots=True)
class Letter:
    """An announcement as its recipients see it: the text, the group that sends it (None: the
    council) and when it went out."""

    id: int
    text: str  # Telegram HTML
    attachment_kind: str | None
    attachment_file_id: str | None
    ack_for: int | None  # the broadcast an "Acknowledged" press counts for; None: no such button
    group: str | None
    sent_at: datetime


_LETTERS = (select(Broadcast, Group.name.label("group_name"))
            .outerjoin(Group, Group.id == Broadcast.group_id))


def _letter(row: Row) -> Letter:
    b = row.Broadcast
    return Letter(b.id, b.text, b.attachment_kind, b.attachment_file_id,
                  (b.reminder_of or b.id) if b.with_ack else None, row.group_name, b.started_at or b.send_at)


async def letter(session: AsyncSession, broadcast_id: int) -> Letter | None:
    row = (await session.execute(_LETTERS.where(Broadcast.id == broadcast_id))).first()
    return _letter(row) if row else None


def _news_for(user_id: int, member: bool) -> ColumnElement[bool]:
    """Which announcements someone who gets news may read again: those to all subscribers, those to
    all members if they are one, and those to a group they belong to; reminders are copies."""
    their_groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id,
                                                      GroupMember.status == GroupStatus.MEMBER)
    meant = Broadcast.audience == Audience.NEWS
    if member:
        meant = meant | (Broadcast.audience == Audience.MEMBERS) | (
            (Broadcast.audience == Audience.GROUP) & Broadcast.group_id.in_(their_groups))
    return (Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.DONE]) & Broadcast.reminder_of.is_(None)
            & meant)


async def news(session: AsyncSession, user_id: int, *, member: bool, limit: int = 10) -> list[Letter]:
    """The last announcements this person may read again, newest first (`member`: of the council)."""
    rows = await session.execute(_LETTERS.where(_news_for(user_id, member))
                                 .order_by(Broadcast.started_at.desc(), Broadcast.id.desc()).limit(limit))
    return [_letter(row) for row in rows]


async def news_letter(session: AsyncSession, broadcast_id: int, user_id: int, *, member: bool) -> Letter | None:
    """One of them, or None if this person may not read it (a forged or outdated button)."""
    row = (await session.execute(_LETTERS.where(Broadcast.id == broadcast_id, _news_for(user_id, member)))).first()
    return _letter(row) if row else None


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    return list(await session.scalars(select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
                                      .limit(limit)))


async def scheduled_to_group(session: AsyncSession, group_id: int) -> list[Broadcast]:
    """The announcements to a group still waiting for their time, the next first: what its leads may change."""
    return list(await session.scalars(select(Broadcast).where(
        Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.audience == Audience.GROUP,
        Broadcast.group_id == group_id).order_by(Broadcast.send_at, Broadcast.id)))


async def to_report(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts whose author has not had the final report yet: those sending and those just done."""
    return list(await session.scalars(select(Broadcast).where(
        Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.DONE]), Broadcast.reported_at.is_(None))))


async def finish(session: AsyncSession, broadcast_id: int, now: datetime) -> None:
    """Marks a broadcast done once nothing of it is left to send."""
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
        .values(status=BroadcastStatus.DONE, finished_at=now))


async def send_report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
    """Queues for the author the list of the recipients not reached, once however often it is asked."""
    if broadcast.progress_chat_id is not None:
        await outbox.enqueue(session, DeliveryKind.REPORT, users.just(broadcast.progress_chat_id), now=now,
                             payload={"broadcast": broadcast.id}, dedupe_prefix=f"report:{broadcast.id}:")


async def reported(session: AsyncSession, broadcast_id: int, now: datetime) -> None:
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(reported_at=now))


async def cancel(session: AsyncSession, broadcast_id: int) -> bool:
    """Cancels a broadcast that has not started (it has no rows yet); False once sending has begun."""
    result = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SCHEDULED)
        .values(status=BroadcastStatus.CANCELLED))
    return result.rowcount == 1


async def edit_text(session: AsyncSession, broadcast_id: int, text: str) -> bool:
    """A scheduled broadcast's new text (its caption, with a photo or document); False once it has
    started or was cancelled."""
    result = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SCHEDULED)
        .values(text=text).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def send_now(session: AsyncSession, broadcast_id: int, now: datetime, *, progress_chat_id: int,
                   progress_message_id: int | None) -> bool:
    """Brings a scheduled broadcast forward to now and starts it, its progress shown in the given
    message; False once it has started or was cancelled."""
    result = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SCHEDULED)
        .values(send_at=now, progress_chat_id=progress_chat_id, progress_message_id=progress_message_id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    await release_due(session, now)
    return True


async def acknowledge(session: AsyncSession, broadcast_id: int, user_id: int, now: datetime) -> bool:
    """Records an acknowledgement; False if this user had acknowledged already."""
    result = await session.execute(
        upsert.insert(session, Acknowledgement).values(broadcast_id=broadcast_id, user_id=user_id, at=now)
        .on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"]))
    return result.rowcount == 1


async def acknowledged_by(session: AsyncSession, broadcast_id: int) -> list[str]:
    rows = await session.scalars(
        select(User.display_name).join(Acknowledgement, Acknowledgement.user_id == User.id)
        .where(Acknowledgement.broadcast_id == broadcast_id).order_by(Acknowledgement.at))
    return list(rows)


async def was_sent_to(session: AsyncSession, broadcast_id: int, user_id: int) -> bool:
    found = await session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.broadcast_id.in_(select(Broadcast.id).where(
            or_(Broadcast.id == broadcast_id, Broadcast.reminder_of == broadcast_id))),
        Delivery.chat_id == user_id, Delivery.status == DeliveryStatus.SENT))
    return bool(found)
