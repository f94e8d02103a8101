"""End to end through the real bot process, in German: a micro project's check, its project outline
as a Word document that python-docx opens with the check's facts and the cost plan filled in, and a
deadline reminder asked for from the result that arrives once, after a restart, and can be stopped."""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import docx

from bot.rules.durations import format_duration
from bot.tryout.fake_telegram import FakeTelegram
from bot.tryout.fake_telegram.users import BotMessage, FakeUser
from tests.e2e import BotRunner
from tests.e2e.test_e2e_funding import TODAY, answer, begin

BERLIN = ZoneInfo("Europe/Berlin")


async def micro_result(user: FakeUser, start: date) -> BotMessage:
    question = await begin(user)
    question = await answer(user, question, "Ein Verein oder freier Träger", "Wo findet das Projekt statt")
    question = await answer(user, question, "Im Landkreis Rostock", "Worum geht es")
    question = await answer(user, question, "Kinder- und Jugendkriminalität", "schon begonnen?")
    await answer(user, question, "Nein", "Wann beginnt das Projekt?")
    await user.send(f"{start.day}.{start.month}.{start.year}")
    await user.expect_message(contains="Gesamtkosten")
    await user.send("800")
    await user.expect_message(contains="Wie viel Zuwendung")
    await user.send("500")
    return await user.expect_message(contains="Ihr Ergebnis")


def due_now(deadline: date) -> str:
    """DEADLINE_REMINDER_OFFSETS (in seconds) that make the one reminder of `deadline` due a few seconds ago,
    counted on the wall clock as the bot counts it."""
    reminded_at = datetime.combine(deadline, time(9), tzinfo=BERLIN)
    return format_duration(timedelta(seconds=int((reminded_at - (datetime.now(BERLIN) - timedelta(seconds=3)))
                                                 .total_seconds())))


async def test_the_outline_document_and_a_deadline_reminder(tg: FakeTelegram, bot: BotRunner) -> None:
    user = tg.user(8201, "Vera")
    start = TODAY + timedelta(weeks=8)
    deadline = start - timedelta(weeks=4)
    result = await micro_result(user, start)

    # The outline: a Word document with what the check knows, and nothing as "weiß nicht".
    await user.press(result, "Projektskizze (Word)")
    await user.expect_callback_answer()
    sent = await user.expect_message(contains="Projektskizze")
    assert sent.document["filename"] == "projektskizze.docx"
    document = docx.Document(io.BytesIO(sent.document["data"]))
    rows = [[cell.text.replace("\xa0", " ") for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Thema", "Kinder- und Jugendkriminalität"] in rows
    assert ["Eigenanteil", "300 € (38 % der Gesamtkosten)"] in rows
    assert ["Antragstellende (Name, Rechtsform, Anschrift)", ""] in rows and ["Zielgruppe", ""] in rows
    assert [[c.text.replace("\xa0", " ") for c in row.cells] for row in document.tables[-1].rows] == [
        ["Position", "Betrag"], ["Gesamtkosten", "800 €"], ["Eigenanteil", "300 €"],
        ["Weitere Mittel (z. B. Gemeinde, Stiftungen)", ""], ["Beantragte Zuwendung", "500 €"]]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kommunaler Präventionsrat des Landkreises Rostock" in text and "Stand der Einschätzung" in text
    assert "weiß nicht" not in text + str(rows)

    # The reminder: asked for, 14 and 3 days before the micro project's own date.
    await user.press(result, "An die Frist erinnern")
    await user.expect_callback_answer()
    confirmation = await user.expect_message(contains="Erinnerungen an Antragsfristen")
    assert "Ich erinnere Sie am" in confirmation.text
    [[stop]] = confirmation.buttons
    assert stop.text.startswith(f"Erinnerung beenden: {deadline.day}. ") and stop.text.endswith(str(deadline.year))

    # The bot comes back with the lead time set so that the reminder is due: it plans it from the
    # database and sends it, once.
    bot.kill()
    bot.env["DEADLINE_REMINDER_OFFSETS"] = due_now(deadline)
    await bot.start()
    reminder = await user.expect_message(contains="Erinnerung: Antragsfrist", timeout=20)
    assert "in 28 Tagen" in reminder.text and "Kleinstprojekte" in reminder.text
    await bot.wait_until("select count(*) from deliveries where kind = 'deadline' and status = 'sent'", [(1,)])
    bot.kill()
    await bot.start()
    # Planned before the first getUpdates (bot.runner): a second send would be due at once.
    await user.expect_no_message(within=1)

    await user.press(reminder, "Erinnerung beenden")
    assert "keine weiteren Erinnerungen" in (await user.expect_callback_answer()).text
    assert bot.query("select count(*) from deadline_reminders") == [(0,)]
