"""End to end: the bot's connections to the Bot API, as Telegram's servers treat them."""
from __future__ import annotations

import asyncio
from pathlib import Path

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import TOKEN, BotRunner

IDLE_TIMEOUT = 1.0


async def test_a_reply_after_a_pause_arrives_though_the_server_closed_the_idle_connection(
        tmp_path: Path, sqlite_template: Path) -> None:
    async with FakeTelegram(token=TOKEN, idle_timeout=IDLE_TIMEOUT) as tg:
        runner = BotRunner(tg, tmp_path, template=sqlite_template)
        await runner.start()
        try:
            anna = tg.user(1001, "Anna", language_code="de")
            await anna.send("/start")
            greeting = await anna.expect_message(contains="Hallo, Anna!")
            await asyncio.sleep(IDLE_TIMEOUT + 0.5)  # the connection of that reply goes stale
            await anna.send("/help")
            help_text = await anna.expect_message(contains="Was ich für Sie tun kann")
            await anna.expect_no_message()  # no "Entschuldigung, bei mir ist etwas schiefgegangen"
        finally:
            await runner.stop()
    assert tg.dropped_requests >= 1, "the bot sent nothing on a stale connection: the test proved nothing"
    assert anna.history == [greeting, help_text]
