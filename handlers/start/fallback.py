"""What nothing else handled: free text (a question for the FAQ), unknown commands, stale or forged buttons,
/cancel outside a flow."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.pseudonym import who
from bot.ptb.context import BotContext
from handlers.common.buttons import main_menu
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html
from handlers.start import faq

log = logging.getLogger(__name__)


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await respond(update, html(context.t("There is nothing to cancel. Here is the menu.")), main_menu(context))


async def unknown_command(update: Update, context: BotContext) -> None:
    await respond(update, html(context.t("I do not know this command. /help lists what I can do.")), main_menu(context))


async def stale_button(update: Update, context: BotContext) -> None:
    # Old messages keep their buttons; forged data lands here too. Neither may do anything.
    log.warning("Unknown or stale button data %r from user %s",
                (update.callback_query.data or "")[:64], who(update.effective_user.id))
    await acknowledge(update, context.t("This button is no longer valid. Please use /start."), alert=True)


HANDLERS = [
    CommandHandler("cancel", nothing_to_cancel),
    MessageHandler(filters.COMMAND, unknown_command),
    # A question typed outside any flow.
    MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED & ~filters.COMMAND, faq.typed_question),
    CallbackQueryHandler(faq.chosen, pattern=faq.CHOICE.pattern),
    CallbackQueryHandler(stale_button),
]
REQUIRED_ROLES = {}
