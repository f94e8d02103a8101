"""/language: the user picks German or English; everything after speaks that language."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import EVERYONE, MenuEntry, publish_commands
from bot.i18n import N_
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from handlers.common.buttons import MENU, greeting, main_menu
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html
from storage import users

LANGUAGE = Callback("lang", code="de|en")


async def choose(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    markup = keyboard([[("Deutsch", LANGUAGE.data(code="de")), ("English", LANGUAGE.data(code="en"))]])
    await respond(update, html(context.t("Which language should I speak?")), markup)


async def chosen(update: Update, context: BotContext) -> None:
    code = context.match["code"]
    async with context.db.begin() as session:
        await users.set_language(session, update.effective_user.id, code)
    context.language = code
    await acknowledge(update)
    await respond(update, html(context.t("From now on I speak English.")), edit=True)
    await respond(update, greeting(context), main_menu(context))
    await publish_commands(context.bot, role=context.role, language=code, chat_id=update.effective_chat.id)


HANDLERS = [
    CommandHandler("language", choose),
    CallbackQueryHandler(chosen, pattern=LANGUAGE.pattern),
    CallbackQueryHandler(choose, pattern=MENU.matching(item="language")),
]
REQUIRED_ROLES = {}
MENU_ENTRIES = [MenuEntry(N_("Deutsch / English"), MENU.data(item="language"), EVERYONE, (6, 1))]
