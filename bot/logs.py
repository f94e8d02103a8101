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


# The packages whose loggers follow LOG_LEVEL down to DEBUG; they log ids, never names or texts.
OWN_PACKAGES = ("bot", "handlers", "storage")
# Libraries that write what people wrote, or what the bot sent them, at DEBUG (python-telegram-bot
# logs every request's parameters and answer, aiosqlite every statement's values) or even at INFO
# (SQLAlchemy's statements with their values; httpx the request URL, which holds the token).
# APScheduler writes two lines at INFO for every run of a job, every few seconds; tornado (the
# webhook's server) one for every connection that times out or sends garbage, which bot.ptb.webhook
# counts instead.
QUIET_LIBRARIES = ("httpx", "httpcore", "sqlalchemy", "apscheduler", "tornado", "alembic.runtime.plugins")


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    chosen = logging.getLevelName(level)
    # Every library (and any that comes later) logs at INFO at most, whatever LOG_LEVEL says.
    root.setLevel(max(chosen, logging.INFO))
    for package in OWN_PACKAGES:
        logging.getLogger(package).setLevel(chosen)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(max(chosen, logging.WARNING))
