"""Deadline reminders and the outline's contact, free of Telegram and the clock: when each reminder
is due (9:00 on the wall clock, across summer time), that of several overdue only the latest goes
out, that none comes after the deadline's day, and that the office's contact names the county once."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.content import load
from bot.rules.outline import contact_lines
from bot.rules.reminders import due_at, plan_deadline

ZONE = ZoneInfo("Europe/Berlin")
OFFSETS = (timedelta(days=14), timedelta(days=3))
DEADLINE = date(2027, 4, 2)  # summer time begins on 28 March 2027, between the two reminders


def test_reminders_are_due_at_nine_on_the_wall_clock_across_summer_time() -> None:
    assert due_at(DEADLINE, timedelta(days=14), ZONE).astimezone(timezone.utc) == \
        datetime(2027, 3, 19, 8, tzinfo=timezone.utc)
    assert due_at(DEADLINE, timedelta(days=3), ZONE).astimezone(timezone.utc) == \
        datetime(2027, 3, 30, 7, tzinfo=timezone.utc)


def test_both_ahead_are_planned_soonest_first() -> None:
    now = datetime(2027, 3, 1, tzinfo=ZONE)
    left = plan_deadline(DEADLINE, OFFSETS, None, ZONE, now)
    assert left.now is None and [offset for offset, _ in left.later] == [timedelta(days=14), timedelta(days=3)]


def test_of_two_overdue_only_the_later_goes_out_and_none_twice() -> None:
    # The bot was down from before the first until after the second.
    now = datetime(2027, 3, 31, 12, tzinfo=ZONE)
    assert plan_deadline(DEADLINE, OFFSETS, None, ZONE, now).now == timedelta(days=3)
    assert plan_deadline(DEADLINE, OFFSETS, timedelta(days=3), ZONE, now).now is None
    # After the 14 days went out, only the 3 days is left.
    left = plan_deadline(DEADLINE, OFFSETS, timedelta(days=14), ZONE, datetime(2027, 3, 20, tzinfo=ZONE))
    assert left.now is None and [offset for offset, _ in left.later] == [timedelta(days=3)]


def test_nothing_comes_once_the_deadline_day_has_ended() -> None:
    last_minute = datetime(2027, 4, 2, 23, 59, tzinfo=ZONE)
    assert plan_deadline(DEADLINE, OFFSETS, None, ZONE, last_minute).now == timedelta(days=3)
    left = plan_deadline(DEADLINE, OFFSETS, None, ZONE, datetime(2027, 4, 3, 0, 0, tzinfo=ZONE))
    assert left.now is None and left.later == []


def test_the_contact_names_the_county_once() -> None:
    content = load()
    assert contact_lines(content, "de")[:2] == ["Büro für Gleichstellung und Kriminalprävention, Landkreis Rostock",
                                                "August-Bebel-Straße 3, 18209 Bad Doberan"]
    moved = content.contact.model_copy(update={"address": "Markt 1, 18273 Güstrow"})
    other = content.model_copy(update={"contact": moved})
    assert contact_lines(other, "de")[1] == "Markt 1, 18273 Güstrow"
