"""End to end through the real bot process, in German: three full eligibility checks (a micro project,
a state council project, a company that cannot apply), and a question from a result
that reaches the coordinator with the shared answers and whose reply reaches the applicant."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.tryout.fake_telegram import FakeTelegram
from bot.tryout.fake_telegram.users import BotMessage, FakeUser
from tests.e2e import COORD, BotRunner

TODAY = datetime.now(ZoneInfo("Europe/Berlin")).date()
ROOT = Path(__file__).resolve().parents[2]


def plain(message: BotMessage) -> str:
    """The text with the non-breaking space German money uses ("500\xa0€") as an ordinary one."""
    return (message.text or "").replace("\xa0", " ")


async def answer(user: FakeUser, question: BotMessage, label: str, next_contains: str) -> BotMessage:
    """Presses an answer; the question's message turns into the next question (or the result)."""
    await user.press(question, label)
    await user.expect_callback_answer()
    return await user.expect_edit(contains=next_contains)


async def begin(user: FakeUser) -> BotMessage:
    await user.send("/check")
    await user.expect_message(contains="Kann Ihr Projekt gefördert werden?")
    return await user.expect_message(contains="Wer stellt den Antrag?")


async def test_a_micro_project(tg: FakeTelegram, bot: BotRunner) -> None:
    user = tg.user(8101, "Vera")
    question = await begin(user)
    question = await answer(user, question, "Ein Verein oder freier Träger", "Wo findet das Projekt statt")
    question = await answer(user, question, "Im Landkreis Rostock", "Worum geht es")
    question = await answer(user, question, "Kinder- und Jugendkriminalität", "schon begonnen?")
    await answer(user, question, "Nein", "Wann beginnt das Projekt?")
    start = TODAY + timedelta(weeks=6)
    await user.send(f"{start.day:02d}.{start.month:02d}.{start.year % 100:02d}")
    await user.expect_message(contains="Gesamtkosten")
    await user.send("800")
    await user.expect_message(contains="Wie viel Zuwendung")
    await user.send("500 €")
    result = await user.expect_message(contains="Ihr Ergebnis")
    micro, state = plain(result).split("Projektförderung des Landesrates")
    assert "✅ So geplant förderfähig" in micro and "☐ Kurze Projektbeschreibung" in micro
    assert "Reichen Sie den Antrag bis" in micro
    # The questions answered by typing keep no buttons that could be pressed later.
    assert [m.describe() for m in user.history if m.buttons and m is not result] == []
    assert "❌ Nicht möglich" in state and "nicht unter 1.000 € liegen" in state
    assert "unverbindliche Einschätzung" in result.text and "Quelle:" in result.text
    assert bot.query("select micro, lfk, topic from eligibility_checks") == [("eligible", "not_eligible", "youth")]


async def test_a_state_council_project_elsewhere_in_the_state(tg: FakeTelegram, bot: BotRunner) -> None:
    user = tg.user(8102, "Jonas")
    question = await begin(user)
    question = await answer(user, question, "Eine Einzelperson", "Wo findet das Projekt statt")
    question = await answer(user, question, "Anderswo in Mecklenburg-Vorpommern", "Worum geht es")
    question = await answer(user, question, "Ein anderes Thema der Kriminalprävention", "schon begonnen?")
    await answer(user, question, "Nein", "Wann beginnt das Projekt?")
    await user.send("31.02.2028")
    await user.expect_message(contains="Dieses Datum gibt es nicht")
    await user.send(f"März {TODAY.year + 2}")
    await user.expect_message(contains="Gesamtkosten")
    await user.send("abc")
    await user.expect_message(contains="als Zahl")
    await user.send("12.500")
    await user.expect_message(contains="Wie viel Zuwendung")
    await user.send("10.000")
    result = await user.expect_message(contains="Ihr Ergebnis")
    micro, state = plain(result).split("Projektförderung des Landesrates")
    assert "❌ Nicht möglich" in micro and "Kleinstprojekte gibt es nur für Projekte im Landkreis" in micro
    assert "✅ So geplant förderfähig" in state
    assert f"31. Oktober {TODAY.year + 1}" in state  # the deadline before the project's year
    assert "Stellungnahme des Präventionsrates" in state and "Höchstens 10.000 €: 80 % der Gesamtkosten" in state
    assert bot.query("select micro, lfk from eligibility_checks") == [("not_eligible", "eligible")]


async def test_a_company_is_told_at_once_and_asks_the_office(tg: FakeTelegram, bot: BotRunner) -> None:
    user = tg.user(8103, "Firma Nord")
    coordinator = tg.user(COORD, "Chris")
    question = await begin(user)
    result = await answer(user, question, "Ein Unternehmen", "Ihr Ergebnis")
    assert result.text.count("❌ Nicht möglich") == 2
    assert "Unternehmen sind unter den Antragsberechtigten nicht genannt" in result.text

    await user.press(result, "Frage an die Geschäftsstelle")
    await user.expect_callback_answer()
    consent = await user.expect_message(contains="Darf die Geschäftsstelle Ihre Antworten")
    await user.press(consent, "Ja, mitsenden")
    await user.expect_callback_answer()
    await user.expect_edit(contains="gehen mit Ihrer Frage mit")
    await user.expect_message(contains="in einer Nachricht")
    await user.send("Gibt es für Unternehmen andere Wege?")
    review = await user.expect_message(contains="Diese Frage an die Geschäftsstelle senden?")
    await user.press(review, "Senden")
    await user.expect_callback_answer()
    await user.expect_edit(contains="Gesendet")

    # The coordinator sees the question with the answers in words, and replies.
    incoming = await coordinator.expect_message(contains="Gibt es für Unternehmen andere Wege?")
    assert "Frage Nr. 1 von Firma Nord" in incoming.text
    assert "Antragstellende: Ein Unternehmen" in incoming.text and "❌ Nicht möglich" in incoming.text
    await coordinator.press(incoming, "Antworten")
    await coordinator.expect_callback_answer()
    await coordinator.expect_message(contains="Ihre Antwort auf Frage Nr. 1")
    await coordinator.send("Sprechen Sie uns gern an: eine Kooperation mit einem Verein ist möglich.")
    confirm = await coordinator.expect_message(contains="Diese Antwort")
    await coordinator.press(confirm, "Senden")
    await coordinator.expect_callback_answer()
    await coordinator.expect_edit(contains="Gesendet")

    reply = await user.expect_message(contains="Die Geschäftsstelle beantwortet Ihre Frage")
    assert "Kooperation mit einem Verein" in reply.text and "Gibt es für Unternehmen" in reply.text
    assert bot.query("select status, consent_at is not null from questions") == [("answered", 1)]

    await coordinator.press(incoming, "Erledigt")
    assert (await coordinator.expect_callback_answer()).text == "Als erledigt markiert."
    assert bot.query("select status from questions") == [("done",)]
    await coordinator.send("/inbox")
    await coordinator.expect_message(contains="Keine offenen Fragen.")


async def test_typed_questions_get_the_faq_answer(tg: FakeTelegram, bot: BotRunner) -> None:
    user = tg.user(8104, "Paula")
    await user.send("Bis wann muss ich den Antrag stellen?")
    answer_ = await user.expect_message(contains="31. Oktober des Vorjahres")
    assert "Quelle:" in answer_.text
    await user.send("Wo kann ich hier parken?")
    await user.expect_message(contains="/ask")


@pytest.mark.parametrize("bot", ["sqlite"], indirect=True)  # the content file, not the database, is tried
async def test_an_faq_answer_says_the_rules_value_of_the_content_file_it_runs_on(tg: FakeTelegram,
                                                                                  bot: BotRunner) -> None:
    """The FAQ names the rules' values, not copies of them: the office raises the micro ceiling in
    the content file, and the running bot's FAQ answer and /funding say the new figure."""
    shipped = (ROOT / "content" / "kpr.toml").read_text(encoding="utf-8")
    assert "ceiling = { value = 600," in shipped
    edited = bot.workdir / "council.toml"
    edited.write_text(shipped.replace("ceiling = { value = 600,", "ceiling = { value = 800,"), encoding="utf-8")
    await bot.stop()
    bot.env["CONTENT_FILE"] = str(edited)
    await bot.start()

    user = tg.user(8105, "Paula")
    await user.send("Wie viel Geld kann ich bekommen?")
    answer_ = plain(await user.expect_message(contains="Kleinstprojekte"))
    assert "bis 800 €" in answer_ and "600 €" not in answer_
    await user.send("/funding")
    menu = await user.expect_message(contains="Förder")
    await user.press(menu, "Höhe der Zuwendung")
    await user.expect_callback_answer()
    assert "800 €" in plain(await user.expect_edit(contains="800"))
