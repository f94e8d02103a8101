"""Rules for an announcement's content, free of Telegram: what may be sent, and how long it may be."""
from __future__ import annotations

from bot.i18n import N_

# Telegram's limits, counted as Telegram counts: in UTF-16 code units of the visible text.
MAX_TEXT = 4096
MAX_CAPTION = 1024


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def content_problem(visible_text: str | None, *, with_attachment: bool) -> str | None:
    """Why this text (or caption, with a photo or document) cannot go out, or None if it can."""
    text = visible_text or ""
    if with_attachment:
        if telegram_length(text) > MAX_CAPTION:
            return N_("The caption is too long: at most {max} characters with a photo or document.")
        return None
    if not text.strip():
        return N_("The announcement is empty. Please write a text, or send a photo or a document.")
    if telegram_length(text) > MAX_TEXT:
        return N_("That is too long: at most {max} characters.")
    return None
