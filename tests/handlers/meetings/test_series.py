"""A series as a whole (issue 17, point 3): one invitation with one answer for all its dates and a way
to single ones, one entry in /meetings that opens its dates, all dates in one calendar file, and
edits for "this meeting" or "this and all later ones", whose reminders move along."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from handlers.meetings import reminders
from storage import meetings
from storage.db import Database
from storage.models import Attendance, Meeting, Rsvp
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA = 500, 2001
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.now(timezone.utc)
WEEKLY = {"kind": "weekly", "every": 1, "count": 3, "until": None}


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster"}, seen_at=NOW, greeted=True)


async def press(h: Harness, label: str) -> None:
    await h.press(COORD, buttons(h.request.latest(COORD))[label], language="en")


async def series(db: Database) -> list[Meeting]:
    async with db.begin() as session:
        return list(await session.scalars(select(Meeting).order_by(Meeting.starts_at)))


async def answers(db: Database) -> list[Attendance | None]:
    async with db.begin() as session:
        given = {r.meeting_id: r.answer for r in await session.scalars(select(Rsvp).where(Rsvp.user_id == MIA))}
    return [given.get(m.id) for m in await series(db)]


async def test_one_invitation_answers_all_dates_and_one_entry_opens_them(h: Harness, db: Database) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "AG Prävention", language="en")
    await h.send(COORD, "9.3.2027 18-20 Uhr", language="en")
    await press(h, "Yes")
    await h.send(COORD, "Kreishaus Güstrow", language="en")
    await press(h, "No agenda yet")
    await press(h, "The whole council (1)")
    await press(h, "Every week")
    await press(h, "After a number of meetings")
    await h.send(COORD, "3", language="en")
    await press(h, "Create and invite")
    await h.deliver()
    invitation = h.request.latest(MIA)
    assert "alle 3 Termine" in invitation["text"]
    await h.press(MIA, buttons(invitation)["Zusage für alle Termine"])
    assert "Gespeichert für 3 Termine: Zusage" in h.answers()[-1]["text"]
    assert await answers(db) == [Attendance.YES] * 3
    assert "3 × Zusage" in h.request.sent(MIA, method="editMessageText")[-1]["text"]

    # /meetings: the series is one entry, whose dates open one by one; one of them answered alone.
    before = len(h.request.sent(MIA))
    await h.send(MIA, "/meetings")
    shown = h.request.sent(MIA)[before:]
    assert sum("AG Prävention" in m["text"] for m in shown) == 1
    entry = shown[-1]
    assert "Nächster Termin: Dienstag, 9. März 2027, 18:00–20:00 Uhr" in entry["text"]
    before = len(h.request.sent(MIA))
    await h.press(MIA, buttons(entry)["Termine einzeln (3)"])
    dates = h.request.sent(MIA)[before:]
    assert [("16. März 2027" in d["text"]) for d in dates] == [False, True, False]
    await h.press(MIA, buttons(dates[1])["● Zusage"].replace(":yes:", ":no:"))
    assert await answers(db) == [Attendance.YES, Attendance.NO, Attendance.YES]

    # All dates into the calendar at once.
    await h.press(MIA, buttons(entry)["Alle Termine in meinen Kalender"])
    file = h.request.sent(MIA, method="sendDocument")[-1]["document"]["data"]
    events = Calendar.from_ical(file).walk("VEVENT")
    assert [e.decoded("DTSTART").day for e in events] == [9, 16, 23]
    assert events[0].decoded("DTEND") == datetime(2027, 3, 9, 20, 0, tzinfo=BERLIN)


async def test_an_edit_for_this_and_later_dates_moves_them_and_their_reminders(h: Harness, db: Database) -> None:
    first = datetime(2027, 3, 16, 18, 0, tzinfo=BERLIN)  # Tuesdays; summer time begins on 28 March
    async with db.begin() as session:
        created = await meetings.create_series(
            session, title="AG Schule", dates=[first + timedelta(weeks=n) for n in range(3)], place="Rathaus",
            agenda="", agenda_file_id=None, repetition=WEEKLY, created_by=COORD, now=NOW)
    # The place of one date alone.
    await h.press(COORD, f"mted:{created[0].id}", language="en")
    await press(h, "Place")
    await h.send(COORD, "Schule am Wall", language="en")
    await press(h, "Save for this meeting only")
    assert [m.place for m in await series(db)] == ["Schule am Wall", "Rathaus", "Rathaus"]
    # The second and the third to Wednesdays, 19:00 to 21:00 (the second typed with its date).
    await h.press(COORD, f"mted:{created[1].id}", language="en")
    await press(h, "Date and time")
    await h.send(COORD, "24.3.2027 19:00–21:00", language="en")
    await press(h, "Save for this and the 1 later one")
    assert "Saved for this meeting and 1 later one." in h.request.latest(COORD)["text"]
    moved = await series(db)
    assert [m.starts_at.astimezone(BERLIN) for m in moved] == [
        first, datetime(2027, 3, 24, 19, 0, tzinfo=BERLIN), datetime(2027, 3, 31, 19, 0, tzinfo=BERLIN)]
    assert moved[2].ends_at.astimezone(BERLIN) == datetime(2027, 3, 31, 21, 0, tzinfo=BERLIN)
    await h.deliver()  # one notice for the dates moved together
    notice = h.request.latest(MIA)["text"]
    assert "Ebenso der 1 spätere Termin der Reihe." in notice and "Mittwoch, 24. März 2027, 19:00–21:00" in notice
    # Their reminders are those of the new times, planned now and after a restart alike.
    planned = {job.data.meeting_id: job.data.starts_at for job in h.app.job_queue.jobs()
               if job.name.startswith("reminder:")}
    assert planned[moved[1].id] == moved[1].starts_at and planned[moved[2].id] == moved[2].starts_at
    for job in h.app.job_queue.jobs():
        job.schedule_removal()
    await reminders.rebuild(h.app)
    rebuilt = {job.data for job in h.app.job_queue.jobs() if job.name.startswith("reminder:") and not job.removed}
    assert {(r.meeting_id, r.starts_at) for r in rebuilt} == {(m.id, m.starts_at) for m in moved}


async def test_a_groups_series_is_refused_to_others_however_the_button_is_forged(h: Harness, db: Database) -> None:
    from storage import groups
    from storage.models import GroupKind

    async with db.begin() as session:
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=None, leads=[COORD], created_by=COORD, now=NOW)
        created = await meetings.create_series(
            session, title="AG-Treffen", dates=[NOW + timedelta(days=2, weeks=n) for n in range(2)], place="Schule",
            agenda="", agenda_file_id=None, repetition=WEEKLY, created_by=COORD, now=NOW, group_id=group.id)
    for data in (f"rsvpa:{created[0].id}:yes:note", f"msd:{created[0].id}:0", f"mscal:{created[0].id}"):
        await h.press(MIA, data)
        assert "nicht für Sie" in h.answers()[-1]["text"] and h.answers()[-1]["show_alert"], data
    await h.press(MIA, f"msd:{created[1].id}:0")  # not the id a series goes by
    assert "keine anstehenden Termine" in h.answers()[-1]["text"]
    assert await answers(db) == [None, None]
    assert not h.request.sent(MIA, method="sendDocument")


async def test_a_change_of_this_and_later_dates_is_told_to_whoever_comes_to_one_of_them(
        db: Database, make_harness: MakeHarness) -> None:
    lea = 2002
    h = await make_harness(db, members={MIA: "Mia Muster", lea: "Lea Lang"}, seen_at=NOW, greeted=True)
    first = NOW + timedelta(days=5)
    async with db.begin() as session:
        created = await meetings.create_series(
            session, title="AG Schule", dates=[first + timedelta(weeks=n) for n in range(3)], place="Rathaus",
            agenda="", agenda_file_id=None, repetition=WEEKLY, created_by=COORD, now=NOW)
        await meetings.answer(session, created[0].id, MIA, Attendance.NO, NOW)  # Mia misses the first date only
        for meeting in created:  # Lea none of them
            await meetings.answer(session, meeting.id, lea, Attendance.NO, NOW)
    await h.press(COORD, f"mted:{created[0].id}", language="en")
    await press(h, "Place")
    await h.send(COORD, "Schule am Wall", language="en")
    preview = h.request.latest(COORD)["text"]
    assert "0 people who have not declined will be told." in preview
    assert "Saved for the later dates as well: 1 person who has not declined all of them will be told." in preview
    await press(h, "Save for this and the 2 later ones")
    assert "1 person is being told." in h.request.latest(COORD)["text"]
    await h.deliver()
    notices = [text for text in h.request.texts(MIA) if "geändert" in text]
    assert len(notices) == 1 and "Rathaus → Schule am Wall" in notices[0]
    assert "Ebenso die 2 späteren Termine der Reihe." in notices[0]
    assert not h.request.sent(lea)
    # Cancelled from the first date on: Mia is told, Lea, who comes to none of them, is not.
    await h.press(COORD, f"mtg:{created[0].id}:cancelall", language="en")
    await h.deliver()
    cancellations = h.request.sent(MIA, method="sendDocument")
    assert len(cancellations) == 1 and "Ebenfalls abgesagt: 2 weitere Sitzungen" in cancellations[0]["caption"]
    assert not h.request.sent(lea, method="sendDocument")
