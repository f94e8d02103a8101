"""Durations as settings write them: `7d`, `2h`, `1h30m`, `45s`; lists like `7d,1d,2h`."""
from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`1h30m` -> 1:30:00. Raises ValueError for anything else, and for zero."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _PART.sub("", compact):
        raise ValueError(f"{text!r} is not a duration like 7d, 2h or 1h30m")
    seconds = 0
    seen = set()
    for amount, unit in _PART.findall(compact):
        if unit in seen:
            raise ValueError(f"{text!r} names {unit} twice")
        seen.add(unit)
        seconds += int(amount) * _UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"{text!r} is no time at all")
    return timedelta(seconds=seconds)


def parse_durations(text: str) -> tuple[timedelta, ...]:
    """`7d,1d,2h` -> the distinct durations, longest first."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("no duration given")
    return tuple(sorted({parse_duration(p) for p in parts}, reverse=True))


def format_duration(duration: timedelta) -> str:
    """The setting's own notation: 1 day 2 hours -> `1d2h`."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"

