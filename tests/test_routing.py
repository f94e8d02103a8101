"""bot.routing: the handler that takes an update is the one python-telegram-bot's plain search finds."""
from __future__ import annotations

import time

import pytest
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.app import FEATURES, FEATURE_GROUP
from bot.callbacks import PATTERN_PREFIXES
from bot.routing import Router
from handlers import fallback
from storage.db import Database
from tests.harness import BOT_USER, Harness, MakeHarness

USER = 4242


@pytest.fixture
async def h(sqlite_db: Database, make_harness: MakeHarness) -> Harness:
    # SQLite only: which handler takes an update does not depend on the database.
    return await make_harness(sqlite_db)


def plain() -> list[BaseHandler]:
    return [handler for feature in [*FEATURES, fallback] for handler in feature.HANDLERS]


def taker(handlers: list[BaseHandler], update: Update) -> BaseHandler | None:
    """The handler PTB runs for the update: the first whose check passes (a router's pick)."""
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return check[0] if isinstance(handler, Router) else handler
    return None


def message(h: Harness, text: str, command_length: int | None = None) -> Update:
    entities = [{"type": "bot_command", "offset": 0, "length": command_length}] if command_length else []
    return Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "T"}, "text": text, "entities": entities}}, h.app.bot)


def press(h: Harness, data: str | None) -> Update:
    return Update.de_json({"update_id": 1, "callback_query": {
        "id": "1", "chat_instance": "c", "from": {"id": USER, "is_bot": False, "first_name": "T"},
        **({"data": data} if data is not None else {}),
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
                    "from": BOT_USER, "text": "…"}}}, h.app.bot)


def updates(h: Harness) -> list[Update]:
    """Every command the bot knows, as typed in several ways; button data of every kind, real and
    forged; plain text, and odd presses."""
    handlers = plain() + [e for f in plain() if isinstance(f, ConversationHandler)
                          for e in [*f.entry_points, *f.fallbacks, *(s for st in f.states.values() for s in st)]]
    commands = {c for handler in handlers if isinstance(handler, CommandHandler) for c in handler.commands}
    found = []
    for command in sorted(commands) + ["unknown"]:
        for typed in (f"/{command}", f"/{command.upper()} with words", f"/{command}@{BOT_USER['username']}",
                      f"/{command}@another_bot"):
            found.append(message(h, typed, len(typed.split()[0])))
    prefixes = {PATTERN_PREFIXES[handler.pattern] for handler in handlers
                if isinstance(handler, CallbackQueryHandler) and handler.pattern in PATTERN_PREFIXES}
    samples = ["1", "1:yes:card", "1:no:note", "topics", "menu", "cancel", "back", "x", "1:2", "send", "yes", "no"]
    for prefix in sorted(prefixes) + ["zzz"]:
        found += [press(h, prefix), *(press(h, f"{prefix}:{sample}") for sample in samples)]
    found += [press(h, "fund:topics"), press(h, "chk:applicant:association"), press(h, "rsvp:1:yes:card"),
              press(h, "fund:topics\n"), press(h, "menu\n"), press(h, ""), press(h, None), message(h, "Hallo"),
              message(h, "/ not a command"), message(h, "800")]
    return found


async def test_each_update_goes_to_the_handler_the_plain_search_finds(h: Harness) -> None:
    grouped = h.app.handlers[FEATURE_GROUP]
    assert any(isinstance(handler, Router) for handler in grouped)
    taken = 0
    for update in updates(h):
        expected = taker(plain(), update)
        assert taker(grouped, update) is expected, update.to_dict()
        taken += expected is not None
    assert taken > 100  # the comparison covers handlers that take updates, not only refusals


async def test_a_person_in_a_flow_gets_their_typed_answer_to_it(h: Harness) -> None:
    await h.send(USER, "/check", language="en")
    await h.press(USER, "chk:applicant:association", language="en")
    await h.press(USER, "chk:area:county", language="en")
    await h.press(USER, "chk:topic:youth", language="en")
    await h.press(USER, "chk:begun:no", language="en")
    # Plain text starts no flow and no handler with keys takes it, yet /check is waiting for it.
    await h.send(USER, "1.3.2030", language="en")
    assert "Question 6" in h.request.texts(USER)[-1]
    assert not h.errors


def test_a_router_refuses_non_blocking_handlers() -> None:
    async def callback(update: object, context: object) -> None:
        """Never called."""

    with pytest.raises(ValueError, match="blocking"):
        Router([CommandHandler("x", callback, block=False)])
