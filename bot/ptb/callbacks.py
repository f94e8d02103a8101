"""Callback data for inline buttons: `prefix:field:field`, built and parsed in one place.

Button data is never trusted: handlers re-check who may act, on every press, from the database.
"""
from __future__ import annotations

import re

MAX_BYTES = 64  # Telegram's limit for callback_data
# Ids in button data, no longer than their columns can hold: a row id (32-bit on PostgreSQL) and a
# Telegram user id (64-bit). A forged longer number then matches no handler, instead of reaching the
# database and failing there.
ROW_ID = r"\d{1,9}"
USER_ID = r"\d{1,15}"


class Callback:
    """One kind of button. `Callback("jr", request=r"\\d+", verdict="yes|no")`."""

    def __init__(self, prefix: str, **fields: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        self.prefix = prefix
        self.fields = fields
        self.pattern = self._compile(fields)

    def _compile(self, fields: dict[str, str]) -> re.Pattern[str]:
        parts = [re.escape(self.prefix)] + [f"(?P<{name}>{regex})" for name, regex in fields.items()]
        # \Z, not $: a forged trailing newline matches nothing.
        return re.compile("^" + ":".join(parts) + r"\Z")

    def matching(self, **only: str) -> re.Pattern[str]:
        """This kind's pattern with some fields narrowed, for a handler that takes only those
        presses: `STEP.matching(action="send|edit")`. Named groups stay, so `context.match` works."""
        unknown = set(only) - set(self.fields)
        if unknown:
            raise ValueError(f"{self.prefix}: no fields {sorted(unknown)}")
        return self._compile({**self.fields, **only})

    def data(self, **values: object) -> str:
        if set(values) != set(self.fields):
            raise ValueError(f"{self.prefix}: expected fields {sorted(self.fields)}, got {sorted(values)}")
        text = ":".join([self.prefix] + [str(values[name]) for name in self.fields])
        if not self.pattern.match(text):
            raise ValueError(f"{self.prefix}: values do not match their patterns: {text!r}")
        if len(text.encode()) > MAX_BYTES:
            raise ValueError(f"{self.prefix}: callback data longer than {MAX_BYTES} bytes")
        return text


def prefix_of(data: str | None) -> str:
    return (data or "").split(":", 1)[0]
