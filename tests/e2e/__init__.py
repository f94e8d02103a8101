"""End-to-end support: the bot as its own process against the fake Bot API, and its database."""
from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.tryout.fake_telegram import BotProcess, FakeTelegram

TOKEN = "424242:E2E-secret-token-ABCDEFGHIJKLMNOP"
COORD = 500


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


# The real bot with BROADCAST_RATE lifted beyond the 30/s that settings allow in production: for
# benchmarks, and for tests of what happens around an announcement rather than of its pace.
LIFTED_RATE = """
import asyncio, sys
from bot.content import load
from bot.logs import setup_logging
from bot.cli import run
from bot.settings import load_settings
settings = load_settings().model_copy(update={"broadcast_rate": float(sys.argv[1])})
setup_logging(settings.log_level, settings.secrets)
sys.exit(asyncio.run(run(settings, load(settings.content_file))))
"""


def lifted_rate(rate: float) -> list[str]:
    """The command that runs the bot as `python -m bot run` does, sending up to `rate` messages a second."""
    return [sys.executable, "-c", LIFTED_RATE, str(rate)]


class BotRunner:
    """Starts, kills and restarts the bot process against one database.

    `command` replaces `python -m bot run` (e.g. `lifted_rate`). `template`, a migrated SQLite
    file (the `sqlite_template` fixture), is copied into place first: the bot's migration at start
    then has nothing to do."""

    def __init__(self, tg: FakeTelegram, workdir: Path, command: list[str] | None = None,
                 database_url: str | None = None, template: Path | None = None) -> None:
        self.tg = tg
        self.command = command
        self.workdir = workdir
        self.database = workdir / "data" / "bot.db"
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.database}"
        self.postgres = self.database_url.startswith("postgresql")
        if template is not None and not self.postgres:
            self.database.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, self.database)
        self.env = {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": tg.api_url,
            "DATABASE_URL": self.database_url,
            "COORDINATOR_IDS": str(COORD),
            "LOG_LEVEL": "DEBUG",
            # No web console unless a test asks for one: bots side by side would each want port 8080.
            "WEB_PORT": "0",
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

    async def stop(self, timeout: float = 10) -> None:
        """SIGTERM; SIGKILL if the process has not ended within `timeout` seconds."""
        if self.process is not None and self.process.returncode is None:
            await self.process.stop(timeout=timeout)
            self.logs.append(self.process.log_text())

    # The tests read and write the bot's database behind its back, on either backend: SQL in the
    # dialect both share, `?` for parameters, aware datetimes as values.
    def query(self, sql: str, *args: object) -> list[tuple]:
        return self._run(sql, [args])

    def execute(self, sql: str, *args: object) -> None:
        self._run(sql, [args])

    def add_people(self, ids: list[int], role: str = "member", language: str = "de") -> None:
        """People the bot knows already, written straight into its database (fast for thousands)."""
        first_seen = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
        self._run("insert into users (id, display_name, language, role, first_seen) values (?, ?, ?, ?, ?)",
                  [(uid, f"Person {uid}", language, role, first_seen) for uid in ids])

    def tables(self) -> list[str]:
        if self.postgres:
            return [name for (name,) in self.query(
                "select table_name from information_schema.tables where table_schema = current_schema()")]
        return [name for (name,) in self.query("select name from sqlite_master where type = 'table'")]

    def _run(self, sql: str, rows: Sequence[Sequence[object]]) -> list[tuple]:
        if self.postgres:
            return _on_postgres(self.database_url, sql, rows)
        with sqlite3.connect(self.database) as connection:
            values = [[_for_sqlite(value) for value in row] for row in rows]
            if len(values) == 1:
                return connection.execute(sql, values[0]).fetchall()
            connection.executemany(sql, values)
            return []

    async def wait_until(self, sql: str, expected: list[tuple], timeout: float = 10) -> None:
        for _ in range(int(timeout / 0.05)):
            if self.query(sql) == expected:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{sql!r} gave {self.query(sql)!r}, expected {expected!r}")


def _for_sqlite(value: object) -> object:
    # As SQLAlchemy stores an aware datetime in SQLite: UTC, without the offset.
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _on_postgres(url: str, sql: str, rows: Sequence[Sequence[object]]) -> list[tuple]:
    import asyncpg

    numbered = iter(range(1, 1000))
    statement = re.sub(r"\?", lambda _: f"${next(numbered)}", sql)

    async def run() -> list[tuple]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            if len(rows) == 1:
                return [tuple(record) for record in await connection.fetch(statement, *rows[0])]
            await connection.executemany(statement, rows)
            return []
        finally:
            await connection.close()

    # A thread of its own: the tests call this from inside their running event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture(params=["sqlite", "postgresql"])
async def bot(request: pytest.FixtureRequest, tg: FakeTelegram, tmp_path: Path,
              sqlite_template: Path) -> AsyncIterator[BotRunner]:
    """The bot as its own process, on SQLite and on PostgreSQL, on a migrated database of its own.
    A test marked `broadcast_rate(n)` has it send up to n messages a second (`lifted_rate`)."""
    marker = request.node.get_closest_marker("broadcast_rate")
    command = lifted_rate(marker.args[0]) if marker else None
    if request.param == "postgresql":
        runner = BotRunner(tg, tmp_path, command, database_url=request.getfixturevalue("postgres_url"))
    else:
        runner = BotRunner(tg, tmp_path, command, template=sqlite_template)
    await runner.start()
    yield runner
    await runner.stop()
    for log in runner.logs:
        # The token must never reach a log line, whatever happened.
        assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert any("kpr-bot is running" in log for log in runner.logs)


