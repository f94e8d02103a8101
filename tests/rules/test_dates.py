"""Typed dates: German and ISO forms, in the bot's zone, impossible and past moments refused."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.rules.dates import DateProblem, format_datetime, format_span, parse_date, parse_datetime, parse_meeting_time

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


@pytest.mark.parametrize("text", ["12.3.2027 18:00–20:00", "12.3.2027 18-20 Uhr", "12.3.2027 18:00 bis 20:00",
                                  "12.03.27 um 18 Uhr bis 20 Uhr", "12.3.2027 18 bis 20 Uhr",
                                  "2027-03-12 18:00 - 20:00"])
def test_a_meeting_time_may_carry_its_end(text: str) -> None:
    assert parse_meeting_time(text, BERLIN, NOW) == (datetime(2027, 3, 12, 18, 0, tzinfo=BERLIN),
                                                     datetime(2027, 3, 12, 20, 0, tzinfo=BERLIN))


def test_a_meeting_time_without_an_end_or_a_date() -> None:
    assert parse_meeting_time("12.3.2027 18:00", BERLIN, NOW) == (datetime(2027, 3, 12, 18, 0, tzinfo=BERLIN), None)
    # Without a date only where the day is known (a meeting moved within its day).
    assert parse_meeting_time("18-20 Uhr", BERLIN, NOW, day=date(2027, 3, 12))[1] == datetime(
        2027, 3, 12, 20, 0, tzinfo=BERLIN)
    with pytest.raises(DateProblem) as planned:
        parse_meeting_time(" 18-20 Uhr", BERLIN, NOW)
    assert "needs a date" in str(planned.value)
    ahead = (NOW.astimezone(BERLIN) + timedelta(days=7)).date()
    assert planned.value.values["example"] == f"{ahead.day}.{ahead.month}.{ahead.year} 18-20 Uhr"
    for text, problem in ( ("12.3.2027 20-18", "end must come after"),
                          ("12.3.2027 18:00-24:00", "does not exist"), ("12.3.2027 18 bis bald", "like this")):
        with pytest.raises(DateProblem, match=problem):
            parse_meeting_time(text, BERLIN, NOW)


def test_a_span_is_written_as_the_council_reads_it() -> None:
    start, end = datetime(2027, 3, 12, 18, 0, tzinfo=BERLIN), datetime(2027, 3, 12, 20, 0, tzinfo=BERLIN)
    assert format_span(start, end, BERLIN, "de") == "Freitag, 12. März 2027, 18:00–20:00 Uhr"
    assert format_span(start, end, BERLIN, "en") == "Friday, 12 March 2027, 18:00–20:00"
    late = datetime(2027, 3, 13, 1, 0, tzinfo=BERLIN)
    assert format_span(start, late, BERLIN, "de") == ("Freitag, 12. März 2027, 18:00 Uhr – "
                                                       "Samstag, 13. März 2027, 01:00 Uhr")
