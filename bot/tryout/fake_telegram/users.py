"""Chats as the fake server keeps them, and the users (and groups) that tests play."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


def inline_buttons(reply_markup: dict[str, Any] | None) -> list[list[Button]]:
    """The inline keyboard's buttons, row by row (none for no markup, or another kind of keyboard)."""
    rows = (reply_markup or {}).get("inline_keyboard", [])
    return [[Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows]


@dataclass
class BotMessage:
    """A message the bot sent; edits change it in place (`history` keeps what it was)."""

    message_id: int
    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    time: float
    caption: str | None = None
    document: dict[str, Any] | None = None  # {"filename", "data"} for an upload, else the file id
    photo: dict[str, Any] | None = None
    parse_mode: str | None = None
    raw: str | None = None  # the text or caption as sent, with its markup
    deleted: bool = False
    history: list[str | None] = field(default_factory=list)

    @property
    def buttons(self) -> list[list[Button]]:
        return inline_buttons(self.reply_markup)

    def button(self, label: str) -> Button:
        flat = [b for row in self.buttons for b in row]
        for candidates in ([b for b in flat if b.text == label], [b for b in flat if label in b.text]):
            if candidates:
                return candidates[0]
        raise AssertionError(f"no button {label!r} on message {self.message_id}; buttons: {[b.text for b in flat]}")

    def describe(self) -> str:
        body = self.text if self.text is not None else f"[file] {self.caption or ''}"
        labels = [b.text for row in self.buttons for b in row]
        return f"#{self.message_id}: {body!r}" + (f" buttons={labels}" if labels else "")

    def as_telegram(self, bot_user: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self.message_id, "from": bot_user, "chat": chat, "date": int(time.time())}
        if self.text is not None:
            message["text"] = self.text
        if self.caption is not None:
            message["caption"] = self.caption
        if self.document is not None:
            name = self.document.get("filename") if isinstance(self.document, dict) else "file"
            message["document"] = {"file_id": f"doc{self.message_id}", "file_unique_id": f"d{self.message_id}",
                                   "file_name": name}
        if self.photo is not None:
            message["photo"] = [{"file_id": f"photo{self.message_id}", "file_unique_id": f"p{self.message_id}",
                                 "width": 100, "height": 100}]
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


@dataclass
class Answer:
    text: str | None
    show_alert: bool


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat, as a client would show it at that moment: a new message, an
    edit of one (text and buttons as they were then: the message changes in place later), or the
    answer to a pressed button."""

    kind: str  # "message", "edit" or "answer"
    chat_id: int
    message: BotMessage | None = None
    text: str | None = None  # the message's text or caption, or the answer's text
    reply_markup: dict[str, Any] | None = None
    show_alert: bool = False
    buttons_only: bool = False  # an edit that left the text as it was


class ChatLog:
    """Everything the bot did in one chat, with cursors so each event is expected once."""

    def __init__(self, chat: dict[str, Any], changed: asyncio.Condition) -> None:
        self.chat = chat
        self.messages: dict[int, BotMessage] = {}
        self.new_messages: list[BotMessage] = []
        self.edits: list[tuple[BotMessage, str | None]] = []
        self.answers: list[Answer] = []
        self.pending_queries: set[str] = set()
        self._ids = itertools.count(1)
        self._cursors = {"message": 0, "edit": 0, "answer": 0}
        self._changed = changed

    def next_message_id(self) -> int:
        # Users' and the bot's messages share one sequence per chat, as in Telegram.
        return next(self._ids)

    def add_message(self, message: BotMessage) -> None:
        self.messages[message.message_id] = message
        self.new_messages.append(message)

    def edit_message(self, message: BotMessage, text: str | None, markup: dict[str, Any] | None, at: float) -> None:
        message.history.append(message.text)
        message.text, message.reply_markup, message.time = text, markup, at
        self.edits.append((message, text))

    def add_answer(self, query_id: str, text: str | None, show_alert: bool) -> None:
        self.pending_queries.discard(query_id)
        self.answers.append(Answer(text, show_alert))

    @property
    def history(self) -> list[BotMessage]:
        return [m for m in self.messages.values() if not m.deleted]

    def describe(self) -> str:
        return "\n".join(m.describe() for m in self.history) or "(nothing)"

    async def _next(self, kind: str, items: list, timeout: float) -> Any:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(items) > self._cursors[kind]), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"no new {kind} from the bot in chat {self.chat['id']} within {timeout}s; the chat holds:\n"
                    + self.describe()) from None
            item = items[self._cursors[kind]]
            self._cursors[kind] += 1
            return item

    async def expect_message(self, timeout: float = DEFAULT_TIMEOUT, contains: str | None = None) -> BotMessage:
        message: BotMessage = await self._next("message", self.new_messages, timeout)
        body = message.text if message.text is not None else (message.caption or "")
        if contains is not None and contains not in body:
            raise AssertionError(f"the bot's next message in chat {self.chat['id']} lacks {contains!r}:\n"
                                 f"{message.describe()}\nthe chat holds:\n{self.describe()}")
        return message

    async def expect_edit(self, timeout: float = DEFAULT_TIMEOUT, contains: str | None = None,
                          message_id: int | None = None) -> BotMessage:
        message, text = await self._next("edit", self.edits, timeout)
        if message_id is not None and message.message_id != message_id:
            raise AssertionError(f"expected an edit of #{message_id}, got one of {message.describe()}")
        if contains is not None and contains not in (text or ""):
            raise AssertionError(f"the bot's next edit in chat {self.chat['id']} lacks {contains!r}: {text!r}")
        return message

    async def expect_callback_answer(self, timeout: float = DEFAULT_TIMEOUT) -> Answer:
        return await self._next("answer", self.answers, timeout)

    async def expect_no_message(self, within: float = 0.5) -> None:
        await asyncio.sleep(within)
        extra = self.new_messages[self._cursors["message"]:]
        if extra:
            raise AssertionError(f"unexpected message(s) in chat {self.chat['id']}: "
                                 + "; ".join(m.describe() for m in extra))


class Server(Protocol):
    """What users need of the fake server (bot.tryout.fake_telegram.server.FakeTelegram), which imports this module."""

    bot_user: dict[str, Any]
    chats: dict[int, ChatLog]

    async def enqueue(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    def next_callback_id(self) -> str: ...


class _Chatter:
    """What users and groups share: expecting what the bot does in their chat."""

    def __init__(self, tg: Server, log: ChatLog) -> None:
        self.tg = tg
        self.log = log
        self.expect_message = log.expect_message
        self.expect_edit = log.expect_edit
        self.expect_no_message = log.expect_no_message
        self.expect_callback_answer = log.expect_callback_answer

    @property
    def chat_id(self) -> int:
        return self.log.chat["id"]

    @property
    def history(self) -> list[BotMessage]:
        return self.log.history


class FakeUser(_Chatter):
    def __init__(self, tg: Server, profile: dict[str, Any], log: ChatLog) -> None:
        super().__init__(tg, log)
        self.profile = profile

    @property
    def id(self) -> int:
        return self.profile["id"]

    async def send(self, text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return await self.send_in(self, text, entities)

    async def send_in(self, where: _Chatter, text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A text message from this user in `where` (their own chat or a group); `entities` is
        Telegram's formatting (bold, links, ...), as a client sends it."""
        message: dict[str, Any] = {"message_id": where.log.next_message_id(), "from": self.profile,
                                   "chat": where.log.chat, "date": int(time.time()), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if entities:
            message["entities"] = message.get("entities", []) + entities
        return await self.tg.enqueue({"message": message})

    async def send_media(self, kind: str, caption: str = "", **extra: Any) -> dict[str, Any]:
        """A photo, document, sticker, ... as Telegram delivers it (file ids made up)."""
        n = self.log.next_message_id()
        media: dict[str, Any] = {
            "photo": [{"file_id": f"photo-{n}", "file_unique_id": f"up{n}", "width": 800, "height": 600}],
            "document": {"file_id": f"doc-{n}", "file_unique_id": f"ud{n}", "file_name": extra.get("file_name", "file.pdf")},
            "sticker": {"file_id": f"st-{n}", "file_unique_id": f"us{n}", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False, "type": "regular"},
        }
        message: dict[str, Any] = {"message_id": n, "from": self.profile, "chat": self.log.chat,
                                   "date": int(time.time()), kind: media[kind]}
        if caption:
            message["caption"] = caption
        return await self.tg.enqueue({"message": message})

    async def press(self, message: BotMessage, label: str) -> str:
        button = message.button(label)
        if button.callback_data is None:
            raise AssertionError(f"button {label!r} opens {button.url!r}; it has no callback data to press")
        return await self.press_data(message, button.callback_data)

    async def press_data(self, message: BotMessage, data: str) -> str:
        """A button press with any data at all: what a forged or replayed press looks like."""
        query_id = self.tg.next_callback_id()
        # The answer shows to the presser, so it is expected in the presser's own chat log.
        self.log.pending_queries.add(query_id)
        chat_log = self.tg.chats.get(message.chat_id, self.log)
        await self.tg.enqueue({"callback_query": {
            "id": query_id, "from": self.profile, "chat_instance": str(message.chat_id), "data": data,
            "message": message.as_telegram(self.tg.bot_user, chat_log.chat)}})
        return query_id


class FakeGroup(_Chatter):
    pass
