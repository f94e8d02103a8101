"""The one error handler: log with the update id, apologise to the user in their language, go on."""
from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import pick_language
from handlers.respond import acknowledge
from handlers.text import html
from storage import users

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return  # nobody to tell, or the user has blocked the bot
    await _use_their_language(update, context)
    text = context.t("Sorry, something went wrong on my side. Please try again in a moment.")
    if update.callback_query is not None:
        # The handler may have answered the press already; then this fails, and that is fine.
        with contextlib.suppress(TelegramError):
            await acknowledge(update)
    if update.effective_chat is None:
        return
    try:
        await update.effective_chat.send_message(html(text), parse_mode="HTML")
    except TelegramError as error:
        log.warning("Could not tell the user about error in update %s: %s", update_id, error)


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
