"""Privacy at the edges: no trace of an erased person in the SQLite files, /mydata with the copies of
questions and the flow state, the retention purge of drafts, join requests, invites, acknowledgements
and meeting answers (with a fixed cutoff), and pseudonyms in the logs."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import pseudonym
from bot.ptb.context import BotContext
from bot.runner import seed_coordinators
from handlers.privacy import rights as privacy_handlers
from storage import broadcasts, funding, invites, join_requests, meetings, privacy, users
from storage.db import Database
from storage.models import (
    Acknowledgement, Attendance, Audience, Base, ConversationState, Delivery, DeliveryKind, DeliveryStatus, FlowData,
    Invite, JoinRequest, Question, RequestStatus, Role, Rsvp, User,
)
from tests.handlers.test_privacy import COORD, MEMBER, OTHER_COORD, a_member_with_everything, places_holding, sent_document
from tests.harness import TOKEN, Harness, buttons, start_harness, MakeHarness

APPLICANT = 3001
NOW = datetime.now(timezone.utc)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=10)
CUTOFF = NOW - timedelta(days=365)
MARK = "Zyxwvut"  # in everything the person below leaves, and nowhere else


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db)


# No trace in the files.

async def test_an_erased_person_leaves_no_trace_in_the_sqlite_files(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'kpr.db'}")
    await db.migrate()
    await seed_coordinators(db, (COORD,))
    h = await start_harness(db)
    name = f"Quentin {MARK}"
    await h.send(APPLICANT, "/join", language="en", name=name)
    await h.send(APPLICANT, f"Quirin {MARK}", language="en", name=name)
    await h.send(APPLICANT, f"{MARK} Verein", language="en", name=name)
    await h.press(APPLICANT, buttons(h.request.latest(APPLICANT))["Send request"], language="en", name=name)
    await h.send(APPLICANT, "/ask", language="en", name=name)
    await h.send(APPLICANT, f"{MARK} question: is a Quokka project funded?", language="en", name=name)
    await h.press(APPLICANT, buttons(h.request.latest(APPLICANT))["Send"], language="en", name=name)
    async with db.begin() as session:
        [entry] = await funding.inbox(session, 10)
    await h.press(COORD, f"qrep:{entry.question.id}", language="en")
    await h.send(COORD, f"{MARK} reply: yes, from 1 March", language="en")
    await h.press(COORD, f"qreps:{entry.question.id}:send", language="en")
    await h.send(APPLICANT, "/ask", language="en", name=name)
    await h.send(APPLICANT, f"{MARK} draft: and a Platypus?", language="en", name=name)  # left unsent
    files = [tmp_path / "kpr.db", tmp_path / "kpr.db-wal", tmp_path / "kpr.db-shm"]
    assert any(MARK.encode() in path.read_bytes() for path in files)  # the scan can find it

    await h.send(APPLICANT, "/deleteme", language="en", name=name)
    await h.press(APPLICANT, buttons(h.request.latest(APPLICANT))["Yes, erase everything"], language="en", name=name)
    assert "has been erased" in h.request.latest(APPLICANT)["text"]
    await h.app.shutdown()
    assert not h.errors, f"handlers raised: {h.errors!r}"
    # Looked at while the bot still holds the database open, as a copy of the files would be.
    holding = [path.name for path in files if path.exists() and MARK.encode() in path.read_bytes()]
    await db.dispose()
    assert holding == []


# /mydata: everything.

async def test_my_data_holds_the_question_copies_and_where_the_person_stands_in_a_flow(h: Harness,
                                                                                    db: Database) -> None:
    await a_member_with_everything(db)
    async with db.begin() as session:  # the copy of their join request reached COORD
        await session.execute(update(Delivery).where(Delivery.kind == DeliveryKind.JOIN_REQUEST, Delivery.chat_id == COORD)
                              .values(status=DeliveryStatus.SENT, message_id=77))
    await h.send(MEMBER, "/ask", language="en")
    await h.send(MEMBER, "Und die Frist für 2028?", language="en")  # mid-flow: not sent yet
    await h.send(MEMBER, "/mydata", language="en")
    data = sent_document(h, MEMBER)
    copies = data["question_copies_sent_to_coordinators"]
    assert len(copies) == 2  # one to each coordinator
    assert {copy["payload"]["text"] for copy in copies} == {"Wann ist die Frist?"}
    assert {copy["payload"]["name"] for copy in copies} == {"Mia Muster"}
    assert all("chat_id" not in copy for copy in copies)  # which coordinator is theirs to know
    request_copies = data["join_request_copies_sent_to_coordinators"]
    assert [copy["payload"]["organisation"] for copy in request_copies] == ["Polizei Güstrow"] * 2
    assert all("chat_id" not in copy and "message_id" not in copy for copy in request_copies)
    assert data["steps_in_progress"] == [{"flow": "ask", "step": "confirm"}]
    assert data["unfinished_steps"][0]["data"]["ask"]["text"] == "Und die Frist für 2028?"
    assert data["groups"] and data["meeting_answers"] and data["join_requests"]
    assert [b["text"] for b in data["announcements_written"]] == ["Einladung"]

    await h.send(COORD, "/mydata", language="en")
    [copy] = [m for m in sent_document(h, COORD)["messages_to_you"] if m["kind"] == "join_request"]
    assert copy["message_id"] == 77 and copy["payload"]["name"] == "Mia Muster"


def test_every_table_says_what_it_holds_of_a_person() -> None:
    assert set(privacy.WHAT_EACH_TABLE_HOLDS) == set(Base.metadata.tables)


# The retention purge, with a fixed cutoff.

async def test_retention_purges_abandoned_drafts_old_requests_invites_acknowledgements_and_answers(
        db: Database) -> None:
    async with db.begin() as session:
        for uid, role in ((COORD, Role.COORDINATOR), (MEMBER, Role.MEMBER), (APPLICANT, Role.APPLICANT),
                          (OTHER_COORD, Role.APPLICANT), (OTHER_COORD + 1, Role.APPLICANT)):
            await users.ensure(session, uid, f"Person {uid}", "de", OLD)
            await users.ensure(session, uid, f"Person {uid}", "de", RECENT)  # they still write
            await users.set_role(session, uid, role)
        for uid, when in ((APPLICANT, OLD), (MEMBER, RECENT)):
            session.add(FlowData(user_id=uid, data={"join": {"name": f"Entwurf {uid}"}}, updated_at=when))
            session.add(ConversationState(name="join", key=json.dumps([uid, uid]), state="organisation"))
        requests = {}
        for uid, status, made, decided in ((APPLICANT, RequestStatus.DECLINED, OLD, OLD),
                                           (MEMBER, RequestStatus.APPROVED, OLD, OLD),
                                           (OTHER_COORD, RequestStatus.PENDING, OLD, None),
                                           (OTHER_COORD + 1, RequestStatus.DECLINED, OLD, RECENT)):
            request = await join_requests.open_request(session, uid, f"Echter Name {uid}", "Verein", made)
            if decided:
                await join_requests.decide(session, request.id, status, COORD, decided)
            await join_requests.send_to_coordinators(session, request, made)  # to COORD
            requests[uid] = request.id
        await invites.create(session, "oldcode", COORD, 5, OLD - timedelta(days=14), OLD)
        await invites.create(session, "newcode", COORD, 5, RECENT - timedelta(days=14), RECENT)
        past, coming = [(await meetings.create_series(
            session, title=title, dates=[when], place="Güstrow", agenda="", agenda_file_id=None, repetition=None,
            created_by=COORD, now=OLD))[0] for title, when in (("Alt", OLD), ("Neu", NOW + timedelta(days=7)))]
        for meeting in (past, coming):
            await meetings.answer(session, meeting.id, MEMBER, Attendance.YES, OLD)
        announcement = await broadcasts.create(
            session, author_id=COORD, author_name="Chris", audience=Audience.MEMBERS, text="Hallo",
            attachment_kind=None, attachment_file_id=None, with_ack=True, send_at=OLD, now=OLD,
            progress_chat_id=COORD, progress_message_id=7, language="de")
        await broadcasts.acknowledge(session, announcement.id, MEMBER, OLD)
        await broadcasts.acknowledge(session, announcement.id, COORD, RECENT)

    async with db.begin() as session:
        purged = await privacy.purge(session, CUTOFF)
    assert (purged.drafts, purged.join_requests, purged.invites, purged.acknowledgements,
            purged.meeting_answers) == (1, 3, 1, 1, 1)
    assert purged.answers_gone == [APPLICANT]
    assert str(APPLICANT) not in repr(purged)  # the log line names no one
    async with db.begin() as session:
        assert [row.user_id for row in await session.scalars(select(FlowData))] == [MEMBER]
        assert [row.key for row in await session.scalars(select(ConversationState))] == [json.dumps([MEMBER, MEMBER])]
        assert [r.id for r in await session.scalars(select(JoinRequest))] == [requests[OTHER_COORD + 1]]
        # The coordinators' copies of the requests go with them.
        assert [d.join_request_id for d in await session.scalars(select(Delivery).where(
            Delivery.kind == DeliveryKind.JOIN_REQUEST))] == [requests[OTHER_COORD + 1]]
        assert [i.code for i in await session.scalars(select(Invite))] == ["newcode"]
        assert [a.user_id for a in await session.scalars(select(Acknowledgement))] == [COORD]
        assert [r.meeting_id for r in await session.scalars(select(Rsvp))] == [coming.id]


async def test_applicants_quiet_for_the_retention_period_are_erased_unless_they_get_the_news(
        db: Database) -> None:
    quiet, chatty, reader, waiting, member = 4101, 4102, 4103, 4104, 4105
    async with db.begin() as session:
        for uid in (quiet, chatty, reader, waiting, member):
            await users.ensure(session, uid, f"Person {uid}", "de", OLD)
        await users.set_role(session, member, Role.MEMBER)
        await users.set_news(session, reader, True)
        await users.ensure(session, chatty, "Person", "de", RECENT)
        await funding.ask(session, quiet, "Gibt es Vordrucke?", None, RECENT)  # the office was slow
        await join_requests.open_request(session, waiting, "Wer Wartet", "Verein", RECENT)
    async with db.begin() as session:
        purged = await privacy.purge(session, CUTOFF)
    assert purged.applicants == 1
    async with db.begin() as session:
        left = set(await session.scalars(select(User.id).where(User.id.in_([quiet, chatty, reader, waiting, member]))))
        assert left == {chatty, reader, waiting, member}
        assert not list(await session.scalars(select(Question).where(Question.user_id == quiet)))


async def test_writing_to_the_bot_keeps_the_day_last_seen(h: Harness, db: Database) -> None:
    await h.send(4201, "/start", language="de")
    async with db.begin() as session:
        assert (await session.get(User, 4201)).last_seen == datetime.now(timezone.utc).date()
        await session.execute(update(User).where(User.id == 4201).values(last_seen=OLD.date()))
    await h.send(4201, "/help", language="de")
    async with db.begin() as session:
        assert (await session.get(User, 4201)).last_seen == datetime.now(timezone.utc).date()


async def test_the_daily_purge_forgets_an_abandoned_draft_in_memory_too(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/join", language="en")
    await h.send(APPLICANT, "Erika Mustermann", language="en")
    async with db.begin() as session:
        await session.execute(update(FlowData).values(updated_at=OLD))
    await privacy_handlers.purge_old(BotContext(h.app))
    await h.send(APPLICANT, "/start", language="en")  # the bot writes what it holds for them after an update
    assert await places_holding(db, APPLICANT) == ["users.id"]
    assert "join" not in h.app.user_data.get(APPLICANT, {})


# Pseudonyms in the logs.

def test_a_pseudonym_is_stable_for_a_key_and_says_nothing_without_it() -> None:
    pseudonym.use_token("123:first-token")
    first = pseudonym.who(987650123)
    assert re.fullmatch(r"u-[0-9a-f]{8}", first) and "987650123" not in first
    pseudonym.use_token("123:first-token")  # a restart with the same token
    assert pseudonym.who(987650123) == first
    assert pseudonym.who(987650124) != first
    pseudonym.use_token("456:other-token")
    assert pseudonym.who(987650123) != first


async def test_the_bot_takes_the_pseudonyms_key_from_its_token(db: Database) -> None:
    pseudonym.use_token(TOKEN)
    expected = pseudonym.who(MEMBER)
    pseudonym.use_token("456:other-token")
    h = await start_harness(db)
    assert pseudonym.who(MEMBER) == expected
    await h.app.shutdown()


async def test_privacy_logs_name_people_by_pseudonym(h: Harness, db: Database,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    await a_member_with_everything(db)
    with caplog.at_level(logging.INFO):
        await h.send(MEMBER, "/mydata", language="en")
        await h.send(MEMBER, "/deleteme", language="en")
        await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Yes, erase everything"], language="en")
    lines = [r.getMessage() for r in caplog.records if r.name in ("handlers.privacy.rights", "storage.privacy")]
    assert len(lines) == 2 and all(pseudonym.who(MEMBER) in line for line in lines)
    assert not [line for line in lines if str(MEMBER) in line]
