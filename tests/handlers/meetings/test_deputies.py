"""Deputies (issue 17, point 4): "Absage, ich schicke eine Vertretung" with the deputy's name and
organisation, shown in the attendance and its export; on the coordination's card the own "Absage"
stays apart from cancelling the meeting for everyone."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from storage import meetings
from storage.db import Database
from storage.models import Attendance, MeetingStatus, Rsvp
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA = 500, 2001
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster"}, seen_at=NOW, greeted=True)


async def a_meeting(db: Database) -> int:
    async with db.begin() as session:
        return (await meetings.create_series(session, title="KPR-Sitzung", dates=[NOW + timedelta(days=5)],
                                             place="Kreishaus", agenda="", agenda_file_id=None, repetition=None,
                                             created_by=COORD, now=NOW))[0].id


async def rsvp(db: Database, meeting_id: int) -> Rsvp | None:
    async with db.begin() as session:
        return await session.get(Rsvp, (meeting_id, MIA))


async def test_a_member_sends_a_deputy_whom_the_attendance_and_its_export_show(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db)
    await h.send(MIA, "/meetings")
    await h.press(MIA, buttons(h.request.latest(MIA))["Absage, ich schicke eine Vertretung"])
    assert "Wer kommt an Ihrer Stelle?" in h.request.latest(MIA)["text"]
    await h.send(MIA, "H")
    assert "mindestens 2 Zeichen" in h.request.latest(MIA)["text"]
    await h.send(MIA, "Hans Beispiel")
    assert "Für welche Einrichtung spricht Hans Beispiel?" in h.request.latest(MIA)["text"]
    await h.send(MIA, "Polizeirevier Güstrow")
    saved = h.request.latest(MIA)
    assert "an Ihrer Stelle kommt Hans Beispiel (Polizeirevier Güstrow)" in saved["text"]
    assert "Ihre Antwort: Absage; an Ihrer Stelle: Hans Beispiel (Polizeirevier Güstrow)" in saved["text"]
    assert "● Absage" in buttons(saved)
    answer = await rsvp(db, meeting_id)
    assert (answer.answer, answer.deputy_name, answer.deputy_organisation) == (
        Attendance.NO, "Hans Beispiel", "Polizeirevier Güstrow")

    await h.press(COORD, f"mtg:{meeting_id}:attendance")
    listing = "\n".join(p["text"] for p in h.request.sent(COORD)[-3:])
    # Mia is "Test" to the harness, and the coordinator reads English.
    assert "<b>1 not coming</b>\n• Test – deputy: Hans Beispiel (Polizeirevier Güstrow)" in listing
    await h.press(COORD, f"mtg:{meeting_id}:xlsx")
    sheet = load_workbook(io.BytesIO(h.request.sent(COORD, method="sendDocument")[-1]["document"]["data"])).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    deputy = table[0].index("Deputy")
    assert [row[deputy] for row in table if row[-1] == MIA] == ["Hans Beispiel (Polizeirevier Güstrow)"]

    await h.send(MIA, "/meetings")  # the card says so later too
    assert "an Ihrer Stelle: Hans Beispiel" in h.request.latest(MIA)["text"]
    # Coming after all: the deputy is no longer named.
    await h.press(MIA, f"rsvp:{meeting_id}:yes:card")
    assert "Ihre Antwort: Zusage" in h.request.latest(MIA)["text"]
    answer = await rsvp(db, meeting_id)
    assert (answer.answer, answer.deputy_name) == (Attendance.YES, None)


async def test_the_organisation_may_be_skipped_and_cancel_leaves_the_answer(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db)
    await h.press(MIA, f"rsvp:{meeting_id}:maybe:note")
    await h.press(MIA, f"mdep:{meeting_id}")
    await h.send(MIA, "Hans Beispiel")
    await h.send(MIA, "/cancel")
    assert (await rsvp(db, meeting_id)).answer is Attendance.MAYBE
    await h.press(MIA, f"mdep:{meeting_id}")
    await h.send(MIA, "Hans Beispiel")
    await h.press(MIA, buttons(h.request.latest(MIA))["Überspringen"])
    assert "an Ihrer Stelle kommt Hans Beispiel." in h.request.latest(MIA)["text"]
    answer = await rsvp(db, meeting_id)
    assert (answer.answer, answer.deputy_name, answer.deputy_organisation) == (Attendance.NO, "Hans Beispiel", None)


async def test_a_deputy_is_refused_for_a_meeting_not_ones_own_or_cancelled(
        h: Harness, db: Database, make_harness: MakeHarness) -> None:
    meeting_id = await a_meeting(db)
    await h.press(3001, f"mdep:{meeting_id}")  # an applicant
    assert h.answers()[-1]["show_alert"]
    await h.press(MIA, f"mdep:{meeting_id}")
    await h.send(MIA, "Hans Beispiel")
    async with db.begin() as session:
        await meetings.cancel(session, [await meetings.get(session, meeting_id)], NOW)
    await h.press(MIA, buttons(h.request.latest(MIA))["Überspringen"])
    assert "abgesagt" in h.request.latest(MIA)["text"]
    assert await rsvp(db, meeting_id) is None


async def test_on_the_coordinations_card_absage_stays_apart_from_cancelling_the_meeting(
        h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db)
    await h.send(COORD, "/meetings", language="en")
    card = next(m for m in h.request.sent(COORD) if "KPR-Sitzung" in m["text"])
    rows = [[b["text"] for b in row] for row in card["reply_markup"]["inline_keyboard"]]
    not_coming = next(i for i, row in enumerate(rows) if "Not coming" in row)
    cancelling = next(i for i, row in enumerate(rows) if "🚫 Cancel the meeting for everyone" in row)
    assert rows[cancelling] == ["🚫 Cancel the meeting for everyone"] and cancelling == len(rows) - 1 > not_coming + 1
    await h.press(COORD, buttons(card)["🚫 Cancel the meeting for everyone"], language="en")
    assert "Yes, cancel this meeting" in buttons(h.request.latest(COORD))  # asks first
    async with db.begin() as session:
        assert (await meetings.get(session, meeting_id)).status is MeetingStatus.SCHEDULED
