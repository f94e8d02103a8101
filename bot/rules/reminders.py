"""Reminder planning, free of Telegram and of the clock: when each reminder of a meeting is due, and
what to do with one whose time has come (or passed while the bot was down); and the same for the
reminders of an application deadline an applicant asked for from a check's result
(DEADLINE_REMINDER_OFFSETS before the deadline, 14 and 3 days as shipped)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.rules.eligibility import Result, Verdict

# A reminder that fires this little after its time still counts as on time.
ON_TIME = timedelta(minutes=1)


class Decision(str, enum.Enum):
    WAIT = "wait"  # not yet
    SEND = "send"  # now, on time
    SEND_LATE = "late"  # now, late: the bot was down at the time, but not for longer than the grace
    SKIP = "skipped"  # too late, or the meeting has begun: recorded, never sent


@dataclass(frozen=True)
class Reminder:
    """One reminder of one meeting occurrence: the meeting's start less the offset, in real time."""

    meeting_id: int
    starts_at: datetime  # aware; an edit of the time makes different reminders
    offset: timedelta

    @property
    def due_at(self) -> datetime:
        # Counted in real time: arithmetic on a local time would keep the wall clock instead, and
        # "1 day before 18:00" on the day summer time begins would come an hour early.
        return self.starts_at.astimezone(timezone.utc) - self.offset


@dataclass(frozen=True, slots=True)
class MeetingDate:
    """A scheduled meeting that has not begun, as far as its reminders care."""

    meeting_id: int
    starts_at: datetime  # aware


def decide(reminder: Reminder, now: datetime, grace: timedelta) -> Decision:
    if now >= reminder.starts_at:
        return Decision.SKIP
    late_by = now - reminder.due_at
    if late_by < timedelta(0):
        return Decision.WAIT
    if late_by <= ON_TIME:
        return Decision.SEND
    return Decision.SEND_LATE if late_by <= grace else Decision.SKIP


def reminders_of(meeting_id: int, starts_at: datetime, offsets: tuple[timedelta, ...]) -> list[Reminder]:
    return [Reminder(meeting_id, starts_at, offset) for offset in offsets]


def outstanding(upcoming: list[MeetingDate], offsets: tuple[timedelta, ...],
                dealt_with: set[Reminder]) -> list[Reminder]:
    """After a (re)start: every reminder of the upcoming meetings not yet dealt with, soonest first."""
    found = [reminder for meeting in upcoming
             for reminder in reminders_of(meeting.meeting_id, meeting.starts_at, offsets)
             if reminder not in dealt_with]
    return sorted(found, key=lambda r: r.due_at)


# Deadline reminders

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
class DeadlinePlan:
    now: timedelta | None  # the reminder to send now: the shortest lead time whose time has come
    later: list[tuple[timedelta, datetime]]  # the reminders still ahead, (lead time, when), soonest first


def plan_deadline(deadline: date, offsets: tuple[timedelta, ...], reminded: timedelta | None, zone: ZoneInfo,
         now: datetime) -> DeadlinePlan:
    """What is left of a reminder whose lead times down to `reminded` were dealt with. Of several
    whose time has come (the bot was down), only the latest goes out: it says all the earlier would."""
    if over(deadline, zone, now):
        return DeadlinePlan(None, [])
    left = [offset for offset in offsets if reminded is None or offset < reminded]
    come = [offset for offset in left if due_at(deadline, offset, zone) <= now]
    later = sorted(((offset, due_at(deadline, offset, zone)) for offset in left if offset not in come),
                   key=lambda pair: pair[1])
    return DeadlinePlan(min(come) if come else None, later)


def days_left(deadline: date, today: date) -> int:
    return (deadline - today).days
