"""Meetings on a real Application: planning with every kind of bad input, answers, calendar files,
attendance, edits, cancellations, minutes, /settings, and how meeting messages look when sent."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.i18n import translator
from bot.settings import load_settings
from handlers.meetings.overview import MeetingRenderer
from handlers.meetings.view import MeetingView
from storage import meetings, users
from storage.db import Database
from storage.models import Attendance, Delivery, DeliveryKind, Meeting, MeetingStatus, ReminderOptOut, Role, Rsvp
from storage.outbox import DueRow
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA, MAX, APPLICANT = 500, 2001, 2002, 3001
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster", MAX: "Max Mustermann"}, seen_at=NOW, greeted=True)


def last(h: Harness, user_id: int) -> dict:
    return h.request.latest(user_id)


async def press(h: Harness, label: str, user_id: int = COORD) -> None:
    await h.press(user_id, buttons(last(h, user_id))[label], language="en")


async def count(db: Database, model: type, *where: object) -> int:
    async with db.begin() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def plan(h: Harness, *, title: str = "KPR-Sitzung", when: str = "12.3.2027 18:00",
               repeat: str = "Only once", end: tuple[str, str] | None = None) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, title, language="en")
    await h.send(COORD, when, language="en")
    await press(h, "Yes")
    await h.send(COORD, "Kreishaus Güstrow, Am Wall 3", language="en")
    await h.send(COORD, "1. Bericht\n2. Aktionswoche", language="en")
    await press(h, "The whole council (2)")
    await press(h, repeat)
    if end:
        await press(h, end[0])
        await h.send(COORD, end[1], language="en")


async def a_meeting(db: Database, start: datetime, title: str = "KPR-Sitzung") -> int:
    async with db.begin() as session:
        created = await meetings.create_series(session, title=title, dates=[start], place="Kreishaus", agenda="",
                                               agenda_file_id=None, repetition=None, created_by=COORD, now=NOW)
    return created[0].id


async def test_planning_refuses_bad_input_then_invites_and_plans_reminders(h: Harness, db: Database) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "  ", language="en")
    assert "at least 3 characters" in last(h, COORD)["text"]
    await h.send(COORD, "KPR-Sitzung", language="en")
    for typed, answer in [("32.13.2026 18:00", "does not exist"), ("31.02.2027 18:00", "does not exist"),
                          ("gestern", "like this"), ("1.1.2020 18:00", "already passed")]:
        await h.send(COORD, typed, language="en")
        assert answer in last(h, COORD)["text"], typed
    await h.send(COORD, "12.03.27 18 Uhr", language="en")
    assert "Friday, 12 March 2027, 18:00–20:00 – is that right?" in last(h, COORD)["text"]  # MEETING_DURATION
    await press(h, "Yes")
    await h.send(COORD, "x" * 4097, language="en")
    assert "keep it to 500 characters" in last(h, COORD)["text"]
    await h.send(COORD, "https://meet.example.org/kpr", language="en")
    await press(h, "No agenda yet")
    await press(h, "The whole council (2)")
    await press(h, "Every week")
    await press(h, "After a number of meetings")
    for typed in ("forever", "0", "53"):  # a repetition that never ends, or runs on too long
        await h.send(COORD, typed, language="en")
        assert "from 2 to 52" in last(h, COORD)["text"], typed
    await h.send(COORD, "3", language="en")
    preview = last(h, COORD)
    assert "3 meetings:" in preview["text"] and "Friday, 26 March 2027, 18:00" in preview["text"]
    assert "every week, 3 meetings in all" in preview["text"] and "2 people will be invited" in preview["text"]
    assert await count(db, Meeting) == 0
    await press(h, "Create and invite")
    assert "Created. 2 people are being invited." in h.request.sent(COORD, method="editMessageText")[-1]["text"]
    async with db.begin() as session:
        series = list(await session.scalars(select(Meeting).order_by(Meeting.starts_at)))
        invites = list(await session.scalars(select(Delivery.chat_id).where(Delivery.kind == DeliveryKind.MEETING)))
    # 18:00 in Berlin across the change to summer time on 28 March: 17:00 UTC, then 16:00 UTC.
    assert [m.starts_at.astimezone(BERLIN).hour for m in series] == [18, 18, 18]
    assert series[2].starts_at == datetime(2027, 3, 26, 17, 0, tzinfo=timezone.utc)
    assert {m.series_id for m in series} == {series[0].id}
    assert sorted(invites) == [MIA, MAX]  # the author saw the preview
    jobs = {job.name for job in h.app.job_queue.jobs()}
    assert f"reminder:{series[0].id}:86400" in jobs and f"reminder:{series[2].id}:7200" in jobs


async def test_only_coordinators_plan_edit_and_cancel(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db, NOW + timedelta(days=5))
    await h.send(MIA, "/newmeeting")
    assert "nur die Koordination" in last(h, MIA)["text"]
    # A step of the planning flow outside the flow is a stale button; the rest is refused outright.
    for data, refusal in ((f"mted:{meeting_id}", "nur die Koordination"),
                          (f"mtg:{meeting_id}:cancelone", "nur die Koordination"),
                          (f"mtg:{meeting_id}:attendance", "nur die Koordination"),
                          (f"mtmin:{meeting_id}", "nur die Koordination"), ("nm:create", "nicht mehr gültig"),
                          (f"nma:{meeting_id}", "nur die Koordination"), ("nmg:42", "nicht mehr")):
        await h.press(MIA, data)
        assert refusal in h.answers()[-1]["text"] and h.answers()[-1]["show_alert"], data
    await h.send(APPLICANT, "/meetings", language="en")
    assert "Only members of the council" in last(h, APPLICANT)["text"]
    async with db.begin() as session:
        assert (await meetings.get(session, meeting_id)).status is MeetingStatus.SCHEDULED


async def test_answers_change_until_the_meeting_begins_and_not_on_a_cancelled_one(h: Harness, db: Database) -> None:
    upcoming = await a_meeting(db, NOW + timedelta(days=5))
    begun = await a_meeting(db, NOW - timedelta(minutes=5), title="Vorbei")
    await h.send(MIA, "/meetings")
    card = h.request.sent(MIA)[-1]
    assert "KPR-Sitzung" in card["text"] and "Ihre Antwort: noch keine" in card["text"]
    assert set(buttons(card)) >= {"Zusage", "Absage", "Vielleicht", "Mein Kalender"}
    assert "Bearbeiten" not in buttons(card)
    await h.press(MIA, buttons(card)["Zusage"])
    assert "Gespeichert: Zusage" in h.answers()[-1]["text"]
    edited = h.request.sent(MIA, method="editMessageText")[-1]
    assert "Ihre Antwort: Zusage" in edited["text"] and "1 Zusage" in edited["text"]
    await h.press(MIA, f"rsvp:{upcoming}:no:note")
    async with db.begin() as session:
        assert await session.get(Rsvp, (upcoming, MIA)) is not None
        assert (await session.get(Rsvp, (upcoming, MIA))).answer is Attendance.NO
    await h.press(MIA, f"rsvp:{begun}:yes:note")
    assert "schon begonnen" in h.answers()[-1]["text"] and h.answers()[-1]["show_alert"]
    async with db.begin() as session:
        await meetings.cancel(session, [await meetings.get(session, upcoming)], NOW)
    await h.press(MIA, f"rsvp:{upcoming}:yes:note")
    assert "abgesagt" in h.answers()[-1]["text"]
    await h.press(MIA, "rsvp:999999:yes:note")
    assert "abgesagt" in h.answers()[-1]["text"]
    assert await count(db, Rsvp, Rsvp.answer == Attendance.YES) == 0


async def test_calendar_file_holds_the_local_time(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db, datetime(2027, 7, 1, 16, 0, tzinfo=timezone.utc))
    await h.press(MIA, f"ical:{meeting_id}")
    sent = h.request.sent(MIA, method="sendDocument")[-1]
    event = Calendar.from_ical(sent["document"]["data"] if isinstance(sent["document"], dict) else sent["document"])
    assert event.walk("VEVENT")[0].decoded("DTSTART") == datetime(2027, 7, 1, 18, 0, tzinfo=BERLIN)


async def test_edit_of_time_tells_those_who_have_not_declined_and_moves_reminders(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db, datetime(2027, 5, 4, 16, 0, tzinfo=timezone.utc))
    async with db.begin() as session:
        await meetings.answer(session, meeting_id, MAX, Attendance.NO, NOW)
    await h.press(COORD, f"mted:{meeting_id}", language="en")
    await press(h, "Date and time")
    await h.send(COORD, "31.04.2027 18:00", language="en")
    assert "does not exist" in last(h, COORD)["text"]
    await h.send(COORD, "5.5.2027 19:00", language="en")
    question = last(h, COORD)
    assert "Tuesday, 4 May 2027, 18:00–20:00 → Wednesday, 5 May 2027, 19:00–21:00" in question["text"]
    assert "1 person who has not declined will be told" in question["text"]
    await press(h, "Save")
    async with db.begin() as session:
        meeting = await meetings.get(session, meeting_id)
        notices = list(await session.execute(select(Delivery.chat_id, Delivery.payload)
                                             .where(Delivery.kind == DeliveryKind.MEETING)))
    assert meeting.starts_at == datetime(2027, 5, 5, 17, 0, tzinfo=timezone.utc) and meeting.sequence == 1
    assert [chat for chat, _ in notices] == [MIA]
    # The time with its end, which a move without a new end keeps two hours after the beginning.
    assert notices[0][1]["changes"] == {"starts_at": ["2027-05-04T16:00:00+00:00/2027-05-04T18:00:00+00:00",
                                                      "2027-05-05T19:00:00+02:00/2027-05-05T21:00:00+02:00"]}
    assert f"reminder:{meeting_id}:86400" in {job.name for job in h.app.job_queue.jobs()}


async def test_cancelling_asks_first_then_tells_and_sends_a_calendar_cancellation(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db, NOW + timedelta(days=5))
    await h.press(COORD, f"mtg:{meeting_id}:cancel", language="en")
    assert "Everyone who has not declined is told" in h.request.sent(COORD, method="editMessageText")[-1]["text"]
    async with db.begin() as session:
        assert (await meetings.get(session, meeting_id)).status is MeetingStatus.SCHEDULED
    await h.press(COORD, f"mtg:{meeting_id}:cancelone", language="en")
    async with db.begin() as session:
        assert (await meetings.get(session, meeting_id)).status is MeetingStatus.CANCELLED
        payloads = list(await session.scalars(select(Delivery.payload).where(Delivery.kind == DeliveryKind.MEETING)))
    assert len(payloads) == 2 and all(p["event"] == "cancelled" for p in payloads)
    await h.press(COORD, f"mtg:{meeting_id}:cancelone", language="en")  # pressed twice
    assert "can no longer be cancelled" in h.answers()[-1]["text"]
    assert await count(db, Delivery, Delivery.kind == DeliveryKind.MEETING) == 2


async def test_attendance_is_split_below_telegrams_limit_and_exported(h: Harness, db: Database) -> None:
    meeting_id = await a_meeting(db, NOW + timedelta(days=5))
    async with db.begin() as session:
        for uid in range(10_000, 10_300):
            await users.ensure(session, uid, f"Teilnehmerin mit einem recht langen Namen Nr. {uid}", "de", NOW)
            await users.set_role(session, uid, Role.MEMBER)
            await meetings.answer(session, meeting_id, uid, Attendance.YES if uid % 2 else Attendance.MAYBE, NOW)
    before = len(h.request.sent(COORD))
    await h.press(COORD, f"mtg:{meeting_id}:attendance", language="en")
    parts = [p["text"] for p in h.request.sent(COORD)[before:-1]]  # the last one offers the CSV
    assert len(parts) >= 3 and all(len(part) < 4096 for part in parts)
    joined = "\n".join(parts)
    assert "150 coming" in joined and "150 maybe" in joined and "0 not coming" in joined
    assert "3 without an answer" in joined and "• Mia Muster" in joined  # the coordinator, Mia and Max
    await h.press(COORD, f"mtg:{meeting_id}:xlsx", language="en")
    document = h.request.sent(COORD, method="sendDocument")[-1]["document"]
    table = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(document["data"])).active.iter_rows()]
    assert table[0] == ["Name", "Organisation", "Answer", "Deputy", "Answered on", "Telegram ID"]
    assert len(table) == 1 + 300 + 3  # + coordinator, Mia, Max


async def test_minutes_go_out_once_after_the_meeting(h: Harness, db: Database) -> None:
    upcoming = await a_meeting(db, NOW + timedelta(days=5))
    await h.press(COORD, f"mtmin:{upcoming}", language="en")
    assert "once the meeting has taken place" in h.answers()[-1]["text"]
    past = await a_meeting(db, NOW - timedelta(hours=3))
    await h.press(COORD, f"mtmin:{past}", language="en")
    await h.send(COORD, "Hier das Protokoll", language="en")
    assert "as a document" in last(h, COORD)["text"]
    await h.send_media(COORD, "document", language="en")
    await press(h, "Send")
    async with db.begin() as session:
        notices = list(await session.scalars(select(Delivery.payload).where(Delivery.kind == DeliveryKind.MEETING)))
    assert len(notices) == 2 and all(n["event"] == "minutes" and n["file_id"].startswith("doc-") for n in notices)
    await h.press(COORD, f"mtmin:{past}", language="en")
    assert "sent already" in h.answers()[-1]["text"]


async def test_settings_switch_reminders_and_offsets(h: Harness, db: Database) -> None:
    await h.send(MIA, "/settings")
    shown = last(h, MIA)
    assert "Erinnerungen an Sitzungen: an" in shown["text"]
    assert "✅ 1 Tag vorher" in buttons(shown)
    await h.press(MIA, buttons(shown)["✅ 1 Tag vorher"])
    assert "⬜ 1 Tag vorher" in buttons(h.request.sent(MIA, method="editMessageText")[-1])
    await h.press(MIA, "remo:3600:0")  # not one of REMINDER_OFFSETS: an old or forged button
    assert "nicht mehr gültig" in h.answers()[-1]["text"]
    await h.press(MIA, "rem:0")
    async with db.begin() as session:
        assert (await users.get(session, MIA)).reminders is False
        assert [o.offset_seconds for o in await session.scalars(select(ReminderOptOut))] == [86_400]


@pytest.mark.parametrize("language", ["de", "en"])
async def test_meeting_messages_as_the_engine_sends_them(language: str, db: Database) -> None:
    settings = load_settings(_env_file=None, bot_token="1:abc")
    starts = datetime(2027, 3, 12, 17, 0, tzinfo=timezone.utc)
    renderer = MeetingRenderer(settings, db, clock=lambda: starts - timedelta(days=1, minutes=1))
    view = MeetingView(9, "KPR-Sitzung", starts, starts + timedelta(hours=2), "Kreishaus", "1. Bericht", None, 2)
    t = translator(language)

    def row(kind: DeliveryKind, payload: dict) -> DueRow:
        return DueRow(1, MIA, kind, None, payload, 1, language)

    reminder = await renderer(row(DeliveryKind.REMINDER, {"meeting": view.to_payload()}), t)
    expected = {"de": ("Noch 1 Tag bis zur Sitzung", "Freitag, 12. März 2027, 18:00–20:00 Uhr", "Zusage"),
                "en": ("begins in 1 day", "Friday, 12 March 2027, 18:00–20:00", "Coming")}[language]
    assert expected[0] in reminder.text and expected[1] in reminder.text
    assert list(buttons({"reply_markup": reminder.markup}))[0] == expected[2]
    changed = await renderer(row(DeliveryKind.MEETING, {"event": "changed", "meeting": view.to_payload(),
                                                          "changes": {"place": ["Rathaus", "Kreishaus"]}}), t)
    assert "Rathaus → Kreishaus" in changed.text
    cancelled = await renderer(row(DeliveryKind.MEETING, {"event": "cancelled", "meeting": view.to_payload()}), t)
    calendar = Calendar.from_ical(cancelled.document)
    assert calendar["METHOD"] == "CANCEL" and calendar.walk("VEVENT")[0]["SEQUENCE"] == 2
    minutes = await renderer(row(DeliveryKind.MEETING, {"event": "minutes", "meeting": view.to_payload(),
                                                          "file_id": "doc-1"}), t)
    assert minutes.document == "doc-1" and "KPR-Sitzung" in minutes.text


async def test_cancelling_a_series_sends_one_message_with_one_calendar_file(h: Harness, db: Database) -> None:
    first = NOW + timedelta(days=5)
    async with db.begin() as session:
        series = await meetings.create_series(session, title="AG Schule", dates=[first + timedelta(weeks=n) for n in range(3)],
                                              place="Rathaus", agenda="", agenda_file_id=None,
                                              repetition={"kind": "weekly", "every": 1, "count": 3, "until": None},
                                              created_by=COORD, now=NOW)
    await h.press(COORD, f"mtg:{series[1].id}:cancel", language="en")
    assert "Cancel this and all later ones of the series" in buttons(h.request.latest(COORD))
    await h.press(COORD, f"mtg:{series[1].id}:cancelall", language="en")
    assert "Cancelled: 2 meetings." in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        statuses = [m.status for m in await session.scalars(select(Meeting).order_by(Meeting.starts_at))]
        payloads = list(await session.scalars(select(Delivery.payload).where(Delivery.kind == DeliveryKind.MEETING)))
    assert statuses == [MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED, MeetingStatus.CANCELLED]
    assert len(payloads) == 2 and all(len(p["also"]) == 1 for p in payloads)  # one message each, not two
    settings = load_settings(_env_file=None, bot_token="1:abc")
    row = DueRow(1, MIA, DeliveryKind.MEETING, None, payloads[0], 1, "de")
    content = await MeetingRenderer(settings, db)(row, translator("de"))
    assert "1 weitere Sitzung der Reihe" in content.text
    assert len(Calendar.from_ical(content.document).walk("VEVENT")) == 2


async def test_a_meeting_of_a_group_is_only_for_its_members(h: Harness, db: Database) -> None:
    from storage import groups
    from storage.models import GroupKind

    async with db.begin() as session:
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=None, leads=[MAX], created_by=COORD, now=NOW)
        meeting = (await meetings.create_series(
            session, title="AG-Treffen", dates=[NOW + timedelta(days=3)], place="Schule", agenda="",
            agenda_file_id="doc-agenda", repetition=None, created_by=MAX, now=NOW, group_id=group.id))[0]
    await h.press(MIA, f"ical:{meeting.id}")  # Mia is not in the group
    assert "nicht für Sie" in h.answers()[-1]["text"]
    await h.press(MIA, f"rsvp:{meeting.id}:yes:note")
    assert "nicht für Sie" in h.answers()[-1]["text"]
    await h.send(MIA, "/meetings")
    assert "AG-Treffen" not in "\n".join(h.request.texts(MIA))
    # Max leads the group: he sees it, manages it, and gets the agenda file.
    await h.send(MAX, "/meetings")
    card = next(p for p in h.request.sent(MAX) if "AG-Treffen" in p.get("text", ""))
    assert {"Bearbeiten", "🚫 Sitzung für alle absagen", "Teilnahme", "Tagesordnung als Datei"} <= set(buttons(card))
    await h.press(MAX, buttons(card)["Tagesordnung als Datei"])
    assert h.request.sent(MAX, method="sendDocument")[-1]["document"] == "doc-agenda"
    await h.press(MAX, f"mtg:{meeting.id}:attendance")
    assert "AG-Treffen" in h.request.sent(MAX)[-2]["text"]
    # Mia may not manage it, however she forges the button.
    await h.press(MIA, f"mtg:{meeting.id}:cancelone")
    assert "Leitungen einer Gruppe" in h.answers()[-1]["text"]
