"""Typed answers in multi-step flows: cleaned of stray spaces and invisible characters, and checked
against their limits."""
from __future__ import annotations

import unicodedata

from bot.i18n import N_

# Characters that show nothing on their own: controls, format characters (zero-width space and
# joiner, direction marks), spaces and separators, unassigned and private code points, and marks
# that only change the character before them.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that Unicode counts as visible but fonts draw as blank space: the Braille
# blank and the Hangul fillers, favourites for names that look empty.
_BLANK = frozenset("\u2800\u3164\u115f\u1160\uffa0")
# At the end of a text a mark belongs to the character before it (an accent, an emoji's style).
_MARKS = frozenset({"Mn", "Me"})


def _invisible(character: str) -> bool:
    return character in _BLANK or unicodedata.category(character) in _INVISIBLE_CATEGORIES


def visible(text: str) -> bool:
    """Whether the text shows anything: at least one character that is not blank."""
    return any(not _invisible(character) for character in text)


def strip_invisible(text: str) -> str:
    """The text without the blank characters before and after what it shows."""
    start = 0
    while start < len(text) and _invisible(text[start]):
        start += 1
    end = len(text)
    while end > start and _invisible(text[end - 1]) and unicodedata.category(text[end - 1]) not in _MARKS:
        end -= 1
    return text[start:end]


def clean_text_answer(text: str | None, limits: tuple[int, int], *,
                      keep_lines: bool = False) -> tuple[str | None, str | None]:
    """(value, None) for a usable answer, else (None, message id of the problem, with {min} and {max}).

    Runs of spaces become one, and blank characters at either end go; with `keep_lines` line
    breaks stay (an agenda is a list). An answer of nothing but blank characters (three zero-width
    spaces) is refused as such: its length says nothing."""
    lines = (text or "").splitlines() if keep_lines else [text or ""]
    value = "\n".join(" ".join(strip_invisible(line).split()) for line in lines).strip("\n")
    low, high = limits
    if low > 0 and not value and (text or "").strip():
        return None, N_("That shows no letters or digits. Please write it with visible characters.")
    if len(value) < low:
        return None, N_("That is too short. Please write at least {min} characters.")
    if len(value) > high:
        return None, N_("That is too long. Please keep it to {max} characters.")
    return value, None
