"""Finding the handler for an update without asking every handler.

python-telegram-bot asks the handlers of a group one after another whether they take an update,
and each flow (ConversationHandler) asks each of its entry points: some 60 handlers and 10 flows,
more than a tenth of the bot's time per update (cProfile, benchmarks/updates.py). Most of them
can be ruled out at once: a CommandHandler takes only its commands, and a CallbackQueryHandler
whose pattern a bot.callbacks.Callback made takes only button data with that prefix. An Index
keeps, for each command and prefix, the handlers that might take it, in their order; those it
cannot rule out (other patterns, other kinds of handler) stay in every list. Those left are asked
as before, so which handler takes an update does not change.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.callbacks import PATTERN_PREFIXES

Key = tuple[str, str]  # ("/", command) or (":", callback prefix)
UNKEYED: Key = ("", "")  # neither a command nor a button press: no handler with keys takes it


def handler_keys(handler: BaseHandler) -> frozenset[Key] | None:
    """The keys of all updates this handler can take; None when that cannot be told."""
    if isinstance(handler, CommandHandler):
        return frozenset(("/", command) for command in handler.commands)
    if isinstance(handler, CallbackQueryHandler) and handler.game_pattern is None \
            and isinstance(handler.pattern, re.Pattern) and handler.pattern in PATTERN_PREFIXES:
        return frozenset({(":", PATTERN_PREFIXES[handler.pattern])})
    return None


def update_key(update: object) -> Key | None:
    """The command (as CommandHandler reads it) or button prefix of an update, UNKEYED for other
    updates, None for a button press without data (which a CallbackQueryHandler with a pattern
    takes, oddly, so that every handler is asked)."""
    # Asked by each flow and router in turn, which PTB does for one update before the next.
    if update is _last[0]:
        return _last[1]
    key = _key(update)
    _last[:] = [update, key]
    return key


_last: list = [None, None]  # the update asked about last, and its key


def _key(update: object) -> Key | None:
    if not isinstance(update, Update):
        return UNKEYED
    query = update.callback_query
    if query is not None:
        return (":", query.data.split(":", 1)[0]) if isinstance(query.data, str) and query.data else None
    message = update.effective_message
    if message is not None and message.text and message.entities:
        first = message.entities[0]
        if first.type == MessageEntity.BOT_COMMAND and first.offset == 0:
            return ("/", message.text[1:first.length].split("@", 1)[0].lower())
    return UNKEYED


class Index:
    """Handlers, and for each key the ones that might take an update with it, in their order."""

    def __init__(self, handlers: Sequence[BaseHandler]) -> None:
        self.handlers = list(handlers)
        keys = [handler_keys(h) for h in self.handlers]
        self._unkeyed = [h for h, k in zip(self.handlers, keys) if k is None]
        known = set().union(*(k for k in keys if k is not None))
        self._by_key = {key: [h for h, k in zip(self.handlers, keys) if k is None or key in k] for key in known}

    def candidates(self, update: object) -> list[BaseHandler]:
        key = update_key(update)
        return self.handlers if key is None else self._by_key.get(key, self._unkeyed)


class Router(BaseHandler):
    """Stands for consecutive handlers of a group: the first of them that takes the update handles it,
    as if they were in the group themselves. Flows stay in the group (see routed)."""

    def __init__(self, handlers: Sequence[BaseHandler]) -> None:
        # Application.process_update awaits a blocking handler but only starts a task for one that
        # is not; the router answers for its handlers, so they must all be blocking, as the bot's are.
        if any(h.block is False for h in handlers):
            raise ValueError("a router takes blocking handlers only")
        super().__init__(self._unused)
        self._index = Index(handlers)
        self.handlers = self._index.handlers

    @staticmethod
    async def _unused(update: object, context: Any) -> None:
        raise AssertionError("the router's own callback is never called")

    def check_update(self, update: object) -> tuple[BaseHandler, Any] | None:
        for handler in self._index.candidates(update):
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(self, update: Any, application: Any, check_result: Any, context: Any) -> Any:
        handler, check = check_result
        return await handler.handle_update(update, application, check, context)


def routed(handlers: Sequence[BaseHandler]) -> list[BaseHandler]:
    """The handlers of a group with each run of handlers between flows behind one Router. Flows
    (ConversationHandlers) stay in the group itself: the application finds them there to store
    their state."""
    result: list[BaseHandler] = []
    run: list[BaseHandler] = []
    for handler in [*handlers, None]:
        if handler is None or isinstance(handler, ConversationHandler):
            if run:
                result.append(Router(run))
                run = []
            if handler is not None:
                result.append(handler)
        else:
            run.append(handler)
    return result
