"""End to end, as in production: webhook mode with its secret, one sender per database, Telegram's
409 Conflict, a stop by SIGTERM in the middle of an announcement, and `kpr-bot health`."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.tryout.fake_telegram import BotProcess, FakeTelegram
from tests.e2e import COORD, TOKEN, BotRunner
from tests.flows import compose_and_send

SECRET = "webhook-Secret_0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kpr_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def logs_of(runner: BotRunner) -> str:
    assert runner.process is not None
    return "\n".join([*runner.logs, runner.process.log_text()])


async def test_webhook_mode_takes_updates_only_with_the_secret(tg: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/kpr"
    runner = BotRunner(tg, tmp_path, command=[sys.executable, "-m", "bot", "run", "--webhook"])
    runner.env.update(WEBHOOK_URL=url, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET)
    await runner.start(ready="setWebhook")
    try:
        registered = next(call for call in tg.calls if call.method == "setWebhook")
        assert registered.params["url"] == url and registered.params["secret_token"] == SECRET
        # Telegram (the fake) posts a user's message with the secret: the bot answers as usual.
        anna = tg.user(1001, "Anna")
        await anna.send("/start")
        assert "Hallo, Anna!" in (await anna.expect_message(timeout=20)).text

        # Someone else posts straight to the webhook: without the secret or with a wrong one, 403
        # and nothing happens.
        mallory = tg.user(1002, "Mallory")
        forged = {"update_id": 999_999, "message": {
            "message_id": 1, "date": int(time.time()), "text": "/start",
            "from": {"id": 1002, "is_bot": False, "first_name": "Mallory", "language_code": "de"},
            "chat": {"id": 1002, "type": "private", "first_name": "Mallory"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
            await mallory.expect_no_message(within=1.0)
            # The same update with the secret goes through: it was the secret that was missing.
            forged["update_id"] += 1
            async with session.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                assert response.status == 200
        assert "Hallo, Mallory!" in (await mallory.expect_message(timeout=20)).text
        assert not any(call.method == "getUpdates" for call in tg.calls), "a webhook bot does not poll"
    finally:
        await runner.stop()
    assert runner.process is not None and runner.process.returncode == 0
    text = logs_of(runner)
    assert SECRET not in text and TOKEN.split(":")[1] not in text


def test_webhook_mode_refuses_to_start_without_a_good_secret(tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
           "WEBHOOK_URL": "https://bot.example.org/telegram", "WEBHOOK_SECRET": ""}
    missing = kpr_bot("run", "--webhook", env=env, cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "kpr-bot: configuration error: WEBHOOK_SECRET is required for --webhook but not set"]
    short = kpr_bot("run", "--webhook", env={**env, "WEBHOOK_SECRET": "hunter2"}, cwd=tmp_path)
    assert short.returncode == 2 and "WEBHOOK_SECRET must be 16 to 256 characters" in short.stderr
    assert "hunter2" not in short.stderr + short.stdout
    plain = kpr_bot("run", "--webhook", env={**env, "WEBHOOK_SECRET": SECRET,
                                             "WEBHOOK_URL": "http://bot.example.org/telegram"}, cwd=tmp_path)
    assert plain.returncode == 2 and "WEBHOOK_URL must be the public https:// address" in plain.stderr


async def test_a_second_bot_on_the_same_database_refuses_to_start(tg: FakeTelegram, bot: BotRunner,
                                                                  tmp_path: Path) -> None:
    second = BotProcess(env=bot.env, cwd=bot.workdir, log_dir=tmp_path / "second")
    await second.start()
    assert await second.wait(timeout=30) == 3
    lines = [line for line in second.log_text().splitlines() if "ERROR" in line]
    assert len(lines) == 1 and "already running against this database" in lines[0]
    if bot.postgres:
        assert "PostgreSQL advisory lock" in lines[0]
    else:
        assert f"pid {bot.process.pid}" in lines[0]  # type: ignore[union-attr]
    # The first goes on as if nothing happened.
    anna = tg.user(1001, "Anna")
    await anna.send("/start")
    assert "Hallo, Anna!" in (await anna.expect_message()).text


async def test_telegrams_409_conflict_ends_the_process_with_one_clear_line(tg: FakeTelegram, tmp_path: Path) -> None:
    runner = BotRunner(tg, tmp_path)
    await runner.start()
    try:
        tg.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request; "
                                   "make sure that only one bot instance is running", times=None)
        # A message ends the long poll under way, so that the next poll, which meets the conflict,
        # comes at once rather than after the poll's 10 s.
        await tg.user(1001, "Anna").send("/start")
        assert runner.process is not None
        assert await runner.process.wait(timeout=20) == 4
    finally:
        await runner.stop()  # a process that did not end is not left behind
    text = runner.process.log_text()
    assert text.count("409 Conflict") == 1 and "another process is getting updates with this bot token" in text


@pytest.mark.broadcast_rate(1000)  # about the stop, not the pace
async def test_sigterm_in_the_middle_of_an_announcement(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    ids = list(range(20_000, 20_300))
    bot.add_people(ids)
    members = {uid: tg.user(uid, "M") for uid in ids}
    await compose_and_send(coordinator, "Einladung")
    tg.latency = 0.3  # every send in flight when the signal comes takes a while to be answered
    while bot.query("select count(*) from deliveries where status = 'sent'")[0][0] < 30:
        await asyncio.sleep(0.05)
    assert bot.process is not None
    started = time.monotonic()
    await bot.stop()
    assert time.monotonic() - started < 10 and bot.process.returncode == 0
    # Every row is sent or handed back; none is left half way.
    states = dict(bot.query("select status, count(*) from deliveries group by status"))
    assert set(states) <= {"sent", "pending"} and sum(states.values()) == len(ids)
    assert states["sent"] == sum(1 for uid, m in members.items() if m.log.new_messages)
    tg.latency = 0
    await bot.start()
    await bot.wait_until("select count(*) from deliveries where status = 'sent'", [(len(ids),)], timeout=60)
    received = Counter({uid: len(m.log.new_messages) for uid, m in members.items()})
    assert set(received.values()) == {1}, "a stop by SIGTERM loses nothing and sends nothing twice"


def imported_by(log: str) -> set[str]:
    """The top-level packages a process started with `-X importtime` imported, from its output."""
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in log.splitlines()
            if line.startswith("import time:")}


async def test_run_keeps_migrations_and_unused_features_out_of_its_memory(tg: FakeTelegram, tmp_path: Path) -> None:
    # Python keeps every module it imported until the process ends. A new database: the migrations
    # run in a process of their own, their lines in the bot's log as before; then a restart on the
    # migrated database. The bot's process loads neither Alembic nor what serves features nobody has
    # used yet (calendar files, answers to typed questions, project outlines; tests/test_e2e_meetings.py and
    # test_e2e_funding.py use them).
    runner = BotRunner(tg, tmp_path, command=[sys.executable, "-X", "importtime", "-m", "bot", "run"])
    for start in ("new database", "restart"):
        await runner.start()
        await runner.stop()
        assert runner.process is not None and runner.process.returncode == 0
        log = runner.logs[-1]
        assert ("Running upgrade" in log) == (start == "new database"), start
        imported = imported_by(log)
        unused = {"alembic", "mako", "icalendar", "rapidfuzz", "snowballstemmer", "docx"}
        assert "telegram" in imported and not imported & unused, start


def test_health_says_whether_the_database_is_ready(tmp_path: Path, postgres_url: str) -> None:
    sqlite = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"}
    missing = kpr_bot("health", env=sqlite, cwd=tmp_path)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "data" / "bot.db").exists(), "a health check creates nothing"
    assert kpr_bot("migrate", env=sqlite, cwd=tmp_path).returncode == 0
    healthy = kpr_bot("health", env=sqlite, cwd=tmp_path)
    assert (healthy.returncode, healthy.stdout.strip()) == (0, "ok")

    postgres = {"DATABASE_URL": postgres_url}
    assert kpr_bot("migrate", env=postgres, cwd=tmp_path).returncode == 0
    assert kpr_bot("health", env=postgres, cwd=tmp_path).returncode == 0
    # A server that does not answer: unhealthy, in one line, without the password.
    down = kpr_bot("health", env={"DATABASE_URL": "postgresql+asyncpg://kpr:pw-Geheim-42@127.0.0.1:1/kpr"},
                   cwd=tmp_path)
    assert down.returncode == 1 and down.stderr.startswith("unhealthy: the database server at 127.0.0.1:1 does not answer")
    assert len(down.stderr.strip().splitlines()) == 1 and "pw-Geheim-42" not in down.stderr + down.stdout


async def test_sigterm_while_the_command_menus_wait_out_a_429_ends_in_order(tg: FakeTelegram, tmp_path: Path,
                                                                             sqlite_template: Path) -> None:
    """The menus set at start are set again at the next: a stop does not wait a minute for them."""
    tg.fail("setMyCommands", 429, retry_after=60, times=1)
    runner = BotRunner(tg, tmp_path, template=sqlite_template)
    await runner.start()
    await tg.wait_for_call("setMyCommands", timeout=20)
    started = time.monotonic()
    await runner.stop(timeout=30)
    assert time.monotonic() - started < 6
    assert runner.process is not None and runner.process.returncode == 0, runner.logs[-1][-2000:]
    assert "Traceback" not in runner.logs[-1]


async def test_sigterm_while_a_reply_waits_out_a_429_still_ends_within_10_seconds(tg: FakeTelegram,
                                                                                  bot: BotRunner) -> None:
    anna = tg.user(1001, "Anna")
    # Telegram holds the bot back for a minute; the reply to Anna waits to be retried.
    tg.fail("sendMessage", 429, retry_after=60, chat_id=1001, times=1)
    await anna.send("/start")
    await tg.wait_for_call("sendMessage", timeout=20)
    assert bot.process is not None
    started = time.monotonic()
    await bot.stop(timeout=30)
    assert time.monotonic() - started < 10
    # The reply's update is given up when the sends' grace is over, and the stop ends in order.
    assert bot.process.returncode == 0
    assert "was given up" in bot.process.log_text()
