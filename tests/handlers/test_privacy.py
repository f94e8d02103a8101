"""Privacy on a real Application: the notice, a copy of everything stored about someone, erasure that
leaves their id nowhere in the database (while announcements stay counted and a freed group place
goes to the waitlist), the last coordinator who cannot leave, and the retention purge with a
controlled clock. Also the flood guard, as a rule and in the bot."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update

from bot.rules.flood import FloodGuard, Verdict
from storage import broadcasts, funding, groups, join_requests, meetings, outbox, privacy, users
from storage.db import Database
from storage.models import (
    Attendance, Audience, Base, Delivery, DeliveryKind, DeliveryStatus, EligibilityCheck, GroupKind, GroupStatus,
    Question, Role, User,
)
from tests.harness import Harness, MakeHarness, buttons

COORD, OTHER_COORD, MEMBER, WAITING = 500, 501, 987650123, 2002
NOW = datetime.now(timezone.utc)


async def a_member_with_everything(db: Database) -> dict[str, int]:
    """MEMBER with a row in every place a person can leave one, and the council's records about them."""
    async with db.begin() as session:
        for uid, name, role in ((MEMBER, "Mia Muster", Role.MEMBER), (WAITING, "Wanda Warte", Role.MEMBER),
                                (OTHER_COORD, "Otto Office", Role.COORDINATOR)):
            await users.ensure(session, uid, name, "en", NOW)
            await users.set_role(session, uid, role)
        request = await join_requests.open_request(session, MEMBER, "Mia Muster", "Polizei Güstrow", NOW)
        await join_requests.send_to_coordinators(session, request, NOW)
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=1, leads=[MEMBER], created_by=COORD, now=NOW)
        await groups.join(session, group.id, WAITING, NOW)  # full: waitlisted
        [meeting] = await meetings.create_series(session, title="KPR-Sitzung", dates=[NOW + timedelta(days=9)],
                                                 place="Güstrow", agenda="", agenda_file_id=None, repetition=None,
                                                 created_by=MEMBER, now=NOW)
        await meetings.answer(session, meeting.id, MEMBER, Attendance.YES, NOW)
        check_id = await funding.start_check(session, MEMBER, NOW)
        await funding.finish_check(session, check_id, {"applicant": "association"}, None, "depends", "depends", NOW)
        question = await funding.ask(session, MEMBER, "Wann ist die Frist?", {"answers": {}}, NOW)
        await outbox.enqueue(session, DeliveryKind.QUESTION, users.reachable_coordinators(), now=NOW, payload={
            "question": question.id, "name": "Mia Muster", "text": "Wann ist die Frist?", "shared": None})
        await funding.reply(session, question.id, COORD, "Chris", "Bis 31.10.", NOW)
        await outbox.enqueue(session, DeliveryKind.REPLY, users.just(MEMBER), now=NOW,
                             payload={"question": "Wann ist die Frist?", "text": "Bis 31.10."})
        # An announcement that reached everyone, MEMBER acknowledged it; and one MEMBER wrote.
        announcement = await broadcasts.create(
            session, author_id=OTHER_COORD, author_name="Otto Office", audience=Audience.MEMBERS, text="Hallo",
            attachment_kind=None, attachment_file_id=None, with_ack=True, send_at=NOW, now=NOW,
            progress_chat_id=OTHER_COORD, progress_message_id=7, language="en")
        await session.execute(update(Delivery).where(Delivery.broadcast_id == announcement.id).values(
            status=DeliveryStatus.SENT, message_id=99, sent_at=NOW))
        await broadcasts.acknowledge(session, announcement.id, MEMBER, NOW)
        written = await broadcasts.create(
            session, author_id=MEMBER, author_name="Mia Muster", audience=Audience.NEWS, text="Einladung",
            attachment_kind=None, attachment_file_id=None, with_ack=False, send_at=NOW, now=NOW,
            progress_chat_id=MEMBER, progress_message_id=8, language="en")
    return {"group": group.id, "meeting": meeting.id, "broadcast": announcement.id, "written": written.id,
            "question": question.id}


async def places_holding(db: Database, value: int) -> list[str]:
    """Every table and column in which the number shows up, as text (also inside JSON and keys)."""
    found = []
    async with db.begin() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                found += [f"{table.name}.{column}" for column, cell in row.items() if str(value) in str(cell)]
    return sorted(set(found))


def sent_document(h: Harness, user_id: int) -> dict:
    [document] = h.request.sent(user_id, "sendDocument")
    return json.loads(document["document"]["data"])


def privacy_notice(h: Harness, user_id: int) -> list[str]:
    """The messages /privacy just sent: the notice is longer than one Telegram message may be."""
    return h.request.texts(user_id)[-2:]


async def test_the_privacy_notice_names_who_answers_for_what(h: Harness) -> None:
    await h.send(MEMBER, "/privacy", language="en")
    notice = "\n".join(privacy_notice(h, MEMBER))
    for expected in ("Landkreis Rostock", "August-Bebel-Straße 3", "The data protection officer of",
                     "/mydata", "/deleteme", "freedom of information"):
        assert expected in notice, expected
    await h.send(MEMBER + 1, "/privacy", language="de")
    assert "Verantwortlich" in privacy_notice(h, MEMBER + 1)[0]
    assert await places_holding(h.db, MEMBER) == []  # asking stores nothing


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["Art. 6(1)(e) GDPR with the data protection law of Mecklenburg-Vorpommern (DSG M-V)",
            "consent is the basis (Art. 6(1)(a) GDPR)", "withdraw it",
            "restriction of processing (Art. 18)", "objection", "(Art. 21)", "(Art. 16)", "(Art. 20)",
            "Telegram", "outside the European Union",
            # a period for every kind of data, applicants' accounts included
            "Eligibility checks: 365 days", "Questions to the council office with their replies: 365 days",
            "Join requests: 365 days",
            "Answers to meetings, with the name and organisation of a deputy sent instead: 365 days",
            "acknowledgements: 365 days",
            "Unfinished steps: 365 days", "The account of an applicant", "for 365 days",
            "Members' data (account, the organisation they speak for,", "Invite links: 365 days",
            "supervisory authority (Art. 77 GDPR):\nThe state commissioner for data protection"]),
    ("de", [("Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit dem Landesdatenschutzgesetz Mecklenburg-Vorpommern "
             "(DSG M-V)"), "Art. 6 Abs. 1 lit. a DSGVO", "Einschränkung der Verarbeitung (Art. 18)",
            "Widerspruch", "(Art. 21)", "Telegram", "außerhalb der Europäischen Union",
            "Das Konto von Antragstellenden", "365 Tage lang", "Daten der Mitglieder (Konto, Organisation,",
            "Sitzungen (mit Vertretung)",
            # the authority's name stands on a line of its own, not after "bei:" in the wrong case
            "Sie können sich bei der Aufsichtsbehörde beschweren (Art. 77 DSGVO):\nDer Landesbeauftragte"]),
])
async def test_the_privacy_notice_is_one_a_public_authority_can_sign(h: Harness, language: str,
                                                                      expected: list[str]) -> None:
    await h.send(MEMBER, "/privacy", language=language)
    parts = h.request.texts(MEMBER)
    notice = "\n".join(parts)
    for wording in expected:
        assert wording in notice, wording
    assert "Art. 6(1)(b)" not in notice and "lit. b" not in notice  # no contract: the council's task
    assert "Beschweren können Sie sich bei:" not in notice
    # Telegram takes 4,096 characters a message: each part leaves room for a council's longer names and
    # for lines added later. What is kept and how long comes first; legal basis, recipients and rights next.
    assert len(parts) == 2 and all(len(part) <= 3500 for part in parts), [len(part) for part in parts]
    assert {"de": "Wie lange", "en": "How long"}[language] in parts[0]
    assert parts[1].startswith({"de": "<b>Rechtsgrundlage", "en": "<b>Legal basis"}[language])


async def test_my_data_holds_everything_about_the_person(h: Harness, db: Database) -> None:
    ids = await a_member_with_everything(db)
    await h.send(MEMBER, "/mydata", language="en")
    data = sent_document(h, MEMBER)
    assert data["profile"]["id"] == MEMBER and data["profile"]["role"] == "member"
    assert data["join_requests"][0]["organisation"] == "Polizei Güstrow"
    assert data["groups"] == [dict(data["groups"][0], group="AG Schule", status="member", lead=True)]
    assert data["meeting_answers"][0]["meeting"] == "KPR-Sitzung" and data["meeting_answers"][0]["answer"] == "yes"
    assert data["eligibility_checks"][0]["answers"] == {"applicant": "association"}
    assert data["questions"][0]["text"] == "Wann ist die Frist?"
    assert data["questions"][0]["replies"][0]["text"] == "Bis 31.10."
    assert data["acknowledgements"][0]["broadcast_id"] == ids["broadcast"]
    assert {row["kind"] for row in data["messages_to_you"]} == {"broadcast", "reply"}
    assert data["announcements_written"][0]["text"] == "Einladung"
    assert data["meetings_planned"][0]["title"] == "KPR-Sitzung"


async def test_someone_unknown_gets_nothing_and_no_account(h: Harness, db: Database) -> None:
    for command in ("/mydata", "/deleteme"):
        await h.send(MEMBER, command, language="en")
        assert h.request.latest(MEMBER)["text"] == "Nothing is stored about you."
    assert await places_holding(db, MEMBER) == []


async def test_deleteme_erases_everything_and_keeps_the_councils_counts(h: Harness, db: Database) -> None:
    ids = await a_member_with_everything(db)
    async with db.begin() as session:
        before = await outbox.counts(session, ids["broadcast"])
    await h.send(MEMBER, "/check", language="en")  # a flow left open counts too
    await h.send(MEMBER, "/deleteme", language="en")
    assert "Erase all your data?" in h.request.latest(MEMBER)["text"]
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Yes, erase everything"], language="en")
    assert "everything stored about you has been erased" in h.request.latest(MEMBER)["text"]

    assert await places_holding(db, MEMBER) == []
    async with db.begin() as session:
        assert await outbox.counts(session, ids["broadcast"]) == before  # the announcement stays counted
        assert (before[DeliveryStatus.SENT], before[DeliveryStatus.PENDING]) == (3, 0)
        b = await broadcasts.get(session, ids["written"])
        assert (b.created_by, b.author_name, b.progress_chat_id, b.text) == (None, "", None, "Einladung")
        # The freed place went to the waitlist, who is told.
        member = await groups.membership(session, ids["group"], WAITING)
        assert member.status is GroupStatus.MEMBER
        told = list(await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.GROUP)))
        # The group lost its only lead: the coordinators are told, so that they choose a new one.
        assert sorted((row.payload["event"], row.chat_id) for row in told) == [
            ("leaderless", COORD), ("leaderless", OTHER_COORD), ("promoted", WAITING)]
        # The coordinators' copies of the question, with name and text, are gone too.
        assert not list(await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.QUESTION)))
        assert (await session.get(meetings.Meeting, ids["meeting"])).created_by is None
    await h.send(MEMBER, "/mydata", language="en")
    assert h.request.latest(MEMBER)["text"] == "Nothing is stored about you."
    assert await places_holding(db, MEMBER) == []


async def test_deleteme_can_be_cancelled(h: Harness, db: Database) -> None:
    await a_member_with_everything(db)
    await h.send(MEMBER, "/deleteme", language="en")
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Cancel"], language="en")
    assert "Nothing was erased" in h.request.latest(MEMBER)["text"]
    async with db.begin() as session:
        assert await session.get(User, MEMBER) is not None


async def test_the_last_coordinator_cannot_erase_themselves(h: Harness, db: Database) -> None:
    await h.send(COORD, "/deleteme", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Yes, erase everything"], language="en")
    assert "last coordinator" in h.answers()[-1]["text"]
    async with db.begin() as session:
        assert (await session.get(User, COORD)).role is Role.COORDINATOR
        await users.ensure(session, OTHER_COORD, "Otto", "en", NOW)
        await users.set_role(session, OTHER_COORD, Role.COORDINATOR)
    await h.send(COORD, "/deleteme", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Yes, erase everything"], language="en")
    assert await places_holding(db, COORD) == []


async def test_pressing_yes_twice_erases_once_and_answers_politely(h: Harness, db: Database) -> None:
    await a_member_with_everything(db)
    await h.send(MEMBER, "/deleteme", language="en")
    yes = buttons(h.request.latest(MEMBER))["Yes, erase everything"]
    await h.press(MEMBER, yes, language="en")
    await h.press(MEMBER, yes, language="en")
    assert "no longer valid" in h.answers()[-1]["text"]
    assert await places_holding(db, MEMBER) == []


async def test_retention_purges_what_is_older_and_keeps_the_rest(db: Database) -> None:
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    async with db.begin() as session:
        for uid, role in ((MEMBER, Role.APPLICANT), (WAITING, Role.APPLICANT), (OTHER_COORD, Role.MEMBER)):
            await users.ensure(session, uid, f"Person {uid}", "de", old)
            await users.set_role(session, uid, role)
        await users.mark_unreachable(session, [MEMBER, OTHER_COORD], old)  # a member is kept regardless
        await users.ensure(session, WAITING, f"Person {WAITING}", "de", recent)  # for the recent check
        for when in (old, recent):
            check_id = await funding.start_check(session, WAITING, when)
            await funding.finish_check(session, check_id, {}, None, "depends", "depends", when)
            question = await funding.ask(session, WAITING, f"Frage vom {when:%d.%m.%Y}", None, when)
            await funding.reply(session, question.id, OTHER_COORD, "Otto", "Antwort", when)
            await outbox.enqueue(session, DeliveryKind.REPLY, users.just(WAITING), now=when,
                                 payload={"question": "?", "text": "Antwort"}, status=DeliveryStatus.SENT)
        announcement = await broadcasts.create(
            session, author_id=OTHER_COORD, author_name="Otto", audience=Audience.NEWS, text="Alt",
            attachment_kind=None, attachment_file_id=None, with_ack=False, send_at=old, now=old,
            progress_chat_id=OTHER_COORD, progress_message_id=None, language="de")
        await outbox.enqueue(session, DeliveryKind.BROADCAST, select(User.id).where(User.id == WAITING), now=old,
                             broadcast_id=announcement.id, status=DeliveryStatus.SENT)

    async with db.begin() as session:
        purged = await privacy.purge(session, NOW - timedelta(days=365))
    assert (purged.checks, purged.questions, purged.applicants) == (1, 1, 1)
    async with db.begin() as session:
        assert [c.started_at.date() for c in await session.scalars(select(EligibilityCheck))] == [recent.date()]
        assert [q.text for q in await session.scalars(select(Question))] == [f"Frage vom {recent:%d.%m.%Y}"]
        kept = [(d.kind, d.chat_id) for d in await session.scalars(select(Delivery).order_by(Delivery.id))]
        # The old reply's row is gone; the old announcement's row stays, counted, without the chat.
        assert kept == [(DeliveryKind.REPLY, WAITING), (DeliveryKind.BROADCAST, None)]
        assert (await outbox.counts(session, announcement.id))[DeliveryStatus.SENT] == 1
        assert await session.get(User, MEMBER) is None  # an applicant unreachable for over a year
        assert await session.get(User, OTHER_COORD) is not None
    assert await places_holding(db, MEMBER) == []


def test_the_flood_guard_warns_once_and_lets_others_through() -> None:
    guard = FloodGuard(limit=20, window=10)
    verdicts = [guard.check(1, now=i * 0.1) for i in range(30)]
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20] is Verdict.WARN and set(verdicts[21:]) == {Verdict.DROP}
    assert guard.check(2, now=3.0) is Verdict.ALLOW  # someone else is not affected
    assert guard.check(1, now=3.1 + 10) is Verdict.ALLOW  # calm again after the window
    assert guard.check(1, now=13.2) is Verdict.ALLOW


def test_a_steady_pace_is_never_throttled() -> None:
    guard = FloodGuard(limit=20, window=10)
    assert {guard.check(1, now=i * 0.55) for i in range(500)} == {Verdict.ALLOW}


async def test_a_flooding_user_gets_one_notice_and_others_are_served(db: Database, make_harness: MakeHarness) -> None:
    h = await make_harness(db, flood_limit=20)
    for n in range(40):
        await h.send(MEMBER, f"hallo {n}", language="en")
    notices = [t for t in h.request.texts(MEMBER) if "sending a lot at once" in t]
    assert len(notices) == 1 and len(h.request.texts(MEMBER)) == 21
    await h.send(WAITING, "/start", language="en")
    assert "Hello" in h.request.latest(WAITING)["text"]


async def test_the_databases_scan_helper_finds_ids(db: Database) -> None:
    # The scan above must be able to fail: it finds an id in a plain column and inside JSON.
    async with db.begin() as session:
        await users.ensure(session, MEMBER, "Mia", "de", NOW)
        await session.execute(text("insert into flow_data (user_id, data, updated_at) values (:u, :d, :t)"),
                              {"u": WAITING, "d": json.dumps({"lead": MEMBER}), "t": NOW})
    assert await places_holding(db, MEMBER) == ["flow_data.data", "users.id"]
