"""Multi-step flows, built one way: each has /cancel and a Cancel button, answers whatever it does
not expect, keeps its answers so far in a draft, and is stored as it changes (bot.persistence).
A user is in one flow at a time: starting one ends any other, so a typed answer or /cancel always
belongs to the flow they began last."""
from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.routing import Index
from bot.i18n import N_
from handlers.respond import acknowledge, respond
from handlers.text import html

CANCELLED = N_("Cancelled. Nothing was sent.")
USE_THE_BUTTONS = N_("Please use the buttons above, or leave with /cancel.")
# What a flow reads: new messages only. An edit of an earlier message is not a new answer.
NEW = ~filters.UpdateType.EDITED
TEXT = filters.TEXT & ~filters.COMMAND & NEW
ANY_MESSAGE = ~filters.COMMAND & NEW


def draft(context: BotContext, key: str) -> dict:
    """The flow's answers so far (stored with the user's data, so a restart keeps them)."""
    return context.user_data.setdefault(key, {})


class Flow(ConversationHandler):
    """A persistent ConversationHandler that knows its draft and can be ended from outside."""

    def __init__(self, draft_key: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.draft_key = draft_key
        self._starts = Index(self.entry_points)

    def check_update(self, update: object) -> object:
        # Every flow is asked about every update (bot.routing): one that does not continue this
        # flow and that none of its entry points can take is ruled out without asking them.
        if not self._starts.candidates(update) and isinstance(update, Update):
            chat, user = update.effective_chat, update.effective_user
            if chat is not None and user is not None and (chat.id, user.id) not in self._conversations:
                return None
        return super().check_update(update)

    def end(self, key: tuple[int, int], user_data: dict) -> None:
        # The same as a callback returning END; PTB offers no public way from outside the flow.
        self._update_state(self.END, key)
        user_data.pop(self.draft_key, None)


FLOWS: list[Flow] = []


def _ending_the_others(own: Flow, callback: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
    async def start(update: Update, context: BotContext) -> object:
        if update.effective_chat is not None and update.effective_user is not None:
            key = (update.effective_chat.id, update.effective_user.id)
            for other in FLOWS:
                if other is not own:
                    other.end(key, context.user_data)
        return await callback(update, context)
    return start


def flow(name: str, *, entry_points: Sequence[BaseHandler], states: dict[object, list[BaseHandler]],
         cancel_button: re.Pattern[str], draft_key: str, cancelled: str = CANCELLED,
         unexpected: str = USE_THE_BUTTONS) -> Flow:
    """A flow that `/cancel` or the Cancel button leaves from any step."""

    async def cancel(update: Update, context: BotContext) -> int:
        context.user_data.pop(draft_key, None)
        await acknowledge(update)
        await respond(update, html(context.t(cancelled)), edit=update.callback_query is not None)
        return ConversationHandler.END

    async def not_expected(update: Update, context: BotContext) -> None:
        await respond(update, html(context.t(unexpected)))

    with warnings.catch_warnings():
        # The buttons belong to the user's flow, not to one message: per_message=False on purpose.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = Flow(
            draft_key,
            name=name,
            persistent=True,
            allow_reentry=True,
            entry_points=list(entry_points),
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=cancel_button),
                MessageHandler(ANY_MESSAGE, not_expected),
            ],
        )
    for handler in entry_points:
        handler.callback = _ending_the_others(conversation, handler.callback)
    FLOWS.append(conversation)
    return conversation
