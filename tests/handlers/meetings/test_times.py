"""Meetings with an end (issue 17, point 2): typed as "18:00–20:00", "18-20 Uhr" or "18:00 bis 20:00",
else MEETING_DURATION long; shown on cards and as the calendar file's DTEND; kept by a move."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from storage import users
from storage.db import Database
from storage.models import Meeting
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA = 500, 2001
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster"}, seen_at=NOW, greeted=True, meeting_duration="90m")


async def press(h: Harness, label: str) -> None:
    await h.press(COORD, buttons(h.request.latest(COORD))[label], language="en")


async def plan(h: Harness, when: str) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    await h.send(COORD, when, language="en")
    await press(h, "Yes")
    await h.send(COORD, "Kreishaus Güstrow", language="en")
    await press(h, "No agenda yet")
    await press(h, "The whole council (1)")
    await press(h, "Only once")
    await press(h, "Create and invite")


async def the_meeting(db: Database) -> Meeting:
    async with db.begin() as session:
        return (await session.scalars(select(Meeting))).one()


@pytest.mark.parametrize("typed", ["12.3.2027 18:00–20:30", "12.3.2027 18-20:30 Uhr", "12.3.2027 18:00 bis 20:30"])
async def test_a_meeting_typed_with_its_end_shows_it_on_the_card_and_in_the_calendar(
        h: Harness, db: Database, typed: str) -> None:
    await plan(h, typed)
    meeting = await the_meeting(db)
    assert meeting.ends_at == datetime(2027, 3, 12, 20, 30, tzinfo=BERLIN)
    await h.send(MIA, "/meetings")
    card = h.request.sent(MIA)[-1]
    assert "Freitag, 12. März 2027, 18:00–20:30 Uhr" in card["text"]
    await h.press(MIA, buttons(card)["Mein Kalender"])
    event = Calendar.from_ical(h.request.sent(MIA, method="sendDocument")[-1]["document"]["data"]).walk("VEVENT")[0]
    assert event.decoded("DTEND") == datetime(2027, 3, 12, 20, 30, tzinfo=BERLIN)


async def test_without_an_end_a_meeting_lasts_meeting_duration_and_a_move_keeps_its_length(
        h: Harness, db: Database) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    assert "Without an end it lasts 1 hour 30 minutes." in h.request.latest(COORD)["text"]
    await h.send(COORD, "/cancel", language="en")
    await plan(h, "12.3.2027 18 Uhr")
    meeting = await the_meeting(db)
    assert meeting.ends_at == datetime(2027, 3, 12, 19, 30, tzinfo=BERLIN)
    # Moved within its day by the time alone, with a new end; then to another day without an end:
    # it keeps the length it has.
    await h.press(COORD, f"mted:{meeting.id}", language="en")
    await press(h, "Date and time")
    await h.send(COORD, "17-21 Uhr", language="en")
    assert "Friday, 12 March 2027, 18:00–19:30 → Friday, 12 March 2027, 17:00–21:00" in h.request.latest(COORD)["text"]
    await press(h, "Save")
    await h.press(COORD, f"mted:{meeting.id}", language="en")
    await press(h, "Date and time")
    await h.send(COORD, "19.3.2027 10:00", language="en")
    await press(h, "Save")
    meeting = await the_meeting(db)
    assert (meeting.starts_at, meeting.ends_at) == (datetime(2027, 3, 19, 10, 0, tzinfo=BERLIN),
                                                    datetime(2027, 3, 19, 14, 0, tzinfo=BERLIN))


async def test_an_end_before_the_beginning_or_a_time_without_a_date_is_explained(h: Harness) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    await h.send(COORD, "12.3.2027 20-18 Uhr", language="en")
    assert "The end must come after the beginning" in h.request.latest(COORD)["text"]


@pytest.mark.parametrize(("language", "needed", "confirmed"), [
    ("en", "A new meeting needs a date as well as the time. Please write both, for example: ",
     "Friday, 12 March 2027, 18:00–20:00 – is that right?"),
    ("de", "Für eine neue Sitzung wird neben der Uhrzeit auch das Datum benötigt. Bitte schreiben Sie beides, "
           "zum Beispiel: ", "Freitag, 12. März 2027, 18:00–20:00 Uhr – stimmt das?"),
])
async def test_a_new_meeting_asks_for_the_date_with_the_time_typed_as_example(
        h: Harness, language: str, needed: str, confirmed: str) -> None:
    # Only a meeting moved within its day may be given a time alone: a new one has no day yet.
    ahead = (datetime.now(BERLIN) + timedelta(days=7)).date()
    async with h.db.begin() as session:  # the coordinator reads the bot in this language
        await users.set_language(session, COORD, language)
    await h.send(COORD, "/newmeeting", language=language)
    await h.send(COORD, "KPR-Sitzung", language=language)
    await h.send(COORD, "18 bis 20 Uhr", language=language)
    assert h.request.latest(COORD)["text"] == f"{needed}{ahead.day}.{ahead.month}.{ahead.year} 18 bis 20 Uhr"
    await h.send(COORD, "12.3.2027 18 bis 20 Uhr", language=language)
    assert h.request.latest(COORD)["text"] == confirmed
