"""/start, /help, the main menu of buttons for each role, and the command lists shown by Telegram."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import Callback
from bot.commands import commands_for
from bot.context import BotContext
from bot.keyboards import keyboard
from bot.membership import ROLE_NAMES
from handlers import invites
from handlers.permissions import coordinators_only
from handlers.respond import acknowledge, respond
from handlers.text import bold, html
from storage.models import Role

MENU = Callback("menu", item="home|help|language|join|news|funding|check|ask|privacy")
# Member and coordinator items have their own prefixes, so the gate refuses them like any such button.
MEMBER_MENU = Callback("mmenu", item="meetings|groups|settings")
COORDINATOR_MENU = Callback("cmenu", item="invite|members|broadcast|broadcasts|newmeeting|newgroup")


def main_menu(context: BotContext):  # type: ignore[no-untyped-def]
    t = context.t
    rows = []
    rows.append([(t("Funding"), MENU.data(item="funding")), (t("Check my project"), MENU.data(item="check")),
                 (t("Ask the office"), MENU.data(item="ask"))])
    if context.role is Role.APPLICANT:
        rows.append([(t("Join the council"), MENU.data(item="join"))])
    else:
        rows.append([(t("Meetings"), MEMBER_MENU.data(item="meetings")),
                     (t("Groups"), MEMBER_MENU.data(item="groups")),
                     (t("Reminders"), MEMBER_MENU.data(item="settings"))])
    if context.role is Role.COORDINATOR:
        rows.append([(t("New meeting"), COORDINATOR_MENU.data(item="newmeeting")),
                     (t("New group"), COORDINATOR_MENU.data(item="newgroup"))])
        rows.append([(t("New announcement"), COORDINATOR_MENU.data(item="broadcast")),
                     (t("Announcements"), COORDINATOR_MENU.data(item="broadcasts"))])
        rows.append([(t("Invite members"), COORDINATOR_MENU.data(item="invite")),
                     (t("Members"), COORDINATOR_MENU.data(item="members"))])
    rows.append([(t("News on/off"), MENU.data(item="news")), (t("Privacy"), MENU.data(item="privacy"))])
    rows.append([(t("Help"), MENU.data(item="help")), (t("Deutsch / English"), MENU.data(item="language"))])
    return keyboard(rows)


def greeting(context: BotContext) -> str:
    t = context.t
    name = context.account.display_name if context.account else ""
    role = t(ROLE_NAMES[context.role])
    intro = {
        Role.APPLICANT: t(
            "I am the bot of the crime prevention council (KPR) of the Landkreis Rostock. "
            "I help members of the council with meetings and working groups, and everyone "
            "with questions about funding for prevention projects."
        ),
        Role.MEMBER: t("You are a member of the council. Here you get meeting invitations, reminders and news, "
                       "and answer whether you come."),
        Role.COORDINATOR: t("You coordinate the council: plan meetings, invite members, approve requests and keep "
                            "everyone informed."),
    }[context.role]
    return "\n\n".join([bold(t("Hello, {name}!", name=name)), html(intro), html(t("Your role: {role}", role=role))])


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
