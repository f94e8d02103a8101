"""Typed answers in multi-step flows: cleaned of stray spaces and checked against their limits."""
from __future__ import annotations

from bot.i18n import N_


def clean_text_answer(text: str | None, limits: tuple[int, int], *,
                      keep_lines: bool = False) -> tuple[str | None, str | None]:
    """(value, None) for a usable answer, else (None, message id of the problem, with {min} and {max}).

    Runs of spaces become one; with `keep_lines` line breaks stay (an agenda is a list)."""
    if keep_lines:
        value = "\n".join(" ".join(line.split()) for line in (text or "").strip().splitlines())
    else:
        value = " ".join((text or "").split())
    low, high = limits
    if len(value) < low:
        return None, N_("That is too short. Please write at least {min} characters.")
    if len(value) > high:
        return None, N_("That is too long. Please keep it to {max} characters.")
    return value, None
