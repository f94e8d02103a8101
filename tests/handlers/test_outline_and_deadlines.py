"""The check's result offers a project outline as a Word document and deadline reminders: the
document opens with python-docx and holds what the check knows (nothing it did not learn as "don't
know"); a reminder is set from the result, listed by /reminders, stopped by its owner only, and goes
out through the outbox once its time has come."""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlalchemy import select

from bot.i18n import translator
from bot.rules.outline import long_date
from bot.rules.reminders import plan_deadline
from handlers.funding import deadlines as deadline_jobs
from storage import deadlines, privacy, users
from storage.db import Database
from storage.models import DeadlineReminder, Delivery, DeliveryKind, DeliveryStatus, Role
from tests.harness import Harness, MakeHarness, buttons

APPLICANT, OTHER = 3001, 3002
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime.now(timezone.utc)
TODAY = NOW.astimezone(ZONE).date()


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db)


def screen(h: Harness, user_id: int = APPLICANT) -> dict:
    return h.request.latest(user_id)


async def press(h: Harness, label: str, user_id: int = APPLICANT, language: str = "en") -> None:
    shown = buttons(screen(h, user_id))
    assert label in shown, f"no button {label!r} among {list(shown)}"
    await h.press(user_id, shown[label], language=language)


async def micro_check(h: Harness, start: date, language: str = "en") -> None:
    """An association's youth project in the county, begun not, starting on `start`, 800 € of which 500 € wanted."""
    labels = {"en": ("An association or independent organisation", "In the Landkreis Rostock", "Child and youth crime",
                     "No"),
              "de": ("Ein Verein oder freier Träger", "Im Landkreis Rostock", "Kinder- und Jugendkriminalität",
                     "Nein")}[language]
    await h.send(APPLICANT, "/check", language=language)
    for label in labels:
        await press(h, label, language=language)
    for typed in (f"{start.day}.{start.month}.{start.year}", "800", "500"):
        await h.send(APPLICANT, typed, language=language)


def opened(h: Harness) -> docx.document.Document:
    [sent] = h.request.sent(APPLICANT, "sendDocument")
    return sent, docx.Document(io.BytesIO(sent["document"]["data"]))


def table_rows(document: docx.document.Document) -> list[list[str]]:
    return [[cell.text.replace("\xa0", " ") for cell in row.cells] for table in document.tables for row in table.rows]


def all_text(document: docx.document.Document) -> str:
    return "\n".join([p.text for p in document.paragraphs] + ["\t".join(row) for row in table_rows(document)])


# The project outline


async def test_the_outline_is_a_word_document_with_what_the_check_knows_in_german(h: Harness) -> None:
    start = TODAY + timedelta(weeks=8)
    await micro_check(h, start, language="de")
    await press(h, "Projektskizze (Word)", language="de")
    sent, document = opened(h)
    assert sent["document"]["filename"] == "projektskizze.docx"
    text = all_text(document)
    assert "Kommunaler Präventionsrat des Landkreises Rostock (KPR)" in text
    assert "Stand der Einschätzung: " + f"{TODAY.day}." in text
    rows = table_rows(document)
    assert ["Thema", "Kinder- und Jugendkriminalität"] in rows
    assert ["Gesamtkosten", "800 €"] in rows and ["Beantragte Zuwendung", "500 €"] in rows
    assert ["Eigenanteil", "300 € (38 % der Gesamtkosten)"] in rows
    assert any(row[0] == "Antragsfrist" and str((start - timedelta(weeks=4)).year) in row[1] for row in rows)
    assert any(row[0] == "Unterlagen" and "☐ Kurze Projektbeschreibung" in row[1] for row in rows)
    # Fields to fill in, and the cost and financing plan with its four lines.
    for field in ("Antragstellende (Name, Rechtsform, Anschrift)", "Ansprechperson (Name, Telefon, E-Mail)",
                  "Ziel", "Zielgruppe", "Schritte: was geschieht, durch wen"):
        assert [field, ""] in rows, field
    assert any(row[0] == "Zeitraum" and row[1].startswith("Beginn: ") for row in rows)
    plan_table = [[cell.text.replace("\xa0", " ") for cell in row.cells] for row in document.tables[-1].rows]
    assert plan_table == [["Position", "Betrag"], ["Gesamtkosten", "800 €"], ["Eigenanteil", "300 €"],
                          ["Weitere Mittel (z. B. Gemeinde, Stiftungen)", ""], ["Beantragte Zuwendung", "500 €"]]
    # The office once, the address without the county's name said twice.
    assert text.count("Landkreis Rostock, Landkreis Rostock") == 0
    assert "Büro für Gleichstellung und Kriminalprävention, Landkreis Rostock\nAugust-Bebel-Straße 3" in text
    assert "weiß nicht" not in text
    # Words, not the chat's emoji: an office's fonts may have no glyph for them.
    assert not any(symbol in text for symbol in "✅⚠❌❔"), text


async def test_what_the_check_did_not_learn_is_an_empty_field_not_dont_know(h: Harness) -> None:
    # A prevention council applying for itself is never asked about costs; the start is not known.
    await h.send(APPLICANT, "/check", language="en")
    for label in ("A prevention council itself", "In the Landkreis Rostock", "Don't know", "No", "Don't know"):
        await press(h, label)
    await press(h, "Project outline (Word)")
    sent, document = opened(h)
    assert sent["document"]["filename"] == "project-outline.docx"
    text = all_text(document).lower()
    assert "don't know" not in text and "weiß nicht" not in text
    rows = table_rows(document)
    labels = [row[0] for row in rows]
    assert "Topic" not in labels and "Start" not in labels
    assert ["Total costs", ""] in rows and ["Amount requested", ""] in rows and ["Period", ""] in rows


# Deadline reminders


async def test_a_reminder_is_set_from_the_result_listed_and_stopped(h: Harness, db: Database) -> None:
    start = TODAY + timedelta(weeks=8)
    deadline = start - timedelta(weeks=4)
    await micro_check(h, start)
    await press(h, "Remind me of the deadline")
    confirmation = screen(h)
    first, second = deadline - timedelta(days=14), deadline - timedelta(days=3)
    assert f"I will remind you on {long_date(first, 'en')} and {long_date(second, 'en')}." in confirmation["text"]
    async with db.begin() as session:
        [mine] = await deadlines.of_user(session, APPLICANT, TODAY)
    assert (mine.programme, mine.deadline, mine.reminded) == ("micro", deadline, None)

    # Asked again: one reminder, said so.
    await h.press(APPLICANT, buttons(h.request.sent(APPLICANT)[-2])["Remind me of the deadline"], language="en")
    assert "already" in screen(h)["text"]

    await h.send(APPLICANT, "/reminders", language="en")
    listed = screen(h)
    assert "Micro projects" in listed["text"]
    stop = next(data for label, data in buttons(listed).items() if label.startswith("Stop the reminder"))
    await h.press(OTHER, stop, language="en")  # not theirs: refused, nothing stopped
    assert "stopped already" in h.answers()[-1]["text"]
    await h.press(APPLICANT, stop, language="en")
    assert "no more reminders" in h.answers()[-1]["text"]
    async with db.begin() as session:
        assert await deadlines.of_user(session, APPLICANT, TODAY) == []
    await h.send(APPLICANT, "/reminders", language="en")
    assert "You have no deadline reminders" in screen(h)["text"]


async def test_the_german_reminder_button_speaks_neutrally_as_an_authority(h: Harness) -> None:
    # docs/style-de.md: Sie or neutral forms, never a du-imperative on a button.
    await micro_check(h, TODAY + timedelta(weeks=8), language="de")
    assert "Erinnere mich an die Frist" not in buttons(screen(h))
    await press(h, "An die Frist erinnern", language="de")
    assert "Ich erinnere Sie am" in screen(h)["text"]


async def test_settings_lead_to_the_deadline_reminders_once_there_is_one(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/start", language="en")
    async with db.begin() as session:
        await users.set_role(session, APPLICANT, Role.MEMBER)
    await h.send(APPLICANT, "/settings", language="en")
    assert "Deadline reminders" not in buttons(screen(h))
    async with db.begin() as session:
        await deadlines.add(session, APPLICANT, "micro", TODAY + timedelta(weeks=4), NOW, None)
    await h.send(APPLICANT, "/settings", language="en")
    assert "1 deadline reminder set" in screen(h)["text"]
    await press(h, "Deadline reminders")
    listed = screen(h)
    assert "Micro projects" in listed["text"]
    assert any(label.startswith("Stop the reminder") for label in buttons(listed))


async def test_an_applicant_finds_their_deadline_reminders_in_the_funding_menu(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/funding", language="en")
    assert "Deadline reminders" not in buttons(screen(h))
    async with db.begin() as session:
        await deadlines.add(session, APPLICANT, "micro", TODAY + timedelta(weeks=4), NOW, None)
    await h.send(APPLICANT, "/funding", language="en")
    await press(h, "Deadline reminders")
    listed = screen(h)
    assert "Micro projects" in listed["text"]
    assert any(label.startswith("Stop the reminder") for label in buttons(listed))


async def test_a_result_without_a_deadline_ahead_offers_no_reminder(h: Harness) -> None:
    await h.send(APPLICANT, "/check", language="en")
    for label in ("A company",):
        await press(h, label)
    assert "Remind me of the deadline" not in buttons(screen(h))


async def test_a_due_reminder_goes_out_once_through_the_outbox_and_says_the_days_left(
        db: Database, make_harness: MakeHarness) -> None:
    # Lead times of 20 and 10 days, the deadline in 12: the first one's time has come.
    h = await make_harness(db, deadline_reminder_offsets="20d,10d")
    start = TODAY + timedelta(weeks=4, days=12)
    await micro_check(h, start)
    await press(h, "Remind me of the deadline")
    async with db.begin() as session:
        [reminder] = await deadlines.of_user(session, APPLICANT, TODAY)
    # Set when the 20 days had passed: that one is not sent late; the 10 days is still to come.
    assert reminder.reminded == timedelta(days=20)
    now = datetime.combine(reminder.deadline, time(9), tzinfo=ZONE) - timedelta(days=10, seconds=-1)
    due = plan_deadline(reminder.deadline, (timedelta(days=20), timedelta(days=10)), reminder.reminded, ZONE, now).now
    assert due == timedelta(days=10)
    async with db.begin() as session:
        assert await deadlines.remind(session, reminder, due, NOW, {
            "reminder": reminder.id, "programme": "micro", "deadline": reminder.deadline.isoformat()})
        # The same lead time again (a second job, a restart): nothing written.
        assert not await deadlines.remind(session, reminder, due, NOW, {})
    await h.deliver()
    reminder_text = h.request.sent(APPLICANT)[-1]
    assert "Reminder: application deadline" in reminder_text["text"]
    assert ", in 12 days." in reminder_text["text"]
    assert "Stop this reminder" in buttons(reminder_text)
    async with db.begin() as session:
        rows = list(await session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.DEADLINE)))
    assert [row.status for row in rows] == [DeliveryStatus.SENT]


async def test_rebuild_plans_a_job_for_each_reminder_ahead(db: Database, make_harness: MakeHarness) -> None:
    h = await make_harness(db)
    await micro_check(h, TODAY + timedelta(weeks=8))
    await press(h, "Remind me of the deadline")
    for job in h.app.job_queue.jobs():
        job.schedule_removal()
    assert await deadline_jobs.rebuild(h.app) == 1


async def test_reminders_go_with_an_erasure_and_once_their_deadline_has_passed(h: Harness, db: Database) -> None:
    await micro_check(h, TODAY + timedelta(weeks=8))
    await press(h, "Remind me of the deadline")
    async with db.begin() as session:
        [reminder] = await deadlines.of_user(session, APPLICANT, TODAY)
        exported = await privacy.export(session, APPLICANT)
        assert exported is not None and exported["deadline_reminders"][0]["deadline"] == reminder.deadline.isoformat()
        # Retention: kept while the deadline is ahead, gone once it has passed.
        await privacy.purge(session, NOW - timedelta(days=365), today=reminder.deadline)
        assert await session.get(DeadlineReminder, reminder.id) is not None
        purged = await privacy.purge(session, NOW - timedelta(days=365), today=reminder.deadline + timedelta(days=1))
        assert purged.deadline_reminders == 1
    async with db.begin() as session:
        again = await deadlines.add(session, APPLICANT, "micro", reminder.deadline, NOW, None)
        assert again is not None
        await privacy.erase(session, APPLICANT)
        assert await session.scalar(select(DeadlineReminder.id)) is None


def test_the_german_reminder_says_heute_morgen_and_the_advice_for_a_holiday() -> None:
    t = translator("de")
    monday = date(2027, 1, 25)
    assert "endet heute, Montag, 25. Januar 2027." in deadline_jobs.deadline_sentence(t, "LfK", monday, monday)
    assert "endet morgen, Montag" in deadline_jobs.deadline_sentence(t, "LfK", monday, monday - timedelta(days=1))
    assert deadline_jobs.deadline_sentence(t, "LfK", monday, monday - timedelta(days=5)).endswith(", in 5 Tagen.")
    # 31 October 2027, Reformationstag and a Sunday: as published, with the working day before.
    reformation = deadline_jobs.deadline_sentence(t, "LfK", date(2027, 10, 31), date(2027, 10, 17))
    assert "Reformationstag" in reformation and "Freitag, 29. Oktober 2027" in reformation


async def test_the_privacy_notice_says_how_long_deadline_reminders_are_kept_and_where_to_stop_them(h: Harness) -> None:
    await h.send(APPLICANT, "/privacy", language="en")
    kept = h.request.texts(APPLICANT)[-2]  # the notice's first message: what is kept, and how long
    assert "Deadline reminders: until the deadline has passed (/reminders stops them)." in kept
