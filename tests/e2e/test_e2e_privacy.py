"""End to end through the real bot process: a copy of one's data, erasing it (after which the
database holds the id nowhere), and a flood from one person while another is served at once."""
from __future__ import annotations

import asyncio
import json
import time

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import BotRunner

PERSON = 987654321


def places_holding(bot: BotRunner, value: int) -> list[str]:
    found = []
    for table in bot.tables():
        # Every row as text, column by column: an id hidden in JSON or a CSV cell counts too.
        for row in bot.query(f'select * from "{table}"'):
            found += [f"{table}.{index}" for index, cell in enumerate(row) if str(value) in str(cell)]
    return sorted(set(found))


async def test_my_data_then_erasing_it(tg: FakeTelegram, bot: BotRunner) -> None:
    bot.add_people([PERSON])
    person = tg.user(PERSON, "Petra")
    # Something to find: an unfinished eligibility check.
    await person.send("/check")
    await person.expect_message(contains="Kann Ihr Projekt gefördert werden?")
    await person.expect_message(contains="Wer stellt den Antrag?")

    await person.send("/mydata")
    copy = await person.expect_message(contains="Alles, was der Bot derzeit über Sie speichert")
    assert copy.document["filename"] == "meine-daten.json"
    data = json.loads(copy.document["data"])
    assert data["profile"]["id"] == PERSON and data["profile"]["role"] == "member"
    assert len(data["eligibility_checks"]) == 1

    # The scan finds the person where they are, before the erasure.
    tables_before = {place.split(".")[0] for place in places_holding(bot, PERSON)}
    assert {"users", "eligibility_checks"} <= tables_before
    await person.send("/deleteme")
    question = await person.expect_message(contains="Alle Ihre Daten löschen?")
    await person.press(question, "Ja, alles löschen")
    await person.expect_callback_answer()
    await person.expect_edit(contains="Alles, was über Sie gespeichert war, ist gelöscht")
    await bot.wait_until(f"select count(*) from users where id = {PERSON}", [(0,)])
    assert places_holding(bot, PERSON) == []

    await person.send("/mydata")
    await person.expect_message(contains="Über Sie ist nichts gespeichert.")
    await person.expect_no_message(within=0.3)
    assert places_holding(bot, PERSON) == []  # asking created nothing


async def test_a_flood_from_one_person_does_not_slow_the_others(tg: FakeTelegram, bot: BotRunner) -> None:
    flooder, other = tg.user(8801, "Flo"), tg.user(8802, "Ruth")
    for n in range(60):
        await flooder.send(f"Hallo {n}")
    started = time.monotonic()
    await other.send("/start")
    await other.expect_message(contains="Hallo, Ruth!")
    served_in = time.monotonic() - started

    def notices() -> int:
        return sum("Sie senden sehr viel auf einmal" in (m.text or "") for m in flooder.history)

    # The flooder's own updates are handled one after another: the notice comes after their 20 answers.
    deadline = time.monotonic() + 15
    while notices() == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # time for a second notice, which must not come
    texts = [m.text or "" for m in flooder.history]
    assert sum("Sie senden sehr viel auf einmal" in t for t in texts) == 1
    assert len(texts) <= 21, texts  # at most the 20 allowed answers, and the one notice
    assert served_in < 2.0, served_in
