"""Rules for an announcement's content, free of Telegram: what may be sent, and how long it may be."""
from __future__ import annotations

from bot.i18n import N_

# Telegram's limits, counted as Telegram counts: in UTF-16 code units of the visible text.
MAX_TEXT = 4096
MAX_CAPTION = 1024
# Above every announcement stand its sender and date (and on a test copy, that it is one): the
# author's text keeps this much room free for them. A sender's name is cut to SENDER_MAX.
HEADER_ROOM = 200
SENDER_MAX = 100
TEXT_LIMIT = MAX_TEXT - HEADER_ROOM
CAPTION_LIMIT = MAX_CAPTION - HEADER_ROOM


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def content_problem(visible_text: str | None, *, with_attachment: bool) -> str | None:
    """Why this text (or caption, with a photo or document) cannot go out, or None if it can."""
    text = visible_text or ""
    if with_attachment:
        if telegram_length(text) > CAPTION_LIMIT:
            return N_("The caption is too long: at most {max} characters with a photo or document.")
        return None
    if not text.strip():
        return N_("The announcement is empty. Please write a text, or send a photo or a document.")
    if telegram_length(text) > TEXT_LIMIT:
        return N_("That is too long: at most {max} characters.")
    return None


def sender_name(council: str, group: str | None) -> str:
    """Who an announcement is from: its group's, if it went to a group, else the council's."""
    return (group or council)[:SENDER_MAX]
