"""The one error handler: log with the update id, apologise to the user in their language, and stop
the update there."""
from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot.i18n import pick_language, translator
from bot.ptb.context import BotContext
from handlers.common.respond import acknowledge, best_effort
from handlers.common.text import html
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


async def tell_given_up(application: Application, update: object) -> None:
    """For an update given up at its deadline (bot.ptb.updates): the person hears that it did not work,
    in Telegram's language (the database may be what is stuck), before the chat's next update."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = application.bot_data["services"]
    sender = update.effective_user
    t = translator(pick_language(None, sender.language_code if sender else None,
                                 services.settings.default_language))
    text = t("Sorry, that took too long on my side and did not work. Please try again in a moment.")
    await best_effort(application.bot.send_message(update.effective_chat.id, html(text), parse_mode="HTML"), update)
