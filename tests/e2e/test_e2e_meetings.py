"""End to end: a meeting planned through the real bot process, answered, reminded of exactly once
although the bot is killed around the reminder's time, and its calendar file; a series answered
at once and put into a calendar as one file."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.rules.durations import format_duration
from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner
from tests.flows import plan_meeting

BERLIN = ZoneInfo("Europe/Berlin")


def reminding_at(starts: datetime, when: datetime) -> str:
    """REMINDER_OFFSETS (in seconds) that make the meeting's one reminder due at `when`."""
    return format_duration(timedelta(seconds=int((starts - when).total_seconds())))


async def test_reminder_arrives_once_across_kills_with_buttons_and_a_calendar_file(
        tg: FakeTelegram, tmp_path: Path, sqlite_template: Path) -> None:
    # The meeting two or three minutes ahead (it is typed to the minute), its reminder not due while
    # the bot first runs, however slow the machine.
    now = datetime.now(timezone.utc)
    starts = (now + timedelta(minutes=3)).replace(second=0, microsecond=0)
    bot = BotRunner(tg, tmp_path, template=sqlite_template)
    bot.env["REMINDER_OFFSETS"] = reminding_at(starts, starts - timedelta(seconds=30))
    await bot.start()
    try:
        bot.add_people([7001, 7002, 7003])
        coordinator = tg.user(COORD, "Chris", language_code="en")
        coming, declining, silent = tg.user(7001, "Anna"), tg.user(7002, "Bernd"), tg.user(7003, "Carla")
        await plan_meeting(coordinator, starts.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"))

        invitation = await coming.expect_message(contains="Einladung")
        await coming.press(invitation, "Zusage")
        assert "Gespeichert: Zusage" in (await coming.expect_callback_answer()).text
        await coming.expect_edit()  # the buttons now show the answer
        await coming.press(invitation, "● Zusage")  # the same answer again changes nothing, and says so
        assert "Gespeichert: Zusage" in (await coming.expect_callback_answer()).text
        await declining.press(await declining.expect_message(contains="Einladung"), "Absage")
        await declining.expect_callback_answer()
        await silent.expect_message(contains="Einladung")

        # The calendar file holds the meeting's local time in the bot's zone.
        await coming.press(invitation, "Mein Kalender")
        await coming.expect_callback_answer()
        file = await coming.expect_message(contains="Kalender")
        event = Calendar.from_ical(file.document["data"]).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == starts.astimezone(BERLIN)
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"

        # Down across the reminder's time: the restarted bot sends it, once. Rather than wait for it,
        # the bot comes back with the reminder a few seconds overdue (the offsets are the setting's).
        bot.kill()
        planned = bot.query("select count(*) from reminder_runs")
        assert planned == [(0,)], "the reminder was dealt with before the kill"
        bot.env["REMINDER_OFFSETS"] = reminding_at(starts, datetime.now(timezone.utc) - timedelta(seconds=3))
        await bot.start()
        for member in (coming, silent):
            reminder = await member.expect_message(contains="Noch", timeout=20)
            assert "bis zur Sitzung" in reminder.text and "KPR-Sitzung" in reminder.text
            assert [b.text for b in reminder.buttons[0]] == ["Zusage", "Absage", "Vielleicht"]
        # The coordinator who planned it is reminded too, in English; who declined is not reminded
        # (checked below, with what came after).
        assert "Reminder: the meeting begins in" in (await coordinator.expect_message(contains="Reminder")).text

        # Killed again right after they are recorded as sent: nothing is sent twice. (Killed before,
        # the sends in flight would go out again: the outbox sends at least once.)
        await bot.wait_until("select count(*) from deliveries where kind = 'reminder' and status = 'sent'", [(3,)])
        bot.kill()
        await bot.start()
        await asyncio.gather(*(member.expect_no_message(within=2)
                               for member in (coming, declining, silent, coordinator)))
        assert bot.query("select count(*) from deliveries where kind = 'reminder' and status = 'sent'") == [(3,)]
        assert bot.query("select decision from reminder_runs") == [("send",)]
    finally:
        await bot.stop()


async def test_a_series_is_one_invitation_one_answer_and_one_calendar_file(
        tg: FakeTelegram, tmp_path: Path, sqlite_template: Path) -> None:
    bot = BotRunner(tg, tmp_path, template=sqlite_template)
    await bot.start()
    try:
        bot.add_people([7001])
        coordinator, member = tg.user(COORD, "Chris", language_code="en"), tg.user(7001, "Anna")
        await plan_meeting(coordinator, "2.3.2027 18-20 Uhr", title="AG Prävention", weekly=3)
        invitation = await member.expect_message(contains="Einladung")
        assert "alle 3 Termine" in invitation.text and "18:00–20:00 Uhr" in invitation.text
        await member.press(invitation, "Zusage für alle Termine")
        assert "Gespeichert für 3 Termine: Zusage" in (await member.expect_callback_answer()).text
        assert "3 × Zusage" in (await member.expect_edit()).text
        await member.press(invitation, "Alle Termine in meinen Kalender")
        await member.expect_callback_answer()
        file = await member.expect_message(contains="3 Termine")
        events = Calendar.from_ical(file.document["data"]).walk("VEVENT")
        assert [e.decoded("DTEND") for e in events] == [
            datetime(2027, 3, day, 20, 0, tzinfo=BERLIN) for day in (2, 9, 16)]
        assert bot.query("select answer, count(*) from rsvps group by answer") == [("yes", 3)]
    finally:
        await bot.stop()
