"""Sending outbox rows through Telegram: each kind of row is rendered in the recipient's language at
the moment it goes out, then sent the one way every message the bot sends on its own is sent."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from bot.content import Text
from bot.i18n import N_, Translator, translator
from bot.live_content import LiveContent
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.keyboards import keyboard
from bot.ptb.ratelimit import OWN_SEND
from bot.rules.announcements import sender_name
from bot.rules.dates import format_datetime
from handlers.common.text import bold, html
from storage import broadcasts
from storage.broadcasts import Letter
from storage.db import Database
from storage.models import DeliveryKind
from storage.outbox import DueRow

ACKNOWLEDGE = Callback("ack", broadcast=ROW_ID)
ACKNOWLEDGE_LABEL = N_("Acknowledged")


@dataclass(frozen=True)
class Content:
    text: str  # Telegram HTML; the caption when there is a photo or document
    markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # a Telegram file id
    document: str | bytes | None = None  # a Telegram file id, or a file made for this message
    filename: str | None = None  # for a document made here


async def send_content(bot: Bot, chat_id: int, content: Content, *, own_send: bool) -> Message:
    """Sends content to one chat; `own_send` for the bot's own sends (paced as such, see bot.ptb.ratelimit)."""
    limit = OWN_SEND if own_send else None
    caption = content.text or None
    if content.photo is not None:
        return await bot.send_photo(chat_id, content.photo, caption=caption, parse_mode=ParseMode.HTML,
                                    reply_markup=content.markup, rate_limit_args=limit)
    if content.document is not None:
        return await bot.send_document(chat_id, content.document, caption=caption, filename=content.filename,
                                       parse_mode=ParseMode.HTML, reply_markup=content.markup,
                                       rate_limit_args=limit)
    return await bot.send_message(chat_id, content.text, parse_mode=ParseMode.HTML, reply_markup=content.markup,
                                  rate_limit_args=limit)


def letterhead(t: Translator, sender: str, sent_at: datetime, zone: ZoneInfo, *, test: bool = False) -> str:
    """What stands above an announcement: who sends it and on which day; above a test copy, that it is one."""
    lines = [bold(t("TEST – only you got this copy."))] if test else []
    lines += [bold(sender), html(t("Announcement of {date}",
                                   date=format_datetime(sent_at, zone, t.language, date_only=True)))]
    return "\n".join(lines)


def announcement(head: str, text: str, attachment_kind: str | None, file_id: str | None, ack_for: int | None,
                 t: Translator) -> Content:
    """A broadcast as its recipients get it, below its letterhead; `ack_for` is the broadcast an
    "Acknowledged" press counts for."""
    markup = keyboard([[(t(ACKNOWLEDGE_LABEL), ACKNOWLEDGE.data(broadcast=ack_for))]]) if ack_for is not None else None
    return Content(f"{head}\n\n{text}" if text else head, markup,
                   photo=file_id if attachment_kind == "photo" else None,
                   document=file_id if attachment_kind == "document" else None)


def sent_announcement(letter: Letter, council: Text, zone: ZoneInfo, t: Translator, *, ack: bool = True) -> Content:
    """A broadcast as it went out, in the reader's language; `ack`: with its "Acknowledged" button."""
    head = letterhead(t, sender_name(council.in_(t.language), letter.group), letter.sent_at, zone)
    return announcement(head, letter.text, letter.attachment_kind, letter.attachment_file_id,
                        letter.ack_for if ack else None, t)


Renderer = Callable[[DueRow, Translator], Awaitable[Content]]


class BroadcastRenderer:
    def __init__(self, db: Database, live: LiveContent, zone: ZoneInfo) -> None:
        self._db = db
        self._live = live  # the council's name as the content says it now (the web console may change it)
        self._zone = zone
        # A broadcast's content never changes once it goes out; most rows share a few broadcasts.
        self._stored: dict[int, Letter] = {}

    async def __call__(self, row: DueRow, t: Translator) -> Content:
        if row.broadcast_id is None:
            raise ValueError(f"delivery {row.delivery_id} has no broadcast")
        if row.broadcast_id not in self._stored:
            async with self._db.begin() as session:
                letter = await broadcasts.letter(session, row.broadcast_id)
            if letter is None:
                raise ValueError(f"broadcast {row.broadcast_id} is gone")
            if len(self._stored) > 100:
                self._stored.clear()
            self._stored[row.broadcast_id] = letter
        return sent_announcement(self._stored[row.broadcast_id], self._live.content.council, self._zone, t)


class OutboxSender:
    """The delivery engine's `send`: renders a row by its kind and sends it; returns the message id."""

    def __init__(self, bot: Bot, default_language: str, renderers: dict[DeliveryKind, Renderer]) -> None:
        missing = set(DeliveryKind) - set(renderers)
        if missing:  # found at start, not when the first such row fails
            raise ValueError(f"no renderer for {sorted(kind.value for kind in missing)}")
        self._bot = bot
        self._default_language = default_language
        self._renderers = renderers

    async def __call__(self, row: DueRow) -> int:
        content = await self._renderers[row.kind](row, translator(row.language or self._default_language))
        message = await send_content(self._bot, row.chat_id, content, own_send=True)
        return message.message_id
