"""Inline keyboards from rows of (label, callback data) pairs."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

Row = Sequence[tuple[str, str]]


class Keyboard(str):
    """An inline keyboard as the JSON the Bot API takes for `reply_markup`.

    python-telegram-bot passes a string parameter on as it is, so a Keyboard goes wherever PTB takes
    a keyboard. Made with one json.dumps: PTB's InlineKeyboardButton objects, built for every reply
    and then turned back into JSON for the request, took about a tenth of the bot's time per update
    (measured with benchmarks/updates.py)."""

    __slots__ = ()

    @classmethod
    def of(cls, rows: list[list[dict[str, str]]]) -> Keyboard:
        return cls(json.dumps({"inline_keyboard": rows}, ensure_ascii=False, separators=(",", ":")))


def keyboard(rows: Iterable[Row]) -> Keyboard | None:
    """None when there is no button at all: a message without buttons, not an empty keyboard."""
    buttons = [[{"text": label, "callback_data": data} for label, data in row] for row in rows if row]
    return Keyboard.of(buttons) if buttons else None


def url_button(label: str, url: str) -> Keyboard:
    return Keyboard.of([[{"text": label, "url": url}]])
