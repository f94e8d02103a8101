"""How rules, their sources and the check's answers read in words, free of Telegram: used in messages
(with markup added there) and in the project outline."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.content import Applicant, Area, Content, Sourced, Text
from bot.i18n import N_, Translator
from bot.rules.dates import Due, MonthStart, due_text, format_datetime
from bot.rules.eligibility import Answers, Finding, Reason, Verdict
from bot.rules.money import format_money, percent

APPLICANT_NAMES = {
    Applicant.ASSOCIATION: N_("An association or independent organisation"),
    Applicant.INSTITUTION: N_("An institution, authority or school"),
    Applicant.MUNICIPALITY: N_("A town, municipality or county"),
    Applicant.INDIVIDUAL: N_("An individual"),
    Applicant.COMPANY: N_("A company"),
    Applicant.COUNCIL: N_("A prevention council itself"),
}
# The council's own area and its neighbour are named by the content file (area_name).
AREA_NAMES = {
    Area.STATE: N_("Elsewhere in Mecklenburg-Vorpommern"),
    Area.OUTSIDE: N_("Outside Mecklenburg-Vorpommern"),
}
SEAT_NAMES = {True: N_("In Mecklenburg-Vorpommern"), False: N_("Outside Mecklenburg-Vorpommern")}
DISCLAIMER = N_("This is a first, non-binding assessment. The funding body decides; the council office will gladly "
                "help.")
VERDICTS = {
    Verdict.ELIGIBLE: N_("✅ Eligible as planned"),
    Verdict.CHANGE: N_("⚠️ Eligible with a change"),
    Verdict.NOT_ELIGIBLE: N_("❌ Not possible"),
    Verdict.DEPENDS: N_("❔ Depends on an answer still open"),
}


def areas(content: Content) -> list[Area]:
    """The answers to "where does the project take place?": the neighbour only where the content file
    names one."""
    return [area for area in Area if area is not Area.NEIGHBOUR or content.neighbour is not None]


def area_name(t: Translator, content: Content, area: Area) -> str:
    """An answer to "where": the council's own area and its neighbour as the content file names them."""
    if area in (Area.COUNTY, Area.NEIGHBOUR):
        phrase = (content.names.in_area if area is Area.COUNTY else content.neighbour.in_place).in_(t.language)  # type: ignore[union-attr]
        return phrase[:1].upper() + phrase[1:]
    return t(AREA_NAMES[area])


def day(value: date, language: str, zone: ZoneInfo) -> str:
    return format_datetime(datetime.combine(value, time(12), tzinfo=zone), zone, language, date_only=True)


def month_start_text(t: Translator, start: MonthStart) -> str:
    """ "1 March 2028 (only the month was given)": no weekday for a day nobody chose."""
    return t("{day} (only the month was given)",
             day=format_date(start.day, "d. MMMM y" if t.language == "de" else "d MMMM y", locale=t.language))


def start_text(t: Translator, answers: Answers, zone: ZoneInfo) -> str:
    """The start as taken: a day with its weekday, or the first day of the month given."""
    start = answers.shown_start
    assert start is not None
    return month_start_text(t, start) if isinstance(start, MonthStart) else day(start, t.language, zone)


def shown(value: object, t: Translator, zone: ZoneInfo) -> str:
    """A value in a rule's message as people read it: money, days, deadlines, texts, numbers."""
    if isinstance(value, Decimal):
        return format_money(value, t.language)
    if isinstance(value, Due):
        return due_text(t, value)
    if isinstance(value, MonthStart):
        return month_start_text(t, value)
    if isinstance(value, date):
        return day(value, t.language, zone)
    if isinstance(value, Text):
        return value.in_(t.language)
    return str(value)


@lru_cache(maxsize=256)
def _checked(day: date, language: str) -> str:
    # Every result cites its sources with these few dates; Babel takes longer than the rest of a line.
    return format_date(day, "d.M.y" if language == "de" else "d MMM y", locale=language)


def source_text(t: Translator, content: Content, rule: Sourced) -> str:
    """Where a rule was published and when it was last checked; an assumption says who confirms it."""
    source = content.sources[rule.source]
    line = t("Source: {title} (checked {date})", title=source.title, date=_checked(rule.checked, t.language))
    if rule.assumption:
        line += " – " + t("not published {in_area} yet: the council office confirms it",
                            in_area=content.names.in_area.in_(t.language))
    return line


def reason_text(t: Translator, content: Content, programme: str, reason: Reason, zone: ZoneInfo) -> tuple[str, str]:
    """The reason in words, and the source of the rule it rests on."""
    rule = getattr(content.programmes[programme], reason.rule)
    values = {k: shown(v, t, zone) for k, v in reason.values.items()}
    return (t(reason.message, **content.names.words(t.language), **values),
            source_text(t, content, rule))


def answer_lines(t: Translator, content: Content, answers: Answers, zone: ZoneInfo) -> list[tuple[str, str]]:
    """The check's answers as (question, answer) in words: "don't know" where it was not known; a
    question the check did not ask is left out."""
    unknown = t("don't know")
    topic = (content.topics[answers.topic].in_(t.language) if answers.topic in content.topics else
             {"other": t("Another crime-prevention topic"), "none": t("None of these")}.get(answers.topic or "", unknown))
    lines = [
        ("applicant", t("Who applies"), t(APPLICANT_NAMES[answers.applicant]) if answers.applicant else unknown),
        ("place", t("Where the project takes place"), area_name(t, content, answers.place) if answers.place else unknown),
        ("seat", t("Seat"), t(SEAT_NAMES[answers.seat_in_state]) if answers.seat_in_state is not None else unknown),
        ("topic", t("Topic"), topic),
        ("begun", t("Already begun"), {True: t("Yes"), False: t("No")}.get(answers.begun, unknown)),  # type: ignore[arg-type]
        ("start", t("Start"), start_text(t, answers, zone) if answers.start else unknown),
        ("total", t("Total costs"), format_money(answers.total, t.language) if answers.total is not None else unknown),
        ("wanted", t("Amount wanted"),
         format_money(answers.wanted, t.language) if answers.wanted is not None else unknown),
    ]
    return [(label, value) for key, label, value in lines if key in answers.asked]


def documents_heading(finding: Finding) -> str:
    """The message id above a finding's documents (a ❌ has none)."""
    return N_("To prepare, with the change above:") if finding.verdict is Verdict.CHANGE else N_("To prepare:")


def largest_text(t: Translator, content: Content, finding: Finding) -> str:
    """The most the share of the costs allows (finding.largest is set only where the share rule applies)."""
    share = content.programmes[finding.programme].max_share
    assert finding.largest is not None and share is not None
    return t("At most {amount}: {percent} % of the total costs.", amount=format_money(finding.largest, t.language),
             percent=percent(share.value))
