"""Meeting rules with a controlled clock, no sleeping: durations, reminder decisions and the grace
window, repetitions across both changes of summer time, and calendar files."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.i18n import translator
from bot.rules.calendar import CalendarEntry, ics, uid
from bot.rules.dates import spoken_duration
from bot.rules.durations import format_duration, parse_duration, parse_durations
from bot.rules.meetings import Repeat, Repetition, occurrences, repetition_problem
from bot.rules.reminders import Decision, MeetingDate, Reminder, decide, outstanding, reminders_of

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = timedelta(hours=6)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(("text", "expected"), [
    ("7d", timedelta(days=7)), ("2h", timedelta(hours=2)), ("1h30m", timedelta(minutes=90)),
    (" 45s ", timedelta(seconds=45)), ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7x", "1h1h", "0m", "-2h", "2 hours"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_duration_lists_and_their_spoken_form() -> None:
    assert parse_durations("2h,7d, 1d,2h") == (timedelta(days=7), timedelta(days=1), timedelta(hours=2))
    assert spoken_duration(translator("de"), timedelta(days=1, hours=2)) == "1 Tag 2 Stunden"
    assert spoken_duration(translator("en"), timedelta(minutes=90)) == "1 hour 30 minutes"
    assert spoken_duration(translator("de"), timedelta(days=7)) == "7 Tage"


def test_reminder_decisions_on_time_late_and_skipped() -> None:
    start = local(2027, 3, 12, 18, 0)
    day_before = Reminder(1, start, timedelta(days=1))
    assert day_before.due_at == local(2027, 3, 11, 18, 0)
    assert decide(day_before, local(2027, 3, 11, 17, 59), GRACE) is Decision.WAIT
    assert decide(day_before, local(2027, 3, 11, 18, 0, 30), GRACE) is Decision.SEND
    # The bot was down at the time: within the grace it still goes out, marked late.
    assert decide(day_before, local(2027, 3, 11, 23, 59), GRACE) is Decision.SEND_LATE
    assert decide(day_before, local(2027, 3, 12, 0, 1), GRACE) is Decision.SKIP
    # Never once the meeting has begun, however short the offset.
    two_hours = Reminder(1, start, timedelta(hours=2))
    assert decide(two_hours, local(2027, 3, 12, 17, 0), GRACE) is Decision.SEND_LATE
    assert decide(two_hours, local(2027, 3, 12, 18, 0), GRACE) is Decision.SKIP


@pytest.mark.parametrize(("start", "offset", "due"), [
    # Summer time begins on 28 March 2027 at 02:00: 18:00 on the 29th is 16:00 UTC, not 17:00.
    (local(2027, 3, 29, 18, 0), timedelta(days=1), datetime(2027, 3, 28, 16, 0, tzinfo=timezone.utc)),
    # Counted in real time: a day before 18:00 on the day summer time begins is 17:00 the day before.
    (local(2027, 3, 28, 18, 0), timedelta(days=1), local(2027, 3, 27, 17, 0)),
    # Winter time comes back on 31 October 2027: two hours before 02:30 (CET) is 01:30 CEST.
    (datetime(2027, 10, 31, 1, 30, tzinfo=timezone.utc), timedelta(hours=2),
     datetime(2027, 10, 30, 23, 30, tzinfo=timezone.utc)),
])
def test_offsets_count_in_real_time_across_summer_time(start: datetime, offset: timedelta, due: datetime) -> None:
    assert Reminder(1, start, offset).due_at == due


def test_reminders_of_a_meeting() -> None:
    start = local(2027, 3, 12, 18, 0)
    planned = reminders_of(4, start, parse_durations("7d,1d,2h"))
    assert [r.due_at for r in planned] == [local(2027, 3, 5, 18, 0), local(2027, 3, 11, 18, 0),
                                          local(2027, 3, 12, 16, 0)]


def test_a_restart_plans_what_is_not_dealt_with_and_decides_by_the_clock() -> None:
    offsets = parse_durations("7d,1d,2h")
    soon, later = local(2027, 3, 12, 18, 0), local(2027, 4, 2, 18, 0)
    # The 7-day reminder of the first meeting went out before the bot stopped.
    done = {Reminder(1, soon.astimezone(timezone.utc), timedelta(days=7))}
    upcoming = [MeetingDate(2, later.astimezone(timezone.utc)), MeetingDate(1, soon.astimezone(timezone.utc))]
    planned = outstanding(upcoming, offsets, done)
    assert [(r.meeting_id, r.offset) for r in planned] == [
        (1, timedelta(days=1)), (1, timedelta(hours=2)), (2, timedelta(days=7)), (2, timedelta(days=1)),
        (2, timedelta(hours=2))]
    # Restarted 3 hours after the 1-day reminder was due: sent late; after 7 hours: skipped.
    assert decide(planned[0], local(2027, 3, 11, 21, 0), GRACE) is Decision.SEND_LATE
    assert decide(planned[0], local(2027, 3, 12, 1, 0), GRACE) is Decision.SKIP
    assert decide(planned[1], local(2027, 3, 12, 1, 0), GRACE) is Decision.WAIT
    assert all(decide(r, local(2027, 3, 12, 1, 0), GRACE) is Decision.WAIT for r in planned[2:])
    assert outstanding([MeetingDate(1, soon)], offsets, {Reminder(1, soon, offset) for offset in offsets}) == []


def test_weekly_series_keeps_the_local_time_across_both_changes() -> None:
    first = local(2027, 3, 22, 18, 0)  # a Monday before summer time
    dates = occurrences(first, Repetition(Repeat.WEEKLY, count=2))
    assert [d.hour for d in dates] == [18, 18]
    assert [d.utcoffset() for d in dates] == [timedelta(hours=1), timedelta(hours=2)]
    autumn = occurrences(local(2027, 10, 25, 18, 0), Repetition(Repeat.WEEKS, every=2, count=3))
    assert [(d.date(), d.hour) for d in autumn] == [(date(2027, 10, 25), 18), (date(2027, 11, 8), 18),
                                                    (date(2027, 11, 22), 18)]
    assert autumn[1].utcoffset() == timedelta(hours=1)


def test_monthly_and_quarterly_keep_the_weekday_of_the_month() -> None:
    second_tuesday = local(2027, 1, 12, 18, 0)
    monthly = occurrences(second_tuesday, Repetition(Repeat.MONTHLY, until=date(2027, 4, 30)))
    assert [d.date() for d in monthly] == [date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9), date(2027, 4, 13)]
    assert all(d.weekday() == 1 for d in monthly)
    fifth_friday = local(2027, 1, 29, 10, 0)  # becomes the last Friday where there is no fifth
    quarterly = occurrences(fifth_friday, Repetition(Repeat.QUARTERLY, count=3))
    assert [d.date() for d in quarterly] == [date(2027, 1, 29), date(2027, 4, 30), date(2027, 7, 30)]


@pytest.mark.parametrize(("rule", "problem"), [
    (Repetition(Repeat.WEEKLY), "must end"),
    (Repetition(Repeat.WEEKLY, count=1), "from 2 to"),
    (Repetition(Repeat.WEEKLY, count=53), "from 2 to"),
    (Repetition(Repeat.WEEKS, every=1, count=3), "weeks from 2"),
    (Repetition(Repeat.WEEKLY, until=date(2027, 1, 1)), "after the first"),
    (Repetition(Repeat.MONTHLY, until=date(2030, 1, 1)), "two years"),
    (Repetition(Repeat.WEEKLY, until=date(2028, 12, 31)), "more than 52"),
])
def test_repetitions_that_never_end_or_run_too_long_are_refused(rule: Repetition, problem: str) -> None:
    message, values = repetition_problem(rule, local(2027, 1, 12, 18, 0), NOW) or ("", {})
    assert problem in message.format(**values)


def test_a_series_into_the_skipped_hour_is_refused() -> None:
    # Weekly at 02:30 from 21 March 2027: the 28th's 02:30 does not exist in Berlin.
    message, _ = repetition_problem(Repetition(Repeat.WEEKLY, count=3), local(2027, 3, 21, 2, 30), NOW)
    assert "hour skipped" in message


def test_good_repetitions_pass_and_round_trip() -> None:
    first = local(2027, 1, 12, 18, 0)
    for rule in (Repetition(), Repetition(Repeat.WEEKLY, count=10), Repetition(Repeat.QUARTERLY, until=date(2028, 1, 1))):
        assert repetition_problem(rule, first, NOW) is None
        assert Repetition.from_dict(rule.to_dict()) == rule


def test_calendar_file_holds_the_local_time_and_is_updated_then_cancelled() -> None:
    entry = CalendarEntry(7, "KPR-Sitzung", local(2027, 7, 1, 18, 0), local(2027, 7, 1, 20, 30), "Kreishaus Güstrow",
                          "TOP 1: Bericht", 0)
    now = datetime(2027, 6, 1, tzinfo=timezone.utc)
    parsed = Calendar.from_ical(ics([entry], BERLIN, now))
    event = parsed.walk("VEVENT")[0]
    assert parsed["METHOD"] == "PUBLISH" and str(event["UID"]) == uid(7)
    assert event.decoded("DTSTART") == local(2027, 7, 1, 18, 0)
    assert event.decoded("DTEND") == local(2027, 7, 1, 20, 30)  # the meeting's end, not two hours on
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert parsed.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    assert str(event["LOCATION"]) == "Kreishaus Güstrow"
    moved = CalendarEntry(7, "KPR-Sitzung", local(2027, 7, 2, 18, 0), local(2027, 7, 2, 20, 0), "Kreishaus Güstrow", "", 1)
    assert Calendar.from_ical(ics([moved], BERLIN, now)).walk("VEVENT")[0]["SEQUENCE"] == 1
    cancelled = CalendarEntry(7, "KPR-Sitzung", local(2027, 7, 2, 18, 0), local(2027, 7, 2, 20, 0), "", "", 2, cancelled=True)
    series = CalendarEntry(8, "KPR-Sitzung", local(2028, 7, 9, 18, 0), local(2028, 7, 9, 20, 0), "", "", 1, cancelled=True)
    gone = Calendar.from_ical(ics([cancelled, series], BERLIN, now))
    assert gone["METHOD"] == "CANCEL" and [e["STATUS"] for e in gone.walk("VEVENT")] == ["CANCELLED"] * 2
    assert [str(e["UID"]) for e in gone.walk("VEVENT")] == [uid(7), uid(8)]
    assert len(gone.walk("VTIMEZONE")) == 1
