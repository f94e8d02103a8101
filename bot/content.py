"""The editable content (content/kpr.toml): funding rules with their sources, contact details and the
FAQ, validated when it is loaded. A file with a mistake stops the start with the file, the line or
key, and what is wrong."""
from __future__ import annotations

import enum
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import content as packaged

DEFAULT_FILE = Path(packaged.__file__).parent / "kpr.toml"


class ContentError(Exception):
    """The content file cannot be used; the message names the file and the place."""


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
    """A text in both languages."""

    de: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_(self, language: str) -> str:
        return self.de if language == "de" else self.en


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
        date(2027, self.month, self.day)  # raises for 31 April; 29 February is not allowed either
        return self

    def for_start(self, start: date) -> date:
        """The deadline for a project starting on `start`."""
        return date(start.year - self.years_before, self.month, self.day)

    def next_from(self, today: date) -> date:
        """The next deadline on or after `today`."""
        upcoming = date(today.year, self.month, self.day)
        return upcoming if upcoming >= today else date(today.year + 1, self.month, self.day)


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


class FaqEntry(_Strict):
    de: list[str] = Field(min_length=1)  # how people ask, in German
    en: list[str] = Field(min_length=1)
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
            raise ValueError("programmes: both [programmes.micro] and [programmes.lfk] are needed")
        for place, source in self._sources_used():
            if source not in self.sources:
                raise ValueError(f"{place}: source {source!r} is not under [sources]")
        for key, programme in self.programmes.items():
            unknown = [t for t in programme.topics.value if t != "other" and t not in self.topics]
            if unknown:
                raise ValueError(f"programmes.{key}.topics: {unknown[0]!r} is not under [topics]")
        return self

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


def load(path: Path | None = None) -> Content:
    """Reads and checks the content file; raises ContentError naming the file and the place."""
    path = path or DEFAULT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{path}: the file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{path}: {error}") from None  # tomllib's message names line and column
    try:
        return Content.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole file)"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ContentError(f"{path}: {where}: {message}") from None
