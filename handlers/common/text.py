"""Safe HTML for messages: user-given text is always escaped before it is shown."""
from __future__ import annotations

import html as _html
import re


def html(text: str) -> str:
    return _html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{html(text)}</b>"


def snippet(text_html: str, length: int = 80) -> str:
    """The beginning of a message written in Telegram HTML, as plain text."""
    plain = _html.unescape(re.sub(r"<[^>]+>", "", text_html))
    return plain[:length] + ("…" if len(plain) > length else "")
