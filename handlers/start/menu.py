"""/start (without a deep link), /help and the main menu's own buttons (home, help); the menu's other buttons lead into
the features, which handle them."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import EVERYONE, MenuEntry, commands_for
from bot.i18n import N_
from bot.ptb.context import BotContext
from handlers.common.buttons import COORDINATOR_MENU, MEMBER_MENU, MENU, greeting, main_menu
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage.models import Role


async def start(update: Update, context: BotContext) -> None:
    await respond(update, greeting(context), main_menu(context))


def help_text(context: BotContext) -> str:
    t = context.t
    lines = [bold(t("What I can do for you"))]
    lines += [f"/{name} – {html(t(description))}" for name, description in commands_for(context.role)]
    lines.append("")
    lines.append(html(t("You can leave any step with /cancel.")))
    return "\n".join(lines)


async def show_help(update: Update, context: BotContext) -> None:
    await respond(update, help_text(context), main_menu(context))


async def menu_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    if context.match["item"] == "home":
        await respond(update, greeting(context), main_menu(context), edit=True)
    else:
        await respond(update, help_text(context), main_menu(context), edit=True)


HANDLERS = [
    # /start with a payload is a deep link, which the feature that made it handles.
    CommandHandler("start", start, has_args=False),
    CommandHandler("help", show_help),
    CallbackQueryHandler(menu_pressed, pattern=MENU.matching(item="home|help")),
]
REQUIRED_ROLES = {MEMBER_MENU.prefix: Role.MEMBER, COORDINATOR_MENU.prefix: Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("Help"), MENU.data(item="help"), EVERYONE, (6, 0))]
