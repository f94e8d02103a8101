"""A chat with the bot in the terminal (`kpr-bot try`): typed lines go to the bot as a fake Telegram
user's messages, its messages, edits and button answers are printed, numbered buttons are pressed by
typing their number, and `/as` switches between the people one can be."""
from __future__ import annotations

import asyncio
import itertools
import re
import sys
import threading
from collections.abc import Awaitable
from pathlib import Path
from typing import TextIO, TypeVar

from bot.i18n import Translator
from bot.rules.membership import ROLE_NAMES
from bot.tryout.fake_telegram import BotMessage, Button, ChatEvent, FakeTelegram, FakeUser
from bot.tryout.fake_telegram.users import inline_buttons
from storage.models import Role

# The console's own commands; a test makes sure the bot has none of these names.
AS, QUIT, HELP = "/as", "/quit", "/try"
# Typed first, it sends the rest exactly as typed: a number, or a line that begins with /as.
VERBATIM = "'"
T = TypeVar("T")
# How long the bot may take to begin answering a line, and how long it must have been quiet to be
# done with it: only then is the next line read, so that piped input waits for the answers.
ANSWER_WAIT = 20.0
QUIET = 0.4


class _Stopped(Exception):
    """The console was asked to stop while waiting."""


async def _unless(stop: asyncio.Event, work: Awaitable[T]) -> T:
    """The result of `work`; _Stopped (and `work` cancelled) when `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # its `finally` first: no prompt is waiting now
        raise _Stopped
    return task.result()


class LineReader:
    """Lines from the terminal or a pipe, read in a thread of their own so that the bot's messages are
    shown meanwhile. A line is read only when asked for, with the prompt of that moment."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.waiting = False  # a prompt is shown and the terminal waits for a line
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Semaphore(0)
        self._prompt = ""
        self._terminal: list | None = None
        if interactive:
            try:
                import readline  # noqa: F401 - input() then edits lines and keeps a history
                import termios

                # Line editing changes the terminal's settings while it waits for a line, and the console
                # may end meanwhile (Ctrl-C, the bot stopped): `close` puts them back.
                self._terminal = termios.tcgetattr(sys.stdin.fileno())
            except ImportError:
                pass
        # A daemon thread: it may still wait for a line when the console ends, which must not hold the exit up.
        self._thread = threading.Thread(target=self._read, args=(asyncio.get_running_loop(),), daemon=True)
        self._thread.start()

    async def read(self, prompt: str) -> str | None:
        """The next line without its newline; None at the end of the input (Ctrl-D)."""
        self._prompt = prompt
        self.waiting = True
        self._wanted.release()
        try:
            return await self._lines.get()
        finally:
            self.waiting = False

    def close(self) -> None:
        if self._terminal is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._terminal)

    def typed_so_far(self) -> str:
        """What has been typed of the line being read, to show it again below a message that came meanwhile."""
        try:
            import readline
        except ImportError:
            return ""
        return readline.get_line_buffer()

    @property
    def prompt(self) -> str:
        return self._prompt

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            self._wanted.acquire()
            try:
                line: str | None = input(self._prompt) if self.interactive else sys.stdin.readline()
            except EOFError:
                line = None
            if line == "" and not self.interactive:
                line = None  # readline() gives "" only at the end of a pipe
            if line is not None:
                line = line.rstrip("\r\n")
            loop.call_soon_threadsafe(self._lines.put_nowait, line)
            if line is None:
                return


class Console:
    """One terminal, several people: `people` maps the names /as takes to the fake users one can be."""

    def __init__(self, tg: FakeTelegram, people: dict[str, FakeUser], first: str, t: Translator, files: Path,
                 out: TextIO, reader: LineReader) -> None:
        self.people, self.t, self.out, self.reader = people, t, out, reader
        self.files = files.resolve()
        self.current = first
        self._events = tg.subscribe()
        self._by_chat = {user.chat_id: key for key, user in people.items()}
        # Per person: what arrived while being someone else, and the buttons shown since they last typed,
        # in the order of their numbers (an answer of several messages numbers on from one to the next).
        self._unread: dict[str, list[ChatEvent]] = {key: [] for key in people}
        self._pressable: dict[str, list[tuple[BotMessage, Button]]] = {key: [] for key in people}
        self._typed: set[str] = set()  # people who typed since buttons were last shown to them
        self._answered = asyncio.Event()  # the bot did something in the current person's chat
        self.saved: list[Path] = []

    @property
    def user(self) -> FakeUser:
        return self.people[self.current]

    def prompt(self) -> str:
        return f"{self.user.profile['first_name']} ({self.role_name(self.current)})> "

    def role_name(self, key: str) -> str:
        return self.t(ROLE_NAMES[Role(key)])

    async def run(self, stop: asyncio.Event) -> None:
        """Until the input ends, /quit, or `stop` (Ctrl-C, or the bot ended)."""
        shown = asyncio.create_task(self._show_events())
        try:
            while True:
                line = await _unless(stop, self.reader.read(self.prompt()))
                if line is None:
                    break
                if not self.reader.interactive:
                    # Piped input is not echoed by a terminal: show it, so the output reads like a chat.
                    self.write(self.prompt() + line)
                if await _unless(stop, self.handle(line)) == QUIT:
                    return
        except _Stopped:
            pass
        finally:
            shown.cancel()
        self.write("")  # Ctrl-D or Ctrl-C leave the cursor behind the prompt

    async def handle(self, line: str) -> str | None:
        """Does what a typed line asks; returns QUIT to leave."""
        text = line.strip()
        if not text:
            return None
        if text.startswith(VERBATIM):
            await self._send(line.lstrip()[len(VERBATIM):])
            return None
        command, _, argument = text.partition(" ")
        if command == QUIT:
            return QUIT
        if command == HELP:
            self.write(self.help())
        elif command == AS:
            self.switch(argument.strip().lower())
        elif text.isascii() and text.isdigit():  # "²" is a digit to Python, but no number to press
            await self.press(int(text))
        else:
            await self._send(line)
        return None

    def help(self) -> str:
        t = self.t
        return "\n".join([
            t("Type what you would send the bot, for example /start or /help."),
            t("A number presses the button shown with it in the bot's last answer. To send the bot a number, "
              "or anything exactly as typed, put ' before it: '1500"),
            t("/as applicant, /as member or /as coordinator: be someone else (each has their own chat)."),
            t("/try shows this help; /quit or Ctrl-D ends."),
        ])

    def switch(self, key: str) -> None:
        if key not in self.people:
            self.write(self.t("Who do you want to be? {choices}",
                              choices=", ".join(f"{AS} {name}" for name in self.people)))
            return
        self.current = key
        self._typed.add(key)
        self.write(self.t("You are now {name} ({role}).", name=person_name(self.user), role=self.role_name(key)))
        unread, self._unread[key] = self._unread[key], []
        if unread:
            self.write(self.t("While you were someone else:"))
            for event in unread:
                self._render(event)

    async def press(self, number: int) -> None:
        t = self.t
        pressable = self._pressable[self.current]
        if not pressable:
            self.write(t("No buttons yet. Type /start for the main menu, or '{number} to send the number.",
                         number=number))
            return
        if not 1 <= number <= len(pressable):
            self.write(t("There is no button {number}: the buttons go from 1 to {last}. To send the number "
                         "itself, type '{number}", number=number, last=len(pressable)))
            return
        message, button = pressable[number - 1]
        if button not in (b for row in message.buttons for b in row):
            self.write(t("Button {number} is gone: the bot has changed its message since.", number=number))
            return
        if button.callback_data is None:
            self.write(t("This button opens {url} in a browser.", url=button.url))
            return
        self._typed.add(self.current)
        self._answered.clear()
        await self.user.press_data(message, button.callback_data)
        await self._wait_for_answer()

    async def _send(self, text: str) -> None:
        if not text.strip():
            return
        self._typed.add(self.current)
        self._answered.clear()
        await self.user.send(text)
        await self._wait_for_answer()

    async def _wait_for_answer(self) -> None:
        """Until the bot has answered and then been quiet for a moment, so the next line meets its answer."""
        try:
            await asyncio.wait_for(self._answered.wait(), ANSWER_WAIT)
        except TimeoutError:
            self.write(self.t("(The bot has not answered within {seconds} seconds.)", seconds=int(ANSWER_WAIT)))
            return
        while True:
            self._answered.clear()
            try:
                await asyncio.wait_for(self._answered.wait(), QUIET)
            except TimeoutError:
                return

    async def _show_events(self) -> None:
        while True:
            event = await self._events.get()
            key = self._by_chat.get(event.chat_id)
            if key is None:
                continue  # someone of the demo data whom nobody plays
            if key == self.current:
                self._render(event)
                self._answered.set()
            elif event.kind == "message":
                self._unread[key].append(event)
                self.write(self.t("(A message for {name}: {command} shows it.)",
                                  name=self.people[key].profile["first_name"], command=f"{AS} {key}"))
            elif event.kind == "edit":
                self._unread[key].append(event)

    def _render(self, event: ChatEvent) -> None:
        t = self.t
        if event.kind == "answer":
            if event.text:
                label = t("bot (pop-up)") if event.show_alert else t("bot (notice)")
                self.write(_labelled(label, event.text))
            return
        message = event.message
        assert message is not None
        if event.kind == "edit" and event.buttons_only and not inline_buttons(event.reply_markup):
            return  # buttons taken off a message: nothing new to read
        lines = []
        for sent, kind in ((message.document, t("file")), (message.photo, t("photo"))):
            if sent is not None:
                # Saved once, when it comes; an edit of its message only changes the caption or buttons.
                lines.append(self._file(sent, kind) if event.kind == "message" else f"[{kind}]")
        if event.text:
            lines.append(event.text)
        label = t("bot (edited)") if event.kind == "edit" else t("bot")
        rows = inline_buttons(event.reply_markup)
        if rows:
            key = self._by_chat[event.chat_id]
            if key in self._typed:
                self._typed.discard(key)
                self._pressable[key] = []
            first = len(self._pressable[key]) + 1
            self._pressable[key] += [(message, button) for row in rows for button in row]
            lines.append(_numbered(rows, first))
        self.write(_labelled(label, "\n".join(lines)))

    def _file(self, sent: dict | str, kind: str) -> str:
        """Saves a file the bot uploaded and says where; one sent by its Telegram file id has no bytes here."""
        if not isinstance(sent, dict):
            return self.t("[{kind}: sent again from Telegram's storage, which this console does not have]",
                          kind=kind)
        self.files.mkdir(parents=True, exist_ok=True)
        path = _free_name(self.files / _safe_name(sent.get("filename") or kind))
        path.write_bytes(sent["data"])
        self.saved.append(path)
        return self.t("[{kind} saved as {path}]", kind=kind, path=str(path))

    def write(self, text: str) -> None:
        """Prints a block; a prompt being shown in a terminal is put back below it, with what was typed."""
        if self.reader.waiting and self.reader.interactive:
            self.out.write("\r\x1b[K" + text + "\n" + self.reader.prompt + self.reader.typed_so_far())
        else:
            self.out.write(text + "\n")
        self.out.flush()


def _numbered(rows: list[list[Button]], first: int) -> str:
    """The buttons row by row, numbered from `first`; ↗ marks a link. Each row begins with ▸, which sets
    it apart from the text above, where the bot numbers its sources [1], [2], ... too."""
    numbers = itertools.count(first)
    return "\n".join("▸ " + "  ".join(f"[{next(numbers)}] {button.text}" + (" ↗" if button.url else "")
                                      for button in row) for row in rows)


def _labelled(label: str, body: str) -> str:
    """`label: first line`, the other lines indented beneath it."""
    first, *rest = body.split("\n")
    return "\n".join([f"{label}: {first}", *("    " + line if line else "" for line in rest)])


def _safe_name(name: str) -> str:
    # A file name from the bot could hold a path; only its last part, in plain characters, is used.
    return re.sub(r"[^\w.\- ]", "_", Path(name).name) or "file"


def _free_name(path: Path) -> Path:
    """The path, or with -2, -3, ... before the suffix when a file of that name was saved already."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def person_name(user: FakeUser) -> str:
    return " ".join(filter(None, (user.profile.get("first_name"), user.profile.get("last_name"))))

