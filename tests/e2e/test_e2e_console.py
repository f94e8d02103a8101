"""The web console end to end: the bot as its own process against the fake Bot API, its console on a
port of its own, and a real browser. A coordinator asks the bot for a link with /web, signs in with it,
changes a FAQ answer, and the bot's next answer to an applicant is the new one, without a restart; a
restart keeps it."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner
from tests.web.browser import NEW_ANSWER, OLD_ANSWER, QUESTION, Browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_faq_answer_changed_in_the_console_is_what_the_running_bot_says(
        tg: FakeTelegram, tmp_path: Path, sqlite_template: Path, driver: Any) -> None:
    port = free_port()
    runner = BotRunner(tg, tmp_path, template=sqlite_template)
    runner.env.update({"WEB_PORT": str(port), "WEB_URL": f"http://127.0.0.1:{port}"})
    await runner.start()
    try:
        applicant = tg.user(8301, "Anna")
        await applicant.send(QUESTION)
        assert OLD_ANSWER in (await applicant.expect_message(contains="Quelle")).text

        coordinator = tg.user(COORD, "Katrin")
        await coordinator.send("/web")
        message = await coordinator.expect_message(contains="/login?token=")
        url = next(word for word in message.text.split() if "/login?token=" in word)
        driver.delete_all_cookies()
        browser = Browser(driver, f"http://127.0.0.1:{port}")
        await browser.open(url)
        await browser.click("#signin")
        assert browser.path == "/"
        await browser.open("/content/faq")
        await browser.fill("faq.0.answer.de", NEW_ANSWER)
        await browser.click("#save")
        assert "2" in await browser.script("return document.getElementById('saved').textContent")

        await applicant.send(QUESTION)
        assert NEW_ANSWER in (await applicant.expect_message(contains="Quelle")).text
        assert not browser.console_errors()

        await runner.stop()
        await runner.start()
        await applicant.send(QUESTION)
        assert NEW_ANSWER in (await applicant.expect_message(contains="Quelle")).text
    finally:
        await runner.stop()
    assert any(f"Web console on 127.0.0.1:{port}" in log for log in runner.logs)
