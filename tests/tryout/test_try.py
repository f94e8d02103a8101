"""`kpr-bot try` driven through its standard input and output as someone at a terminal would use it, and
the demo data it loads (`kpr-bot demo-data`)."""
from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import build_application
from bot.settings import load_settings
from bot.tryout import demo
from bot.tryout.console import AS, HELP, QUIT
from storage import groups, meetings, users
from storage.db import Database
from tests.harness import TOKEN, RecordingRequest

ROOT = Path(__file__).resolve().parents[2]
# Generous: the console starts the bot as a process of its own, which on a busy machine takes a while.
WAIT = 60.0


def _env(tmp_path: Path) -> dict[str, str]:
    """No token anywhere, and a temporary folder of its own, to see that the console leaves nothing there."""
    env = {key: value for key, value in os.environ.items() if key not in ("BOT_TOKEN", "DATABASE_URL")}
    (tmp_path / "tmp").mkdir()
    return {**env, "TMPDIR": str(tmp_path / "tmp"), "PYTHONIOENCODING": "utf-8",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))}


class Terminal:
    """The console as a subprocess: lines typed into its stdin, its stdout read as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""
        self._seen = 0  # what `expect` has consumed
        self._decoder = codecs.getincrementaldecoder("utf-8")()  # a chunk may end inside a character

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def expect(self, *texts: str, timeout: float = WAIT) -> str:
        """The output after what was expected before, once it holds all of `texts`."""
        async def arrived() -> None:
            assert self.process.stdout is not None
            while not all(text in self.output[self._seen:] for text in texts):
                chunk = await self.process.stdout.read(65536)
                if not chunk:
                    raise AssertionError(f"the console ended without showing {texts!r}")
                self.output += self._decoder.decode(chunk)
        try:
            await asyncio.wait_for(arrived(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {texts!r} within {timeout}s; the console showed:\n{self.output[self._seen:]}") \
                from None
        end = max(self.output.index(text, self._seen) + len(text) for text in texts)
        shown, self._seen = self.output[self._seen:end], end
        return shown

    async def press(self, shown: str, label: str) -> None:
        """Types the number the console showed for the button `label`."""
        found = re.search(r"\[(\d+)\] " + re.escape(label), shown)
        assert found, f"no button {label!r} in:\n{shown}"
        await self.type(found.group(1))


@contextlib.asynccontextmanager
async def console(tmp_path: Path, *options: str) -> AsyncIterator[Terminal]:
    """`kpr-bot try` with its stdin and stdout as pipes; left running by a failing test, it gets SIGTERM, so
    that it stops its bot (a SIGKILL would leave the bot behind)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "try", *options, cwd=tmp_path, env=_env(tmp_path),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        yield Terminal(process)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), WAIT)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[Terminal]:
    async with console(tmp_path, "--as", "applicant", "--lang", "de") as started:
        yield started


@pytest.mark.e2e
async def test_a_chat_as_applicant_then_coordinator(terminal: Terminal, tmp_path: Path) -> None:
    await terminal.expect("Sie sind Anna Berger (Antragstellende).", "Dateien, die der Bot schickt")

    await terminal.type("/start")
    menu = await terminal.expect("Hallo, Anna Berger!", "[8] Deutsch / English")
    assert "Bot: Hallo, Anna Berger!" in menu and "▸ [1] Förderung  [2] Mein Projekt prüfen" in menu
    await terminal.press(menu, "Förderung")
    await terminal.expect("Förderung von Präventionsprojekten", "Antrag und Kontakt")

    # The eligibility check to its result: a company is told at once; the question is edited into it.
    await terminal.type("/check")
    question = await terminal.expect("Wer stellt den Antrag?", "Abbrechen")
    await terminal.press(question, "Ein Unternehmen")
    result = await terminal.expect("Bot (bearbeitet): Ihr Ergebnis", "Neu beginnen")
    assert result.count("❌ Nicht möglich") == 2
    assert "Unternehmen sind unter den Antragsberechtigten nicht genannt" in result
    await terminal.press(result, "Projektskizze (Word)")
    saved = await terminal.expect("[Datei gespeichert als ", ".docx]")
    path = Path(re.search(r"gespeichert als (.+?\.docx)\]", saved).group(1))
    assert path.parent == tmp_path / "kpr-bot-try-files"
    outline = "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
    assert "Unternehmen sind unter den Antragsberechtigten nicht genannt" in outline

    await terminal.type("99")
    await terminal.expect("Es gibt keine Schaltfläche 99: Die Schaltflächen gehen von 1 bis")
    await terminal.type("/as chef")
    await terminal.expect("Wer möchten Sie sein? /as applicant, /as member, /as coordinator")

    await terminal.type("/as coordinator")
    await terminal.expect("Sie sind jetzt Katrin Vogel (Koordination).")
    await terminal.type("/members")
    members = await terminal.expect("7 Personen im Rat", "] Ulrike Brandt")
    assert "• Jonas Krüger (Polizeirevier Güstrow) – Mitglied" in members
    assert "• Lena Hoffmann (Sportverein Laage e. V.)" in members
    await terminal.press(members, "Lena Hoffmann annehmen")
    await terminal.expect("Bot (Hinweis): Erledigt.", "Bot (bearbeitet): 0 offene Aufnahmeanträge", "8 Personen im Rat")

    assert terminal.process.stdin is not None
    terminal.process.stdin.close()  # Ctrl-D
    await terminal.expect("Auf Wiedersehen! Der Bot ist beendet und die Beispieldatenbank gelöscht.")
    assert await asyncio.wait_for(terminal.process.wait(), WAIT) == 0
    # The throw-away database and the bot's log went with the console.
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.e2e
async def test_numbers_and_commands_of_the_console(tmp_path: Path) -> None:
    """Piped all at once, each line waits for the answer to the one before, as typed lines do."""
    lines = ["1", "'1", "/start", "2", "/as member", "/meetings", "/try", "/quit"]
    async with console(tmp_path, "--lang", "en") as terminal:
        output, _ = await asyncio.wait_for(
            terminal.process.communicate("\n".join(lines).encode() + b"\n"), WAIT * 2)
    shown = output.decode()
    assert terminal.process.returncode == 0, shown
    assert "Anna (applicant)> 1\nNo buttons yet. Type /start for the main menu, or '1 to send the number." in shown
    # '1 went to the bot as text: not a question it knows, so it offers /ask.
    assert "Anna (applicant)> '1\nbot: " in shown and "/ask" in shown.split("Anna (applicant)> '1")[1]
    assert "Anna (applicant)> 2\nbot: Can your project be funded?" in shown
    assert "You are now Jonas Krüger (member)." in shown
    assert "Sitzung des Kommunalen Präventionsrates" in shown and "▸ [1] Coming  [2] Not coming  [3] Maybe" in shown
    assert "/try shows this help; /quit or Ctrl-D ends." in shown
    assert shown.rstrip().endswith("Bye! The bot is stopped and the demo database deleted.")


@pytest.mark.e2e
async def test_sigterm_stops_the_bot_and_tidies_up(tmp_path: Path) -> None:
    async with console(tmp_path, "--as", "coordinator") as terminal:
        await terminal.expect("Sie sind Katrin Vogel (Koordination).", "Dateien, die der Bot schickt")
        terminal.process.terminate()
        await terminal.expect("Auf Wiedersehen! Der Bot ist beendet und die Beispieldatenbank gelöscht.")
        assert await asyncio.wait_for(terminal.process.wait(), WAIT) == 0
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.e2e
async def test_the_demo_data_command_adds_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = {**_env(tmp_path), "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}

    async def demo_data() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "demo-data", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), WAIT)
        assert process.returncode == 0, output.decode()
        return output.decode()

    first = await demo_data()
    assert "added   coordinator Katrin Vogel (id 900001)" in first
    assert "added   local council Präventionsrat Güstrow (2 members, no limit)" in first
    assert "added   join request Lena Hoffmann (Sportverein Laage e. V.)" in first
    assert "FAQ: 12 entries, from the content file" in first
    second = await demo_data()
    assert "added" not in second.replace("Nothing added", "")
    assert "exists  meeting Sitzung des Kommunalen Präventionsrates" in second
    assert second.rstrip().endswith("Nothing added: the demo data was there already.")
    with sqlite3.connect(tmp_path / "demo.db") as connection:
        counts = [connection.execute(f"select count(*) from {table}").fetchone()[0]
                  for table in ("users", "groups", "group_members", "meetings", "rsvps", "join_requests")]
    assert counts == [8, 4, 11, 2, 8, 1]


async def test_demo_data_through_the_bots_own_queries(db: Database) -> None:
    now = datetime.now(timezone.utc)
    loaded = await demo.load(db, now)
    assert all(item.added for item in loaded)
    assert not any(item.added for item in await demo.load(db, now))
    async with db.begin() as session:
        council, total = await users.page_of_members(session, 0, 20)
        listed = await groups.listing(session)
        upcoming, count = await meetings.upcoming(session, now, limit=10, for_user=demo.MEMBER.id)
        answers = await meetings.counts(session, [m.id for m in upcoming])
    assert total == 7 and council[0].display_name == "Katrin Vogel"  # coordinators come first
    assert {group.name: (group.members, group.capacity) for group in listed} == {
        "Sicherheit an Schulen": (3, 12), "Häusliche Gewalt und Opferschutz": (3, None),
        "Seniorensicherheit": (3, 3), "Präventionsrat Güstrow": (2, None)}
    # The member sees the council's meeting and that of their working group, both ahead, with answers.
    assert count == 2 and all(meeting.starts_at > now for meeting in upcoming)
    assert [sum(answers[m.id].values()) for m in upcoming] == [5, 3]


def test_the_console_commands_are_no_commands_of_the_bot(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, bot_token=TOKEN, database_url="sqlite+aiosqlite:///unused.db")
    application = build_application(settings, Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"),
                                    request=RecordingRequest())
    bot_commands = {command for handlers in application.handlers.values() for handler in handlers
                    for command in _commands(handler)}
    assert "start" in bot_commands and "members" in bot_commands
    assert {AS[1:], QUIT[1:], HELP[1:]} & bot_commands == set()


def _commands(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]
        return set().union(*(_commands(h) for h in inner))
    return set()
