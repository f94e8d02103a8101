"""The eligibility check with a fixed "today", point by point of "What the eligibility check must get
right", around 31 October and the four-week lead time; and the typed amounts and starts."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.content import Applicant, Area, load
from bot.i18n import translator
from bot.rules.dates import DateProblem, MonthStart, parse_start
from bot.rules.eligibility import NO_TOPIC, OTHER_TOPIC, Answers, Verdict, Weight, check, plan
from bot.rules.money import AmountProblem, format_money, parse_amount

CONTENT = load()
TODAY = date(2026, 11, 22)
E, C, N, D = Verdict.ELIGIBLE, Verdict.CHANGE, Verdict.NOT_ELIGIBLE, Verdict.DEPENDS
# A project that fits the micro programme; each row below changes what it needs to.
MICRO = dict(applicant=Applicant.ASSOCIATION, place=Area.COUNTY, topic="youth", begun=False,
             start=date(2027, 3, 1), total=Decimal(800), wanted=Decimal(500))
# The state deadline for 2027 projects was 31 October 2026, before TODAY: a state project starts in 2028.
STATE = dict(MICRO, total=Decimal(10_000), wanted=Decimal(8_000), start=date(2028, 3, 1))


def verdicts(today: date = TODAY, **answers: object) -> tuple[Verdict, Verdict]:
    result = check(Answers(**answers), CONTENT, today)  # type: ignore[arg-type]
    return result.findings["micro"].verdict, result.findings["lfk"].verdict


def messages(programme: str, today: date = TODAY, **answers: object) -> list[str]:
    return [r.message for r in check(Answers(**answers), CONTENT, today).findings[programme].reasons]  # type: ignore[arg-type]


@pytest.mark.parametrize(("point", "answers", "expected"), [
    # 1. already begun: neither
    (1, dict(MICRO, begun=True), (N, N)),
    (1, dict(STATE, begun=True), (N, N)),
    # 2. seat and project outside M-V: neither; one of the two in M-V is enough for the state
    (2, dict(MICRO, place=Area.OUTSIDE, seat_in_state=False), (N, N)),
    (2, dict(STATE, place=Area.OUTSIDE, seat_in_state=True), (N, E)),
    (2, dict(STATE, place=Area.COUNTY, seat_in_state=False), (N, E)),  # Hamburg, in Güstrow
    (2, dict(STATE, place=Area.OUTSIDE), (N, D)),  # the seat not known
    # 3. in M-V, not in the county: not micro; the state may fund it
    (3, dict(STATE, place=Area.STATE), (N, E)),
    (3, dict(STATE, place=Area.NEIGHBOUR), (N, E)),  # the Hansestadt Rostock is not in the county
    # 4. a company: neither
    (4, dict(STATE, applicant=Applicant.COMPANY), (N, N)),
    # 5. up to the ceiling, in the county, a topic, four weeks ahead: micro (and too little for the state)
    (5, MICRO, (E, N)),
    (5, dict(MICRO, topic=OTHER_TOPIC), (N, N)),
    (5, dict(MICRO, wanted=Decimal(600)), (E, N)),
    # 6. from 1,000 at most 80 % of the costs: the state
    (6, STATE, (N, E)),
    (6, dict(STATE, wanted=Decimal("8000.10")), (N, C)),  # 10 cents over 80 %: fits with 8,000
    (6, dict(STATE, wanted=Decimal(5_000), total=Decimal(5_000)), (N, C)),
    (6, dict(STATE, wanted=Decimal(1_000), total=Decimal(1_250)), (N, E)),
    # 7. between the ceiling and 1,000: neither as asked, a micro project with the ceiling
    (7, dict(MICRO, wanted=Decimal(750), total=Decimal(2_000)), (C, N)),
    (7, dict(MICRO, wanted=Decimal(800), total=Decimal(800), place=Area.STATE), (N, N)),
    # 9. "don't know" everywhere: both depend on it
    (9, {}, (D, D)),
    (9, dict(STATE, total=None), (N, D)),
    (9, dict(MICRO, place=None), (D, N)),
    (9, dict(STATE, place=None), (N, D)),
    # another crime-prevention topic: the state, not micro; none of these: neither
    (0, dict(STATE, topic=OTHER_TOPIC), (N, E)),
    (0, dict(STATE, topic=NO_TOPIC), (N, N)),
    # individuals and towns: not named for micro, named for the state
    (0, dict(STATE, applicant=Applicant.INDIVIDUAL), (N, E)),
    (0, dict(MICRO, applicant=Applicant.MUNICIPALITY), (N, N)),
])
def test_points_of_the_specification(point: int, answers: dict, expected: tuple[Verdict, Verdict]) -> None:
    assert verdicts(**answers) == expected, f"point {point}"


def test_point_6_says_the_largest_amount_that_fits() -> None:
    finding = check(Answers(**dict(STATE, wanted=Decimal(9_000))), CONTENT, TODAY).findings["lfk"]
    assert finding.largest == Decimal(8_000)
    reason = next(r for r in finding.reasons if r.rule == "max_share")
    assert finding.verdict is C and reason.weight is Weight.CHANGE
    assert reason.values["largest"] == Decimal(8_000) and reason.values["own"] == Decimal(2_000)
    # 880 € would fit the share, but is below the minimum: no change of the request helps.
    small = check(Answers(**dict(STATE, wanted=Decimal(1_000), total=Decimal(1_100))), CONTENT, TODAY).findings["lfk"]
    assert small.verdict is N and [r.rule for r in small.reasons] == ["max_share"]


def test_costs_of_5000_asking_5000_fit_with_4000() -> None:
    finding = check(Answers(**dict(STATE, total=Decimal(5_000), wanted=Decimal(5_000))), CONTENT, TODAY).findings["lfk"]
    [change] = [r for r in finding.reasons if r.weight is Weight.CHANGE]
    assert finding.verdict is C and change.values["largest"] == Decimal(4_000) and finding.largest == Decimal(4_000)
    assert finding.documents  # worth preparing: the change is the applicant's to make


def test_800_euros_fit_as_a_micro_project_with_600() -> None:
    result = check(Answers(**dict(MICRO, total=Decimal(800), wanted=Decimal(800))), CONTENT, TODAY)
    micro = result.findings["micro"]
    [change] = [r for r in micro.reasons if r.weight is Weight.CHANGE]
    assert micro.verdict is C and change.rule == "ceiling" and change.values["ceiling"] == Decimal(600)
    assert result.findings["lfk"].verdict is N and result.between


def test_a_no_gives_only_the_reasons_that_exclude() -> None:
    # Begun, and a start whose deadline passed: the deadline is no reason under ❌, nor a list to prepare.
    finding = check(Answers(**dict(STATE, begun=True, start=date(2026, 12, 15))), CONTENT, TODAY).findings["lfk"]
    assert finding.verdict is N and [r.rule for r in finding.reasons] == ["not_begun"]
    assert all(r.weight is Weight.NO for r in finding.reasons) and finding.documents == []
    micro = check(Answers(**dict(MICRO, place=Area.STATE)), CONTENT, TODAY).findings["micro"]
    assert [r.rule for r in micro.reasons] == ["area"]


def test_a_project_in_the_neighbouring_city_points_to_its_council() -> None:
    [micro] = check(Answers(**dict(MICRO, place=Area.NEIGHBOUR)), CONTENT, TODAY).findings["micro"].reasons
    result = check(Answers(**dict(STATE, place=Area.NEIGHBOUR)), CONTENT, TODAY)
    assert result.findings["lfk"].verdict is E
    assert micro.values["council"].de == "der Kriminalpräventive Rat der Hansestadt Rostock"
    statement = [r for r in result.findings["lfk"].reasons if "statement" in r.message]
    assert [r.values["council"].en for r in statement] == [
        "the crime prevention council of the Hanseatic City of Rostock"]
    # In the county itself no other council's statement is asked for.
    home = check(Answers(**STATE), CONTENT, TODAY)
    assert not [r for r in home.findings["lfk"].reasons if "statement" in r.message]


def test_a_start_too_soon_fits_with_a_later_one_and_every_question_still_matters() -> None:
    # 15.12.2026, seen on 6.12.2026: too soon for both, but a later start mends both; so the check goes
    # on to the amounts instead of ending.
    result = check(Answers(**dict(MICRO, start=date(2026, 12, 15), total=None, wanted=None)), CONTENT,
                   date(2026, 12, 6))
    assert not result.decided
    micro = next(r for r in result.findings["micro"].reasons if r.rule == "lead_time_weeks")
    assert micro.weight is Weight.CHANGE and micro.values["earliest"] == date(2027, 1, 3)
    lfk = next(r for r in result.findings["lfk"].reasons if r.rule == "deadline")
    assert lfk.weight is Weight.CHANGE and lfk.values["next"].day == date(2027, 10, 31)


def test_plan_holds_what_the_check_knows_for_the_outline_and_reminders() -> None:
    answers = Answers(**dict(STATE, wanted=Decimal(9_000)))
    known = plan(answers, check(answers, CONTENT, TODAY))
    assert (known.programme, known.verdict, known.deadline) == ("lfk", C, date(2027, 10, 31))
    assert (known.total, known.wanted, known.own_share, known.topic) == (Decimal(10_000), Decimal(9_000),
                                                                       Decimal(1_000), "youth")
    assert known.documents and known.start == date(2028, 3, 1)
    nothing = plan(Answers(begun=True), check(Answers(begun=True), CONTENT, TODAY))
    assert nothing.programme is None and nothing.documents == ()


def test_point_7_flags_amounts_between_the_programmes() -> None:
    assert check(Answers(wanted=Decimal(750)), CONTENT, TODAY).between
    assert not check(Answers(wanted=Decimal(600)), CONTENT, TODAY).between
    assert not check(Answers(wanted=Decimal(1_000)), CONTENT, TODAY).between


@pytest.mark.parametrize(("today", "start", "lfk", "deadline"), [
    # 8. 31 October of the year before: on the day still in time, the day after too late
    (date(2026, 10, 31), date(2027, 3, 1), E, date(2026, 10, 31)),
    (date(2026, 11, 1), date(2027, 3, 1), C, date(2027, 10, 31)),
    (date(2026, 11, 1), date(2028, 1, 1), E, date(2027, 10, 31)),
])
def test_point_8_the_state_deadline(today: date, start: date, lfk: Verdict, deadline: date) -> None:
    finding = check(Answers(**dict(STATE, start=start)), CONTENT, today).findings["lfk"]
    assert finding.verdict is lfk and finding.deadline == deadline


def test_point_8_without_a_start_the_next_deadline_from_today() -> None:
    before = check(Answers(**dict(STATE, start=None)), CONTENT, date(2026, 10, 1)).findings["lfk"]
    after = check(Answers(**dict(STATE, start=None)), CONTENT, date(2026, 11, 1)).findings["lfk"]
    assert before.deadline == date(2026, 10, 31) and after.deadline == date(2027, 10, 31)
    # Without a start it depends on the project's year: the result says for which year one can still apply.
    reason = next(r for r in after.reasons if r.rule == "deadline")
    assert after.verdict is D and reason.weight is Weight.DEPENDS and reason.values["year"] == 2028


def test_point_8_a_start_later_this_year_points_to_a_deadline_still_ahead() -> None:
    # On 22 November, a start in December: its deadline (31 October last year) is long gone, and so is
    # this year's; the next one is 31 October 2027, for projects in 2028.
    finding = check(Answers(**dict(STATE, start=date(2026, 12, 15))), CONTENT, TODAY).findings["lfk"]
    reason = next(r for r in finding.reasons if r.rule == "deadline")
    assert finding.verdict is C and finding.deadline == date(2027, 10, 31)
    assert (reason.values["deadline"], reason.values["next"].day, reason.values["next_year"]) == (
        date(2025, 10, 31), date(2027, 10, 31), 2028)
    assert finding.documents  # a later start mends it: the documents are worth preparing


@pytest.mark.parametrize(("start", "micro"), [
    (date(2026, 12, 20), E),  # exactly four weeks after today
    (date(2026, 12, 19), C),  # a day short: fits with a start a day later
])
def test_point_5_the_four_week_lead_time(start: date, micro: Verdict) -> None:
    finding = check(Answers(**dict(MICRO, start=start)), CONTENT, TODAY).findings["micro"]
    assert finding.verdict is micro
    if micro is E:
        assert finding.deadline == date(2026, 11, 22)


@pytest.mark.parametrize(("month", "micro"), [
    (date(2026, 12, 1), C),  # December, taken as its 1st: too soon; from the 20th on it would fit
    (date(2027, 1, 1), E),
])
def test_point_5_a_month_counts_from_its_first_day(month: date, micro: Verdict) -> None:
    finding = check(Answers(**dict(MICRO, start=month, start_month_only=True)), CONTENT, TODAY).findings["micro"]
    reason = next(r for r in finding.reasons if r.rule == "lead_time_weeks")
    assert finding.verdict is micro and reason.values["start"] == MonthStart(month)
    if micro is C:
        assert reason.values["earliest"] == date(2026, 12, 20)


def test_the_share_rule_only_where_it_is_published() -> None:
    # 80 % is published for organisations, institutions and individuals; a town asking for all its costs
    # is neither turned down nor told yes: the office confirms it.
    town = check(Answers(**dict(STATE, applicant=Applicant.MUNICIPALITY, wanted=Decimal(10_000))), CONTENT,
                 TODAY).findings["lfk"]
    assert town.verdict is D and town.largest is None
    assert [r.weight for r in town.reasons if r.rule == "max_share"] == [Weight.DEPENDS]
    modest = check(Answers(**dict(STATE, applicant=Applicant.MUNICIPALITY)), CONTENT, TODAY).findings["lfk"]
    assert modest.verdict is E
    assert [r.message for r in modest.reasons if r.rule == "max_share"] == [(
        "No share of the costs is published for your kind of applicant: the council office confirms how much of "
        "the costs can be funded.")]


def test_a_council_elsewhere_needs_no_statement_of_a_council() -> None:
    council = check(Answers(**dict(STATE, applicant=Applicant.COUNCIL, place=Area.STATE)), CONTENT, TODAY)
    assert not any("statement" in r.message for r in council.findings["lfk"].reasons)
    other = check(Answers(**dict(STATE, place=Area.STATE)), CONTENT, TODAY)
    assert any("statement" in r.message for r in other.findings["lfk"].reasons)


def test_a_prevention_council_has_its_own_deadline_and_no_share_rule() -> None:
    finding = check(Answers(**dict(STATE, applicant=Applicant.COUNCIL, wanted=Decimal(9_900), start=date(2027, 3, 1))),
                    CONTENT, date(2026, 9, 1)).findings["lfk"]
    assert finding.verdict is E and finding.deadline == date(2026, 9, 30)
    assert not any(r.rule in ("max_share", "minimum") for r in finding.reasons)


def test_point_9_says_what_the_result_depends_on() -> None:
    finding = check(Answers(**dict(MICRO, start=None, topic=None)), CONTENT, TODAY).findings["micro"]
    assert finding.verdict is D and {r.rule for r in finding.reasons} >= {"lead_time_weeks", "topics"}


def test_point_10_documents_fit_the_applicant() -> None:
    association = check(Answers(**STATE), CONTENT, TODAY).findings["lfk"]
    council = check(Answers(**dict(STATE, applicant=Applicant.COUNCIL)), CONTENT, TODAY).findings["lfk"]
    assert any("Vereinsregister" in d.text.de for d in association.documents)
    assert not any("Vereinsregister" in d.text.de for d in council.documents)
    assert not any("Stellungnahme" in d.text.de for d in council.documents)
    # Nothing to prepare where no change of plan helps: a company, a project already begun.
    company = check(Answers(**dict(STATE, applicant=Applicant.COMPANY)), CONTENT, TODAY)
    assert [f.documents for f in company.findings.values()] == [[], []]


def test_point_10_an_eligible_result_names_the_rules_it_rests_on() -> None:
    micro = check(Answers(**MICRO), CONTENT, TODAY).findings["micro"]
    assert micro.verdict is E
    assert {r.rule for r in micro.reasons} == {"not_begun", "applicants", "area", "topics", "ceiling",
                                                 "lead_time_weeks"}
    # The ceiling is an assumption for the county: its rule is among those named, so the bot says so.
    assert CONTENT.micro.ceiling.assumption and CONTENT.micro.lead_time_weeks.assumption


def test_point_4_says_why_a_company_cannot_apply() -> None:
    assert "Companies are not named among those who may apply." in messages("lfk", **dict(STATE, applicant=Applicant.COMPANY))
    assert "Companies are not named among those who may apply." in messages("micro", **dict(MICRO, applicant=Applicant.COMPANY))


@pytest.mark.parametrize(("text", "amount"), [
    ("1500", "1500.00"), ("1.500", "1500.00"), ("1.500,50 €", "1500.50"), ("1,500.50", "1500.50"),
    ("EUR 250", "250.00"), ("0,99", "0.99"), ("10.000.000", "10000000.00"), ("1 500", "1500.00"),
    ("1'500,50", "1500.50"), ("1,50", "1.50"), ("1.000.000,00", "1000000.00"),
    # as people write amounts: "about", the currency before or after, ",-"
    ("ca. 1.500 €", "1500.00"), ("ca 800", "800.00"), ("1.500 EUR", "1500.00"), ("€ 1.500,-", "1500.00"),
    ("rund 2000 Euro", "2000.00"), ("about €1,500", "1500.00")])
def test_amounts(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(("text", "problem"), [
    ("abc", "as a number"), ("-50", "more than 0"), ("- 50 €", "more than 0"), ("0", "more than 0"),
    ("10.000.001", "10 million"), ("", "as a number"), ("€", "as a number"), ("1.2.3", "as a number"),
    ("12.34.567", "as a number"), ("0,001", "as a number"), ("0,00001", "as a number"), ("1.500.50", "as a number"),
    ("0,00", "more than 0"),
    # one decimal digit: 1,50 € or 1.500 €? Asked, not guessed.
    ("1,5", "could mean"), ("1.5", "could mean"), ("ca. 2,5 €", "could mean"), ("1500,5", "two digits"),
    ("1'500,5", "two digits")])
def test_bad_amounts(text: str, problem: str) -> None:
    with pytest.raises(AmountProblem, match=problem):
        parse_amount(text)


def test_an_ambiguous_amount_names_both_readings_in_the_readers_language() -> None:
    with pytest.raises(AmountProblem) as problem:
        parse_amount("1,5")
    assert problem.value.text(translator("en")) == "This could mean €1.50 or €1,500. Please write the amount in full."
    assert "1,50\xa0€ oder 1.500\xa0€" in problem.value.text(translator("de"))


def test_money_in_both_languages() -> None:
    assert format_money(Decimal(1500), "de") == "1.500\xa0€" and format_money(Decimal("1500.5"), "en") == "€1,500.50"


@pytest.mark.parametrize(("text", "expected"), [
    ("1.3.2027", (date(2027, 3, 1), False)), ("01.03.27", (date(2027, 3, 1), False)),
    ("März 2027", (date(2027, 3, 1), True)), ("March 2027", (date(2027, 3, 1), True)),
    ("November 2026", (date(2026, 11, 22), True)),  # this month: from today on
    # as the bot writes a day, with or without its weekday
    ("1. März 2028", (date(2028, 3, 1), False)), ("1 March 2028", (date(2028, 3, 1), False)),
    ("Mittwoch, 1. März 2028", (date(2028, 3, 1), False)), ("Wednesday, 1 March 2028", (date(2028, 3, 1), False)),
    ("March 1, 2028", (date(2028, 3, 1), False)), ("1st March 2028", (date(2028, 3, 1), False)),
    ("1.März 2028", (date(2028, 3, 1), False)),
    # a near start as people say it
    ("heute", (TODAY, False)), ("Today", (TODAY, False)), ("morgen", (date(2026, 11, 23), False)),
    (" Tomorrow. ", (date(2026, 11, 23), False))])
def test_starts(text: str, expected: tuple) -> None:
    assert parse_start(text, TODAY) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("31.02.2027", "does not exist"), ("1.1.2026", "in the past"), ("Oktober 2026", "in the past"),
    ("bald", "like this"), ("Brumaire 2027", "like this"), ("März 0000", "in the past"),
    ("00.00.0000", "does not exist"), ("1.1.2040", "ten years"), ("März 9999", "ten years"),
    ("31. April 2028", "does not exist"), ("1. Brumaire 2028", "like this"),
    ("Freitag, 1. März 2028", "That day is"), ("Blursday, 1 March 2028", "like this")])
def test_bad_starts(text: str, problem: str) -> None:
    with pytest.raises(DateProblem, match=problem):
        parse_start(text, TODAY)
