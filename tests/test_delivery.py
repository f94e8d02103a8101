"""The delivery engine on a real database with a scripted sender: every row once, outcomes as
Telegram answers, at most a few in flight, and recovery of what a crash left unanswered."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.delivery import MAX_NETWORK_ATTEMPTS, DeliveryEngine, Withdrawn, classify
from storage import broadcasts, meetings, outbox, users
from storage.db import Database
from storage.models import Attendance, Audience, BroadcastStatus, Delivery, DeliveryStatus, Role
from storage.outbox import DueRow

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


async def make_members(db: Database, count: int, first: int = 1000) -> list[int]:
    ids = list(range(first, first + count))
    async with db.begin() as session:
        for uid in ids:
            await users.ensure(session, uid, f"Member {uid}", "de", NOW)
            await users.set_role(session, uid, Role.MEMBER)
    return ids


async def make_broadcast(db: Database, send_at: datetime = NOW) -> int:
    async with db.begin() as session:
        await users.ensure(session, 1, "Coordinator", "de", NOW)
        broadcast = await broadcasts.create(
            session, author_id=1, author_name="Coordinator", audience=Audience.MEMBERS, text="<b>Hallo</b>",
            attachment_kind=None, attachment_file_id=None, with_ack=False, send_at=send_at, now=NOW,
            progress_chat_id=1, progress_message_id=None, language="de")
        return broadcast.id


async def statuses(db: Database, broadcast_id: int) -> dict[DeliveryStatus, int]:
    async with db.begin() as session:
        return {k: v for k, v in (await outbox.counts(session, broadcast_id)).items() if v}


async def run_until_settled(engine: DeliveryEngine, db: Database, broadcast_id: int, timeout: float = 10) -> None:
    engine.start()
    try:
        for _ in range(int(timeout / 0.02)):
            counts = await statuses(db, broadcast_id)
            if not counts.get(DeliveryStatus.PENDING):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"not settled: {counts}")
    finally:
        await engine.stop()


class ScriptedSender:
    """Answers like Telegram, with errors scripted per chat; tracks how many sends overlap."""

    def __init__(self, script: dict[int, list[BaseException]] | None = None, delay: float = 0.005) -> None:
        self.script = script or {}
        self.delay = delay
        self.sent: list[int] = []
        self.running = 0
        self.peak = 0

    async def __call__(self, row: DueRow) -> int:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.delay)
            errors = self.script.get(row.chat_id)
            if errors:
                raise errors.pop(0)
            self.sent.append(row.chat_id)
            return len(self.sent)
        finally:
            self.running -= 1


def clock_from(start: datetime):
    # Real time passes, but from a fixed start, so "due" comparisons are exact.
    origin = asyncio.get_event_loop().time()
    return lambda: start + timedelta(seconds=asyncio.get_event_loop().time() - origin)


async def test_every_recipient_gets_it_once_with_few_in_flight(db: Database) -> None:
    members = await make_members(db, 60)
    broadcast_id = await make_broadcast(db)
    sender = ScriptedSender()
    engine = DeliveryEngine(db, sender, clock=clock_from(NOW))
    await run_until_settled(engine, db, broadcast_id)
    assert sorted(sender.sent) == members
    assert 1 < sender.peak <= 5
    assert await statuses(db, broadcast_id) == {DeliveryStatus.SENT: 60}


async def test_telegram_answers_become_outcomes(db: Database) -> None:
    members = await make_members(db, 5)
    blocked, missing, flaky, limited, hopeless = members
    script = {
        blocked: [Forbidden("Forbidden: bot was blocked by the user")],
        missing: [BadRequest("Chat not found")],
        flaky: [TimedOut(), TimedOut()],
        limited: [RetryAfter(1)],
        hopeless: [TimedOut() for _ in range(MAX_NETWORK_ATTEMPTS)],
    }
    broadcast_id = await make_broadcast(db)
    sender = ScriptedSender(script)
    # Backoffs and retry_after are waited out on the engine's clock, which the test moves on.
    now = [NOW]
    engine = DeliveryEngine(db, sender, clock=lambda: now[0])
    engine.start()
    try:
        for _ in range(200):
            counts = await statuses(db, broadcast_id)
            if not counts.get(DeliveryStatus.PENDING):
                break
            await asyncio.sleep(0.02)
            now[0] += timedelta(seconds=61)
            engine.wake()
    finally:
        await engine.stop()
    assert sorted(sender.sent) == sorted([flaky, limited])
    async with db.begin() as session:
        found = {p.chat_id: (p.status.value, p.reason) for p in await outbox.problems(session, broadcast_id)}
        blocked_user = await users.get(session, blocked)
    assert found[blocked][0] == "unreachable"
    assert found[missing] == ("failed", "Chat not found")
    assert found[hopeless][0] == "failed" and "network" in found[hopeless][1]
    assert blocked_user.unreachable_since is not None
    # Unreachable people are left out of the next audience until they write again.
    async with db.begin() as session:
        assert await broadcasts.audience_size(session, Audience.MEMBERS) == 4
        await users.ensure(session, blocked, "Member", "de", NOW)
        assert await broadcasts.audience_size(session, Audience.MEMBERS) == 5


async def test_rows_in_flight_at_a_crash_go_out_again(db: Database) -> None:
    members = await make_members(db, 10)
    broadcast_id = await make_broadcast(db)
    async with db.begin() as session:  # a process sent three rows, recorded one answer and died
        first = (await outbox.read_due(session, NOW, 3, in_flight=()))[0]
        await outbox.record(session, [outbox.Answer(first.delivery_id, first.chat_id, DeliveryStatus.SENT,
                                                    first.attempts, NOW, message_id=1)])
    sender = ScriptedSender()
    await run_until_settled(DeliveryEngine(db, sender, clock=clock_from(NOW)), db, broadcast_id)
    # The two whose answer never got written go out again (the duplicates a crash may cost).
    assert sorted(sender.sent) == sorted(set(members) - {first.chat_id})
    assert await statuses(db, broadcast_id) == {DeliveryStatus.SENT: 10}


async def test_a_scheduled_broadcast_cancelled_before_its_time_sends_nothing(db: Database) -> None:
    await make_members(db, 4)
    broadcast_id = await make_broadcast(db, send_at=NOW + timedelta(hours=1))
    async with db.begin() as session:
        assert await broadcasts.cancel(session, broadcast_id)
        assert await broadcasts.release_due(session, NOW + timedelta(hours=2)) == []
        assert await outbox.read_due(session, NOW + timedelta(hours=2), 5, in_flight=()) == []


async def test_scheduled_rows_wait_for_their_time_and_late_ones_are_marked(db: Database) -> None:
    await make_members(db, 3)
    future = await make_broadcast(db, send_at=NOW + timedelta(hours=1))
    missed = await make_broadcast(db, send_at=NOW - timedelta(hours=2))
    sender = ScriptedSender()
    await run_until_settled(DeliveryEngine(db, sender, clock=clock_from(NOW)), db, missed)
    assert len(sender.sent) == 3  # only the one that was due
    async with db.begin() as session:
        assert (await broadcasts.get(session, missed)).late is True
        assert (await broadcasts.get(session, future)).started_at is None
        assert await broadcasts.cancel(session, future) is True
        assert await broadcasts.cancel(session, missed) is False  # already started
    assert await statuses(db, future) == {}


async def test_a_scheduled_broadcast_goes_to_its_audience_as_it_is_when_due_and_once(db: Database) -> None:
    first, leaving, *_ = await make_members(db, 3)
    broadcast_id = await make_broadcast(db, send_at=NOW + timedelta(hours=1))
    async with db.begin() as session:  # between scheduling and sending: one joins, one leaves
        await users.ensure(session, 2000, "Joined", "de", NOW)
        await users.set_role(session, 2000, Role.MEMBER)
        await users.set_role(session, leaving, Role.APPLICANT)
    assert await statuses(db, broadcast_id) == {}  # nobody is chosen before its time

    later = NOW + timedelta(hours=1, seconds=5)

    async def release() -> list[int]:
        async with db.begin() as session:
            return await broadcasts.release_due(session, later)

    # Two senders at once (on PostgreSQL, two processes): only one writes the rows.
    assert sorted(await asyncio.gather(release(), release())) == [[], [broadcast_id]]
    assert await release() == []
    async with db.begin() as session:
        chosen = await session.scalars(select(Delivery.chat_id).where(Delivery.broadcast_id == broadcast_id))
        assert sorted(chosen) == [first, first + 2, 2000]
        started = await broadcasts.get(session, broadcast_id)
        assert (started.status, started.recipients, started.late) == (BroadcastStatus.SENDING, 3, False)


@pytest.mark.parametrize(("error", "status"), [
    (RetryAfter(7), DeliveryStatus.PENDING),
    (Forbidden("blocked"), DeliveryStatus.UNREACHABLE),
    (BadRequest("Chat not found"), DeliveryStatus.FAILED),
    (TimedOut(), DeliveryStatus.PENDING),
    (ValueError("bug"), DeliveryStatus.FAILED),
    (Withdrawn("meeting cancelled"), DeliveryStatus.CANCELLED),
])
def test_classify(error: BaseException, status: DeliveryStatus) -> None:
    assert classify(error, attempts=1).status is status


def test_classify_waits_retry_after_and_gives_up_on_network_errors() -> None:
    assert classify(RetryAfter(7), 1).retry_after == timedelta(seconds=7)
    assert classify(RetryAfter(7), 1).undo_attempt
    assert classify(TimedOut(), 2).retry_after == timedelta(seconds=4)
    assert classify(TimedOut(), MAX_NETWORK_ATTEMPTS).status is DeliveryStatus.FAILED


async def test_stop_hands_back_unanswered_sends_and_leaves_the_database_usable(db: Database) -> None:
    await make_members(db, 8)
    broadcast_id = await make_broadcast(db)
    answered = asyncio.Event()

    async def hanging(row: DueRow) -> int:
        if row.chat_id == 1000:
            answered.set()
            return 1
        await asyncio.sleep(3600)  # Telegram never answers these
        return 0

    engine = DeliveryEngine(db, hanging, clock=clock_from(NOW))
    engine.start()
    await asyncio.wait_for(answered.wait(), 5)
    await asyncio.sleep(0.1)
    started = asyncio.get_running_loop().time()
    await engine.stop(grace=0.2)
    assert asyncio.get_running_loop().time() - started < 2
    # The answered one is recorded; the four still at Telegram and the rest wait for the next start.
    assert await statuses(db, broadcast_id) == {DeliveryStatus.SENT: 1, DeliveryStatus.PENDING: 7}
    async with db.begin() as session:  # no transaction was cut off half way: writing works at once
        await users.set_news(session, 1000, True)


async def test_a_row_cancelled_while_in_flight_is_not_made_pending_again(db: Database) -> None:
    await make_members(db, 2)
    broadcast_id = await make_broadcast(db)
    async with db.begin() as session:
        first, second = await outbox.read_due(session, NOW, 2, in_flight=())
        await outbox.cancel_pending(session, broadcast_id=broadcast_id)
        # Telegram said "wait" for one and delivered the other while they were being cancelled.
        await outbox.record(session, [
            outbox.Answer(first.delivery_id, first.chat_id, DeliveryStatus.PENDING, 0, NOW, retry_at=NOW),
            outbox.Answer(second.delivery_id, second.chat_id, DeliveryStatus.SENT, 1, NOW, message_id=7)])
    assert await statuses(db, broadcast_id) == {DeliveryStatus.CANCELLED: 1, DeliveryStatus.SENT: 1}


async def test_while_telegram_cannot_be_reached_every_send_waits(db: Database) -> None:
    members = await make_members(db, 12)
    broadcast_id = await make_broadcast(db)
    outage = {uid: [TimedOut()] for uid in members[:5]}  # the first five in flight time out, once each
    sender = ScriptedSender(outage)
    now = [NOW]
    engine = DeliveryEngine(db, sender, clock=lambda: now[0])
    engine.start()
    try:
        for _ in range(100):
            if sum(len(e) for e in outage.values()) == 0:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        # Held: nothing else went out while the network was away, though seven more were due.
        assert sender.sent == []
        now[0] += timedelta(seconds=3)
        engine.wake()
        for _ in range(200):
            if len(sender.sent) == 12:
                break
            await asyncio.sleep(0.02)
    finally:
        await engine.stop()
    assert sorted(sender.sent) == members
    assert await statuses(db, broadcast_id) == {DeliveryStatus.SENT: 12}


async def test_a_scheduled_broadcast_whose_meeting_was_deleted_goes_to_nobody(db: Database) -> None:
    members = await make_members(db, 2)
    async with db.begin() as session:
        meeting = (await meetings.create_series(
            session, title="KPR-Sitzung", dates=[NOW + timedelta(days=3)], place="Kreishaus", agenda="",
            agenda_file_id=None, repetition=None, created_by=members[0], now=NOW))[0]
        await meetings.answer(session, meeting.id, members[1], Attendance.YES, NOW)
        broadcast_id = (await broadcasts.create(
            session, author_id=members[0], author_name="M", audience=Audience.MEETING, text="Raum 2",
            attachment_kind=None, attachment_file_id=None, with_ack=False, send_at=NOW + timedelta(hours=1), now=NOW,
            progress_chat_id=members[0], progress_message_id=None, language="de", meeting_id=meeting.id)).id
        await session.delete(meeting)
    # The sender keeps going: the announcement starts with nobody to send to, and others go out.
    other = await make_broadcast(db, send_at=NOW + timedelta(hours=1))
    sender = ScriptedSender()
    await run_until_settled(DeliveryEngine(db, sender, clock=clock_from(NOW + timedelta(hours=2))), db, other)
    assert sorted(sender.sent) == sorted(members)
    async with db.begin() as session:
        started = await broadcasts.get(session, broadcast_id)
        assert (started.status, started.recipients) == (BroadcastStatus.SENDING, 0)
