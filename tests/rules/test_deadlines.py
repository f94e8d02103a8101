"""Deadlines as applicants read them (bot.rules.dates): M-V's public holidays, "today" and "tomorrow",
and the advice to submit by the working day before a deadline that falls on a Sunday or a holiday."""
from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import translator
from bot.rules.dates import Due, closed, due_text, easter_sunday, holidays, working_day_before


def test_the_public_holidays_of_mecklenburg_vorpommern_in_2027() -> None:
    assert sorted(holidays(2027)) == [
        date(2027, 1, 1), date(2027, 3, 8), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6),
        date(2027, 5, 17), date(2027, 10, 3), date(2027, 10, 31), date(2027, 12, 25), date(2027, 12, 26)]
    assert holidays(2027)[date(2027, 10, 31)] == "Reformation Day"
    assert date(2022, 3, 8) not in holidays(2022)  # Women's Day is a holiday in M-V since 2023


@pytest.mark.parametrize(("year", "easter"), [(2026, date(2026, 4, 5)), (2028, date(2028, 4, 16)),
                                              (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))])
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_working_day_before_skips_weekends_and_holidays() -> None:
    assert working_day_before(date(2027, 10, 31)) == date(2027, 10, 29)  # Sunday and holiday: back to Friday
    assert working_day_before(date(2027, 3, 29)) == date(2027, 3, 25)  # Easter Monday: before Good Friday
    assert closed(date(2026, 12, 7)) is None and closed(date(2026, 12, 6)) == "a Sunday"


def test_a_deadline_on_reformation_day_is_given_as_published_with_advice() -> None:
    en, de = translator("en"), translator("de")
    due = Due(date(2027, 10, 31), date(2027, 6, 1))
    assert due_text(en, due) == ("Sunday, 31 October 2027 (Reformation Day, a public holiday in "
                                 "Mecklenburg-Vorpommern: best submit by Friday, 29 October 2027)")
    assert due_text(de, due) == ("Sonntag, 31. Oktober 2027 (Reformationstag, in Mecklenburg-Vorpommern ein "
                                 "Feiertag: am besten bis Freitag, 29. Oktober 2027 einreichen)")


def test_near_deadlines_say_today_and_tomorrow() -> None:
    en, de = translator("en"), translator("de")
    assert due_text(de, Due(date(2026, 12, 7), date(2026, 12, 7))) == "heute, Montag, 7. Dezember 2026"
    assert due_text(en, Due(date(2026, 12, 8), date(2026, 12, 7))) == "tomorrow, Tuesday, 8 December 2026"
    # Tomorrow is a Sunday: the advice would be today.
    assert due_text(en, Due(date(2026, 12, 13), date(2026, 12, 11))).endswith("best submit by Friday, 11 December 2026)")
    # Today is the holiday itself: the working day before has passed, so no advice is left to give.
    assert due_text(de, Due(date(2026, 10, 31), date(2026, 10, 31))) == "heute, Samstag, 31. Oktober 2026"
