"""The editable content (content/kpr.toml): funding rules with their sources, contact details and the
FAQ, validated when it is loaded. A file with a mistake stops the start with the file, the line or
key, and what is wrong.

Texts name the rules' values as placeholders ("bis {micro.ceiling}"), so that a rule changed in one
place changes every text that states it; they are filled in the reader's language as /check and
/funding write money, shares and days."""
from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

import content as packaged
from bot.i18n import N_, Translator, translator
from bot.rules.dates import format_day_and_month, yearly_deadline_text
from bot.rules.money import format_money, format_percent, percent

DEFAULT_FILE = Path(packaged.__file__).parent / "kpr.toml"
LANGUAGES = ("de", "en")
# Anything in braces is a placeholder: one the content does not know is refused, not shown as it is.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KEY = r"^[a-z][a-z0-9_]{0,31}$"


class Problem(ValueError):
    """What is wrong with the content: a message marked for the translator and its values, so that the
    web console says it in its reader's language while `kpr-bot content check` prints it in English.
    `place` names where, when the check sees the whole content rather than one field."""

    def __init__(self, message: str, place: str = "", **values: object) -> None:
        self.message, self.place, self.values = message, place, values
        super().__init__(message.format(**values))


class ContentError(Exception):
    """The content cannot be used; str() names the file (or version), the place and what is wrong in
    English; `reason` says the place and what is wrong in a reader's language."""

    def __init__(self, origin: str, place: str, problem: Problem) -> None:
        self.origin, self.place, self.problem = origin, place, problem
        super().__init__(": ".join(part for part in (origin, place, str(problem)) if part))

    def reason(self, t: Translator) -> str:
        said = t(self.problem.message, **self.problem.values)
        return f"{' › '.join(t(word) for word in place_words(self.place))}: {said}" if self.place else said


# The content's fields as the web console names them, in its forms and in the reasons it refuses a change.
FIELD_NAMES = {
    "address": N_("Address"), "answer": N_("Answer"), "applicants": N_("Who may apply"), "area": N_("Area"),
    "assumption": N_("Assumption"), "authority": N_("Supervisory authority"), "ceiling": N_("Most per project"),
    "checked": N_("Checked on"), "concepts": N_("Key words"), "contact": N_("Contact"),
    "controller": N_("Responsible body"), "council": N_("Name of the council"),
    "council_deadline": N_("Deadline for a council's own application"), "day": N_("Day"), "de": N_("German"),
    "deadline": N_("Deadline"), "documents": N_("Documents"), "email": N_("Email"), "en": N_("English"),
    "faq": N_("Questions and answers"), "how_to_apply": N_("How to apply"),
    "in_area": N_("In the area (as in a sentence)"), "in_place": N_("In the place (as in a sentence)"),
    "key": N_("Key"), "lead_time_weeks": N_("Weeks of lead time"), "max_share": N_("Highest share of the costs"),
    "minimum": N_("Least per project"), "month": N_("Month"), "name": N_("Name"), "names": N_("Names in sentences"),
    "neighbour": N_("Neighbouring place"), "not_begun": N_("Not begun before the decision"),
    "not_for": N_("Not for"), "note": N_("Note"), "of_council": N_("Of the council (as in a sentence)"),
    "office": N_("Office"), "officer": N_("Data protection officer"), "only_for": N_("Only for"),
    "phone": N_("Phone"), "privacy": N_("Privacy"), "programmes": N_("Funding programmes"), "source": N_("Source"),
    "sources": N_("Sources"), "summary": N_("Summary"), "text": N_("Text"), "title": N_("Title"),
    "topics": N_("Topics"), "url": N_("Web address"), "value": N_("Value"), "web": N_("Website"),
    "years_before": N_("Years before"),
}


def place_words(place: str) -> list[str]:
    """A place ("faq[2].answer.de", "faq.2.answer.de") as a reader sees it: the fields' names for the
    translator, an entry of a list counted from 1, other keys (a topic's, a source's) as they are written."""
    return [str(int(part) + 1) if part.isdigit() else FIELD_NAMES.get(part, part)
            for part in re.split(r"[.\[\]]+", place) if part]


class Applicant(str, enum.Enum):
    ASSOCIATION = "association"  # Verein or independent organisation (freier Träger)
    INSTITUTION = "institution"  # institution, authority or school
    MUNICIPALITY = "municipality"  # town, municipality or county
    INDIVIDUAL = "individual"
    COMPANY = "company"
    COUNCIL = "council"  # a prevention council itself


class Area(str, enum.Enum):
    COUNTY = "county"  # in the council's own area (names.in_area)
    NEIGHBOUR = "neighbour"  # in the place the content file names as [neighbour]
    STATE = "state"  # elsewhere in Mecklenburg-Vorpommern
    OUTSIDE = "outside"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in both languages, as written: placeholders stay in `de` and `en` (an editor, or the
    file written back, keeps them) and are filled by `in_`."""

    de: str = Field(min_length=1)
    en: str = Field(min_length=1)
    # What the placeholders stand for, set by the Content the text belongs to.
    _values: PlaceholderValues | None = PrivateAttr(default=None)

    def use_values(self, values: PlaceholderValues) -> None:
        self._values = values

    def in_(self, language: str) -> str:
        text = self.de if language == "de" else self.en
        if self._values is None or "{" not in text:
            return text
        values = self._values.in_(language)
        return PLACEHOLDER.sub(lambda found: values.get(found[1], found[0]), text)


class PlaceholderValues:
    """The placeholders' values of one Content, formatted per language when first asked for: Babel's
    locale data is then loaded with the first answer, not at the start."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._by_language: dict[str, dict[str, str]] = {}

    def in_(self, language: str) -> Mapping[str, str]:
        if language not in self._by_language:
            self._by_language[language] = self._content.placeholder_values(language)
        return self._by_language[language]


class Source(_Strict):
    title: str = Field(min_length=3)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")


class Sourced(_Strict):
    """Every rule says where it was published and when that was last checked."""

    source: str
    checked: date
    assumption: bool = False  # not published for this county: the council office confirms it


class Money(Sourced):
    value: Decimal = Field(gt=0, le=10_000_000)


class Share(Sourced):
    value: Decimal = Field(gt=0, le=1)
    applicants: list[Applicant] | None = None  # whom it is published for (None: everyone)


class Weeks(Sourced):
    value: int = Field(ge=0, le=52)


class Flag(Sourced):
    value: bool


class Applicants(Sourced):
    value: list[Applicant] = Field(min_length=1)


class AreaRule(Sourced):
    value: Literal["county", "state"]  # where the seat or activity must be


class Topics(Sourced):
    value: list[str] = Field(min_length=1)  # keys of [topics], and "other" for any crime-prevention topic


class YearlyDeadline(Sourced):
    """ "31 October of the year before the project": month, day and how many years before."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    years_before: int = Field(ge=0, le=2)

    @model_validator(mode="after")
    def _real_day(self) -> YearlyDeadline:
        try:
            date(2027, self.month, self.day)  # raises for 31 April; 29 February is not allowed either
        except ValueError:
            raise Problem(N_("day {day} does not come in month {month} of every year"), day=self.day,
                          month=self.month) from None
        return self

    def for_start(self, start: date) -> date:
        """The deadline for a project starting on `start`."""
        return date(start.year - self.years_before, self.month, self.day)

    def next_from(self, today: date) -> date:
        """The next deadline on or after `today`."""
        upcoming = date(today.year, self.month, self.day)
        return upcoming if upcoming >= today else date(today.year + 1, self.month, self.day)


@dataclass(frozen=True)
class DeadlineWithYear:
    """What `{lfk.deadline_rule}` stands for: the deadline said with its year ("31 October of the
    year before"), so that a text follows a change of `years_before` too."""

    deadline: YearlyDeadline


class Document(_Strict):
    text: Text
    source: str
    only_for: list[Applicant] | None = None
    not_for: list[Applicant] | None = None

    def applies_to(self, applicant: Applicant | None) -> bool:
        if self.only_for is not None and applicant not in self.only_for:
            return applicant is None  # unknown applicant: shown, marked as "where relevant" by the text
        return not (self.not_for is not None and applicant in self.not_for)


class Programme(_Strict):
    name: Text
    summary: Text
    how_to_apply: Text
    applicants: Applicants
    area: AreaRule
    topics: Topics
    not_begun: Flag
    documents: list[Document] = Field(min_length=1)
    ceiling: Money | None = None  # the most a project gets
    minimum: Money | None = None  # the least that should be asked for
    max_share: Share | None = None  # of the total costs
    lead_time_weeks: Weeks | None = None  # apply at least this long before the start
    deadline: YearlyDeadline | None = None
    council_deadline: YearlyDeadline | None = None  # for a prevention council's own application


class Contact(Sourced):
    office: Text
    address: str = Field(min_length=3)
    web: str = Field(pattern=r"^https?://\S+$")
    email: str = ""
    phone: str = ""


class Names(_Strict):
    """How the bot's sentences name the council and its area: German needs the case and the
    preposition, so the content file gives the phrase as it stands in a sentence."""

    of_council: Text  # "des Kommunalen Präventionsrates des Landkreises Rostock (KPR)": "I am the bot {of_council}."
    in_area: Text  # "im Landkreis Rostock": "Micro projects are only for projects {in_area}."

    def words(self, language: str) -> dict[str, str]:
        """The placeholders texts may use, in `language`."""
        return {"of_council": self.of_council.in_(language), "in_area": self.in_area.in_(language)}


class Neighbour(Sourced):
    """A place people take for part of the council's area that is not (the Hansestadt Rostock, a
    county-free city amid the Landkreis Rostock), with a prevention council of its own: /check offers
    it as an answer of its own, since its projects are not the council's micro projects and their
    state applications need its council's statement."""

    in_place: Text  # "in der Hansestadt Rostock": "The project is {in_place}."
    council: Text  # "der Kriminalpräventive Rat der Hansestadt Rostock"
    note: Text  # why it is an answer of its own, shown with the question


class Privacy(_Strict):
    """Who answers for the data the bot keeps (GDPR Art. 13): shown by /privacy."""

    controller: Text  # the responsible body
    address: str = Field(min_length=3)
    officer: Text  # its data protection officer (Art. 37), and how to reach them
    email: str = ""  # the data protection officer's
    authority: Text  # the supervisory authority for complaints, as a name on a line of its own


class Concepts(_Strict):
    """Words and phrases that stand for what an entry is about, per language: synonyms ("Firma",
    "Unternehmen", "GmbH") and key concepts ("bis wann", "eigene Mittel"). A question with one of them
    leans towards the entry more than one sharing a common word of its phrasings."""

    de: list[str] = []
    en: list[str] = []


class FaqEntry(_Strict):
    key: str = Field(pattern=KEY)  # names the entry in buttons and evaluations
    de: list[str] = Field(min_length=1)  # how people ask, in German
    en: list[str] = Field(min_length=1)
    concepts: Concepts = Concepts()
    answer: Text
    source: str


class Content(_Strict):
    council: Text
    names: Names
    neighbour: Neighbour | None = None
    contact: Contact
    sources: dict[str, Source]
    topics: dict[str, Text] = Field(min_length=1)
    programmes: dict[Literal["micro", "lfk"], Programme]
    privacy: Privacy
    faq: list[FaqEntry] = []

    @model_validator(mode="after")
    def _references(self) -> Content:
        if set(self.programmes) != {"micro", "lfk"}:
            raise Problem(N_("both [programmes.micro] and [programmes.lfk] are needed"), "programmes")
        for place, source in self._sources_used():
            if source not in self.sources:
                raise Problem(N_("source {source} is not under [sources]"), place, source=repr(source))
        for key, programme in self.programmes.items():
            unknown = [t for t in programme.topics.value if t != "other" and t not in self.topics]
            if unknown:
                raise Problem(N_("{topic} is not under [topics]"), f"programmes.{key}.topics", topic=repr(unknown[0]))
        keys = [entry.key for entry in self.faq]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise Problem(N_("the key {key} is used twice"), "faq", key=repr(twice[0]))
        return self

    @model_validator(mode="after")
    def _placeholders(self) -> Content:
        known = self.placeholders()
        values = PlaceholderValues(self)
        for place, text in self.texts():
            for language in LANGUAGES:
                for name in PLACEHOLDER.findall(getattr(text, language)):
                    if name not in known:
                        raise Problem(N_("unknown placeholder {name}; known are {known}"), f"{place}.{language}",
                                      name=f"{{{name}}}", known=", ".join(f"{{{other}}}" for other in known))
            text.use_values(values)
        return self

    def placeholders(self) -> dict[str, Sourced | Decimal | DeadlineWithYear | Text | str]:
        """The names texts can use, and what each stands for: the rules that are figures (a deadline
        also with its year, as `{…_rule}`), the share applicants carry themselves, and the contact details."""
        found: dict[str, Sourced | Decimal | DeadlineWithYear | Text | str] = {}
        for key, programme in self.programmes.items():
            for name in type(programme).model_fields:
                rule = getattr(programme, name)
                if isinstance(rule, Money | Share | Weeks | YearlyDeadline):
                    found[f"{key}.{name}"] = rule
                if isinstance(rule, YearlyDeadline):
                    found[f"{key}.{name}_rule"] = DeadlineWithYear(rule)
            if programme.max_share is not None:
                found[f"{key}.own_share"] = Decimal(1) - programme.max_share.value
        found.update({"contact.office": self.contact.office, "contact.address": self.contact.address,
                      "contact.web": self.contact.web})
        return found

    def placeholder_values(self, language: str) -> dict[str, str]:
        """What each placeholder stands for in `language`: "micro.ceiling" -> "600 €"."""
        return {name: _shown(value, language) for name, value in self.placeholders().items()}

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every text of the content with its place ("faq[2].answer")."""
        def walk(place: str, value: object) -> Iterator[tuple[str, Text]]:
            if isinstance(value, Text):
                yield place, value
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    yield from walk(f"{place}.{name}" if place else name, getattr(value, name))
            elif isinstance(value, dict):
                for key, item in value.items():
                    yield from walk(f"{place}.{key}", item)
            elif isinstance(value, list):
                for n, item in enumerate(value):
                    yield from walk(f"{place}[{n}]", item)
        yield from walk("", self)

    def written_figures(self) -> list[str]:
        """Texts that write out a rule's value instead of naming it ("600 €" while micro.ceiling is
        600): they would go on saying it after the rule changes."""
        patterns = {name: _written(rule) for name, rule in self.placeholders().items()
                    if isinstance(rule, Money | Share | Weeks | YearlyDeadline | Decimal)}
        # A deadline's day with its year written out ("{lfk.deadline} des Vorjahres") would not follow years_before.
        years = {name: re.compile(rf"\{{{re.escape(name)}\}}\s+(?:{_YEAR_WORDS})", re.IGNORECASE)
                 for name, rule in self.placeholders().items() if isinstance(rule, YearlyDeadline)}
        found = []
        for place, text in self.texts():
            for language in LANGUAGES:
                for name, pattern in patterns.items():
                    written = pattern.search(getattr(text, language))
                    if written:
                        found.append(f"{place}.{language}: “{written[0].strip()}” is the value of {{{name}}}; "
                                     f"write {{{name}}} so that the text follows the rule")
                for name, pattern in years.items():
                    written = pattern.search(getattr(text, language))
                    if written:
                        found.append(f"{place}.{language}: “{written[0]}” writes out the year of {{{name}}}; "
                                     f"write {{{name}_rule}} so that the text follows the rule")
        return found

    def _sources_used(self):  # type: ignore[no-untyped-def]
        yield "contact", self.contact.source
        if self.neighbour is not None:
            yield "neighbour", self.neighbour.source
        for key, programme in self.programmes.items():
            for name in type(programme).model_fields:
                rule = getattr(programme, name)
                if isinstance(rule, Sourced):
                    yield f"programmes.{key}.{name}", rule.source
            for n, document in enumerate(programme.documents):
                yield f"programmes.{key}.documents[{n}]", document.source
        for n, entry in enumerate(self.faq):
            yield f"faq[{n}]", entry.source

    @property
    def micro(self) -> Programme:
        return self.programmes["micro"]

    @property
    def lfk(self) -> Programme:
        return self.programmes["lfk"]


def _shown(value: Sourced | Decimal | DeadlineWithYear | Text | str, language: str) -> str:
    """A placeholder's value as /check and /funding write it."""
    if isinstance(value, DeadlineWithYear):
        rule = value.deadline
        return yearly_deadline_text(translator(language), rule.month, rule.day, rule.years_before)
    if isinstance(value, Money):
        return format_money(value.value, language)
    if isinstance(value, Share | Decimal):
        return format_percent(value.value if isinstance(value, Share) else value)
    if isinstance(value, Weeks):
        return str(value.value)
    if isinstance(value, YearlyDeadline):
        return format_day_and_month(value.month, value.day, language)
    if isinstance(value, Text):
        return value.de if language == "de" else value.en  # contact details hold no placeholders
    assert isinstance(value, str)
    return value


# How a text may say which year a deadline lies in, after its day and month.
_YEAR_WORDS = (r"(?:des|im)\s+(?:Vorjahr(?:es|s)?|vorigen\s+Jahr(?:es|s)?|vorletzten\s+Jahr(?:es|s)?|Vorvorjahr(?:es|s)?)"
               r"|(?:of\s+|in\s+)?the\s+(?:year\s+before|previous\s+year|preceding\s+year)")
_NUMBER_WORDS = {1: "eine|ein|one", 2: "zwei|two", 3: "drei|three", 4: "vier|four", 5: "fünf|five", 6: "sechs|six",
                 7: "sieben|seven", 8: "acht|eight", 9: "neun|nine", 10: "zehn|ten", 11: "elf|eleven",
                 12: "zwölf|twelve"}


def _written(rule: Sourced | Decimal) -> re.Pattern[str]:
    """How a rule's value may have been written out in a text, in either language."""
    if isinstance(rule, Money):
        whole = int(rule.value)
        number = "|".join(re.escape(f"{whole:,}".replace(",", sep)) for sep in (".", ",", " ", "\xa0", ""))
        number = rf"(?:{number})(?:[.,]00|,-)?"
        return re.compile(rf"(?<![\d.,])(?:€\s*{number}(?![\d.,]\d)|{number}\s*(?:€|EUR\b|Euro\b))", re.IGNORECASE)
    if isinstance(rule, Share | Decimal):
        share = percent(rule.value if isinstance(rule, Share) else rule)
        return re.compile(rf"(?<![\d.,]){share}\s*(?:%|Prozent\b|per\s?cent\b)", re.IGNORECASE)
    if isinstance(rule, Weeks):
        words = _NUMBER_WORDS.get(rule.value)
        number = rf"{rule.value}|{words}" if words else str(rule.value)
        return re.compile(rf"(?<![\d.,])\b(?:{number})\s+(?:Wochen|weeks?)\b", re.IGNORECASE)
    assert isinstance(rule, YearlyDeadline)
    names = "|".join(re.escape(format_day_and_month(rule.month, rule.day, language).split()[-1])
                     for language in LANGUAGES)
    return re.compile(rf"(?<![\d.])(?:{rule.day}\.?\s*(?:{names})|(?:{names})\s+{rule.day}\b|{rule.day}\.\s*0?"
                      rf"{rule.month}\.)", re.IGNORECASE)


def load(path: Path | None = None) -> Content:
    """Reads and checks the content file; raises ContentError naming the file and the place."""
    path = path or DEFAULT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(str(path), "", Problem(N_("the file does not exist"))) from None
    return parse(text, str(path))


def parse(text: str, origin: str) -> Content:
    """Checks content given as TOML text (a file's, or a version saved in the web console); raises
    ContentError naming `origin`, the place and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message names line and column.
        raise ContentError(origin, "", Problem(N_("this is not valid TOML: {error}"), error=str(error))) from None
    try:
        return Content.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        problem = _problem(first)
        where = problem.place or ".".join(str(part) for part in first["loc"])
        raise ContentError(origin, where, problem) from None


# Pydantic's checks of single fields, said for the council office (pydantic's messages are English only).
_NUMBER = N_("must be a number")
_FIELD_PROBLEMS = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("this field is not known here; please check its name"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of these: {expected}"),
    "enum": N_("must be one of these: {expected}"),
    "int_parsing": _NUMBER, "int_type": _NUMBER, "int_from_float": N_("must be a whole number"),
    "float_parsing": _NUMBER, "float_type": _NUMBER, "decimal_parsing": _NUMBER, "decimal_type": _NUMBER,
    "bool_parsing": N_("must be true or false"), "bool_type": N_("must be true or false"),
    "date_parsing": N_("must be a date (YYYY-MM-DD)"), "date_type": N_("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("must be a date (YYYY-MM-DD)"),
    "string_type": N_("must be a text"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a table"), "model_type": N_("must be a table"),
}


def _problem(error: Mapping[str, object]) -> Problem:
    """What pydantic found, as a Problem: the content's own checks raise one; its field checks are said here."""
    ctx = error.get("ctx") or {}
    assert isinstance(ctx, Mapping)
    if isinstance(ctx.get("error"), Problem):
        return ctx["error"]
    kind = error["type"]
    if kind == "string_too_short" or kind == "too_short":
        if ctx.get("min_length") == 1:
            return Problem(N_("must not be empty"))
        return Problem(N_("is too short: at least {min_length} characters"), min_length=ctx.get("min_length"))
    if kind == "string_pattern_mismatch":
        if str(ctx.get("pattern", "")).startswith("^https?://"):
            return Problem(N_("must be a web address beginning with https:// or http://"))
        if ctx.get("pattern") == KEY:
            return Problem(N_("must begin with a small letter and hold only small letters, digits and _ "
                              "(at most 32 characters)"))
        return Problem(N_("must have this form: {pattern}"), pattern=ctx.get("pattern"))
    if kind in _FIELD_PROBLEMS:
        return Problem(_FIELD_PROBLEMS[str(kind)], **{name: ctx[name] for name in ctx if name != "error"})
    return Problem(N_("is not valid: {detail}"), detail=str(error["msg"]).removeprefix("Value error, "))
