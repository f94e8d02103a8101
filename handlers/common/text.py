"""Safe HTML for messages: user-given text is always escaped before it is shown."""
from __future__ import annotations

import html as _html


def html(text: str) -> str:
    return _html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{html(text)}</b>"
