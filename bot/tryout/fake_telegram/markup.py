"""Telegram's HTML parse mode: what the user sees, and the 400 Telegram gives for broken markup."""
from __future__ import annotations

from html.parser import HTMLParser

_ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
            "span", "blockquote", "tg-emoji"}


class MarkupError(ValueError):
    pass


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _ALLOWED:
            raise MarkupError(f"Unsupported start tag \"{tag}\"")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise MarkupError(f"Unexpected end tag \"{tag}\"")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as a user sees it; MarkupError where Telegram would refuse the message."""
    if (parse_mode or "").upper() != "HTML":
        return text
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise MarkupError(f"Can't find end tag corresponding to start tag \"{parser.open[-1]}\"")
    if "<" in "".join(parser.text) and "&lt;" not in text:
        raise MarkupError("Unsupported start tag")
    return "".join(parser.text)
