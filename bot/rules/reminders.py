"""Reminder planning, free of Telegram and of the clock: when each reminder of a meeting is due, and
what to do with one whose time has come (or passed while the bot was down)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

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