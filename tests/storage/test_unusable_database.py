"""A database the bot cannot write or reach: `kpr-bot run` and `kpr-bot health` say so in one line,
with their exit codes, instead of a traceback at the first write."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli import EXIT_DATABASE_UNUSABLE
from tests.e2e import TOKEN

ROOT = Path(__file__).resolve().parents[2]


def kpr_bot(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    # COORDINATOR_IDS: the start writes at once. Nothing listens at BOT_API_URL: the database
    # has to be the reason the bot does not run.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "BOT_TOKEN": TOKEN,
           "COORDINATOR_IDS": "500", "BOT_API_URL": "http://127.0.0.1:9/bot"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` made read-only for whoever runs the tests: by its mode bits, and, since those do not
    stop root (as which CI runs), by the immutable attribute too."""
    mode = path.stat().st_mode
    path.chmod(mode & ~0o222)
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        assert not os.access(path, os.W_OK), f"{path} is still writable"
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "bot.db"
    migrated = kpr_bot("migrate", database_url=f"sqlite+aiosqlite:///{path}", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return path


def says_once(result: subprocess.CompletedProcess, text: str) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert [line for line in output.splitlines() if text in line] == [line for line in output.splitlines()
                                                                       if line.strip()], output


@pytest.mark.e2e
@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_is_named_by_run_and_health(database: Path, tmp_path: Path, what: str) -> None:
    url = f"sqlite+aiosqlite:///{database}"
    with read_only(database if what == "file" else database.parent):
        health = kpr_bot("health", database_url=url, cwd=tmp_path)
        run = kpr_bot("run", database_url=url, cwd=tmp_path)
    problem = f"the database file {database} is read-only" if what == "file" else \
        f"the folder {database.parent} is read-only"
    assert health.returncode == 1 and health.stderr.startswith(f"unhealthy: {problem}")
    says_once(health, problem)
    assert run.returncode == EXIT_DATABASE_UNUSABLE
    says_once(run, f"Not starting: {problem}")


@pytest.mark.e2e
def test_a_database_server_that_does_not_answer_is_named_by_run(tmp_path: Path) -> None:
    run = kpr_bot("run", database_url="postgresql+asyncpg://kpr:pw-Geheim-42@127.0.0.1:1/kpr", cwd=tmp_path)
    assert run.returncode == EXIT_DATABASE_UNUSABLE
    says_once(run, "Not starting: the database server at 127.0.0.1:1 does not answer")
    assert "pw-Geheim-42" not in run.stdout + run.stderr


@pytest.mark.e2e
def test_a_database_a_newer_kpr_bot_migrated_is_left_as_it_is_and_run_says_so(database: Path, tmp_path: Path) -> None:
    # As after going back to an older version without restoring the backup (README, "Upgrades").
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    run = kpr_bot("run", database_url=f"sqlite+aiosqlite:///{database}", cwd=tmp_path)
    output = (run.stdout + run.stderr).strip()
    assert run.returncode == 1, output
    assert "Can't locate revision identified by '9999'" in output
    assert output.splitlines()[-1].endswith("Not starting: migrating the database failed (the lines above say why)")
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
