"""The web console's storage on SQLite and PostgreSQL: a sign-in link works once and only in time, a
session ends after hours without use, and which content the bot speaks from at start: the newest
version, unless the content file changed since it was last recorded."""
from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import tomli_w

from bot import live_content
from bot.content import DEFAULT_FILE, load
from bot.web.signin import LINK_VALID, SESSION_IDLE, digest
from storage import users
from storage.console import access, versions
from storage.db import Database
from storage.models import Role

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
COORD = 500


async def a_coordinator(db: Database) -> None:
    async with db.begin() as session:
        await users.ensure(session, COORD, "Katrin Vogel", "de", NOW)
        await users.set_role(session, COORD, Role.COORDINATOR)


async def test_a_sign_in_link_works_once_and_only_in_time(db: Database) -> None:
    await a_coordinator(db)
    async with db.begin() as session:
        await access.add_login(session, COORD, digest("fresh"), NOW, NOW + LINK_VALID)
        await access.add_login(session, COORD, digest("late"), NOW, NOW + LINK_VALID)
    async with db.begin() as session:
        assert await access.use_login(session, digest("fresh"), NOW + timedelta(minutes=1)) == COORD
        assert await access.use_login(session, digest("fresh"), NOW + timedelta(minutes=2)) is None
        assert await access.use_login(session, digest("late"), NOW + LINK_VALID + timedelta(seconds=1)) is None
        assert await access.use_login(session, digest("never made"), NOW) is None


async def test_a_session_ends_after_hours_without_use_and_with_the_role(db: Database) -> None:
    await a_coordinator(db)
    async with db.begin() as session:
        await access.add_session(session, digest("cookie"), COORD, "csrf", "de", NOW, NOW - SESSION_IDLE)
    later = NOW + SESSION_IDLE - timedelta(minutes=1)
    async with db.begin() as session:
        assert (await access.touch_session(session, digest("cookie"), later, later - SESSION_IDLE)).user_id == COORD
    much_later = later + SESSION_IDLE + timedelta(minutes=1)
    async with db.begin() as session:
        assert await access.touch_session(session, digest("cookie"), much_later, much_later - SESSION_IDLE) is None
        assert (await access.console_user(session, COORD)).coordinator
        await users.set_role(session, COORD, Role.MEMBER)
        assert await access.console_user(session, COORD) is None


def with_first_answer(text: str, answer: str) -> str:
    """The content file's text with another German answer to its first FAQ entry."""
    data = tomllib.loads(text)
    data["faq"][0]["answer"]["de"] = answer
    return tomli_w.dumps(data)


async def test_at_start_the_newest_version_is_spoken_unless_the_file_changed(db: Database, tmp_path: Path) -> None:
    shipped = DEFAULT_FILE.read_text(encoding="utf-8")
    path = tmp_path / "kpr.toml"
    path.write_text(shipped, encoding="utf-8")
    from_file = load(path)
    assert await live_content.newest(db, path, from_file) is from_file  # the first version: the file
    async with db.begin() as session:
        await versions.add(session, with_first_answer(shipped, "Bis zum 15. September."), origin=versions.CONSOLE,
                           now=NOW, author_id=None, author_name="Katrin")
    assert (await live_content.newest(db, path, from_file)).faq[0].answer.de == "Bis zum 15. September."
    # Someone edits the file on the server: at the next start it wins, as a new version.
    path.write_text(with_first_answer(shipped, "Bis zum 1. Juli."), encoding="utf-8")
    assert (await live_content.newest(db, path, load(path))).faq[0].answer.de == "Bis zum 1. Juli."
    async with db.begin() as session:
        assert [v.origin for v in await versions.listing(session)] == ["file", "console", "file"]
