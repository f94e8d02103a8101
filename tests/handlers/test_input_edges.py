"""Input at the edges: dates too far ahead for meetings, series and announcements are refused with the
latest possible day, and names and titles of nothing but invisible characters are refused; as rules
without Telegram and on a real Application, where nothing is stored."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.i18n import translator
from bot.rules.answers import clean_text_answer, strip_invisible, visible
from bot.rules.dates import DateProblem, format_day, latest_day, parse_datetime, problem_text
from bot.rules.meetings import Repeat, Repetition, repetition_problem
from storage import meetings
from storage.db import Database
from storage.models import Broadcast, Delivery, Group, JoinRequest, Meeting
from tests.harness import Harness, buttons, MakeHarness

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
COORD, MIA, MAX, APPLICANT = 500, 2001, 2002, 3001
ZERO_WIDTH = "\u200b\u200b\u200b"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# Rules, without Telegram.

def test_the_latest_day_is_five_years_ahead() -> None:
    assert latest_day(date(2026, 11, 22)) == date(2031, 11, 22)
    assert latest_day(date(2028, 2, 29)) == date(2033, 2, 28)


@pytest.mark.parametrize("text", ["1.1.9999 18:00", "31.12.9999 23:30", "23.11.2031 00:00", "2040-01-01 10:00"])
def test_a_moment_past_the_latest_day_is_refused_naming_that_day(text: str) -> None:
    with pytest.raises(DateProblem) as refused:
        parse_datetime(text, BERLIN, NOW)
    problem = refused.value
    assert problem.values == {"date": date(2031, 11, 22)}
    assert problem.text(translator("en")) == ("That is more than five years ahead. The latest possible date is "
                                              "Saturday, 22 November 2031.")
    assert "Samstag, 22. November 2031" in problem.text(translator("de"))


def test_the_latest_day_itself_is_accepted() -> None:
    assert parse_datetime("22.11.2031 23:59", BERLIN, NOW) == local(2031, 11, 22, 23, 59)


@pytest.mark.parametrize(("rule", "first"), [
    (Repetition(Repeat.QUARTERLY, count=24), local(2027, 1, 12, 18, 0)),  # six years of quarters
    (Repetition(Repeat.MONTHLY, until=date(9999, 12, 31)), local(2027, 1, 12, 18, 0)),
    (Repetition(Repeat.WEEKLY, count=5), local(2031, 11, 4, 18, 0)),
    (Repetition(Repeat.WEEKLY, until=date(2031, 12, 1)), local(2031, 11, 4, 18, 0)),  # within two years of the first
])
def test_a_series_past_the_latest_day_is_refused(rule: Repetition, first: datetime) -> None:
    message, values = repetition_problem(rule, first, NOW) or ("", {})
    assert values == {"date": date(2031, 11, 22)}
    assert "must end by Saturday, 22 November 2031" in problem_text(translator("en"), message, values)


def test_a_series_up_to_the_latest_day_passes() -> None:
    assert repetition_problem(Repetition(Repeat.WEEKLY, until=date(2031, 11, 22)), local(2031, 11, 4, 18, 0),
                              NOW) is None


@pytest.mark.parametrize(("text", "shows"), [
    (ZERO_WIDTH, False), ("\u2800\u2800", False), ("\u3164", False), ("\u202e\u200d", False), (" \u00a0 ", False),
    ("\u0301", False), ("Jo", True), ("🙂", True), ("\u200bA", True)])
def test_visible(text: str, shows: bool) -> None:
    assert visible(text) is shows


@pytest.mark.parametrize(("text", "stripped"), [
    ("\u200b Erika Mustermann \u200d", "Erika Mustermann"),
    ("\u2800AG Schule\u3164", "AG Schule"),
    ("René\u0301", "René\u0301"),  # an accent belongs to the letter before it
    ("Herz ❤️", "Herz ❤️"),  # so does an emoji's style selector
    ("\u0301Jo", "Jo")])  # a mark with nothing before it shows nothing
def test_strip_invisible(text: str, stripped: str) -> None:
    assert strip_invisible(text) == stripped


def test_answers_of_invisible_characters_are_refused_as_such() -> None:
    assert clean_text_answer(ZERO_WIDTH, (2, 100)) == (
        None, "That shows no letters or digits. Please write it with visible characters.")
    assert "visible characters" in (clean_text_answer("\u2800\u3164\u200b", (2, 100))[1] or "")
    assert clean_text_answer("\u200bErika Mustermann\u200b", (2, 100)) == ("Erika Mustermann", None)
    assert clean_text_answer("  ", (2, 100))[1] == "That is too short. Please write at least {min} characters."
    # Where an answer may be empty (an agenda), invisible characters make it empty.
    assert clean_text_answer(ZERO_WIDTH + "\n\u200b", (0, 3000), keep_lines=True) == ("", None)
    assert clean_text_answer("1. Bericht\u200b\n\u2800\n2. Wahl", (0, 3000), keep_lines=True) == (
        "1. Bericht\n\n2. Wahl", None)


# Handlers, on a real Application.

@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster", MAX: "Max Mustermann"}, seen_at=NOW, greeted=True)


def shown(h: Harness, user_id: int = COORD) -> str:
    return h.request.latest(user_id)["text"]


async def press(h: Harness, label: str, user_id: int = COORD) -> None:
    await h.press(user_id, buttons(h.request.latest(user_id))[label], language="en")


async def count(db: Database, model: type) -> int:
    async with db.begin() as session:
        return await session.scalar(select(func.count()).select_from(model))


def latest_shown() -> str:
    """The latest possible day as the bot names it today, in English."""
    return format_day(latest_day(datetime.now(BERLIN).date()), "en")


async def test_newmeeting_refuses_a_far_date_and_a_series_running_past_five_years(h: Harness, db: Database) -> None:
    year = datetime.now(BERLIN).year + 1
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    for far in ("1.1.9999 18:00", "31.12.9999 23:30", f"1.1.{year + 5} 18:00"):
        await h.send(COORD, far, language="en")
        assert shown(h) == f"That is more than five years ahead. The latest possible date is {latest_shown()}.", far
    await h.send(COORD, f"12.3.{year} 18:00", language="en")
    await press(h, "Yes")
    await h.send(COORD, "Kreishaus Güstrow", language="en")
    await press(h, "No agenda yet")
    await press(h, "The whole council (2)")
    await press(h, "Every three months, same weekday")
    await press(h, "After a number of meetings")
    await h.send(COORD, "30", language="en")  # seven and a half years of quarters
    assert f"A series must end by {latest_shown()}" in shown(h)
    await h.press(COORD, "nmb:end", language="en")  # « Back, on the question before the refusal
    await press(h, "On a last date")
    await h.send(COORD, "31.12.9999", language="en")
    assert f"A series must end by {latest_shown()}" in shown(h)
    assert await count(db, Meeting) == 0 and await count(db, Delivery) == 0


async def test_editing_a_meeting_to_a_far_date_is_refused(h: Harness, db: Database) -> None:
    starts = datetime(datetime.now(BERLIN).year + 1, 5, 4, 16, 0, tzinfo=timezone.utc)
    async with db.begin() as session:
        meeting_id = (await meetings.create_series(session, title="KPR-Sitzung", dates=[starts], place="Kreishaus",
                                                   agenda="", agenda_file_id=None, repetition=None, created_by=COORD,
                                                   now=NOW))[0].id
    await h.press(COORD, f"mted:{meeting_id}", language="en")
    await press(h, "Date and time")
    await h.send(COORD, "1.1.9999 18:00", language="en")
    assert shown(h) == f"That is more than five years ahead. The latest possible date is {latest_shown()}."
    async with db.begin() as session:
        assert (await meetings.get(session, meeting_id)).starts_at == starts


async def test_an_announcement_cannot_be_scheduled_past_five_years(h: Harness, db: Database) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Sitzung am Freitag", language="en")
    await press(h, "All members (2)")
    await press(h, "Send later…")
    await h.send(COORD, "31.12.9999 23:30", language="en")
    assert shown(h) == f"That is more than five years ahead. The latest possible date is {latest_shown()}."
    assert "Yes, schedule it" not in buttons(h.request.latest(COORD))
    assert await count(db, Broadcast) == 0


async def test_names_and_titles_of_invisible_characters_are_refused(h: Harness, db: Database) -> None:
    refusal = "That shows no letters or digits. Please write it with visible characters."
    await h.send(APPLICANT, "/join", language="en")
    await h.send(APPLICANT, ZERO_WIDTH, language="en")
    assert shown(h, APPLICANT) == refusal
    await h.send(APPLICANT, "\u200bErika Mustermann\u200b", language="en")
    await h.send(APPLICANT, "\u2800\u3164", language="en")  # the organisation
    assert shown(h, APPLICANT) == refusal
    await h.send(APPLICANT, "Schule am See", language="en")
    await press(h, "Send request", APPLICANT)
    async with db.begin() as session:
        request = (await session.scalars(select(JoinRequest))).one()
    assert (request.name, request.organisation) == ("Erika Mustermann", "Schule am See")

    await h.send(COORD, "/newgroup", language="en")
    await h.send(COORD, ZERO_WIDTH, language="en")
    assert shown(h) == refusal
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, ZERO_WIDTH, language="en")
    assert shown(h) == refusal
    assert "When is it?" not in shown(h)
    assert await count(db, Group) == 0 and await count(db, Meeting) == 0
