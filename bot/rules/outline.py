"""The project outline as a Word document (.docx) to fill in: what the eligibility check knows is
filled in, the rest are empty fields, with a cost and financing plan as a table. What the check did
not learn (a question skipped, or answered "don't know") stays an empty field: the document is the
applicant's, and a "don't know" in it would read as their answer."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.content import Content
from bot.i18n import Translator
from bot.rules.eligibility import NO_TOPIC, OTHER_TOPIC, Answers, Result, Verdict, plan
from bot.rules.explain import DISCLAIMER, VERDICTS, reason_text
from bot.rules.money import format_money

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table


def verdict_words(t: Translator, verdict: Verdict) -> str:
    """The verdict as the chat says it, without its emoji: an office's fonts may have no glyph for
    them, and a printed form shows a box instead."""
    symbol, _, words = t(VERDICTS[verdict]).partition(" ")
    return words if words and not symbol.isalnum() else t(VERDICTS[verdict])


def long_date(value: date, language: str) -> str:
    """"6. Dezember 2026" / "6 December 2026": a document's date, without the weekday."""
    return format_date(value, "long", locale=language)


def contact_lines(content: Content, language: str) -> list[str]:
    """The council office's contact, one item a line. The address's first part is left out where the
    office's name ends with it already ("…, Landkreis Rostock" and "Landkreis Rostock, August-Bebel-…")."""
    contact = content.contact
    office = contact.office.in_(language)
    parts = [part.strip() for part in contact.address.split(",")]
    while len(parts) > 1 and office.rstrip(". ").endswith(parts[0]):
        parts.pop(0)
    return [line for line in (office, ", ".join(parts), contact.phone, contact.email, contact.web) if line]


def start_date(answers: Answers, language: str) -> str:
    """The start as given, a day or a month ("1. März 2027", "März 2027")."""
    assert answers.start is not None
    if answers.start_month_only:
        return format_date(answers.start, "LLLL y", locale=language)
    return long_date(answers.start, language)


def _topic(t: Translator, content: Content, answers: Answers) -> str:
    if answers.topic in content.topics:
        return content.topics[answers.topic].in_(t.language)
    return {OTHER_TOPIC: t("Another crime-prevention topic"), NO_TOPIC: t("None of these")}.get(answers.topic or "", "")


def known_facts(t: Translator, content: Content, answers: Answers, result: Result) -> list[tuple[str, str]]:
    """(field, value) for what the check learned, in the outline's order; nothing for what it did not.
    The programme is the one that fits best (eligibility.plan); where none does better than the
    other, each that may fit, so that the applicant sees both deadlines."""
    known = plan(answers, result)
    facts: list[tuple[str, str]] = [(t("Topic"), _topic(t, content, answers))]
    if known.start is not None:
        facts.append((t("Start"), start_date(answers, t.language)))
    if known.total is not None:
        facts.append((t("Total costs"), format_money(known.total, t.language)))
    if known.wanted is not None:
        facts.append((t("Amount requested"), format_money(known.wanted, t.language)))
    if known.own_share is not None and known.total:
        facts.append((t("Own share"), t("{amount} ({percent} % of the total costs)",
                                        amount=format_money(known.own_share, t.language),
                                        percent=round(known.own_share / known.total * 100))))
    fitting = [result.findings[known.programme]] if known.programme else \
        [finding for finding in result.findings.values() if finding.verdict is not Verdict.NOT_ELIGIBLE]
    for finding in fitting:
        name = content.programmes[finding.programme].name.in_(t.language)
        facts.append((t("Programme"), f"{name}: {verdict_words(t, finding.verdict)}"))
        if finding.deadline is not None:
            facts.append((t("Deadline"), t("{date} ({programme})", date=long_date(finding.deadline, t.language),
                                           programme=name)))
    documents = [document.text.in_(t.language) for finding in fitting for document in finding.documents]
    if documents:
        facts.append((t("Documents"), "\n".join(f"☐ {text}" for text in dict.fromkeys(documents))))
    return [(label, value) for label, value in facts if value]


def _two_columns(document: Document, rows: list[tuple[str, str]]) -> Table:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value
    return table


def outline(t: Translator, content: Content, answers: Answers, result: Result, assessed: date,
            zone: ZoneInfo) -> bytes:
    """The .docx: the council, the date of the assessment, the check's facts, fields to fill in, the
    cost and financing plan, the check's assessment with its sources, and whom to ask."""
    # Imported on the first outline asked for: a bot that sends none keeps python-docx and lxml out
    # of its memory.
    import docx
    from docx.shared import Pt

    language = t.language
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = t("Project outline")
    document.core_properties.language = language
    document.add_heading(t("Project outline"), level=0)
    document.add_paragraph(content.council.in_(language))
    document.add_paragraph(t("Assessment of {date}", date=long_date(assessed, language)))

    document.add_heading(t("From the eligibility check"), level=1)
    _two_columns(document, known_facts(t, content, answers, result))

    document.add_heading(t("To fill in"), level=1)
    period = t("Start: {start}; end:", start=start_date(answers, language)) + " " if answers.start else ""
    _two_columns(document, [
        (t("Applicant (name, legal form, address)"), ""),
        (t("Contact person (name, phone, email)"), ""),
        (t("Project title"), ""),
        (t("Goal"), ""),
        (t("Target group"), ""),
        (t("Steps: what happens, by whom"), ""),
        (t("Period"), period),
    ])

    document.add_heading(t("Cost and financing plan"), level=1)
    plan = document.add_table(rows=1, cols=2)
    plan.style = "Table Grid"
    header = plan.rows[0].cells
    header[0].text, header[1].text = t("Item"), t("Amount")
    for cell in header:
        cell.paragraphs[0].runs[0].bold = True
    def amount(value: Decimal | None) -> str:
        return format_money(value, language) if value is not None else ""

    rest = answers.total - answers.wanted if answers.total is not None and answers.wanted is not None else None
    for label, value in ((t("Total costs"), amount(answers.total)), (t("Own share"), amount(rest)),
                         (t("Other funding (e.g. town, foundations)"), ""),
                         (t("Amount requested"), amount(answers.wanted))):
        cells = plan.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph(t("Own share, other funding and the amount requested add up to the total costs. The own "
                             "share above is the total costs less the amount requested; other funding lowers it."))

    document.add_heading(t("The check's assessment"), level=1)
    for key, finding in result.findings.items():
        document.add_paragraph(f"{content.programmes[key].name.in_(language)}: {verdict_words(t, finding.verdict)}",
                               style="List Bullet")
        for reason in finding.reasons:
            text, source = reason_text(t, content, key, reason, zone)
            document.add_paragraph(f"{text} ({source})", style="List Bullet 2")
    document.add_paragraph(t(DISCLAIMER)).runs[0].italic = True

    document.add_heading(t("Contact"), level=1)
    document.add_paragraph("\n".join(contact_lines(content, language)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
