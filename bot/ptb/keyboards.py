"""Inline keyboards: python-telegram-bot's InlineKeyboardMarkup, from rows of (label, callback data) pairs."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

Row = Sequence[tuple[str, str]]


def keyboard(rows: Iterable[Row]) -> InlineKeyboardMarkup | None:
    """None when there is no button at all: a message without buttons, not an empty keyboard."""
    buttons = [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    return InlineKeyboardMarkup(buttons) if buttons else None

