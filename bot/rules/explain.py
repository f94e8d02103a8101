"""How rules, their sources and the check's answers read in words, free of Telegram: used in messages
(with markup added there) and in the summary file."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.content import Applicant, Area, Content, Sourced
from bot.i18n import N_, Translator
from bot.rules.dates import format_datetime
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
AREA_NAMES = {
    Area.COUNTY: N_("In the Landkreis Rostock"),
    Area.STATE: N_("Elsewhere in Mecklenburg-Vorpommern"),
    Area.OUTSIDE: N_("Outside Mecklenburg-Vorpommern"),
}
DISCLAIMER = N_("This is a first, non-binding assessment. The funding body decides; the council office will gladly "
                "help.")
VERDICTS = {
    Verdict.ELIGIBLE: N_("✅ Eligible as planned"),
    Verdict.NOT_ELIGIBLE: N_("❌ Not eligible as planned"),
    Verdict.DEPENDS: N_("❔ Depends on what you did not know"),
}


def day(value: date, language: str, zone: ZoneInfo) -> str:
    return format_datetime(datetime.combine(value, time(12), tzinfo=zone), zone, language, date_only=True)


def start_text(answers: Answers, language: str, zone: ZoneInfo) -> str:
    """The start as given: a day with its weekday, or a month ("März 2027")."""
    assert answers.start is not None
    if answers.start_month_only:
        return format_date(answers.start, "LLLL y", locale=language)
    return day(answers.start, language, zone)


def shown(value: object, t: Translator, zone: ZoneInfo) -> str:
    """A value in a rule's message as people read it: money, days, numbers."""
    if isinstance(value, Decimal):
        return format_money(value, t.language)
    if isinstance(value, date):
        return day(value, t.language, zone)
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
        line += " – " + t("not published for the Landkreis Rostock yet: the council office confirms it")
    return line


def reason_text(t: Translator, content: Content, programme: str, reason: Reason, zone: ZoneInfo) -> tuple[str, str]:
    """The reason in words, and the source of the rule it rests on."""
    rule = getattr(content.programmes[programme], reason.rule)
    return (t(reason.message, **{k: shown(v, t, zone) for k, v in reason.values.items()}),
            source_text(t, content, rule))


def answer_lines(t: Translator, content: Content, answers: Answers, zone: ZoneInfo) -> list[tuple[str, str]]:
    """The check's answers as (question, answer) in words; "don't know" for what was not known or not asked."""
    unknown = t("don't know")
    topic = (content.topics[answers.topic].in_(t.language) if answers.topic in content.topics else
             {"other": t("Another crime-prevention topic"), "none": t("None of these")}.get(answers.topic or "", unknown))
    return [
        (t("Who applies"), t(APPLICANT_NAMES[answers.applicant]) if answers.applicant else unknown),
        (t("Seat and area of activity"), t(AREA_NAMES[answers.area]) if answers.area else unknown),
        (t("Topic"), topic),
        (t("Already begun"), {True: t("Yes"), False: t("No")}.get(answers.begun, unknown)),  # type: ignore[arg-type]
        (t("Start"), start_text(answers, t.language, zone) if answers.start else unknown),
        (t("Total costs"), format_money(answers.total, t.language) if answers.total is not None else unknown),
        (t("Amount wanted"), format_money(answers.wanted, t.language) if answers.wanted is not None else unknown),
    ]


def documents_heading(finding: Finding) -> str:
    """The message id above a finding's documents: a plan that does not fit yet can be changed."""
    return N_("To prepare:") if finding.verdict is not Verdict.NOT_ELIGIBLE else N_("To prepare if you change the plan:")


def largest_text(t: Translator, content: Content, finding: Finding) -> str:
    """The most the share of the costs allows (finding.largest is set only where the share rule applies)."""
    share = content.programmes[finding.programme].max_share
    assert finding.largest is not None and share is not None
    return t("At most {amount}: {percent} % of the total costs.", amount=format_money(finding.largest, t.language),
             percent=percent(share.value))
