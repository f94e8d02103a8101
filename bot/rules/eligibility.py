"""The eligibility check, free of Telegram: from an applicant's answers (any of which may be "don't
know") and the rules in the content file, a verdict per programme with its reasons, each naming the
rule it rests on. The specification is "What the eligibility check must get right" in the funding
facts; the numbers in the comments below refer to its points."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from bot.content import Applicant, Area, Content, Document, Programme
from bot.i18n import N_
from bot.rules.dates import Due, MonthStart

OTHER_TOPIC, NO_TOPIC = "other", "none"  # the answers besides the council's topics
UNKNOWN = "unknown"  # "don't know", as stored
IN_STATE = frozenset({Area.COUNTY, Area.NEIGHBOUR, Area.STATE})


class Verdict(str, enum.Enum):
    ELIGIBLE = "eligible"  # ✅ as planned
    CHANGE = "change"  # ⚠️ fits with a change the result names (a smaller request, a later start)
    NOT_ELIGIBLE = "not_eligible"  # ❌ no change of amount or date helps
    DEPENDS = "depends"  # ❔ on what the applicant did not know (9)


class Weight(enum.IntEnum):
    OK = 0  # a rule the plan meets, named so that an eligible result says what it rests on (10)
    INFO = 1  # a fact the applicant should know (a deadline, a statement to obtain)
    CHANGE = 2  # a rule the plan meets once changed as the reason says
    DEPENDS = 3
    NO = 4


@dataclass(frozen=True)
class Reason:
    message: str  # a message id with {placeholders}, and the content file's names ({in_area})
    weight: Weight
    rule: str  # the rule it rests on: an attribute of the programme, for its source
    values: dict = field(default_factory=dict)  # dates, amounts and texts are formatted where shown


@dataclass(frozen=True)
class Answers:
    """What the applicant said; None is "don't know" or a question the flow did not ask (`asked`
    tells which)."""

    applicant: Applicant | None = None
    place: Area | None = None  # where the project takes place
    seat_in_state: bool | None = None  # whether the seat is in M-V: asked only where the place leaves it open
    topic: str | None = None  # a topic's key, OTHER_TOPIC or NO_TOPIC
    begun: bool | None = None
    start: date | None = None
    start_month_only: bool = False  # the start was given as a month and taken as its first day
    total: Decimal | None = None
    wanted: Decimal | None = None
    asked: frozenset[str] = frozenset()  # the questions answered, "don't know" included

    @classmethod
    def stored(cls, given: dict) -> Answers:
        """The answers as the conversation and the database keep them (JSON strings), also in the
        form of a check stored before seat and place were asked apart (current_form)."""
        given = current_form(given)

        def value(key: str) -> str | None:
            raw = given.get(key)
            return None if raw in (None, UNKNOWN) else raw

        start, total, wanted = value("start"), value("total"), value("wanted")
        place, seat, asked = value("place"), value("seat"), set(given) - {"start_month_only"}
        return cls(
            applicant=Applicant(value("applicant")) if value("applicant") else None,
            place=Area(place) if place else None,
            seat_in_state=None if seat is None else seat != Area.OUTSIDE.value,
            topic=value("topic"),
            begun={"yes": True, "no": False}.get(value("begun") or ""),
            start=date.fromisoformat(start) if start else None,
            start_month_only=bool(given.get("start_month_only")),
            total=Decimal(total) if total else None,
            wanted=Decimal(wanted) if wanted else None,
            asked=frozenset(asked),
        )

    @property
    def shown_start(self) -> date | MonthStart | None:
        return MonthStart(self.start) if self.start and self.start_month_only else self.start


def current_form(given: dict) -> dict:
    """Stored answers as the check asks today. A check stored before seat and place were asked apart
    has one "area" for both: it becomes the place, and the seat in or outside M-V as the area was.
    A check taken up again from such a result (« Back) goes on with these, or the old "area" would
    outweigh every new answer to the place."""
    if "area" not in given:
        return given
    area = given["area"]
    seat = area if area in (None, UNKNOWN, Area.OUTSIDE.value) else Area.STATE.value
    return {**{k: v for k, v in given.items() if k != "area"}, "place": area, "seat": seat}


@dataclass(frozen=True)
class Finding:
    programme: str  # "micro" or "lfk"
    verdict: Verdict
    reasons: list[Reason]  # those that decide the verdict, then the information
    documents: list[Document]
    largest: Decimal | None = None  # the most that fits the share of the costs (6)
    deadline: date | None = None  # the next date to apply by


@dataclass(frozen=True)
class Result:
    findings: dict[str, Finding]
    between: bool  # the amount lies between the micro ceiling and the state's minimum (7)

    @property
    def decided(self) -> bool:
        """Nothing the applicant could still say would change it: both programmes are ruled out."""
        return all(f.verdict is Verdict.NOT_ELIGIBLE for f in self.findings.values())


@dataclass(frozen=True)
class Plan:
    """What a finished check knows about the project, for what is made from it (the project outline,
    deadline reminders): None where it was not known or not asked."""

    topic: str | None
    start: date | None
    start_month_only: bool
    total: Decimal | None
    wanted: Decimal | None  # the amount requested (Zuwendung)
    programme: str | None  # the programme that fits best ("micro", "lfk"); None if none does, or it is open
    verdict: Verdict | None  # that programme's
    deadline: date | None  # to apply by for that programme (for ⚠️ after the change)
    documents: tuple[Document, ...]  # to prepare for it

    @property
    def own_share(self) -> Decimal | None:
        return self.total - self.wanted if self.total is not None and self.wanted is not None else None


_RANK = {Verdict.ELIGIBLE: 0, Verdict.CHANGE: 1, Verdict.DEPENDS: 2}


def plan(answers: Answers, result: Result) -> Plan:
    """The check's answers and its best programme: the ✅ one, else the ⚠️ one, else the ❔ one; none
    where two rank alike (which the applicant then settles with the office) or both are ❌."""
    ranked = sorted((f for f in result.findings.values() if f.verdict in _RANK), key=lambda f: _RANK[f.verdict])
    best = ranked[0] if ranked and (len(ranked) == 1 or _RANK[ranked[0].verdict] < _RANK[ranked[1].verdict]) \
        else None
    return Plan(topic=answers.topic, start=answers.start, start_month_only=answers.start_month_only,
                total=answers.total, wanted=answers.wanted, programme=best.programme if best else None,
                verdict=best.verdict if best else None, deadline=best.deadline if best else None,
                documents=tuple(best.documents) if best else ())


def check(answers: Answers, content: Content, today: date) -> Result:
    micro, lfk = _micro(answers, content, today), _lfk(answers, content, today)
    between = (answers.wanted is not None and content.micro.ceiling is not None and content.lfk.minimum is not None
               and content.micro.ceiling.value < answers.wanted < content.lfk.minimum.value)
    return Result({"micro": micro, "lfk": lfk}, between)


def _verdict(reasons: list[Reason]) -> Verdict:
    worst = max((r.weight for r in reasons), default=Weight.OK)
    return {Weight.NO: Verdict.NOT_ELIGIBLE, Weight.DEPENDS: Verdict.DEPENDS,
            Weight.CHANGE: Verdict.CHANGE}.get(worst, Verdict.ELIGIBLE)


# What each verdict shows, in this order: a ❌ only what excludes (a deadline is no reason there), a ❔
# what is open and what would need changing, a ⚠️ the change, a ✅ the rules it meets.
_SHOWN = {
    Verdict.NOT_ELIGIBLE: (Weight.NO,),
    Verdict.DEPENDS: (Weight.DEPENDS, Weight.CHANGE, Weight.INFO),
    Verdict.CHANGE: (Weight.CHANGE, Weight.INFO),
    Verdict.ELIGIBLE: (Weight.OK, Weight.INFO),
}


def _finding(name: str, reasons: list[Reason], programme: Programme, answers: Answers, **extra: object) -> Finding:
    verdict = _verdict(reasons)
    shown = [r for weight in _SHOWN[verdict] for r in reasons if r.weight is weight]
    documents = [] if verdict is Verdict.NOT_ELIGIBLE else \
        [d for d in programme.documents if d.applies_to(answers.applicant)]
    return Finding(name, verdict, shown, documents, **extra)  # type: ignore[arg-type]


def _common(answers: Answers, programme: Programme, reasons: list[Reason]) -> None:
    """What both programmes ask alike: not begun (1), not a company (4)."""
    if answers.begun is True:
        reasons.append(Reason(N_("The project has already begun: a project that began before funding was granted "
                                 "is not funded."), Weight.NO, "not_begun"))
    elif answers.begun is None:
        reasons.append(Reason(N_("Whether the project has begun: a project that began before funding was granted "
                                 "is not funded."), Weight.DEPENDS, "not_begun"))
    else:
        reasons.append(Reason(N_("The project has not begun yet."), Weight.OK, "not_begun"))
    if answers.applicant is Applicant.COMPANY:
        reasons.append(Reason(N_("Companies are not named among those who may apply."), Weight.NO, "applicants"))
    elif answers.applicant is None:
        reasons.append(Reason(N_("Who applies: not everyone may apply."), Weight.DEPENDS, "applicants"))
    elif answers.applicant not in programme.applicants.value:
        reasons.append(Reason(N_("The programme does not name this kind of applicant."), Weight.NO, "applicants"))
    else:
        reasons.append(Reason(N_("Your kind of applicant is named among those who may apply."), Weight.OK,
                              "applicants"))


def _topic(answers: Answers, programme: Programme, reasons: list[Reason], no: str, unknown: str) -> None:
    if answers.topic is None:
        reasons.append(Reason(unknown, Weight.DEPENDS, "topics"))
    elif answers.topic in programme.topics.value or (answers.topic != NO_TOPIC and OTHER_TOPIC in programme.topics.value):
        reasons.append(Reason(N_("The topic is one the programme funds."), Weight.OK, "topics"))
    else:
        reasons.append(Reason(no, Weight.NO, "topics"))


def _micro(answers: Answers, content: Content, today: date) -> Finding:
    programme, reasons = content.micro, []  # type: ignore[var-annotated]
    _common(answers, programme, reasons)
    if answers.place is Area.COUNTY:  # (3)
        reasons.append(Reason(N_("The project takes place {in_area}."), Weight.OK, "area"))
    elif answers.place is Area.NEIGHBOUR and content.neighbour is not None:
        neighbour = content.neighbour
        reasons.append(Reason(N_("Micro projects are only for projects {in_area}. Micro projects {in_place} are "
                                 "funded by {council}."), Weight.NO, "area",
                              {"in_place": neighbour.in_place, "council": neighbour.council}))
    elif answers.place is None:
        reasons.append(Reason(N_("Where the project takes place: micro projects are only for projects {in_area}."),
                              Weight.DEPENDS, "area"))
    else:
        reasons.append(Reason(N_("Micro projects are only for projects {in_area}; yours takes place elsewhere."),
                              Weight.NO, "area"))
    _topic(answers, programme, reasons,  # (5)
           N_("Micro projects must be on one of the prevention council's topics."),
           N_("The topic: micro projects must be on one of the prevention council's topics."))
    if programme.ceiling is not None:
        _ceiling(answers, programme.ceiling.value, content.lfk.minimum.value if content.lfk.minimum else None,
                 reasons)
    deadline = _lead_time(answers, programme, today, reasons)
    return _finding("micro", reasons, programme, answers, deadline=deadline)


def _ceiling(answers: Answers, ceiling: Decimal, state_minimum: Decimal | None, reasons: list[Reason]) -> None:
    values = {"wanted": answers.wanted, "ceiling": ceiling}
    if answers.wanted is None:
        reasons.append(Reason(N_("How much you want: micro projects get up to {ceiling}."), Weight.DEPENDS,
                              "ceiling", values))
    elif answers.wanted <= ceiling:
        reasons.append(Reason(N_("You want {wanted}; micro projects get up to {ceiling}."), Weight.OK, "ceiling",
                              values))
    elif state_minimum is not None and answers.wanted < state_minimum:
        # Too little for the state (7): asking for the ceiling is the way that is left.
        reasons.append(Reason(N_("You want {wanted}; micro projects get up to {ceiling}. It fits as a micro "
                                 "project with a request of {ceiling}."), Weight.CHANGE, "ceiling", values))
    else:
        reasons.append(Reason(N_("You want {wanted}; micro projects get up to {ceiling}."), Weight.NO, "ceiling",
                              values))


def _lead_time(answers: Answers, programme: Programme, today: date, reasons: list[Reason]) -> date | None:
    """Applying at least N weeks before the start (5); a start given as a month counts from its 1st."""
    if programme.lead_time_weeks is None:
        return None
    weeks = programme.lead_time_weeks.value
    if answers.start is None:
        reasons.append(Reason(N_("When the project starts: apply at least {weeks} weeks before."), Weight.DEPENDS,
                              "lead_time_weeks", {"weeks": weeks}))
        return None
    lead = timedelta(weeks=weeks)
    due = answers.start - lead
    if today > due:
        reasons.append(Reason(N_("For a start on {start}, the application was due by {deadline}, {weeks} weeks "
                                 "before. It fits with a start on {earliest} or later, if you apply today."),
                              Weight.CHANGE, "lead_time_weeks",
                              {"start": answers.shown_start, "deadline": due, "weeks": weeks,
                               "earliest": today + lead}))
        return today
    reasons.append(Reason(N_("Apply by {deadline}: at least {weeks} weeks before the start on {start}."),
                          Weight.INFO, "lead_time_weeks",
                          {"start": answers.shown_start, "deadline": Due(due, today), "weeks": weeks}))
    return due


def _in_state(answers: Answers, reasons: list[Reason]) -> None:
    """The seat or the project in M-V (2): one of them is enough."""
    if answers.place in IN_STATE:
        reasons.append(Reason(N_("The project takes place in Mecklenburg-Vorpommern."), Weight.OK, "area"))
    elif answers.seat_in_state is True:
        reasons.append(Reason(N_("Your seat is in Mecklenburg-Vorpommern."), Weight.OK, "area"))
    elif answers.place is Area.OUTSIDE and answers.seat_in_state is False:
        reasons.append(Reason(N_("The seat and the project are both outside Mecklenburg-Vorpommern; one of them "
                                 "must be in it."), Weight.NO, "area"))
    else:
        reasons.append(Reason(N_("Where your seat is or the project takes place: one of them must be in "
                                 "Mecklenburg-Vorpommern."), Weight.DEPENDS, "area"))


def _statement(answers: Answers, content: Content, reasons: list[Reason]) -> None:
    """Outside the council's own area, the statement comes from the council where the project runs;
    a council applying for itself needs none."""
    if answers.applicant is Applicant.COUNCIL:
        return
    if answers.place is Area.NEIGHBOUR and content.neighbour is not None:
        reasons.append(Reason(N_("For a project {in_place}, the application needs the statement of {council}."),
                              Weight.INFO, "area", {"in_place": content.neighbour.in_place,
                                                    "council": content.neighbour.council}))
    elif answers.place is Area.STATE:
        reasons.append(Reason(N_("A project that does not take place {in_area} needs for its application a "
                                 "statement of the prevention council of the county or city where it runs."),
                              Weight.INFO, "area"))


def _lfk(answers: Answers, content: Content, today: date) -> Finding:
    programme, reasons = content.lfk, []  # type: ignore[var-annotated]
    _common(answers, programme, reasons)
    _in_state(answers, reasons)
    _statement(answers, content, reasons)
    _topic(answers, programme, reasons,
           N_("The project is not about crime prevention: the state council funds projects that help prevent "
              "crime."),
           N_("The topic: the state council funds projects that help prevent crime."))
    largest = None
    council = answers.applicant is Applicant.COUNCIL
    if council:
        reasons.append(Reason(N_("A prevention council itself gets a fixed amount set by the population it serves."),
                              Weight.INFO, "applicants"))
    else:
        largest = _amounts(answers, programme, reasons)
    deadline = _state_deadline(answers, programme, today, reasons, council)
    return _finding("lfk", reasons, programme, answers, largest=largest, deadline=deadline)


def _amounts(answers: Answers, programme: Programme, reasons: list[Reason]) -> Decimal | None:
    """The minimum request and the share of the costs (6); returns the largest amount that fits."""
    minimum = programme.minimum.value if programme.minimum else None
    if minimum is not None:
        if answers.wanted is None:
            reasons.append(Reason(N_("How much you want: the state council funds requests from {minimum}."),
                                  Weight.DEPENDS, "minimum", {"minimum": minimum}))
        elif answers.wanted < minimum:
            reasons.append(Reason(N_("You want {wanted}; the request should as a rule not be below {minimum}."),
                                  Weight.NO, "minimum", {"wanted": answers.wanted, "minimum": minimum}))
        else:
            reasons.append(Reason(N_("You want {wanted}; requests should as a rule be at least {minimum}."),
                                  Weight.OK, "minimum", {"wanted": answers.wanted, "minimum": minimum}))
    share = programme.max_share
    if share is None:
        return None
    percent = int(share.value * 100)
    if share.applicants is not None and answers.applicant is not None and answers.applicant not in share.applicants:
        # Published for others only: asking for more than their share is for the office to confirm.
        if answers.total is not None and answers.wanted is not None and answers.wanted > answers.total * share.value:
            reasons.append(Reason(N_("No share of the costs is published for your kind of applicant. Whether "
                                     "{wanted} of {total} can be funded, more than the {percent} % published for "
                                     "others, the council office confirms."), Weight.DEPENDS, "max_share",
                                  {"wanted": answers.wanted, "total": answers.total, "percent": percent}))
        else:
            reasons.append(Reason(N_("No share of the costs is published for your kind of applicant: the council "
                                     "office confirms how much of the costs can be funded."), Weight.INFO,
                                  "max_share"))
        return None
    if answers.total is None:
        reasons.append(Reason(N_("The total costs: at most {percent} % of them are funded."), Weight.DEPENDS,
                              "max_share", {"percent": percent}))
        return None
    largest = (answers.total * share.value).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    values = {"wanted": answers.wanted, "percent": percent, "total": answers.total, "largest": largest,
              "own": answers.total - largest, "minimum": minimum}
    if answers.wanted is not None and answers.wanted > largest:
        if minimum is not None and largest < minimum:
            reasons.append(Reason(N_("With total costs of {total}, at most {largest} fits ({percent} %), less than "
                                     "the minimum of {minimum}."), Weight.NO, "max_share", values))
        else:
            reasons.append(Reason(N_("You want {wanted}, more than {percent} % of the total costs of {total}. It "
                                     "fits with a request of at most {largest} and an own share of {own}."),
                                  Weight.CHANGE, "max_share", values))
    elif answers.wanted is not None:
        reasons.append(Reason(N_("Your own share is {own} of {total}: at least {rest} % is needed."), Weight.OK,
                              "max_share", {"own": answers.total - answers.wanted, "total": answers.total,
                                            "rest": 100 - percent}))
    return largest


def _state_deadline(answers: Answers, programme: Programme, today: date, reasons: list[Reason],
                    council: bool) -> date | None:
    """The yearly deadline before the project's year (8): for its start, or the next one from today."""
    rule, name = (programme.council_deadline, "council_deadline") if council and programme.council_deadline else \
        (programme.deadline, "deadline")
    if rule is None:
        return None
    upcoming = rule.next_from(today)
    first_year = upcoming.year + rule.years_before  # the earliest project year one can still apply for
    if answers.start is None:
        reasons.append(Reason(N_("When the project starts: for projects starting in {year}, apply by {deadline}; "
                                 "for earlier ones the deadline has passed."), Weight.DEPENDS, name,
                              {"deadline": Due(upcoming, today), "year": first_year}))
        return upcoming
    due = rule.for_start(answers.start)
    if today <= due:
        reasons.append(Reason(N_("Apply by {deadline} for a project starting in {year}."), Weight.INFO, name,
                              {"deadline": Due(due, today), "year": answers.start.year}))
        return due
    reasons.append(Reason(N_("The deadline for projects starting in {year} ended on {deadline}. It fits with a "
                             "start in {next_year} or later: apply by {next}."), Weight.CHANGE, name,
                          {"year": answers.start.year, "deadline": due, "next": Due(upcoming, today),
                           "next_year": first_year}))
    return upcoming
