"""End to end: when PostgreSQL goes silent (connections open, nothing arrives), no chat waits for
good and SIGTERM still ends the bot in time."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.runner import STOP_DEADLINE
from bot.tryout.fake_telegram import FakeTelegram, FakeUser
from tests.blackhole import BlackholeProxy, blackhole_proxy
from tests.e2e import BotRunner

pytestmark = pytest.mark.e2e

UPDATE_DEADLINE = 2.0
DATABASE_TIMEOUT = 1.0


@pytest.fixture
async def proxied(tg: FakeTelegram, tmp_path: Path, postgres_url: str) -> AsyncIterator[tuple[BotRunner, BlackholeProxy]]:
    """The bot on PostgreSQL through a proxy that can go silent; the test reads the database directly."""
    url = make_url(postgres_url)
    async with blackhole_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        runner = BotRunner(tg, tmp_path, database_url=postgres_url)
        runner.env.update(DATABASE_URL=url.set(port=proxy.port).render_as_string(hide_password=False),
                          UPDATE_DEADLINE=str(UPDATE_DEADLINE), DATABASE_TIMEOUT=str(DATABASE_TIMEOUT))
        await runner.start()
        try:
            yield runner, proxy
        finally:
            await runner.stop(timeout=STOP_DEADLINE + 5)


async def greeted(people: list[FakeUser], text: str, within: float) -> None:
    for person in people:
        await person.send(text)
    for person in people:
        await person.expect_message(timeout=within, contains="Hallo")


async def handed_over(tg: FakeTelegram) -> None:
    """Until the bot has taken every update sent so far."""
    while tg.pending_updates:
        await asyncio.sleep(0.02)


async def test_a_silent_database_holds_no_chat_for_good(tg: FakeTelegram, proxied: tuple[BotRunner, BlackholeProxy]) -> None:
    runner, proxy = proxied
    people = [tg.user(3000 + n, f"Person {n}") for n in range(5)]
    await greeted(people, "/start", within=10)

    proxy.blackhole()
    for person in people:
        await person.send("/start")
    await asyncio.wait_for(handed_over(tg), 10)
    proxy.restore()

    # Each update caught in the silence is given up at its deadline, and the person told so; the
    # next one is answered.
    started = time.monotonic()
    for person in people:
        # Given up at the deadline, or failed at the database's own timeout first: either way told.
        told = (await person.expect_message(timeout=UPDATE_DEADLINE + 5)).text or ""
        assert "hat zu lange gedauert" in told or "etwas schiefgegangen" in told, told
    await greeted(people, "/start", within=UPDATE_DEADLINE + 5)
    assert time.monotonic() - started < UPDATE_DEADLINE + 5
    assert proxy.dead_connections > 0, "the silence caught connections in use"


async def test_sigterm_while_the_database_is_silent_ends_in_time(
        tg: FakeTelegram, proxied: tuple[BotRunner, BlackholeProxy]) -> None:
    runner, proxy = proxied
    people = [tg.user(3100 + n, f"Person {n}") for n in range(5)]
    await greeted(people, "/start", within=10)

    proxy.blackhole()
    for person in people:
        await person.send("/start")
    await asyncio.wait_for(handed_over(tg), 10)
    assert runner.process is not None
    started = time.monotonic()
    await runner.stop(timeout=STOP_DEADLINE + 20)
    took = time.monotonic() - started
    assert took < STOP_DEADLINE, f"the stop took {took:.1f} s"
    assert runner.process.returncode == 0
