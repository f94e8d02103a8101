"""Typed dates: German and ISO forms, in the bot's zone, impossible and past moments refused."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.rules.dates import DateProblem, format_datetime, parse_date, parse_datetime

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("12.3.2027 18:00", datetime(2027, 3, 12, 18, 0)),
    ("12.03.27 18 Uhr", datetime(2027, 3, 12, 18, 0)),
    ("12.03.2027, 9.30 Uhr", datetime(2027, 3, 12, 9, 30)),
    ("2027-03-12 18:00", datetime(2027, 3, 12, 18, 0)),
    ("2027-03-12T18:00", datetime(2027, 3, 12, 18, 0)),
    ("1.7.2027 um 8", datetime(2027, 7, 1, 8, 0)),
])
def test_accepted_forms(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text, BERLIN, NOW)
    assert parsed.replace(tzinfo=None) == expected and parsed.tzinfo == BERLIN


def test_summer_and_winter_time_keep_the_wall_clock() -> None:
    assert parse_datetime("1.7.2027 18:00", BERLIN, NOW).utcoffset().total_seconds() == 7200
    assert parse_datetime("1.12.2027 18:00", BERLIN, NOW).utcoffset().total_seconds() == 3600


@pytest.mark.parametrize(("text", "problem"), [
    ("32.13.2026 10:00", "does not exist"),
    ("31.02.2027 10:00", "does not exist"),
    ("12.3.2027 25:00", "does not exist"),
    ("28.3.2027 02:30", "does not exist"),  # skipped when the clocks go forward
    ("gestern", "like this"),
    ("", "like this"),
    ("12.3.2027", "like this"),
    ("1.1.2026 10:00", "already passed"),
    ("22.11.2026 12:59", "already passed"),  # 11:59 UTC
])
def test_refused(text: str, problem: str) -> None:
    with pytest.raises(DateProblem, match=problem):
        parse_datetime(text, BERLIN, NOW)


def test_format_in_both_languages() -> None:
    moment = datetime(2027, 3, 12, 17, 0, tzinfo=timezone.utc)
    assert format_datetime(moment, BERLIN, "de") == "Freitag, 12. März 2027, 18:00 Uhr"
    assert format_datetime(moment, BERLIN, "en") == "Friday, 12 March 2027, 18:00"


@pytest.mark.parametrize(("text", "expected"), [
    ("1.6.2027", date(2027, 6, 1)), ("01.06.27", date(2027, 6, 1)), (" 2027-06-01 ", date(2027, 6, 1))])
def test_days(text: str, expected: date) -> None:
    assert parse_date(text, after=date(2027, 1, 1)) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("31.6.2027", "does not exist"), ("Juni", "like this"), ("1.6.2027 18:00", "like this"),
    ("1.1.2027", "after the first meeting")])
def test_refused_days(text: str, problem: str) -> None:
    with pytest.raises(DateProblem, match=problem):
        parse_date(text, after=date(2027, 1, 1))
