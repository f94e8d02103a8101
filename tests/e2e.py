"""End-to-end support: the bot as its own process against the fake Bot API, and its database."""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fake_telegram import BotProcess, FakeTelegram

TOKEN = "424242:E2E-secret-token-ABCDEFGHIJKLMNOP"
COORD = 500


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


class BotRunner:
    """Starts, kills and restarts the bot process against one database.

    `command` replaces `python -m bot run` (benchmarks start the bot with settings lifted beyond
    what production allows)."""

    def __init__(self, tg: FakeTelegram, workdir: Path, command: list[str] | None = None) -> None:
        self.tg = tg
        self.command = command
        self.workdir = workdir
        self.database = workdir / "data" / "bot.db"
        self.env = {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": tg.api_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "COORDINATOR_IDS": str(COORD),
            "LOG_LEVEL": "DEBUG",
        }
        self.process: BotProcess | None = None
        self.logs: list[str] = []

    async def start(self, ready: str = "getUpdates") -> None:
        """Starts the process and waits for its first `ready` call (setWebhook in webhook mode)."""
        calls = sum(1 for call in self.tg.calls if call.method == ready)
        self.process = BotProcess(env=self.env, cwd=self.workdir, log_dir=self.workdir, command=self.command)
        await self.process.start()
        await self.tg.wait_for_call(ready, timeout=30, count=calls + 1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.logs.append(self.process.log_text())

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            await self.process.stop(timeout=10)
            self.logs.append(self.process.log_text())

    def query(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, args).fetchall()

    def execute(self, sql: str, *args: object) -> None:
        with sqlite3.connect(self.database) as connection:
            connection.execute(sql, args)

    def add_people(self, ids: list[int], role: str = "member", language: str = "de") -> None:
        """People the bot knows already, written straight into its database (fast for thousands)."""
        with sqlite3.connect(self.database) as connection:
            connection.executemany(
                "insert into users (id, display_name, language, role, first_seen) "
                "values (?, ?, ?, ?, '2026-11-01 10:00:00.000000')",
                [(uid, f"Person {uid}", language, role) for uid in ids])

    async def wait_until(self, sql: str, expected: list[tuple], timeout: float = 10) -> None:
        for _ in range(int(timeout / 0.05)):
            if self.query(sql) == expected:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{sql!r} gave {self.query(sql)!r}, expected {expected!r}")


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(tg, tmp_path)
    await runner.start()
    yield runner
    await runner.stop()
    for log in runner.logs:
        # The token must never reach a log line, whatever happened.
        assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert any("kpr-bot is running" in log for log in runner.logs)


