"""Deadline reminders for applicants, free of Telegram and of the clock: which deadlines a check's
result gives to be reminded of, and when each reminder is due (DEADLINE_REMINDER_OFFSETS before
the deadline, 14 and 3 days as shipped)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.eligibility import Result, Verdict

# In the morning of the day, when an office can still act on it that day.
REMIND_AT = time(9)


def applying(result: Result, today: date) -> list[tuple[str, date]]:
    """(programme, deadline) for each programme the plan may fit whose deadline (the state council's,
    the council's own or the micro project's date) is still ahead."""
    return [(finding.programme, finding.deadline) for finding in result.findings.values()
            if finding.verdict is not Verdict.NOT_ELIGIBLE and finding.deadline is not None
            and finding.deadline > today]


def due_at(deadline: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    """When the reminder `offset` before the deadline is due. Counted on the wall clock: "3 days
    before" is 9:00 three days before, also across a change to or from summer time."""
    return datetime.combine(deadline, REMIND_AT, tzinfo=zone) - offset


def over(deadline: date, zone: ZoneInfo, now: datetime) -> bool:
    """The deadline's day has ended: no reminder of it is any use."""
    return now >= datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=zone)


@dataclass(frozen=True)
class Plan:
    now: timedelta | None  # the reminder to send now: the shortest lead time whose time has come
    later: list[tuple[timedelta, datetime]]  # the reminders still ahead, (lead time, when), soonest first


def plan(deadline: date, offsets: tuple[timedelta, ...], reminded: timedelta | None, zone: ZoneInfo,
         now: datetime) -> Plan:
    """What is left of a reminder whose lead times down to `reminded` were dealt with. Of several
    whose time has come (the bot was down), only the latest goes out: it says all the earlier would."""
    if over(deadline, zone, now):
        return Plan(None, [])
    left = [offset for offset in offsets if reminded is None or offset < reminded]
    come = [offset for offset in left if due_at(deadline, offset, zone) <= now]
    later = sorted(((offset, due_at(deadline, offset, zone)) for offset in left if offset not in come),
                   key=lambda pair: pair[1])
    return Plan(min(come) if come else None, later)


def days_left(deadline: date, today: date) -> int:
    return (deadline - today).days
