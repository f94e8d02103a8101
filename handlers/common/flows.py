"""Multi-step flows, built one way: each has /cancel and a Cancel button, answers whatever it does
not expect, keeps its answers so far in a draft, and is stored as it changes (bot.ptb.persistence).

A user is in one flow at a time: starting one ends any other, so a typed answer or /cancel always
belongs to the flow they began last. The flow they began last is noted in their user_data, which
is stored, so a restart keeps it; a flow takes an update only from a user in it, or one that
begins it. A flow left for another keeps its step until the user begins it again, but is never
asked about an update of theirs meanwhile.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.i18n import N_
from bot.ptb.context import BotContext
from bot.rules.answers import clean_text_answer
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html

CANCELLED = N_("Cancelled. Nothing was sent.")
USE_THE_BUTTONS = N_("Please use the buttons above, or leave with /cancel.")
# What a flow reads: new messages only. An edit of an earlier message is not a new answer.
NEW = ~filters.UpdateType.EDITED
TEXT = filters.TEXT & ~filters.COMMAND & NEW
ANY_MESSAGE = ~filters.COMMAND & NEW

# In a user's user_data: the flow they are in, and the flows they left for another without ending
# them. Those keep their step in the database until begun again; named here, the daily purge of
# abandoned drafts (storage.privacy.purge) takes them along when it takes this user_data.
CURRENT, LEFT = "flow", "flows_left"
# Each flow's draft key by the flow's name: beginning one drops the drafts of the others.
_DRAFT_KEYS: dict[str, str] = {}

Callback = Callable[[Update, BotContext], Awaitable[object]]


async def text_answer(update: Update, context: BotContext, limits: tuple[int, int], *,
                      keep_lines: bool = False) -> str | None:
    """The user's typed answer, cleaned; None after telling them what is wrong with it."""
    value, problem = clean_text_answer(update.message.text, limits, keep_lines=keep_lines)
    if problem:
        await respond(update, html(context.t(problem, min=limits[0], max=limits[1])))
    return value


def draft(context: BotContext, key: str) -> dict:
    """The flow's answers so far (stored with the user's data, so a restart keeps them)."""
    return context.user_data.setdefault(key, {})


class Flow(ConversationHandler):
    """A persistent ConversationHandler of one application, asked only about the updates of users
    in it and about those that begin it."""

    def __init__(self, user_data: Mapping[int, dict], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.user_data = user_data  # the application's: whose current flow is this one

    def check_update(self, update: object) -> object:
        if isinstance(update, Update) and update.effective_user is not None \
                and self.user_data.get(update.effective_user.id, {}).get(CURRENT) != self.name \
                and not any(_takes(entry, update) for entry in self.entry_points):
            return None
        return super().check_update(update)


def _takes(handler: BaseHandler, update: Update) -> bool:
    check = handler.check_update(update)
    return check is not None and check is not False


@dataclass(frozen=True)
class FlowSpec:
    """A flow as its feature module declares it. A ConversationHandler holds the states of its
    users, so each application builds its own (for_application)."""

    name: str
    entry_points: tuple[BaseHandler, ...]
    states: Mapping[object, list[BaseHandler]]
    fallbacks: tuple[BaseHandler, ...]

    def build(self, application: Application) -> Flow:
        with warnings.catch_warnings():
            # The buttons belong to the user's flow, not to one message: per_message=False on purpose.
            warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
            return Flow(application.user_data, name=self.name, persistent=True, allow_reentry=True,
                        entry_points=list(self.entry_points), states=dict(self.states),
                        fallbacks=list(self.fallbacks))


def for_application(handlers: Iterable[BaseHandler | FlowSpec], application: Application) -> list[BaseHandler]:
    """The handlers, with a flow of this application's own for each FlowSpec."""
    return [handler.build(application) if isinstance(handler, FlowSpec) else handler for handler in handlers]


def _beginning(name: str, callback: Callback) -> Callback:
    async def begin(update: Update, context: BotContext) -> object:
        state = await callback(update, context)  # one that fails begins nothing and ends nothing
        data = context.user_data
        # Its own step, if it had one, was replaced just now; the one the user was in is left.
        left = (set(data.pop(LEFT, ())) | {data.pop(CURRENT, None)}) - {name, None}
        if left:
            data[LEFT] = sorted(left)
        for other, key in _DRAFT_KEYS.items():
            if other != name:
                data.pop(key, None)
        if state != ConversationHandler.END:
            data[CURRENT] = name
        return state
    return begin


def _continuing(name: str, callback: Callback) -> Callback:
    async def step(update: Update, context: BotContext) -> object:
        state = await callback(update, context)
        if state == ConversationHandler.END and context.user_data.get(CURRENT) == name:
            del context.user_data[CURRENT]
        return state
    return step


def flow(name: str, *, entry_points: Sequence[BaseHandler], states: dict[object, list[BaseHandler]],
         cancel_button: re.Pattern[str], draft_key: str, cancelled: str = CANCELLED,
         unexpected: str = USE_THE_BUTTONS) -> FlowSpec:
    """A flow that `/cancel` or the Cancel button leaves from any step."""

    async def cancel(update: Update, context: BotContext) -> int:
        context.user_data.pop(draft_key, None)
        await acknowledge(update)
        await respond(update, html(context.t(cancelled)), edit=update.callback_query is not None)
        return ConversationHandler.END

    async def not_expected(update: Update, context: BotContext) -> None:
        await respond(update, html(context.t(unexpected)))

    if name in _DRAFT_KEYS:
        raise ValueError(f"a flow named {name!r} exists already")
    _DRAFT_KEYS[name] = draft_key
    fallbacks = [
        CommandHandler("cancel", cancel),
        CallbackQueryHandler(cancel, pattern=cancel_button),
        MessageHandler(ANY_MESSAGE, not_expected),
    ]
    # The handlers are the same for every application: their callbacks note, in the user's data,
    # which flow the user is in.
    for handler in entry_points:
        handler.callback = _beginning(name, handler.callback)
    steps = {id(handler): handler for handler in [*fallbacks, *(h for hs in states.values() for h in hs)]
             if handler not in entry_points}
    for handler in steps.values():  # once each, though one may serve several steps
        handler.callback = _continuing(name, handler.callback)
    return FlowSpec(name, tuple(entry_points), states, tuple(fallbacks))
