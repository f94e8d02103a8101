"""Logging set-up that keeps secrets out of every log line."""
from __future__ import annotations

import logging
import re


_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


def without_secrets(text: str) -> str:
    """Text from elsewhere (an exception) with anything shaped like a bot token taken out: for what is
    stored or shown, where the log filter below does not reach."""
    return _TOKEN_SHAPE.sub("[secret]", text)


class RedactSecrets(logging.Filter):
    """Replaces known secrets (and anything shaped like a bot token) in a record's final text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return without_secrets(text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Render once, then redact: secrets can hide in args and in exception text alike.
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.clean(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.INFO))
