"""/start, /help and the main menu's own buttons (home, help); the menu's other buttons lead into
the features, which handle them."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import commands_for
from bot.context import BotContext
from handlers import invites
from handlers.buttons import COORDINATOR_MENU, MEMBER_MENU, MENU, greeting, main_menu
from handlers.permissions import coordinators_only
from handlers.respond import acknowledge, respond
from handlers.text import bold, html
from storage.models import Role


async def start(update: Update, context: BotContext) -> None:
    payload = context.args[0] if context.args else ""
    if payload:
        await invites.accept(update, context, payload)
        return
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
    from handlers import language  # the menu points into it, and it back to the menu

    item = context.match["item"]
    if item == "home":
        await acknowledge(update)
        await respond(update, greeting(context), main_menu(context), edit=True)
    elif item == "help":
        await acknowledge(update)
        await respond(update, help_text(context), main_menu(context), edit=True)
    elif item == "language":
        await language.choose(update, context)
    elif item == "news":
        from handlers import broadcasts

        await acknowledge(update)
        await broadcasts.news(update, context)
    elif item == "funding":
        from handlers import funding

        await acknowledge(update)
        await funding.funding_command(update, context)
    # "join", "check" and "ask" start conversations and are handled as their entry points; "privacy" is
    # handled by its feature, which comes before the menu.


async def member_menu_pressed(update: Update, context: BotContext) -> None:
    from handlers import groups, meetings, settings

    await acknowledge(update)
    item = context.match["item"]
    if item == "meetings":
        await meetings.show(update, context)
    elif item == "groups":
        await groups.overview(update, context)
    else:
        await settings.show(update, context)


@coordinators_only
async def coordinator_menu_pressed(update: Update, context: BotContext) -> None:
    from handlers import broadcasts, members

    item = context.match["item"]
    if item == "invite":
        await invites.choose_uses(update, context)
        return
    await acknowledge(update)
    if item == "members":
        await members.show_page(update, context, page=0)
    elif item == "broadcasts":
        await broadcasts.list_recent(update, context)
    # "broadcast", "newmeeting" and "newgroup" start conversations and are handled as their entry points.


HANDLERS = [
    CommandHandler("start", start),
    CommandHandler("help", show_help),
    CallbackQueryHandler(menu_pressed, pattern=MENU.pattern),
    CallbackQueryHandler(member_menu_pressed, pattern=MEMBER_MENU.pattern),
    CallbackQueryHandler(coordinator_menu_pressed, pattern=COORDINATOR_MENU.pattern),
]
REQUIRED_ROLES = {MEMBER_MENU.prefix: Role.MEMBER, COORDINATOR_MENU.prefix: Role.COORDINATOR}
