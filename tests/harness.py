"""Handler tests on a real Application: a recording fake transport, updates fed with process_update,
and an error collector so that an exception a handler swallowed still fails the test."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.settings import load_settings
from handlers.common import errors
from storage import outbox
from storage.db import Database

TOKEN = "123456:HANDLER-test-token-0000000000"
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "KPR Test", "username": "kpr_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
# The `make_harness` fixture (tests/conftest.py): (db, **options) -> a started Harness.
MakeHarness = Callable[..., Awaitable["Harness"]]


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    """What a method answers instead of its result: an error status and body, or a transport timeout."""

    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    timeout: bool = False
    times: int | None = 1  # None: until cleared


class RecordingRequest(BaseRequest):
    """Answers Bot API calls the way Telegram would and records them; `fail` and `time_out` inject
    errors, once or for as long as a test wants."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._message_ids = itertools.count(100)
        self.failures: dict[str, Failure] = {}

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def fail(self, method: str, status: int, description: str, *, times: int | None = 1, **parameters: Any) -> None:
        self.failures[method] = Failure(status, {"ok": False, "error_code": status, "description": description,
                                                 **({"parameters": parameters} if parameters else {})}, times=times)

    def time_out(self, method: str, *, times: int | None = 1) -> None:
        """`method` gets no answer in time, as python-telegram-bot's own transports report it."""
        self.failures[method] = Failure(timeout=True, times=times)

    def clear_failures(self) -> None:
        self.failures.clear()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = {k: _decode(v) for k, v in (request_data.json_parameters if request_data else {}).items()}
        # Uploads come as multipart parts, which parameters point at as "attach://<part>".
        files = {name: {"filename": filename, "data": content if isinstance(content, bytes) else content.read()}
                 for name, (filename, content, _) in ((request_data.multipart_data or {}) if request_data else {}).items()}
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                params[key] = files[value[9:]]
        params.update({name: file for name, file in files.items() if name not in params})
        self.calls.append(Call(api_method, params))
        failure = self.failures.get(api_method)
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times == 0:
                    del self.failures[api_method]
            if failure.timeout:
                raise TimedOut()
            return failure.status, json.dumps(failure.body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto"):
            chat_id = int(params.get("chat_id", 0))
            return {"message_id": int(params.get("message_id") or next(self._message_ids)), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                    "from": BOT_USER, "text": params.get("text", ""),
                    **({"reply_markup": params["reply_markup"]} if "reply_markup" in params else {})}
        if method == "getUpdates":
            return []
        return True

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    def latest(self, chat_id: int) -> dict[str, Any]:
        """What the user sees last: the newest message the bot sent to the chat, or edited there."""
        shown = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")
        return next(c.params for c in reversed(self.calls)
                    if c.method in shown and int(c.params.get("chat_id", 0)) == chat_id)

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]


def _command_entities(text: str) -> list[dict[str, Any]]:
    """As Telegram marks a command at the start of a message."""
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def buttons(params: dict[str, Any]) -> dict[str, str]:
    """A message's inline buttons: label -> callback data or link, from the parameters as the Bot API got
    them, or as the bot built them (an InlineKeyboardMarkup)."""
    markup = params.get("reply_markup") or {}
    rows = markup.to_dict() if isinstance(markup, InlineKeyboardMarkup) else markup
    return {b["text"]: b.get("callback_data") or b.get("url") for row in rows.get("inline_keyboard", []) for b in row}


@dataclass
class Harness:
    app: Application
    request: RecordingRequest
    db: Database
    errors: list[BaseException] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def _feed(self, payload: dict[str, Any]) -> None:
        update = Update.de_json({"update_id": next(self._update_ids), **payload}, self.app.bot)
        await self.app.process_update(update)
        await self.app.update_persistence()

    def _user(self, user_id: int, language: str, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}

    async def send(self, user_id: int, text: str, *, language: str = "de", name: str = "Test",
                   chat: dict[str, Any] | None = None) -> None:
        await self._feed({"message": {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": name},
            "from": self._user(user_id, language, name), "text": text, "entities": _command_entities(text)}})

    async def edit(self, user_id: int, message_id: int, text: str, *, language: str = "de") -> None:
        """The user edits a message they sent earlier."""
        await self._feed({"edited_message": {
            "message_id": message_id, "date": int(time.time()), "edit_date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Test"},
            "from": self._user(user_id, language, "Test"), "text": text, "entities": _command_entities(text)}})

    async def send_media(self, user_id: int, kind: str, caption: str = "", *, language: str = "de") -> None:
        """A photo, document or sticker with made-up file ids, as Telegram delivers it."""
        n = next(self._message_ids)
        media = {
            "photo": [{"file_id": f"photo-{n}", "file_unique_id": f"p{n}", "width": 800, "height": 600}],
            "document": {"file_id": f"doc-{n}", "file_unique_id": f"d{n}", "file_name": "Einladung.pdf"},
            "sticker": {"file_id": f"st-{n}", "file_unique_id": f"s{n}", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False, "type": "regular"},
        }[kind]
        await self._feed({"message": {
            "message_id": n, "date": int(time.time()), "chat": {"id": user_id, "type": "private", "first_name": "Test"},
            "from": self._user(user_id, language, "Test"), kind: media, **({"caption": caption} if caption else {})}})

    async def press(self, user_id: int, data: str, *, language: str = "de", name: str = "Test",
                    message_id: int = 1, document: str | None = None) -> None:
        """A button pressed on a message of the bot: a text, or a `document` with a caption."""
        content: dict[str, Any] = {"text": "…"} if document is None else {
            "caption": "…", "document": {"file_id": document, "file_unique_id": f"u-{document}"}}
        await self._feed({"callback_query": {
            "id": str(next(self._update_ids)), "chat_instance": "ci", "data": data,
            "from": self._user(user_id, language, name),
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private"}, "from": BOT_USER, **content}}})

    def answers(self) -> list[dict[str, Any]]:
        return self.request.sent(method="answerCallbackQuery")

    async def deliver(self, *, and_later: bool = False, timeout: float = 5.0) -> None:
        """Runs the delivery engine, as the running bot does, until the outbox holds nothing due now;
        `and_later`: nothing pending at all (a row Telegram asked to wait for is due later)."""
        engine = self.app.bot_data["services"].sender
        engine.start()
        try:
            async with asyncio.timeout(timeout):
                while await self._pending(and_later):
                    await asyncio.sleep(0.01)
        finally:
            await engine.stop()

    async def _pending(self, and_later: bool) -> bool:
        async with self.db.begin() as session:
            due = await outbox.next_due(session, ())
        return due is not None and (and_later or due <= datetime.now(timezone.utc))


async def start_harness(db: Database, coordinator_ids: str = "", flood_limit: int = 100_000,
                        content_file: Path | None = None, **overrides: Any) -> Harness:
    """Tests click faster than people: the flood guard only where a test is about it. `content_file`
    is CONTENT_FILE (None: the shipped one); `overrides`: others of the bot's settings, by their names
    in Settings."""
    settings = load_settings(_env_file=None, bot_token=TOKEN, database_url="sqlite+aiosqlite:///unused.db",
                             coordinator_ids=coordinator_ids, flood_limit=flood_limit, content_file=content_file,
                             **overrides)
    request = RecordingRequest()
    app = build_application(settings, db, request=request)
    harness = Harness(app, request, db)

    async def collect(update: object, context: Any) -> None:
        harness.errors.append(context.error)

    # Before the bot's own error handler, which stops the update and with it any later error handler.
    app.remove_error_handler(errors.on_error)
    app.add_error_handler(collect)
    app.add_error_handler(errors.on_error)
    await app.initialize()
    return harness
