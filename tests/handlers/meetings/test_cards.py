"""A card or an invitation answered shows the meeting as it is now, never as it was when the message
went out: after a new place, a new time, a cancellation (issue 17, point 1)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage import meetings
from storage.db import Database
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA = 500, 2001
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster"}, seen_at=NOW, greeted=True)


async def invited(h: Harness, db: Database, starts: datetime) -> tuple[int, dict]:
    """A meeting of the council, and Mia's invitation to it as the delivery engine sent it."""
    async with db.begin() as session:
        meeting = (await meetings.create_series(
            session, title="KPR-Sitzung", dates=[starts], place="Kreishaus Güstrow",
            agenda="", agenda_file_id=None, repetition=None, created_by=COORD, now=NOW))[0]
        await meetings.notify(session, meeting, {"event": "invite", "meeting": {
            "id": meeting.id, "title": meeting.title, "starts_at": starts.isoformat(), "place": meeting.place,
            "agenda": "", "repetition": None, "sequence": 0}}, NOW, without_declined=False, leave_out=COORD)
    await h.deliver()
    return meeting.id, h.request.latest(MIA)


async def edit(h: Harness, meeting_id: int, field: str, value: str) -> None:
    await h.press(COORD, f"mted:{meeting_id}", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))[field], language="en")
    await h.send(COORD, value, language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Save"], language="en")


async def test_an_answer_on_an_invitation_sent_before_a_new_place_shows_the_new_place(h: Harness, db: Database) -> None:
    meeting_id, invitation = await invited(h, db, datetime(2027, 3, 12, 17, 0, tzinfo=timezone.utc))
    await edit(h, meeting_id, "Place", "Rathaus Bützow, Am Markt 1")
    await h.press(MIA, buttons(invitation)["Zusage"])
    assert "Gespeichert: Zusage" in h.answers()[-1]["text"]
    shown = h.request.sent(MIA, method="editMessageText")[-1]
    assert "Rathaus Bützow" in shown["text"] and "Kreishaus" not in shown["text"]
    assert "Ihre Antwort: Zusage" in shown["text"] and "● Zusage" in buttons(shown)


async def test_an_answer_on_an_invitation_sent_before_a_move_shows_the_new_time(h: Harness, db: Database) -> None:
    meeting_id, invitation = await invited(h, db, datetime(2027, 3, 12, 17, 0, tzinfo=timezone.utc))
    await edit(h, meeting_id, "Date and time", "19.3.2027 17:00")
    await h.press(MIA, buttons(invitation)["Vielleicht"])
    shown = h.request.sent(MIA, method="editMessageText")[-1]
    assert "Freitag, 19. März 2027, 17:00" in shown["text"] and "12. März" not in shown["text"]


async def test_an_answer_on_an_invitation_to_a_cancelled_meeting_shows_the_cancellation(
        h: Harness, db: Database) -> None:
    meeting_id, invitation = await invited(h, db, NOW + timedelta(days=5))
    await h.press(COORD, f"mtg:{meeting_id}:cancelone", language="en")
    await h.press(MIA, buttons(invitation)["Zusage"])
    assert "abgesagt" in h.answers()[-1]["text"] and h.answers()[-1]["show_alert"]
    shown = h.request.sent(MIA, method="editMessageText")[-1]
    assert "Diese Sitzung wurde abgesagt." in shown["text"] and not buttons(shown)


async def test_an_invitation_with_its_agenda_attached_gets_its_caption_drawn_again(h: Harness, db: Database) -> None:
    async with db.begin() as session:
        meeting = (await meetings.create_series(
            session, title="KPR-Sitzung", dates=[NOW + timedelta(days=5)], place="Kreishaus", agenda="Lang " * 400,
            agenda_file_id="doc-agenda", repetition=None, created_by=COORD, now=NOW))[0]
    await h.press(MIA, f"rsvp:{meeting.id}:yes:note", document="doc-agenda")
    caption = h.request.sent(MIA, method="editMessageCaption")[-1]
    # A caption holds 1024 characters: the agenda stays in the file.
    assert "Ihre Antwort: Zusage" in caption["caption"] and "Lang" not in caption["caption"]
    assert "● Zusage" in buttons(caption) and not h.request.sent(MIA, method="editMessageText")
