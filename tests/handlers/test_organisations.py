"""Who speaks for whom: the organisation named when asking to join shows beside the name wherever
the council lists people, coordinators and the member themselves change it, and the exports are
.xlsx files in the reader's language that a spreadsheet program opens as they are."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from openpyxl import load_workbook

from bot.i18n import translator
from handlers.common.permissions import COORDINATORS_ONLY
from storage import groups, meetings, users
from storage.db import Database
from storage.models import Attendance, GroupKind
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA, MAX, ALICE, BOB = 500, 2001, 2002, 1001, 1002
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    harness = await make_harness(db, members={MIA: "Mia Muster", MAX: "Max Mustermann"}, seen_at=NOW)
    async with db.begin() as session:
        await users.set_organisation(session, MIA, "Polizeirevier Güstrow")
    return harness


NAMES = {COORD: "Test", MIA: "Mia Muster", MAX: "Max Mustermann", ALICE: "Alice Schmidt", BOB: "Bob Berg"}


async def press(h: Harness, user_id: int, label: str) -> None:
    await h.press(user_id, buttons(h.request.latest(user_id))[label], name=NAMES[user_id])


def spreadsheet(h: Harness, user_id: int) -> tuple[str, list[list]]:
    document = h.request.sent(user_id, method="sendDocument")[-1]["document"]
    sheet = load_workbook(io.BytesIO(document["data"])).active
    return document["filename"], [[cell.value for cell in row] for row in sheet.iter_rows()]


async def test_the_organisation_of_a_join_request_shows_in_members_and_on_the_card(h: Harness) -> None:
    await h.send(ALICE, "/join", name="Alice Schmidt")
    await h.send(ALICE, "Alice Schmidt", name="Alice Schmidt")
    await h.send(ALICE, "Grundschule Bad Doberan", name="Alice Schmidt")
    await h.press(ALICE, "join:send", name="Alice Schmidt")
    await h.send(COORD, "/members")
    await press(h, COORD, "Alice Schmidt annehmen")
    await h.send(COORD, "/members")
    listing = h.request.latest(COORD)["text"]
    assert "• Alice Schmidt (Grundschule Bad Doberan) – Mitglied" in listing
    assert "• Mia Muster (Polizeirevier Güstrow) – Mitglied" in listing
    await press(h, COORD, "Alice Schmidt")
    assert "Organisation: Grundschule Bad Doberan" in h.request.latest(COORD)["text"]


async def an_invite_link(h: Harness) -> str:
    await h.send(COORD, "/invite 5")
    link = next(word for word in h.request.latest(COORD)["text"].split() if word.startswith("https://t.me/"))
    return "/start " + link.split("start=")[1]


async def organisation_of(h: Harness, user_id: int) -> str | None:
    async with h.db.begin() as session:
        return (await users.get(session, user_id)).organisation


async def test_who_joins_by_an_invite_link_is_asked_for_their_organisation_and_may_skip(h: Harness) -> None:
    start = await an_invite_link(h)
    await h.send(ALICE, start, name=NAMES[ALICE])
    assert "Willkommen im Präventionsrat!" in h.request.texts(ALICE)[-2]
    question = h.request.latest(ALICE)
    assert "Welche Organisation, Schule, Behörde oder Gemeinde vertreten Sie?" in question["text"]
    assert list(buttons(question)) == ["Überspringen"]
    await h.send(ALICE, "x", name=NAMES[ALICE])
    assert "mindestens 2 Zeichen" in h.request.latest(ALICE)["text"]
    await h.send(ALICE, "Grundschule Bad Doberan", name=NAMES[ALICE])
    assert "Organisation: Grundschule Bad Doberan" in h.request.latest(ALICE)["text"]
    assert await organisation_of(h, ALICE) == "Grundschule Bad Doberan"
    await h.send(COORD, "/members")
    assert "• Alice Schmidt (Grundschule Bad Doberan) – Mitglied" in h.request.latest(COORD)["text"]

    await h.send(BOB, start, name=NAMES[BOB])
    await press(h, BOB, "Überspringen")
    assert "Keine Organisation gespeichert" in h.request.latest(BOB)["text"]
    await h.send(BOB, "Hallo", name=NAMES[BOB])  # no longer taken as an organisation
    assert await organisation_of(h, BOB) is None


async def test_who_asked_to_join_before_using_an_invite_link_is_not_asked_again(h: Harness) -> None:
    await h.send(ALICE, "/join", name=NAMES[ALICE])
    await h.send(ALICE, "Alice Schmidt", name=NAMES[ALICE])
    await h.send(ALICE, "Polizeirevier Bad Doberan", name=NAMES[ALICE])
    await h.press(ALICE, "join:send", name=NAMES[ALICE])
    await h.send(ALICE, await an_invite_link(h), name=NAMES[ALICE])
    assert "Willkommen im Präventionsrat!" in h.request.latest(ALICE)["text"]
    assert await organisation_of(h, ALICE) == "Polizeirevier Bad Doberan"


async def test_a_coordinator_changes_an_organisation_on_the_card(h: Harness) -> None:
    await h.press(COORD, f"mem:{MAX}:0")
    assert "Organisation: nicht angegeben" in h.request.latest(COORD)["text"]
    await press(h, COORD, "Organisation ändern")
    assert "Welche Organisation, Schule, Behörde oder Gemeinde vertritt Max Mustermann?" in \
        h.request.latest(COORD)["text"]
    await h.send(COORD, "x")
    assert "mindestens 2 Zeichen" in h.request.latest(COORD)["text"]
    await h.send(COORD, "Stadt Teterow, Ordnungsamt")
    card = h.request.latest(COORD)["text"]
    assert "Max Mustermann" in card and "Organisation: Stadt Teterow, Ordnungsamt" in card
    await h.press(COORD, f"mem:{MIA}:0")
    await press(h, COORD, "Organisation ändern")
    await press(h, COORD, "« Zurück")  # changes nothing
    assert "Organisation: Polizeirevier Güstrow" in h.request.latest(COORD)["text"]
    # Someone else's organisation is the coordinators' to change, not another member's.
    await h.press(MAX, f"org:{MIA}", name=NAMES[MAX])
    assert h.answers()[-1]["text"] == translator("de")(COORDINATORS_ONLY)
    async with h.db.begin() as session:
        assert (await users.get(session, MIA)).organisation == "Polizeirevier Güstrow"


async def test_no_organisation_on_a_card_answers_the_press_once_and_shows_the_card(h: Harness) -> None:
    # Telegram refuses a second answer to one press: the card must not depend on one.
    await h.press(COORD, f"mem:{MIA}:0")
    await press(h, COORD, "Organisation ändern")
    answered = len(h.answers())
    await press(h, COORD, "Keine Organisation")
    assert [a.get("text") for a in h.answers()[answered:]] == ["Gespeichert."]
    card = h.request.latest(COORD)["text"]
    assert "Mia Muster" in card and "Organisation: nicht angegeben" in card


async def test_an_organisation_typed_for_someone_gone_meanwhile_says_so(h: Harness) -> None:
    await h.press(COORD, f"mem:{MAX}:0")
    await press(h, COORD, "Organisation ändern")
    async with h.db.begin() as session:  # Max erases his data while the coordinator types
        await session.delete(await users.get(session, MAX))
    await h.send(COORD, "Stadt Teterow")
    assert "nicht mehr bekannt" in h.request.latest(COORD)["text"]


async def test_a_member_changes_their_own_organisation_in_settings(h: Harness) -> None:
    await h.send(MIA, "/settings", name="Mia Muster")
    assert "Organisation: Polizeirevier Güstrow" in h.request.latest(MIA)["text"]
    await press(h, MIA, "Organisation ändern")
    assert "Welche Organisation, Schule, Behörde oder Gemeinde vertreten Sie?" in h.request.latest(MIA)["text"]
    await h.send(MIA, "Polizeiinspektion Rostock", name="Mia Muster")
    shown = h.request.latest(MIA)["text"]
    assert "Einstellungen" in shown and "Organisation: Polizeiinspektion Rostock" in shown
    await press(h, MIA, "Organisation ändern")
    await press(h, MIA, "Keine Organisation")
    assert "Organisation: nicht angegeben" in h.request.latest(MIA)["text"]


async def a_group(db: Database) -> int:
    async with db.begin() as session:
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=2, leads=[MIA], created_by=COORD, now=NOW)
        await groups.join(session, group.id, MAX, NOW)
        await groups.join(session, group.id, COORD, NOW)  # full: the waitlist
        return group.id


async def test_group_lists_and_the_export_show_organisations_ids_only_for_coordinators(
        h: Harness, db: Database) -> None:
    group_id = await a_group(db)
    await h.send(COORD, "/start")
    await h.press(MIA, f"gr:{group_id}:members", name=NAMES[MIA])
    assert "• Mia Muster (Polizeirevier Güstrow)" in "\n".join(h.request.texts(MIA))
    await press(h, MIA, "Als Tabelle herunterladen")
    filename, table = spreadsheet(h, MIA)
    assert filename == "AG_Schule.xlsx"
    # A lead gets names and organisations, in German, without Telegram ids.
    assert table[0] == ["Name", "Organisation", "In der Gruppe als", "Seit"]
    assert [row[:3] for row in table[1:]] == [["Mia Muster", "Polizeirevier Güstrow", "Leitung"],
                                              ["Max Mustermann", None, "Mitglied"],
                                              ["Test", None, "Warteliste, Platz 1"]]
    assert all(isinstance(row[3], datetime) for row in table[1:])  # a date, not text
    await h.press(COORD, f"gr:{group_id}:xlsx")
    _, table = spreadsheet(h, COORD)
    assert table[0][-1] == "Telegram-ID" and [row[-1] for row in table[1:]] == [MIA, MAX, COORD]


async def test_attendance_shows_organisations_and_its_export_says_zusage(h: Harness, db: Database) -> None:
    starts = NOW + timedelta(days=3)
    async with db.begin() as session:
        [meeting] = await meetings.create_series(session, title="KPR-Sitzung", dates=[starts], place="Kreishaus",
                                                 agenda="", agenda_file_id=None, repetition=None, created_by=COORD,
                                                 now=NOW)
        await meetings.answer(session, meeting.id, MIA, Attendance.YES, NOW)
        await meetings.answer(session, meeting.id, MAX, Attendance.MAYBE, NOW)
        await meetings.answer(session, meeting.id, COORD, Attendance.NO, NOW)
    await h.press(COORD, f"mtg:{meeting.id}:attendance")
    assert "• Mia Muster (Polizeirevier Güstrow)" in "\n".join(h.request.texts(COORD))
    await press(h, COORD, "Als Tabelle herunterladen")
    filename, table = spreadsheet(h, COORD)
    assert filename.startswith("Teilnahme-") and filename.endswith(".xlsx")
    assert table[0] == ["Name", "Organisation", "Antwort", "Vertretung", "Geantwortet am", "Telegram-ID"]
    answers = {row[0]: row[1:3] for row in table[1:]}
    assert answers["Mia Muster"] == ["Polizeirevier Güstrow", "Zusage"]
    assert answers["Max Mustermann"] == [None, "Vielleicht"]
    assert answers["Test"] == [None, "Absage"]
    assert isinstance(table[1][4], datetime)


async def test_a_leads_list_of_those_not_reached_has_no_telegram_ids(h: Harness, db: Database) -> None:
    from handlers.announcements.sent import ReportRenderer
    from storage import broadcasts
    from storage.models import Audience, Delivery, DeliveryKind, DeliveryStatus
    from storage.outbox import DueRow

    group_id = await a_group(db)
    async with db.begin() as session:
        sent = await broadcasts.create(session, author_id=MIA, author_name="Mia Muster", audience=Audience.GROUP,
                                       text="Treffen", attachment_kind=None, attachment_file_id=None, with_ack=False,
                                       send_at=NOW, now=NOW, progress_chat_id=MIA, progress_message_id=None,
                                       language="de", group_id=group_id)
        row = await session.scalar(select(Delivery).where(Delivery.broadcast_id == sent.id))
        row.status, row.error = DeliveryStatus.UNREACHABLE, "Forbidden: bot was blocked by the user"

    async def report_for(author: int) -> list[list]:
        due = DueRow(delivery_id=0, chat_id=author, kind=DeliveryKind.REPORT, broadcast_id=None,
                     payload={"broadcast": sent.id}, attempts=0, language="de")
        content = await ReportRenderer(db)(due, translator("de"))
        return [[cell.value for cell in r] for r in load_workbook(io.BytesIO(content.document)).active.iter_rows()]

    assert await report_for(MIA) == [["Name", "Status", "Grund"],
                                     ["Max Mustermann", "hat den Bot blockiert", "Forbidden: bot was blocked by the user"]]
    assert (await report_for(COORD))[1][-1] == MAX  # a coordinator may need the id to find the person
