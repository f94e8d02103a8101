"""The one error handler: log with the update id, apologise to the user in their language, and stop
the update there."""
from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import pick_language
from handlers.respond import acknowledge, best_effort
from handlers.text import html
from storage import users

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return  # a job's error, or one between updates: nobody to tell, nothing to stop
    if not isinstance(context.error, Forbidden):  # else the user has blocked the bot
        await best_effort(_apologise(update, context), update)
    # An update whose handling failed goes no further. Above all when the gate (group -1) failed:
    # whether it would have let the update through is unknown, so the features must not see it.
    # Raised from an error handler, this makes python-telegram-bot skip the remaining handler groups.
    raise ApplicationHandlerStop


async def _apologise(update: Update, context: BotContext) -> None:
    await _use_their_language(update, context)
    if update.callback_query is not None:
        # The handler may have answered the press already; then this fails, and that is fine.
        with contextlib.suppress(TelegramError):
            await acknowledge(update)
    if update.effective_chat is not None:
        text = context.t("Sorry, something went wrong on my side. Please try again in a moment.")
        await update.effective_chat.send_message(html(text), parse_mode="HTML")


async def _use_their_language(update: Update, context: BotContext) -> None:
    """The error handler gets a fresh context, without what the gate learnt: ask again, and if the
    database is what failed, go by Telegram's language."""
    sender = update.effective_user
    if sender is None:
        return
    chosen = None
    with contextlib.suppress(Exception):
        async with context.db.begin() as session:
            account = await users.get(session, sender.id)
            chosen = account.language if account else None
    context.language = pick_language(chosen, sender.language_code, context.settings.default_language)
