"""Deadlines as applicants read them: "today" and "tomorrow" for the near ones, and a word where one
falls on a weekend or a public holiday in Mecklenburg-Vorpommern (the LfK's 31 October is
Reformationstag). The date stays as published; the advice is to submit by the working day before,
since how a late submission is treated is the office's to say."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from bot.i18n import N_, Translator
from bot.rules.dates import format_day


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
