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

OTHER_TOPIC, NO_TOPIC = "other", "none"  # the answers besides the council's topics
UNKNOWN = "unknown"  # "don't know", as stored


class Verdict(str, enum.Enum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    DEPENDS = "depends"  # on what the applicant did not know (9)


class Weight(enum.IntEnum):
    OK = 0  # a rule the plan meets, named so that an eligible result says what it rests on (10)
    INFO = 1  # a fact the applicant should know (a deadline, a statement to obtain)
    DEPENDS = 2
    NO = 3


# A "no" for these reasons can be mended by changing the plan (another amount, a later start): the
# documents are still worth preparing. The others (begun, outside, who applies, the topic) cannot.
CHANGEABLE = frozenset({"ceiling", "minimum", "max_share", "lead_time_weeks", "deadline", "council_deadline"})


@dataclass(frozen=True)
class Reason:
    message: str  # a message id with {placeholders}, and the content file's names ({in_area})
    weight: Weight
    rule: str  # the rule it rests on: an attribute of the programme, for its source
    values: dict = field(default_factory=dict)  # dates and amounts are formatted where shown


@dataclass(frozen=True)
class Answers:
    """What the applicant said; None is "don't know" (or a question the flow skipped)."""

    applicant: Applicant | None = None
    area: Area | None = None
    topic: str | None = None  # a topic's key, OTHER_TOPIC or NO_TOPIC
    begun: bool | None = None
    start: date | None = None
    start_month_only: bool = False
    total: Decimal | None = None
    wanted: Decimal | None = None

    @classmethod
    def stored(cls, given: dict) -> Answers:
        """The answers as the conversation and the database keep them (JSON strings)."""

        def value(key: str) -> str | None:
            raw = given.get(key)
            return None if raw in (None, UNKNOWN) else raw

        start, total, wanted = value("start"), value("total"), value("wanted")
        return cls(
            applicant=Applicant(value("applicant")) if value("applicant") else None,
            area=Area(value("area")) if value("area") else None,
            topic=value("topic"),
            begun={"yes": True, "no": False}.get(value("begun") or ""),
            start=date.fromisoformat(start) if start else None,
            start_month_only=bool(given.get("start_month_only")),
            total=Decimal(total) if total else None,
            wanted=Decimal(wanted) if wanted else None,
        )


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


def check(answers: Answers, content: Content, today: date) -> Result:
    micro, lfk = _micro(answers, content.micro, today), _lfk(answers, content.lfk, today)
    between = (answers.wanted is not None and content.micro.ceiling is not None and content.lfk.minimum is not None
               and content.micro.ceiling.value < answers.wanted < content.lfk.minimum.value)
    return Result({"micro": micro, "lfk": lfk}, between)


def _verdict(reasons: list[Reason]) -> Verdict:
    worst = max((r.weight for r in reasons), default=Weight.OK)
    return {Weight.NO: Verdict.NOT_ELIGIBLE, Weight.DEPENDS: Verdict.DEPENDS}.get(worst, Verdict.ELIGIBLE)


def _finding(name: str, reasons: list[Reason], programme: Programme, answers: Answers, **extra: object) -> Finding:
    """The verdict with what decides it first (for an eligible plan: the rules it meets), then the
    information; the documents where preparing them makes sense."""
    verdict = _verdict(reasons)
    deciding = {Verdict.NOT_ELIGIBLE: Weight.NO, Verdict.DEPENDS: Weight.DEPENDS, Verdict.ELIGIBLE: Weight.OK}[verdict]
    shown = [r for r in reasons if r.weight is deciding] + [r for r in reasons if r.weight is Weight.INFO]
    changeable = all(r.rule in CHANGEABLE for r in reasons if r.weight is Weight.NO)
    documents = [d for d in programme.documents if d.applies_to(answers.applicant)] if changeable else []
    return Finding(name, verdict, shown, documents, **extra)  # type: ignore[arg-type]


def _common(answers: Answers, programme: Programme, reasons: list[Reason]) -> None:
    """What both programmes ask alike: not begun (1), in M-V (2), not a company (4)."""
    if answers.begun is True:
        reasons.append(Reason(N_("The project has already begun: a project that began before funding was granted "
                                 "is not funded."), Weight.NO, "not_begun"))
    elif answers.begun is None:
        reasons.append(Reason(N_("Whether the project has begun: a project that began before funding was granted "
                                 "is not funded."), Weight.DEPENDS, "not_begun"))
    else:
        reasons.append(Reason(N_("The project has not begun yet."), Weight.OK, "not_begun"))
    if answers.area is Area.OUTSIDE:
        reasons.append(Reason(N_("The seat and the area of activity are outside Mecklenburg-Vorpommern."), Weight.NO,
                              "area"))
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


def _micro(answers: Answers, programme: Programme, today: date) -> Finding:
    reasons: list[Reason] = []
    _common(answers, programme, reasons)
    if answers.area is Area.STATE:  # (3)
        reasons.append(Reason(N_("Micro projects are only for projects {in_area}; yours is elsewhere in "
                                 "Mecklenburg-Vorpommern."), Weight.NO, "area"))
    elif answers.area is None:
        reasons.append(Reason(N_("Where the project is: micro projects are only for projects {in_area}."),
                              Weight.DEPENDS, "area"))
    elif answers.area is Area.COUNTY:
        reasons.append(Reason(N_("The project is {in_area}."), Weight.OK, "area"))
    _topic(answers, programme, reasons,  # (5)
           N_("Micro projects must be on one of the prevention council's topics."),
           N_("The topic: micro projects must be on one of the prevention council's topics."))
    if programme.ceiling is not None:
        ceiling = programme.ceiling.value
        if answers.wanted is None:
            reasons.append(Reason(N_("How much you want: micro projects get up to {ceiling}."), Weight.DEPENDS,
                                  "ceiling", {"ceiling": ceiling}))
        elif answers.wanted > ceiling:
            reasons.append(Reason(N_("You want {wanted}; micro projects get up to {ceiling}."), Weight.NO, "ceiling",
                                  {"wanted": answers.wanted, "ceiling": ceiling}))
        else:
            reasons.append(Reason(N_("You want {wanted}; micro projects get up to {ceiling}."), Weight.OK, "ceiling",
                                  {"wanted": answers.wanted, "ceiling": ceiling}))
    deadline = _lead_time(answers, programme, today, reasons)
    return _finding("micro", reasons, programme, answers, deadline=deadline)


def _lead_time(answers: Answers, programme: Programme, today: date, reasons: list[Reason]) -> date | None:
    """Applying at least N weeks before the start (5). A start given as a month may be any day of it:
    too late for all of them is a no, too late for some depends on the day."""
    if programme.lead_time_weeks is None:
        return None
    weeks = programme.lead_time_weeks.value
    if answers.start is None:
        reasons.append(Reason(N_("When the project starts: apply at least {weeks} weeks before."), Weight.DEPENDS,
                              "lead_time_weeks", {"weeks": weeks}))
        return None
    first, last = answers.start, answers.start
    if answers.start_month_only:
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    lead = timedelta(weeks=weeks)
    if today > last - lead:
        reasons.append(Reason(N_("For a start on {start}, the application was due by {deadline}, {weeks} weeks "
                                 "before; it is too late for that start."), Weight.NO, "lead_time_weeks",
                              {"start": last, "deadline": last - lead, "weeks": weeks}))
        return None
    if today > first - lead:
        earliest = today + lead
        reasons.append(Reason(N_("It depends on the day in the month: applying today, the project can start on "
                                 "{earliest} at the earliest ({weeks} weeks later)."), Weight.DEPENDS,
                              "lead_time_weeks", {"earliest": earliest, "weeks": weeks}))
        return today
    reasons.append(Reason(N_("Apply by {deadline}: at least {weeks} weeks before the start on {start}."),
                          Weight.INFO, "lead_time_weeks", {"start": first, "deadline": first - lead, "weeks": weeks}))
    return first - lead


def _lfk(answers: Answers, programme: Programme, today: date) -> Finding:
    reasons: list[Reason] = []
    _common(answers, programme, reasons)
    council = answers.applicant is Applicant.COUNCIL
    if answers.area is Area.STATE:  # (3)
        reasons.append(Reason(N_("The project is in Mecklenburg-Vorpommern."), Weight.OK, "area"))
        if not council:  # a council applying for itself needs no statement of one
            reasons.append(Reason(N_("A project that does not take place {in_area} needs for its application a "
                                     "statement of the prevention council of the county or city where it runs."),
                                  Weight.INFO, "area"))
    elif answers.area is Area.COUNTY:
        reasons.append(Reason(N_("The project is in Mecklenburg-Vorpommern."), Weight.OK, "area"))
    elif answers.area is None:
        reasons.append(Reason(N_("Where the seat or the area of activity is: it must be in "
                                 "Mecklenburg-Vorpommern."), Weight.DEPENDS, "area"))
    _topic(answers, programme, reasons,
           N_("The project is not about crime prevention: the state council funds projects that help prevent "
              "crime."),
           N_("The topic: the state council funds projects that help prevent crime."))
    largest = None
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
    if share.applicants is not None and answers.applicant is not None and answers.applicant not in share.applicants:
        reasons.append(Reason(N_("The share of the costs is published for organisations, institutions and "
                                 "individuals; for yours the council office advises."), Weight.INFO, "max_share"))
        return None
    percent = int(share.value * 100)
    if answers.total is None:
        reasons.append(Reason(N_("The total costs: at most {percent} % of them are funded."), Weight.DEPENDS,
                              "max_share", {"percent": percent}))
        return None
    largest = (answers.total * share.value).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if answers.wanted is not None and answers.wanted > largest:
        reasons.append(Reason(N_("You want {wanted}, more than {percent} % of the total costs of {total}: at most "
                                 "{largest} would fit, with an own share of {own}."), Weight.NO, "max_share",
                              {"wanted": answers.wanted, "percent": percent, "total": answers.total,
                               "largest": largest, "own": answers.total - largest}))
        if minimum is not None and largest < minimum:
            reasons.append(Reason(N_("With these total costs, the most that fits is below the minimum of {minimum}."),
                                  Weight.NO, "minimum", {"minimum": minimum}))
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
                              {"deadline": upcoming, "year": first_year}))
        return upcoming
    due = rule.for_start(answers.start)
    if today <= due:
        reasons.append(Reason(N_("Apply by {deadline} for a project starting in {year}."), Weight.INFO, name,
                              {"deadline": due, "year": answers.start.year}))
        return due
    reasons.append(Reason(N_("The deadline for projects starting in {year} ended on {deadline}. The next ends on "
                             "{next}, for projects starting in {next_year}."), Weight.NO, name,
                          {"year": answers.start.year, "deadline": due, "next": upcoming, "next_year": first_year}))
    return upcoming
