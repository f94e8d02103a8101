"""Dates as the council reads them: in the bot's time zone, formatted per language; and deadlines as
applicants read them: "today" and "tomorrow" for the near ones, and a word where one falls on a
weekend or a public holiday in Mecklenburg-Vorpommern (the LfK's 31 October is Reformationstag). Such
a date stays as published; the advice is to submit by the working day before, since how a late
submission is treated is the office's to say."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format

from bot.i18n import N_, NP_, Translator


@lru_cache(maxsize=4096)  # the same few meeting times, on every card and reminder
def format_datetime(moment: datetime, zone: ZoneInfo, language: str, *, date_only: bool = False) -> str:
    """With its weekday, so that a typo in the date shows: "Freitag, 12. März 2027, 18:00 Uhr"."""
    local = moment.astimezone(zone)
    if date_only:
        pattern = "EEEE, d. MMMM y" if language == "de" else "EEEE, d MMMM y"
    else:
        pattern = "EEEE, d. MMMM y, HH:mm 'Uhr'" if language == "de" else "EEEE, d MMMM y, HH:mm"
    return _babel_format(local, pattern, locale=language)


_DATE_TIME = re.compile(
    r"^\s*(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2}|\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"(?:\s*,\s*|\s+|T)(?:um\s+|at\s+)?"
    r"(?P<H>\d{1,2})(?:[:.](?P<M>\d{2}))?\s*(?:uhr|h)?\s*$",
    re.IGNORECASE,
)


# A meeting's time: the date may be left out where one is known (a meeting moved on its day), an end
# may follow: "12.3.2027 18:00–20:00", "18-20 Uhr", "18:00 bis 20:00".
_MEETING_TIME = re.compile(
    r"^\s*(?:(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2}|\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))(?:\s*,\s*|\s+|T))?(?:um\s+|at\s+|von\s+|from\s+)?"
    r"(?P<H>\d{1,2})(?:[:.](?P<M>\d{2}))?\s*(?:uhr|h)?"
    r"(?:\s*(?:-|–|—|bis|to|until)\s*(?P<EH>\d{1,2})(?:[:.](?P<EM>\d{2}))?\s*(?:uhr|h)?)?\s*$",
    re.IGNORECASE,
)


_DATE = re.compile(r"^\s*(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2}|\d{4})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))\s*$")


def format_span(start: datetime, end: datetime | None, zone: ZoneInfo, language: str) -> str:
    """A meeting's time with its end: "Freitag, 12. März 2027, 18:00–20:00 Uhr"; an end on another day
    in full. Without an end (a message queued before meetings had one) the beginning alone."""
    if end is None:
        return format_datetime(start, zone, language)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() != local_end.date():
        return format_datetime(start, zone, language) + " – " + format_datetime(end, zone, language)
    day = format_datetime(start, zone, language, date_only=True)
    span = f"{local_start:%H:%M}–{local_end:%H:%M}"
    return f"{day}, {span} Uhr" if language == "de" else f"{day}, {span}"


def format_day(day: date, language: str) -> str:
    """A day with its weekday: "Freitag, 12. März 2027"."""
    return _babel_format_date(day, "EEEE, d. MMMM y" if language == "de" else "EEEE, d MMMM y", locale=language)


def format_day_and_month(month: int, day: int, language: str) -> str:
    """A day that comes back every year, as the day of a date reads in the bot: "31. Oktober", "31 October"."""
    return _babel_format_date(date(2000, month, day), "d. MMMM" if language == "de" else "d MMMM", locale=language)


# A yearly deadline with its year, by how many years it lies before the year the project starts.
_YEARS_BEFORE = {
    0: N_("{day} of the year the project starts"),
    1: N_("{day} of the year before"),
    2: N_("{day} two years before the year the project starts"),
}


def yearly_deadline_text(t: Translator, month: int, day: int, years_before: int) -> str:
    """A deadline that comes back every year, with its year: "31. Oktober des Vorjahres"."""
    return t(_YEARS_BEFORE[years_before], day=format_day_and_month(month, day, t.language))


def problem_text(t: Translator, message: str, values: dict[str, object]) -> str:
    """A problem's message in the reader's language, the days it names written as they read them."""
    return t(message, **{name: format_day(value, t.language) if isinstance(value, date) else value
                         for name, value in values.items()})


class DateProblem(ValueError):
    """Why a typed date cannot be used: a translatable message id, and the values it names."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.values = values

    def text(self, t: Translator, **examples: str) -> str:
        """In the reader's language; `examples` fill a message that shows how to write it."""
        return problem_text(t, str(self), {**examples, **self.values})


# Meetings and announcements are planned at most this far ahead: a date beyond is a typo more often
# than a plan, and the year 9999 leaves no room for the dates computed from it (a series, the
# calendar file's time zone rules, a cancellation), which then fail where nobody sees it.
YEARS_AHEAD = 5


def latest_day(today: date) -> date:
    """The last day the bot plans for: five years from today (from a 29 February, the 28th)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def parse_datetime(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A date and time as people type it: `12.3.2027 18:00`, `12.03.27 18 Uhr`, `2027-03-12 18:00`.

    Read in `zone`; returns an aware datetime. Raises DateProblem for anything else, for dates
    that do not exist (31.02.), for moments not after `now` and for days after `latest_day`."""
    match = _DATE_TIME.match(text or "")
    if not match:
        raise DateProblem(N_("Please write the date and time like this: 12.3.2027 18:00"))
    year = int(match["y"] or match["iy"])
    if year < 100:
        year += 2000
    month, day = int(match["m"] or match["im"]), int(match["d"] or match["id"])
    hour, minute = int(match["H"]), int(match["M"] or 0)
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        raise DateProblem(N_("This date does not exist. Please check day, month and time.")) from None
    # A wall-clock time skipped by the change to summer time does not exist either.
    if local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DateProblem(N_("This date does not exist. Please check day, month and time."))
    if local <= now:
        raise DateProblem(N_("This moment has already passed. Please give a time in the future."))
    latest = latest_day(now.astimezone(zone).date())
    if local.date() > latest:
        raise DateProblem(N_("That is more than five years ahead. The latest possible date is {date}."), date=latest)
    return local


def parse_meeting_time(text: str, zone: ZoneInfo, now: datetime, day: date | None = None
                       ) -> tuple[datetime, datetime | None]:
    """A meeting's beginning and, where typed, its end: `12.3.2027 18:00–20:00`, `12.3.2027 18-20 Uhr`,
    `12.3.2027 18:00 bis 20:00`, or `12.3.2027 18:00` without an end (None). The date may be left out
    where `day` is given (a meeting moved within its day). Raises DateProblem as parse_datetime does,
    and for an end that is not after the beginning on the same day."""
    match = _MEETING_TIME.match(text or "")
    if not match:
        raise DateProblem(N_("Please write the date and time like this: 12.3.2027 18:00 or 12.3.2027 18:00–20:00"))
    if match["y"] or match["iy"]:
        day = _day(match)
    elif day is None:
        # The example is what they typed, on a day that can be planned: a week from today.
        ahead = (now.astimezone(zone) + timedelta(days=7)).date()
        raise DateProblem(N_("A new meeting needs a date as well as the time. Please write both, for example: "
                             "{example}"), example=f"{ahead.day}.{ahead.month}.{ahead.year} {text.strip()}")
    start = _moment(day, int(match["H"]), int(match["M"] or 0), zone)
    end = _moment(day, int(match["EH"]), int(match["EM"] or 0), zone) if match["EH"] else None
    if start <= now:
        raise DateProblem(N_("This moment has already passed. Please give a time in the future."))
    latest = latest_day(now.astimezone(zone).date())
    if start.date() > latest:
        raise DateProblem(N_("That is more than five years ahead. The latest possible date is {date}."), date=latest)
    if end is not None and end <= start:
        raise DateProblem(N_("The end must come after the beginning, on the same day. For example: 18:00–20:00"))
    return start, end


def _moment(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A local time that the clock shows on that day (not 25:00, not skipped when summer time begins)."""
    try:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    except ValueError:
        raise DateProblem(N_("This date does not exist. Please check day, month and time.")) from None
    if local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DateProblem(N_("This date does not exist. Please check day, month and time."))
    return local


def _day(match: re.Match[str]) -> date:
    """The day a match of _DATE names (two-digit years are this century's)."""
    year = int(match["y"] or match["iy"])
    try:
        # Year 0 (from "00.00.0000") is no date either: date() refuses it like 31 February.
        return date(year + 2000 if year < 100 else year, int(match["m"] or match["im"]), int(match["d"] or match["id"]))
    except ValueError:
        raise DateProblem(N_("This date does not exist. Please check day and month.")) from None


def parse_date(text: str, after: date) -> date:
    """A day as people type it: `1.6.2027`, `01.06.27`, `2027-06-01`; it must come after `after`."""
    match = _DATE.match(text or "")
    if not match:
        raise DateProblem(N_("Please write the date like this: 1.6.2027"))
    day = _day(match)
    if day <= after:
        raise DateProblem(N_("The last date must be after the first meeting."))
    return day


_MONTHS = {name: number for number, names in enumerate((
    ("januar", "jan", "january"), ("februar", "feb", "february"), ("märz", "maerz", "mär", "march", "mar"),
    ("april", "apr"), ("mai", "may"), ("juni", "jun", "june"), ("juli", "jul", "july"),
    ("august", "aug"), ("september", "sep", "sept"), ("oktober", "okt", "october", "oct"),
    ("november", "nov"), ("dezember", "dez", "december", "dec")), 1) for name in names}
_WEEKDAYS = {name: number for number, names in enumerate((
    ("montag", "mo", "monday", "mon"), ("dienstag", "di", "tuesday", "tue"), ("mittwoch", "mi", "wednesday", "wed"),
    ("donnerstag", "do", "thursday", "thu"), ("freitag", "fr", "friday", "fri"), ("samstag", "sa", "sonnabend",
    "saturday", "sat"), ("sonntag", "so", "sunday", "sun"))) for name in names}
_MONTH_YEAR = re.compile(r"^\s*(?P<month>[a-zäöü]+)\.?\s+(?P<year>\d{4})\s*$", re.IGNORECASE)
# A day as the bot writes it, with or without its weekday: "Freitag, 1. März 2028", "1 March 2028",
# "March 1, 2028", "1st March 2028".
_WEEKDAY = r"(?:(?P<weekday>[a-zäöü]+)\.?,?\s+)?"
_SPELLED = (
    re.compile(r"^\s*" + _WEEKDAY + r"(?P<d>\d{1,2})(?:\.|st|nd|rd|th)?\s*(?P<month>[a-zäöü]+)\.?,?\s+(?P<y>\d{4})\s*$",
               re.IGNORECASE),
    re.compile(r"^\s*" + _WEEKDAY + r"(?P<month>[a-zäöü]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\s*$",
               re.IGNORECASE),
)


# A project further ahead than this is a typo more often than a plan.
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class MonthStart:
    """A start given as a month, taken as its 1st (this month: today): shown so, never with a weekday
    that would suggest a day the applicant chose."""

    day: date


def _spelled(text: str) -> date | None:
    """A day written with its month's name (and perhaps its weekday), or None if it is not one."""
    for pattern in _SPELLED:
        match = pattern.match(text)
        if match:
            break
    else:
        return None
    month = _MONTHS.get(match["month"].lower())
    weekday = _WEEKDAYS.get((match["weekday"] or "").lower()) if match["weekday"] else None
    if month is None or (match["weekday"] and weekday is None):
        raise DateProblem(START_EXAMPLE)
    try:
        day = date(int(match["y"]), month, int(match["d"]))
    except ValueError:
        raise DateProblem(N_("This date does not exist. Please check day and month.")) from None
    if weekday is not None and weekday != day.weekday():
        # "Friday, 1 March 2028": one of the two is a typo, and only the applicant knows which.
        raise DateProblem(N_("That day is {date}. Please check the date."), date=day)
    return day


START_EXAMPLE = N_("Please write the start like this: {example_day} or {example_month}.")

# "today" and "tomorrow" as people say them of a start that is near, in both languages.
_RELATIVE_DAYS = {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1}


def relative_day(text: str, today: date) -> date | None:
    """The day "heute"/"today" or "morgen"/"tomorrow" names, or None if the text is neither."""
    offset = _RELATIVE_DAYS.get((text or "").strip().rstrip(".!").strip().lower())
    return None if offset is None else today + timedelta(days=offset)


def parse_start(text: str, today: date) -> tuple[date, bool]:
    """When a project starts: a day (`1.3.2027`, `01.03.27`, `2027-03-01`, `1. März 2027`,
    `1 March 2027`, as the bot writes it with its weekday, "heute", "morgen", "today", "tomorrow")
    or a month (`März 2027`, `March 2027`).
    Returns the day (the 1st for a month) and whether only the month was given.
    Raises DateProblem for anything else, for a start in the past and for one years away."""
    near = relative_day(text, today)
    if near is not None:
        return near, False
    month = _MONTH_YEAR.match(text or "")
    if month:
        number = _MONTHS.get(month["month"].lower())
        if number is None:
            raise DateProblem(START_EXAMPLE)
        year = int(month["year"])
        day, month_only = date(max(min(year, date.max.year), date.min.year), number, 1), True
        if day < today.replace(day=1):
            raise DateProblem(N_("This start lies in the past. Please give a date from today on."))
        day = max(day, today)  # the current month counts from today, its 1st having passed
    else:
        match = _DATE.match(text or "")
        spelled = None if match else _spelled(text or "")
        if not match and spelled is None:
            raise DateProblem(START_EXAMPLE)
        day, month_only = (_day(match) if match else spelled), False  # type: ignore[assignment]
        if day < today:
            raise DateProblem(N_("This start lies in the past. Please give a date from today on."))
    if day.year > today.year + MAX_YEARS_AHEAD:
        raise DateProblem(N_("That is more than ten years ahead. Please check the year."))
    return day, month_only


def start_examples(today: date, language: str) -> dict[str, str]:
    """The examples in START_EXAMPLE: 1 March of next year, as the reader writes it."""
    example = date(today.year + 1, 3, 1)
    day = f"{example.day}.{example.month}.{example.year}" if language == "de" else \
        _babel_format_date(example, "d MMMM y", locale=language)
    return {"example_day": day, "example_month": _babel_format_date(example, "LLLL y", locale=language)}


def spoken_duration(t: Translator, duration: timedelta) -> str:
    """`1d2h` as people say it, in the translator's language: "1 day 2 hours" / "1 Tag 2 Stunden"."""
    seconds = int(duration.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    parts = [t.plural(*words, amount) for amount, words in (
        (days, NP_("{count} day", "{count} days")),
        (hours, NP_("{count} hour", "{count} hours")),
        (minutes, NP_("{count} minute", "{count} minutes")),
        (seconds, NP_("{count} second", "{count} seconds")),
    ) if amount]
    return " ".join(parts)


def easter_sunday(year: int) -> date:
    """The Gregorian Easter Sunday (the anonymous Gregorian algorithm, as in Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def holidays(year: int) -> dict[date, str]:
    """The statutory public holidays of Mecklenburg-Vorpommern (Feiertagsgesetz M-V) in `year`, with
    their names as message ids. International Women's Day is one since 2023."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): N_("New Year's Day"),
        easter - timedelta(days=2): N_("Good Friday"),
        easter + timedelta(days=1): N_("Easter Monday"),
        date(year, 5, 1): N_("Labour Day"),
        easter + timedelta(days=39): N_("Ascension Day"),
        easter + timedelta(days=50): N_("Whit Monday"),
        date(year, 10, 3): N_("Day of German Unity"),
        date(year, 10, 31): N_("Reformation Day"),
        date(year, 12, 25): N_("Christmas Day"),
        date(year, 12, 26): N_("Second day of Christmas"),
    }
    if year >= 2023:
        days[date(year, 3, 8)] = N_("International Women's Day")
    return days


def closed(day: date) -> str | None:
    """Why offices are closed on `day` (a message id), or None on a working day. A holiday is named
    before the weekend it may fall on: "Reformation Day" says more than "a Sunday"."""
    if day in holidays(day.year):
        return holidays(day.year)[day]
    if day.weekday() == 6:
        return N_("a Sunday")
    if day.weekday() == 5:
        return N_("a Saturday")
    return None


def working_day_before(day: date) -> date:
    before = day - timedelta(days=1)
    while closed(before):
        before -= timedelta(days=1)
    return before


@dataclass(frozen=True)
class Due:
    """A deadline in a message, with the day it is read on: shown by due_text."""

    day: date
    today: date


def due_text(t: Translator, due: Due) -> str:
    """ "tomorrow, Saturday, 31 October 2026 (Reformation Day, a public holiday in
    Mecklenburg-Vorpommern: best submit by Friday, 30 October 2026)"."""
    text = format_day(due.day, t.language)
    if due.day == due.today:
        text = t("today, {day}", day=text)
    elif due.day == due.today + timedelta(days=1):
        text = t("tomorrow, {day}", day=text)
    why = closed(due.day)
    if why is None:
        return text
    before = working_day_before(due.day)
    if before < due.today:  # the advice came too late to follow: the date as published is what is left
        return text
    if why in holidays(due.day.year).values():
        advice = t("{holiday}, a public holiday in Mecklenburg-Vorpommern: best submit by {before}",
                   holiday=t(why), before=format_day(before, t.language))
    else:
        advice = t("{weekday}: best submit by {before}", weekday=t(why), before=format_day(before, t.language))
    return f"{text} ({advice})"
