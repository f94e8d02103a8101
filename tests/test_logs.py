"""The logging set-up: LOG_LEVEL reaches the bot's own loggers; libraries, which log what people
wrote and what the bot sent them, stay at INFO or above, the chatty ones at WARNING."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Every logger's level and the root's handlers as they were before the test."""
    root = logging.getLogger()
    loggers = [root, *(logger for logger in logging.root.manager.loggerDict.values()
                       if isinstance(logger, logging.Logger))]
    handlers, levels = root.handlers[:], {logger: logger.level for logger in loggers}
    yield
    root.handlers[:] = handlers
    for logger in [root, *(logger for logger in logging.root.manager.loggerDict.values()
                           if isinstance(logger, logging.Logger))]:
        logger.setLevel(levels.get(logger, logging.NOTSET))


def test_debug_reaches_the_bots_own_loggers_only(restored_logging: None) -> None:
    setup_logging("DEBUG", [])
    for own in ("bot.runner", "handlers.funding.ask", "storage.db"):
        assert logging.getLogger(own).isEnabledFor(logging.DEBUG), own
    # python-telegram-bot logs each request's parameters (the texts sent) and each answer (the
    # updates, with names and texts) at DEBUG; aiosqlite each statement's values.
    for library in ("telegram.ext.ExtBot", "telegram.Bot", "telegram.ext.Updater", "aiosqlite", "asyncio",
                    "aiohttp.client", "some.library.nobody.knows.yet"):
        assert not logging.getLogger(library).isEnabledFor(logging.DEBUG), library
        assert logging.getLogger(library).isEnabledFor(logging.INFO), library
    # Two lines for each run of a job every 3 seconds; SQL statements with their values; a line
    # for each connection to the webhook that stalls.
    for chatty in ("apscheduler.scheduler", "apscheduler.executors.default", "sqlalchemy.engine.Engine",
                   "tornado.general", "tornado.access"):
        assert not logging.getLogger(chatty).isEnabledFor(logging.INFO), chatty
        assert logging.getLogger(chatty).isEnabledFor(logging.WARNING), chatty


def test_a_higher_level_holds_for_everyone(restored_logging: None) -> None:
    setup_logging("ERROR", [])
    for name in ("bot.runner", "telegram.ext.Updater", "apscheduler.scheduler"):
        assert not logging.getLogger(name).isEnabledFor(logging.WARNING), name
        assert logging.getLogger(name).isEnabledFor(logging.ERROR), name
