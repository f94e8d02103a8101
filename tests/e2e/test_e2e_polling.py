"""End to end, long polling: an update python-telegram-bot cannot read is skipped and polling goes
on; no log line, even at DEBUG, holds what people wrote or their names."""
from __future__ import annotations

import time
from pathlib import Path

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner

# Distinctive enough that finding them in a log can only mean a leak.
NAME, SURNAME, SECRET_TEXT = "Zacharias", "Quellwasser", "Geheimnis-Text-4711"
PERSON_ID = 731904577


def unreadable(user_id: int, **message: object) -> dict:
    """A message as Telegram would never send it, from a person whose name and text must not leak."""
    return {"message": {"message_id": 1, "date": int(time.time()), "text": SECRET_TEXT,
                        "from": {"id": user_id, "is_bot": False, "first_name": NAME, "last_name": SURNAME},
                        "chat": {"id": user_id, "type": "private", "first_name": NAME}, **message}}


async def test_an_update_that_cannot_be_read_is_skipped_and_polling_goes_on(tg: FakeTelegram,
                                                                            tmp_path: Path) -> None:
    runner = BotRunner(tg, tmp_path)  # LOG_LEVEL=DEBUG
    await runner.start()
    try:
        anna, ben = tg.user(1001, "Anna"), tg.user(1002, "Ben")
        await anna.send("/start")
        await anna.expect_message(contains="Hallo, Anna!")
        # The last (and only) update of its batch: polling must still move past it.
        polls = sum(call.method == "getUpdates" for call in tg.calls)
        last = await tg.enqueue(unreadable(1003, chat={"first_name": NAME}))  # a chat without id and type
        await tg.wait_for_call("getUpdates", count=polls + 1)  # the batch of it alone is taken
        await ben.send("/start")
        await ben.expect_message(contains="Hallo, Ben!")
        # One in the middle of a batch: the updates before and after it are answered.
        carl, dora = tg.user(1004, "Carl"), tg.user(1005, "Dora")
        await carl.send("/start")
        middle = await tg.enqueue(unreadable(1006, date="gestern"))
        await dora.send("/start")
        await carl.expect_message(contains="Hallo, Carl!")
        await dora.expect_message(contains="Hallo, Dora!")
    finally:
        await runner.stop()
    assert runner.process is not None and runner.process.returncode == 0
    log = runner.process.log_text()
    skipped = [line for line in log.splitlines() if "could not be read" in line]
    assert len(skipped) == 2, skipped  # once each, not once per attempt
    assert f"Skipped update {last['update_id']}:" in skipped[0] and "TypeError" in skipped[0]
    assert f"Skipped update {middle['update_id']}:" in skipped[1] and "TypeError" in skipped[1]
    for leak in (NAME, SURNAME, SECRET_TEXT):
        assert leak not in log
    assert "CRITICAL" not in log


async def test_no_log_line_holds_names_texts_or_ids_even_at_debug(tg: FakeTelegram, tmp_path: Path) -> None:
    runner = BotRunner(tg, tmp_path)
    assert runner.env["LOG_LEVEL"] == "DEBUG"
    await runner.start()
    try:
        person = tg.user(PERSON_ID, NAME, last_name=SURNAME, username="zquellwasser")
        coordinator = tg.user(COORD, "Chris")
        await person.send("/start")
        await person.expect_message(contains=f"Hallo, {NAME} {SURNAME}!")
        await person.send("/ask")
        await person.expect_message(contains="Eine Frage an die Geschäftsstelle")
        await person.send(SECRET_TEXT)
        review = await person.expect_message(contains="Diese Frage an die Geschäftsstelle senden?")
        await person.press(review, "Senden")
        await person.expect_callback_answer()
        await person.expect_edit(contains="Gesendet")
        incoming = await coordinator.expect_message(contains=SECRET_TEXT)
        assert NAME in incoming.text
        await person.send("/members")  # refused, with a warning naming who asked
        await person.expect_message(contains="nur die Koordination")
        await person.send("/deleteme")
        question = await person.expect_message(contains="Alle Ihre Daten löschen?")
        await person.press(question, "Ja, alles löschen")
        await person.expect_edit(contains="Alles, was über Sie gespeichert war, ist gelöscht")
    finally:
        await runner.stop()
    assert runner.process is not None
    log = runner.process.log_text()
    # After the erasure nothing in the log may lead back to the person: people are named by a
    # pseudonym (bot.pseudonym), which is in the log instead.
    assert "erased their data" in log
    for leak in (NAME, SURNAME, "zquellwasser", SECRET_TEXT, str(PERSON_ID)):
        assert leak not in log, f"{leak!r} in the log"
