"""`kpr-bot try`: the real bot as its own process, talking to the fake Bot API on this computer, with a
throw-away SQLite database full of demo data, and a chat with it in the terminal (bot.tryout.console). No
token, no internet; the database and the bot's log go when the console ends."""
from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bot.content import load as load_content
from bot.i18n import Translator, translator
from bot.settings import load_content_settings
from bot.tryout import demo
from bot.tryout.console import Console, LineReader, person_name
from bot.tryout.fake_telegram import BotProcess, FakeTelegram, FakeUser
from storage.db import Database
from storage.models import Role

# The fake server accepts this token and nothing else; Telegram never sees it.
TOKEN = "123456:TRY-local-console-no-telegram"
# Someone new, whom the bot meets as an applicant; the member and the coordinator come from the demo data.
APPLICANT = demo.Person(900100, "Anna", "Berger", Role.APPLICANT)
PERSONAS = {person.role.value: person for person in (APPLICANT, demo.MEMBER, demo.COORDINATOR)}
# A fresh process imports the bot and migrates the database; on a busy machine that takes a while.
START_TIMEOUT = 90.0


class Ending:
    """Why the console should end: asked to (Ctrl-C, SIGTERM, the terminal closed), or the bot ended."""

    def __init__(self) -> None:
        self.now = asyncio.Event()
        self.asked = False
        # Whatever ends the console, it stops the bot first: a bot left behind would keep polling a
        # server that is gone. (The terminal's Ctrl-C reaches the bot's process too; that is expected.)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, self.ask)

    def ask(self) -> None:
        self.asked = True
        self.now.set()


async def try_bot(persona: str, language: str, files: Path, *, interactive: bool) -> int:
    t = translator(language)
    out = sys.stdout
    # The content file the bot would use (CONTENT_FILE, or the one shipped): a faulty one stops here with
    # its line, as it stops `kpr-bot run`; an absolute path, since the bot runs in another folder.
    content_file = load_content_settings().content_file
    load_content(content_file)
    ending = Ending()
    with tempfile.TemporaryDirectory(prefix="kpr-bot-try-") as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'try.db'}"
        out.write(t("Starting the bot with demo data …") + "\n")
        out.flush()
        await _load_demo_data(database_url)
        async with FakeTelegram(TOKEN) as tg:
            people = _people(tg, language)
            # The demo data has its coordinator; ids from the environment would be strangers to the fake server.
            env = {"BOT_TOKEN": TOKEN, "BOT_API_URL": tg.api_url, "DATABASE_URL": database_url,
                   "COORDINATOR_IDS": "", "DEFAULT_LANGUAGE": language, "LOG_LEVEL": "INFO",
                   "WEB_PORT": "0"}  # the chat is the try-out; no port taken on this computer
            if content_file is not None:
                env["CONTENT_FILE"] = str(content_file.resolve())
            process = BotProcess(env, cwd=Path(workdir), log_dir=Path(workdir))
            await process.start()
            ended = asyncio.create_task(process.wait(timeout=None))
            ended.add_done_callback(lambda _: ending.now.set())
            try:
                if not await _started(tg, ending):
                    if not ending.asked:
                        out.write(t("The bot did not start. Its log:") + "\n" + process.log_text())
                    return 1
                await _chat(tg, people, persona, t, files, interactive, ending)
                if ended.done() and not ending.asked:
                    out.write(t("The bot stopped unexpectedly. The end of its log:") + "\n"
                              + "\n".join(process.log_text().splitlines()[-20:]) + "\n")
                    return 1
            finally:
                ended.cancel()
                await process.stop()
    out.write(t("Bye! The bot is stopped and the demo database deleted.") + "\n")
    return 0


async def _load_demo_data(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate()
        await demo.load(db, datetime.now(timezone.utc))
    finally:
        await db.dispose()


def _people(tg: FakeTelegram, language: str) -> dict[str, FakeUser]:
    """The people one can be, speaking the console's language. Everyone else of the demo data gets a chat
    too, so that what the bot sends them (an announcement, a meeting's invitation) is delivered."""
    for person in demo.PEOPLE:
        tg.user(person.id, person.first_name, last_name=person.last_name, language_code="de")
    return {key: tg.user(person.id, person.first_name, last_name=person.last_name, language_code=language)
            for key, person in PERSONAS.items()}


async def _started(tg: FakeTelegram, ending: Ending) -> bool:
    """True once the bot asks for updates; False when it ends, takes too long, or the console is to end."""
    polling = asyncio.create_task(tg.wait_for_call("getUpdates", timeout=START_TIMEOUT))
    stopping = asyncio.create_task(ending.now.wait())
    await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for task in (polling, stopping):
        task.cancel()
    await asyncio.gather(polling, stopping, return_exceptions=True)
    return polling.done() and not polling.cancelled() and polling.exception() is None


async def _chat(tg: FakeTelegram, people: dict[str, FakeUser], persona: str, t: Translator, files: Path,
                interactive: bool, ending: Ending) -> None:
    reader = LineReader(interactive)
    console = Console(tg, people, persona, t, files, sys.stdout, reader)
    console.write("\n".join([
        t("This is the real bot, talking to a fake Telegram on this computer: no token, no internet. "
          "Its database is deleted when you leave."),
        t("Demo data: {people} people of the council, {groups} groups, {meetings} upcoming meetings and a "
          "request to join; the FAQ comes from the content file.",
          people=sum(person.role is not Role.APPLICANT for person in demo.PEOPLE),
          groups=len(demo.GROUPS), meetings=len(demo.MEETINGS)),
        t("You are {name} ({role}).", name=person_name(people[persona]), role=console.role_name(persona)),
        console.help(),
        t("Files the bot sends are saved in {folder}.", folder=str(files.resolve())),
        "",
    ]))
    try:
        await console.run(ending.now)
    finally:
        reader.close()
    if console.saved:
        console.write(t("The files the bot sent are in {folder}.", folder=str(files.resolve())))
