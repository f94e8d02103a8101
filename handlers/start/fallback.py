"""What nothing else handled: free text, unknown commands, stale or forged buttons, /cancel outside a flow."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.pseudonym import who
from bot.ptb.context import BotContext
from handlers.common.buttons import main_menu
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html

log = logging.getLogger(__name__)


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await respond(update, html(context.t("There is nothing to cancel. Here is the menu.")), main_menu(context))


async def unknown_command(update: Update, context: BotContext) -> None:
    await respond(update, html(context.t("I do not know this command. /help lists what I can do.")), main_menu(context))


async def free_text(update: Update, context: BotContext) -> None:
    """A question typed outside any flow: the FAQ's answer with its source, or the council office."""
    t = context.t
    entry = context.services.faq.match(update.message.text or "") if update.message else None
    if entry is None:
        await respond(update, html(t("I did not find an answer to that. You can send your question to the council "
                                     "office with /ask, or choose from the menu.")), main_menu(context))
        return
    source = context.content.sources[entry.source].title
    await respond(update, html(entry.answer.in_(t.language)) + "\n\n<i>" + html(t("Source: {title}", title=source))
                  + "</i>\n" + html(t("Not what you wanted to know? /ask sends your question to the council office.")))


async def stale_button(update: Update, context: BotContext) -> None:
    # Old messages keep their buttons; forged data lands here too. Neither may do anything.
    log.warning("Unknown or stale button data %r from user %s",
                (update.callback_query.data or "")[:64], who(update.effective_user.id))
    await acknowledge(update, context.t("This button is no longer valid. Please use /start."), alert=True)


HANDLERS = [
    CommandHandler("cancel", nothing_to_cancel),
    MessageHandler(filters.COMMAND, unknown_command),
    MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED & ~filters.COMMAND, free_text),
    CallbackQueryHandler(stale_button),
]
REQUIRED_ROLES = {}
