"""Funding on a real Application: the /funding menu with its sources, the /check conversation (skipped
questions, Back with earlier answers kept, "Don't know", every bad input, the project outline), /ask with
consent and the office's reply, /inbox, /stats, and answers to questions typed outside any flow."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlalchemy import select

from bot.content import DEFAULT_FILE, load
from bot.i18n import translator
from bot.live_content import LiveContent
from bot.rules.dates import format_day, working_day_before
from bot.rules.eligibility import Answers, check
from bot.rules.explain import day
from handlers.funding.ask import QuestionRenderer
from handlers.funding.check import result_text
from storage import funding
from storage.db import Database
from storage.models import Delivery, DeliveryKind, EligibilityCheck, Question, QuestionStatus, Reply
from storage.outbox import DueRow
from tests.harness import Harness, MakeHarness, buttons

COORD, APPLICANT, MEMBER = 500, 3001, 2001
NOW = datetime.now(timezone.utc)
ZONE = ZoneInfo("Europe/Berlin")
TODAY = NOW.astimezone(ZONE).date()
CONTENT = load()


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MEMBER: "Mia Muster"}, language="en", seen_at=NOW)


def screen(h: Harness, user_id: int = APPLICANT) -> dict:
    return h.request.latest(user_id)


async def press(h: Harness, label: str, user_id: int = APPLICANT, language: str = "en") -> None:
    shown = buttons(screen(h, user_id))
    assert label in shown, f"no button {label!r} among {list(shown)}"
    await h.press(user_id, shown[label], language=language)


async def say(h: Harness, text: str, user_id: int = APPLICANT, language: str = "en") -> str:
    await h.send(user_id, text, language=language)
    return screen(h, user_id)["text"]


def numeric(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


async def start_check(h: Harness, applicant: str = "An association or independent organisation",
                      area: str = "In the Landkreis Rostock", topic: str = "Child and youth crime",
                      begun: str = "No") -> None:
    await h.send(APPLICANT, "/check", language="en")
    assert "Question 1" in screen(h)["text"] and "Who applies?" in screen(h)["text"]
    for label in (applicant, area, topic, begun):
        await press(h, label)


async def stored_checks(db: Database) -> list[EligibilityCheck]:
    async with db.begin() as session:
        return list(await session.scalars(select(EligibilityCheck).order_by(EligibilityCheck.id)))


# /funding


async def test_funding_menu_answers_every_item_with_its_source(h: Harness) -> None:
    await h.send(APPLICANT, "/funding", language="en")
    assert "Funding for prevention projects" in screen(h)["text"]
    items = ["What is funded", "Who can apply", "How much", "Deadlines", "Which documents",
             "How to apply, whom to ask"]
    assert list(buttons(screen(h))) == items
    for item in items:
        await press(h, item)
        text = screen(h)["text"]
        assert "Source:" in text, item
        await press(h, "« Back")
        assert list(buttons(screen(h))) == items
    await press(h, "What is funded")
    assert all(topic in screen(h)["text"] for topic in ("Victim protection", "Child and youth crime",
                                                         "Safety in schools", "Political education", "senior"))
    await press(h, "« Back")
    await press(h, "Deadlines")
    # The next state deadline computed from today: 31 October, this year or the next.
    due = date(TODAY.year, 10, 31) if TODAY <= date(TODAY.year, 10, 31) else date(TODAY.year + 1, 10, 31)
    # Reformation Day, a public holiday in M-V: the date as published, with the advice to submit earlier.
    assert f"31 October {due.year} (Reformation Day, a public holiday in Mecklenburg-Vorpommern: best submit by " \
           f"{day(working_day_before(due), 'en', ZONE)}), for projects starting in {due.year + 1}." in screen(h)["text"]
    assert "At least 4 weeks before the project starts." in screen(h)["text"]
    assert "the council office confirms it" in screen(h)["text"]  # the micro lead time is an assumption
    await press(h, "« Back")
    await press(h, "How much")
    assert "Up to €600 per project." in screen(h)["text"] and "80 %" in screen(h)["text"]


async def test_funding_menu_speaks_german(h: Harness) -> None:
    await h.send(APPLICANT, "/funding", language="de")
    assert "Förderung" in screen(h)["text"]
    await h.press(APPLICANT, buttons(screen(h))["Antragsfristen"], language="de")
    assert "Quelle:" in screen(h)["text"] and "31. Oktober" in screen(h)["text"]


# /check


async def test_a_micro_project_in_good_time_is_eligible_and_gets_its_checklist(h: Harness, db: Database) -> None:
    await start_check(h)
    start = TODAY + timedelta(weeks=8)
    assert "When does the project start?" in screen(h)["text"]
    await say(h, numeric(start))
    assert "total costs" in screen(h)["text"]
    await say(h, "800")
    assert "How much funding" in screen(h)["text"]
    result = await say(h, "500")
    micro, state = result.split("Project funding of the state council")
    assert "✅ Eligible as planned" in micro
    assert f"Apply by {day(start - timedelta(weeks=4), 'en', ZONE)}" in micro
    assert "☐ Short project outline" in micro
    assert "❌ Not possible" in state and "should as a rule not be below €1,000" in state
    assert "first, non-binding assessment" in result
    assert set(buttons(screen(h))) == {"« Back", "Ask the council office", "Remind me of the deadline",
                                       "Project outline (Word)", "Start again"}
    [stored] = await stored_checks(db)
    assert (stored.micro, stored.lfk, stored.topic) == ("eligible", "not_eligible", "youth")
    assert stored.finished_at is not None and stored.answers["wanted"] == "500.00"


async def test_a_project_already_begun_goes_straight_to_the_result(h: Harness, db: Database) -> None:
    await start_check(h, begun="Yes")
    result = screen(h)["text"]
    assert result.startswith("<b>Your result</b>")
    assert result.count("❌ Not possible") == 2
    assert "already begun" in result
    [stored] = await stored_checks(db)
    assert "start" not in stored.answers and (stored.micro, stored.lfk) == ("not_eligible", "not_eligible")


async def test_a_company_is_decided_after_one_answer(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="en")
    await press(h, "A company")
    assert "Your result" in screen(h)["text"] and "Companies are not named" in screen(h)["text"]


async def test_back_returns_to_the_previous_question_with_the_answer_marked(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="en")
    assert "« Back" not in buttons(screen(h))  # nothing to go back to yet
    await press(h, "An individual")
    await press(h, "In the Landkreis Rostock")
    assert "What is the project about?" in screen(h)["text"]
    await press(h, "« Back")
    assert "Where does the project take place" in screen(h)["text"]
    assert "● In the Landkreis Rostock" in buttons(screen(h))
    await press(h, "« Back")
    assert "● An individual" in buttons(screen(h))
    await press(h, "● An individual")  # the same answer again: what came after is kept
    assert "Where does the project take place" in screen(h)["text"]
    assert "● In the Landkreis Rostock" in buttons(screen(h))
    await press(h, "« Back")
    await press(h, "A town, municipality or county")  # a new answer: what came after is asked afresh
    assert "Where does the project take place" in screen(h)["text"]
    assert "● In the Landkreis Rostock" not in buttons(screen(h))
    await press(h, "Elsewhere in Mecklenburg-Vorpommern")
    assert "Question 3" in screen(h)["text"]


async def test_back_to_a_typed_answer_offers_to_keep_it(h: Harness, db: Database) -> None:
    await start_check(h)
    start = TODAY + timedelta(weeks=8)
    await say(h, numeric(start))
    await say(h, "1.500")
    assert "How much funding" in screen(h)["text"]
    await press(h, "« Back")
    assert "Your answer so far: €1,500." in screen(h)["text"]
    await press(h, "Keep: €1,500")
    await press(h, "« Back")
    await press(h, "« Back")
    assert f"Your answer so far: {day(start, 'en', ZONE)}." in screen(h)["text"]
    await say(h, numeric(start + timedelta(days=1)))  # a new start: the costs are asked afresh
    assert "total costs" in screen(h)["text"] and "Keep" not in str(buttons(screen(h)))
    await say(h, "1.000")
    await say(h, "500")
    [stored] = await stored_checks(db)
    assert stored.answers["total"] == "1000.00" and stored.answers["start"] == (start + timedelta(days=1)).isoformat()


async def test_dont_know_everywhere_says_what_the_result_depends_on(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/check", language="en")
    for question in ("Who applies", "take place", "seat", "about", "begun", "start", "total costs", "How much"):
        assert question in screen(h)["text"]
        await press(h, "Don't know")
    result = screen(h)["text"]
    assert result.count("❔ Depends on an answer still open") == 2
    assert "Whether the project has begun" in result and "The total costs" in result
    [stored] = await stored_checks(db)
    assert (stored.micro, stored.lfk) == ("depends", "depends")


async def test_a_prevention_council_is_not_asked_for_amounts(h: Harness) -> None:
    await start_check(h, applicant="A prevention council itself")
    await say(h, f"1.3.{TODAY.year + 2}")
    result = screen(h)["text"]
    assert "Your result" in result and "fixed amount" in result
    assert f"30 September {TODAY.year + 1}" in result  # a council's own deadline


async def test_a_hamburg_association_with_a_project_in_the_county_can_apply_to_the_state(h: Harness) -> None:
    # Seat outside M-V, project in Güstrow: the place settles "in M-V", so the seat is not even asked.
    await start_check(h)
    await say(h, f"1.3.{TODAY.year + 2}")
    await say(h, "10.000")
    result = await say(h, "8.000")
    assert "seat" not in result and "The project takes place in Mecklenburg-Vorpommern." in result
    _, state = result.split("Project funding of the state council")
    assert "✅ Eligible as planned" in state


async def test_a_project_outside_mv_asks_for_the_seat(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/check", language="en")
    await press(h, "An association or independent organisation")
    await press(h, "Outside Mecklenburg-Vorpommern")
    assert "Where does the applicant have its seat" in screen(h)["text"]
    assert "one of the two is enough" in screen(h)["text"]
    await press(h, "Outside Mecklenburg-Vorpommern")  # both outside: nothing else can change that
    result = screen(h)["text"]
    assert result.count("❌ Not possible") == 2 and "both outside Mecklenburg-Vorpommern" in result
    [stored] = await stored_checks(db)
    assert (stored.answers["place"], stored.answers["seat"]) == ("outside", "outside")


async def test_the_hansestadt_rostock_is_an_answer_of_its_own(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="en")
    await press(h, "An association or independent organisation")
    assert "not part of the Landkreis Rostock" in screen(h)["text"]
    await press(h, "In the Hanseatic City of Rostock")
    assert "What is the project about?" in screen(h)["text"]  # the city is in M-V: no seat question
    for label in ("Child and youth crime", "No"):
        await press(h, label)
    await say(h, f"1.3.{TODAY.year + 2}")
    await say(h, "10.000")
    micro, state = (await say(h, "8.000")).split("Project funding of the state council")
    assert "Micro projects in the Hanseatic City of Rostock are funded by the crime prevention council of the " \
           "Hanseatic City of Rostock." in micro
    assert "✅ Eligible as planned" in state
    assert "the application needs the statement of the crime prevention council of the Hanseatic City of " \
           "Rostock" in state


async def test_begun_is_explained_in_the_question(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="de")
    for label in ("Ein Verein oder freier Träger", "Im Landkreis Rostock", "Kinder- und Jugendkriminalität"):
        await h.press(APPLICANT, buttons(screen(h))[label], language="de")
    assert "Vertrag" in screen(h)["text"] and "Planung" in screen(h)["text"]


async def test_a_start_too_soon_still_asks_the_amounts_and_says_the_change(h: Harness) -> None:
    await start_check(h)
    assert "total costs" in await say(h, numeric(TODAY + timedelta(days=9)))
    await say(h, "5.000")
    result = await say(h, "5.000")
    micro, state = result.split("Project funding of the state council")
    assert "❌ Not possible" in micro  # 5,000 € is far beyond a micro project
    assert "Apply by" not in micro  # under ❌ only what excludes, no deadline
    assert "⚠️ Eligible with a change" in state
    assert "It fits with a request of at most €4,000 and an own share of €1,000." in state
    assert f"It fits with a start in {TODAY.year + 2} or later" in state or \
        f"It fits with a start in {TODAY.year + 1} or later" in state


async def test_a_deadline_of_today_says_today(h: Harness) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=4)))  # exactly the four weeks' lead time
    await say(h, "800")
    micro = (await say(h, "500")).split("Project funding of the state council")[0]
    assert "✅ Eligible as planned" in micro and f"Apply by today, {day(TODAY, 'en', ZONE)}" in micro


async def test_800_euros_are_offered_600_as_a_micro_project(h: Harness) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=8)))
    await say(h, "1.000")
    micro, state = (await say(h, "800")).split("Project funding of the state council")
    assert "⚠️ Eligible with a change" in micro and "It fits as a micro project with a request of €600." in micro
    assert "❌ Not possible" in state


async def test_ten_cents_over_80_percent_fit_with_the_amount_named(h: Harness) -> None:
    await start_check(h)
    await say(h, f"1.3.{TODAY.year + 2}")
    await say(h, "10.000")
    _, state = (await say(h, "8.000,10")).split("Project funding of the state council")
    assert "⚠️ Eligible with a change" in state and "at most €8,000" in state


async def test_a_town_asking_for_all_its_costs_is_told_the_office_confirms(h: Harness) -> None:
    await start_check(h, applicant="A town, municipality or county")
    await say(h, f"1.3.{TODAY.year + 2}")
    await say(h, "10.000")
    _, state = (await say(h, "10.000")).split("Project funding of the state council")
    assert "✅" not in state and "❔ Depends on an answer still open" in state
    assert "No share of the costs is published for your kind of applicant" in state
    assert "the council office confirms" in state


async def test_back_from_the_result_returns_to_the_last_question(h: Harness, db: Database) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=8)))
    await say(h, "1.000")
    await say(h, "800")
    await press(h, "« Back")
    assert "Question 7" in screen(h)["text"] and "How much funding" in screen(h)["text"]
    assert "Your answer so far: €800." in screen(h)["text"]
    result = await say(h, "600")
    assert "✅ Eligible as planned" in result.split("Project funding of the state council")[0]
    [stored] = await stored_checks(db)  # the same check, now with the new answer
    assert stored.answers["wanted"] == "600.00" and stored.micro == "eligible"
    await h.press(MEMBER, buttons(screen(h))["« Back"], language="en")  # not theirs
    assert "no longer valid" in h.answers()[-1]["text"]


async def test_back_from_a_result_stored_before_place_and_seat_were_asked_apart(h: Harness, db: Database) -> None:
    # A result of the old form ("area" for both) still on screen after an update: « Back goes to its
    # last question, and a new answer to where the project takes place counts.
    await h.send(APPLICANT, "/funding", language="en")
    async with db.begin() as session:
        check_id = await funding.start_check(session, APPLICANT, NOW)
        await funding.finish_check(session, check_id, {"applicant": "association", "area": "outside"}, None,
                                   "not_eligible", "not_eligible", NOW)
    await h.press(APPLICANT, f"chkb:{check_id}", language="en")
    assert "Where does the applicant have its seat" in screen(h)["text"]
    assert "● Outside Mecklenburg-Vorpommern" in buttons(screen(h))
    await press(h, "« Back")
    assert "Where does the project take place" in screen(h)["text"]
    assert "● Outside Mecklenburg-Vorpommern" in buttons(screen(h))
    await press(h, "In the Landkreis Rostock")
    assert "What is the project about?" in screen(h)["text"]


async def test_back_from_a_result_with_nothing_to_go_back_to_begins_anew_answering_once(
        h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/funding", language="en")
    async with db.begin() as session:
        check_id = await funding.start_check(session, APPLICANT, NOW)
        await funding.finish_check(session, check_id, {}, None, "unknown", "unknown", NOW)
    answered = len(h.answers())
    await h.press(APPLICANT, f"chkb:{check_id}", language="en")
    assert "Question 1" in screen(h)["text"] and "Who applies?" in screen(h)["text"]
    assert len(h.answers()) == answered + 1  # Telegram takes one answer to a press


@pytest.mark.parametrize(("typed", "start"), [
    ("1. März {year}", "1 March {year}"), ("1 March {year}", "1 March {year}"),
    ("{weekday}, 1 March {year}", None), ("März {year}", "1 March {year} (only the month was given)"),
])
async def test_starts_as_the_bot_writes_them(h: Harness, typed: str, start: str | None) -> None:
    year = TODAY.year + 2
    await start_check(h)
    reply = await say(h, typed.format(year=year, weekday=date(year, 3, 1).strftime("%A")))
    assert "total costs" in reply
    if start and "month" in start:
        assert f"Start: {start.format(year=year)}." in reply
        assert date(year, 3, 1).strftime("%A") not in reply  # no weekday for a day nobody chose


@pytest.mark.parametrize(("typed", "days"), [("heute", 0), ("Today", 0), ("morgen", 1), ("tomorrow", 1)])
async def test_a_start_today_or_tomorrow_is_taken_and_shown_as_the_day(h: Harness, typed: str, days: int) -> None:
    await start_check(h)
    reply = await say(h, typed)
    assert "total costs" in reply
    assert f"Start: {format_day(TODAY + timedelta(days=days), 'en')}." in reply


async def test_a_wrong_weekday_is_asked_about(h: Harness) -> None:
    await start_check(h)
    year = next(y for y in range(TODAY.year + 1, TODAY.year + 9) if date(y, 3, 1).weekday() != 4)
    assert "That day is" in await say(h, f"Friday, 1 March {year}")


async def test_examples_are_in_the_users_language(h: Harness) -> None:
    await start_check(h)
    assert f"1 March {TODAY.year + 1} or March {TODAY.year + 1}" in screen(h)["text"]
    assert "For example 1,500." in await say(h, numeric(TODAY + timedelta(weeks=8)))
    await h.send(APPLICANT + 1, "/check", language="de")
    for label in ("Ein Verein oder freier Träger", "Im Landkreis Rostock", "Kinder- und Jugendkriminalität", "Nein"):
        await h.press(APPLICANT + 1, buttons(screen(h, APPLICANT + 1))[label], language="de")
    assert f"1.3.{TODAY.year + 1} oder März {TODAY.year + 1}" in screen(h, APPLICANT + 1)["text"]
    await h.send(APPLICANT + 1, numeric(TODAY + timedelta(weeks=8)), language="de")
    assert "Zum Beispiel 1.500." in screen(h, APPLICANT + 1)["text"]


async def test_an_ambiguous_amount_is_refused_with_a_hint(h: Harness, db: Database) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=8)))
    assert "This could mean €1.50 or €1,500" in await say(h, "1,5")
    assert "How much funding" in await say(h, "ca. 1.500 €")
    await say(h, "600 EUR")
    [stored] = await stored_checks(db)
    assert (stored.answers["total"], stored.answers["wanted"]) == ("1500.00", "600.00")


@pytest.mark.parametrize(("typed", "answer"), [
    ("abc", "Please give the amount in euros"),
    ("1.2.3", "Please give the amount in euros"),
    ("1,5", "could mean"),
    ("-5", "must be more than 0"),
    ("0", "must be more than 0"),
    ("20000000", "more than 10 million euros"),
    ("x" * 5000, "Please give the amount in euros"),
])
async def test_bad_amounts_are_asked_again(h: Harness, typed: str, answer: str) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=8)))
    assert answer in await say(h, typed)
    assert "How much funding" in await say(h, "1.500,50 €")


async def test_an_amount_wanted_above_the_total_is_asked_again(h: Harness) -> None:
    await start_check(h)
    await say(h, numeric(TODAY + timedelta(weeks=8)))
    await say(h, "1.000")
    assert "cannot be more than the total costs (€1,000)" in await say(h, "1,500.50")
    assert "Your result" in await say(h, "400")


@pytest.mark.parametrize(("typed", "answer"), [
    ("31.02.2027", "does not exist"),
    ("gestern", "Please write the start like this"),
    ("1.1.2020", "lies in the past"),
    ("März 0000", "lies in the past"),
    ("1.1.2099", "more than ten years ahead"),
    ("y" * 3000, "Please write the start like this"),
])
async def test_bad_starts_are_asked_again(h: Harness, typed: str, answer: str) -> None:
    await start_check(h)
    assert answer in await say(h, typed)
    assert "total costs" in await say(h, f"März {TODAY.year + 1}")


async def test_typing_where_a_button_is_wanted_and_forged_buttons(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="en")
    assert "Please use the buttons" in await say(h, "Verein")
    await h.press(APPLICANT, "chk:applicant:dragon", language="en")

    assert "no longer valid" in h.answers()[-1]["text"]
    await h.press(APPLICANT, "chk:topic:youth", language="en")  # a question not asked now
    assert "earlier question" in h.answers()[-1]["text"]
    await h.press(APPLICANT, "chk:applicant:individual", language="en")
    assert "Question 2" in screen(h)["text"]


async def test_cancel_ends_the_check_and_nothing_is_left_waiting(h: Harness) -> None:
    await start_check(h)
    await press(h, "Cancel")
    assert "Start again any time with /check" in screen(h)["text"]
    assert "There is nothing to cancel" in await say(h, "/cancel")


async def test_the_outline_has_the_financing_plan_worked_out(h: Harness) -> None:
    await start_check(h)
    await say(h, f"März {TODAY.year + 2}")
    await say(h, "10.000")
    await say(h, "8000")
    await press(h, "Project outline (Word)")
    [sent] = h.request.sent(APPLICANT, "sendDocument")
    assert sent["document"]["filename"].endswith(".docx")
    document = docx.Document(io.BytesIO(sent["document"]["data"]))
    rows = [[cell.text.replace("\xa0", " ") for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Own share", "€2,000 (20 % of the total costs)"] in rows
    assert ["Target group", ""] in rows
    assert any("Eligible as planned" in paragraph.text and "✅" not in paragraph.text
               for paragraph in document.paragraphs)


async def test_result_buttons_belong_to_their_owner(h: Harness, db: Database) -> None:
    await start_check(h, begun="Yes")
    summary = buttons(screen(h))["Project outline (Word)"]
    await h.press(MEMBER, summary, language="en")
    assert "no longer valid" in h.answers()[-1]["text"]
    assert not h.request.sent(MEMBER, "sendDocument")


async def test_long_results_are_split_below_telegrams_limit() -> None:
    documents = [document.model_copy(update={"text": document.text.model_copy(update={"en": "Document " + "x" * 300})})
                 for document in CONTENT.lfk.documents] * 6
    content = CONTENT.model_copy(update={"programmes": {
        **CONTENT.programmes, "lfk": CONTENT.lfk.model_copy(update={"documents": documents})}})
    answers = Answers.stored({"applicant": "association", "area": "county", "topic": "youth", "begun": "no"})
    parts = result_text(translator("en"), content, check(answers, content, TODAY), answers, ZONE)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert sum(part.count("☐ Document") for part in parts) == len(documents)


# /ask


async def test_asking_from_a_result_with_consent_and_the_offices_reply(h: Harness, db: Database) -> None:
    await start_check(h, begun="Yes")
    await press(h, "Ask the council office")
    assert "May the council office see your answers" in screen(h)["text"]
    await press(h, "Yes, share them")
    assert "Write your question" in screen(h)["text"]
    assert "at least 5 characters" in await say(h, "Hm")
    assert "Send this question" in await say(h, "Können wir trotzdem etwas bekommen?")
    await press(h, "Send")
    assert "Sent." in screen(h)["text"]

    async with db.begin() as session:
        [question] = list(await session.scalars(select(Question)))
        [delivery] = list(await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.QUESTION)))
    assert question.status is QuestionStatus.OPEN and question.consent_at is not None
    assert question.shared_check["answers"]["begun"] == "yes"
    assert delivery.chat_id == COORD
    shown = await QuestionRenderer(LiveContent(CONTENT), ZONE)(_due(delivery), translator("en"))
    assert "Können wir trotzdem etwas bekommen?" in shown.text
    assert "Already begun: Yes" in shown.text and "❌ Not possible" in shown.text

    # The coordinator: /inbox, Reply, Done.
    await h.send(COORD, "/inbox", language="en")
    assert "1 question not done yet" in h.request.texts(COORD)[-2]
    await press(h, "Reply", COORD)
    await say(h, "Leider nicht, aber rufen Sie uns an.", COORD)
    await press(h, "Send", COORD)
    async with db.begin() as session:
        [reply] = list(await session.scalars(select(Reply)))
        [answer] = list(await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.REPLY)))
        assert (await session.get(Question, question.id)).status is QuestionStatus.ANSWERED
    assert reply.text == "Leider nicht, aber rufen Sie uns an." and answer.chat_id == APPLICANT
    shown = await QuestionRenderer(LiveContent(CONTENT), ZONE)(_due(answer), translator("de"))
    assert "Leider nicht" in shown.text and "Können wir trotzdem" in shown.text
    assert "Weitere Frage stellen" in buttons({"reply_markup": shown.markup})

    await h.send(COORD, "/inbox", language="en")
    assert "Answered; not marked done yet." in screen(h, COORD)["text"]
    await press(h, "Mark done", COORD)
    assert h.answers()[-1]["text"] == "Marked done."
    await h.send(COORD, "/inbox", language="en")
    assert "No open questions." in screen(h, COORD)["text"]


async def test_asking_without_sharing_sends_only_the_question(h: Harness, db: Database) -> None:
    await start_check(h, begun="Yes")
    await press(h, "Ask the council office")
    await press(h, "No, only my question")
    await say(h, "Wann kann ich anrufen?")
    await press(h, "Send")
    async with db.begin() as session:
        [question] = list(await session.scalars(select(Question)))
    assert question.shared_check is None and question.consent_at is None


async def test_ask_rejects_overlong_questions_and_only_coordinators_reply(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/ask", language="en")
    assert "keep it to 2000 characters" in await say(h, "x" * 2500)
    await say(h, "Gibt es Vordrucke?")
    await press(h, "Send")
    async with db.begin() as session:
        [question] = list(await session.scalars(select(Question)))
    await h.send(APPLICANT, "/inbox", language="en")
    assert "Only coordinators" in screen(h)["text"]
    await h.press(APPLICANT, f"qrep:{question.id}", language="en")
    await h.press(APPLICANT, f"qdone:{question.id}", language="en")
    async with db.begin() as session:
        assert (await session.get(Question, question.id)).status is QuestionStatus.OPEN
        assert not list(await session.scalars(select(Reply)))


async def test_a_question_done_meanwhile_gets_no_reply(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/ask", language="en")
    await say(h, "Gibt es Vordrucke?")
    await press(h, "Send")
    await h.send(COORD, "/inbox", language="en")
    reply, done = buttons(screen(h, COORD))["Reply"], buttons(screen(h, COORD))["Mark done"]
    await h.press(COORD, reply, language="en")
    await say(h, "Ja, auf der Website.", COORD)
    await h.press(COORD, done, language="en")  # another coordinator closes it first
    await press(h, "Send", COORD)
    assert "done already" in h.answers()[-1]["text"]
    async with db.begin() as session:
        assert not list(await session.scalars(select(Reply)))


# Free text and /stats


@pytest.mark.parametrize(("typed", "language", "expected"), [
    ("Bis wann muss ich den Antrag stellen?", "de", "31. Oktober des Vorjahres"),
    ("bis wann muss ich den antrag stelen", "de", "31. Oktober des Vorjahres"),
    ("how much can we get", "en", "up to €600"),
    ("Wie viel Geld gibt es?", "de", "bis 600\xa0€"),
    ("Wir sind eine GmbH, können wir einen Antrag stellen?", "de", "Unternehmen sind in keinem der beiden Programme"),
    ("wie hoch muss unser eigenanteil sein", "de", "Mindestens 20 % tragen Sie selbst"),
    ("Who can apply?", "en", "not companies"),
])
async def test_typed_questions_are_answered_from_the_faq_with_a_source(h: Harness, typed: str, language: str,
                                                                      expected: str) -> None:
    text = await say(h, typed, language=language)
    assert expected in text
    assert ("Quelle:" if language == "de" else "Source:") in text


async def test_unknown_questions_are_offered_the_council_office(h: Harness) -> None:
    assert "/ask" in await say(h, "Wo ist der nächste Bahnhof?", language="de")
    assert "did not find an answer" in await say(h, "asdf qwer", user_id=APPLICANT + 1, language="en")


async def test_two_close_faq_entries_are_offered_as_buttons(h: Harness) -> None:
    assert await say(h, "How much money, and by when?") == "Which of these would you like to know?"
    assert sorted(buttons(screen(h))) == ["How much can we get?", "Neither: ask the council office",
                                          "What is the deadline?"]
    await press(h, "What is the deadline?")
    answer = h.request.sent(APPLICANT, method="editMessageText")[-1]  # in place of the question which
    assert answer == screen(h) and "by 31 October of the year before" in answer["text"] and "Source:" in answer["text"]
    await say(h, "How much money, and by when?")
    await press(h, "Neither: ask the council office")
    assert "A question to the council office" in screen(h)["text"]


async def test_a_forged_faq_button_is_refused(h: Harness) -> None:
    await h.press(APPLICANT, "faq:nosuchentry", language="en")
    assert "no longer valid" in h.answers()[-1]["text"]


async def test_greetings_and_thanks_get_the_menu(h: Harness) -> None:
    greeting = await say(h, "Moin!", language="de")
    assert greeting.startswith("Hallo! Fragen Sie mich") and "keine Antwort" not in greeting
    assert "Förderung" in buttons(screen(h))  # the main menu
    assert (await say(h, "thanks a lot!", user_id=APPLICANT + 1)).startswith("You are welcome!")
    assert "Check my project" in buttons(screen(h, APPLICANT + 1))


async def test_faq_answers_follow_the_rules_of_the_content_file(db: Database, make_harness: MakeHarness,
                                                                tmp_path: Path) -> None:
    copy = tmp_path / "kpr.toml"
    shipped = DEFAULT_FILE.read_text(encoding="utf-8")
    copy.write_text(shipped.replace("ceiling = { value = 600,", "ceiling = { value = 800,")
                    .replace("deadline = { month = 10, day = 31,", "deadline = { month = 11, day = 15,"),
                    encoding="utf-8")
    h = await make_harness(db, content_file=copy)
    assert "up to €800 per project" in await say(h, "how much can we get")
    german = await say(h, "Wie viel Geld gibt es?", user_id=APPLICANT + 1, language="de")
    assert "bis 800\xa0€ je Projekt" in german and "600" not in german
    assert "bis zum 15. November des Vorjahres" in await say(h, "Bis wann muss der Antrag da sein?",
                                                            user_id=APPLICANT + 1, language="de")
    await h.send(APPLICANT, "/funding", language="en")
    await press(h, "How much")
    assert "Up to €800 per project." in screen(h)["text"]  # /funding says the same


async def test_stats_counts_only_for_coordinators(h: Harness) -> None:
    await start_check(h, begun="Yes")
    await h.send(APPLICANT, "/check", language="en")  # started, not finished
    await h.send(APPLICANT, "/ask", language="en")
    await say(h, "Gibt es Vordrucke?")
    await press(h, "Send")
    await h.send(COORD, "/stats", language="en")
    text = screen(h, COORD)["text"]
    assert "2 started, 1 finished" in text
    assert "❌ Not possible: 1" in text and "Child and youth crime: 1" in text
    assert "1 open, 0 answered, 0 done" in text
    assert str(APPLICANT) not in text
    await h.send(MEMBER, "/stats", language="en")
    assert "Only coordinators" in screen(h, MEMBER)["text"]


def _due(delivery: Delivery) -> DueRow:
    return DueRow(delivery_id=delivery.id, chat_id=delivery.chat_id, kind=delivery.kind, broadcast_id=None,
                  payload=delivery.payload, attempts=0, language=None)


async def test_inbox_cards_show_when_a_question_came_its_language_and_the_reply_sent(h: Harness) -> None:
    await h.send(APPLICANT, "/ask", language="de")
    await h.send(APPLICANT, "Gibt es Geld für ein Präventionstheater?", language="de")
    await press(h, "Senden", language="de")
    await h.deliver()
    notice = h.request.texts(COORD)[-1]  # the coordinator's copy, in their German
    assert "Eingegangen am " in notice and "Sprache: Deutsch" in notice
    await h.send(COORD, "/language", language="en")
    await press(h, "English", COORD)
    await press(h, "Inbox", COORD)  # the coordinators' main menu leads to it
    card = screen(h, COORD)["text"]
    received = NOW.astimezone(ZONE)
    assert f"Received {received:%A}, {received.day} {received:%B} {received.year}" in card
    assert "Language: German" in card and "Reply sent" not in card
    await press(h, "Reply", COORD)
    await say(h, "Ja, über den Mikroprojektefonds.", COORD)
    await press(h, "Send", COORD)
    await h.send(COORD, "/inbox", language="en")
    card = screen(h, COORD)["text"]
    assert "Reply sent " in card and "by Test:" in card and "Ja, über den Mikroprojektefonds." in card
