"""Rules for council meetings, free of Telegram: limits of what is typed, repetitions, and what an
edit changed. Times are aware datetimes; a series keeps its local wall-clock time in the bot's zone."""
from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.rules.dates import latest_day

TITLE_LIMITS = (3, 200)
PLACE_LIMITS = (2, 500)
AGENDA_LIMITS = (0, 3000)
MAX_OCCURRENCES = 52
MAX_SPAN = timedelta(days=2 * 366)  # a series ends within two years
MAX_WEEKS_APART = 12


class Repeat(str, enum.Enum):
    ONCE = "once"
    WEEKLY = "weekly"
    WEEKS = "weeks"  # every N weeks
    MONTHLY = "monthly"  # same weekday of the month: "every 2nd Tuesday"
    QUARTERLY = "quarterly"  # the same, every three months


@dataclass(frozen=True)
class Repetition:
    kind: Repeat = Repeat.ONCE
    every: int = 1  # weeks apart, for Repeat.WEEKS
    count: int | None = None  # how many meetings in all, the first included
    until: date | None = None  # the last day a meeting may fall on

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "every": self.every, "count": self.count,
                "until": self.until.isoformat() if self.until else None}

    @classmethod
    def from_dict(cls, data: dict) -> Repetition:
        return cls(Repeat(data["kind"]), int(data.get("every") or 1), data.get("count"),
                   date.fromisoformat(data["until"]) if data.get("until") else None)


Problem = tuple[str, dict[str, object]]  # a message id and the values it names (bot.rules.dates.problem_text)
PAST_LATEST_DAY = N_("A series must end by {date}: meetings are planned at most five years ahead. Please choose "
                     "fewer meetings or an earlier last date.")


def repetition_problem(rule: Repetition, first: datetime, now: datetime) -> Problem | None:
    """Why this repetition cannot be used, or None. A series must end, within two years and by
    bot.rules.dates.latest_day."""
    if rule.kind is Repeat.ONCE:
        return None
    if rule.kind is Repeat.WEEKS and not 2 <= rule.every <= MAX_WEEKS_APART:
        return N_("Please give a number of weeks from 2 to {max}."), {"max": MAX_WEEKS_APART}
    if rule.count is None and rule.until is None:
        return N_("A repetition must end: give a number of meetings or a last date."), {}
    if rule.count is not None and not 2 <= rule.count <= MAX_OCCURRENCES:
        return N_("Please give a number of meetings from 2 to {max}."), {"max": MAX_OCCURRENCES}
    latest = latest_day(now.astimezone(first.tzinfo).date())
    if rule.until is not None:
        if rule.until <= first.date():
            return N_("The last date must be after the first meeting."), {}
        if rule.until > latest:
            return PAST_LATEST_DAY, {"date": latest}
        if rule.until > (first + MAX_SPAN).date():
            return N_("A series can run for two years at most. Please choose an earlier last date."), {}
    dates = occurrences(first, rule)
    if len(dates) > MAX_OCCURRENCES:
        return (N_("That would be more than {max} meetings. Please choose an earlier last date."),
                {"max": MAX_OCCURRENCES})
    if dates[-1].date() > latest:
        return PAST_LATEST_DAY, {"date": latest}
    if any(not _exists(moment) for moment in dates):
        return N_("One of the dates falls into the hour skipped when summer time begins. "
                  "Please choose another time."), {}
    return None


def _exists(moment: datetime) -> bool:
    """Whether the local time is one the clock shows (not skipped when summer time begins)."""
    return moment.astimezone(timezone.utc).astimezone(moment.tzinfo).replace(tzinfo=None) == moment.replace(tzinfo=None)


def occurrences(first: datetime, rule: Repetition) -> list[datetime]:
    """Every meeting of the series, the first included, at the same local time as the first (18:00
    stays 18:00 across a change to or from summer time). Stops after MAX_OCCURRENCES + 1, so a
    rule that is too long shows as such without running on."""
    zone = first.tzinfo
    assert isinstance(zone, ZoneInfo), "a meeting's time must carry the bot's zone"
    if rule.kind is Repeat.ONCE:
        return [first]
    wall = first.timetz().replace(tzinfo=None)
    found: list[datetime] = []
    for day in _days(first.date(), rule):
        if rule.until is not None and day > rule.until:
            break
        found.append(datetime.combine(day, wall, tzinfo=zone))
        if (rule.count is not None and len(found) == rule.count) or len(found) > MAX_OCCURRENCES:
            break
    return found


def _days(first: date, rule: Repetition):  # type: ignore[no-untyped-def]
    if rule.kind in (Repeat.WEEKLY, Repeat.WEEKS):
        step = timedelta(weeks=rule.every if rule.kind is Repeat.WEEKS else 1)
        day = first
        while True:
            yield day
            day += step
    months = 1 if rule.kind is Repeat.MONTHLY else 3
    nth = (first.day - 1) // 7 + 1  # 1..5; the 5th of a weekday is "the last" of the month
    for n in range(0, MAX_OCCURRENCES * 3 + 1):
        year, month = divmod(first.month - 1 + n * months, 12)
        yield _nth_weekday(first.year + year, month + 1, first.weekday(), nth)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    first_weekday, days = calendar.monthrange(year, month)
    day = 1 + (weekday - first_weekday) % 7 + 7 * (nth - 1)
    while day > days:  # the 5th Tuesday becomes the last one
        day -= 7
    return date(year, month, day)


def moved_along(before: datetime, after: datetime, after_end: datetime, later: list[datetime],
                zone: ZoneInfo) -> list[tuple[datetime, datetime]] | None:
    """The later dates of a series moved as one of its meetings was, from `before` to `after`–`after_end`:
    by as many days, to the same local times (18:00 stays 18:00 across summer time), each as long.
    None if one of them would fall into the hour skipped when summer time begins."""
    days = after.astimezone(zone).date() - before.astimezone(zone).date()
    begins = after.astimezone(zone).time()
    length = after_end.astimezone(zone) - after.astimezone(zone)  # on the wall clock: 18-20 stays 18-20
    moved = []
    for start in later:
        new_start = datetime.combine(start.astimezone(zone).date() + days, begins, tzinfo=zone)
        if not _exists(new_start) or not _exists(new_start + length):
            return None
        moved.append((new_start, new_start + length))
    return moved
