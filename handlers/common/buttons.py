"""Buttons and views that features share: the main menu and the greeting above it.

Imports no feature, so that any feature can show the menu or point back into it. Each feature
declares the menu's buttons that lead to it (MENU_ENTRIES) and handles their presses."""
from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.commands import menu_rows
from bot.ptb.callbacks import USER_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import ROLE_NAMES
from handlers.common.text import bold, html
from storage.models import Role

MENU = Callback("menu", item="home|help|language|join|news|funding|check|ask|privacy|reminders")
# Member and coordinator items have their own prefixes, so the gate refuses them like any such button.
MEMBER_MENU = Callback("mmenu", item="meetings|groups|settings")
COORDINATOR_MENU = Callback("cmenu", item="invite|members|broadcast|broadcasts|newmeeting|newgroup|inbox|stats")
# Changing whom someone speaks for: one's own in /settings, anyone's on their card in /members.
ORGANISATION = Callback("org", user=USER_ID)


def main_menu(context: BotContext) -> InlineKeyboardMarkup | None:
    """The main menu's buttons for the person's role, as the features declared them (MenuEntry)."""
    t = context.t
    return keyboard([[(t(entry.label), entry.data) for entry in row]
                     for row in menu_rows(context.services.menu, context.role)])


def greeting(context: BotContext) -> str:
    t = context.t
    name = context.account.display_name if context.account else ""
    role = t(ROLE_NAMES[context.role])
    intro = {
        Role.APPLICANT: t(
            "I am the bot {of_council}. I help members of the council with meetings and working groups, "
            "and everyone with questions about funding for prevention projects.",
            of_council=context.content.names.of_council.in_(t.language)),
        Role.MEMBER: t("You are a member of the council. Here you get meeting invitations, reminders and news, "
                       "and answer whether you come."),
        Role.COORDINATOR: t("You coordinate the council: plan meetings, invite members, approve requests and keep "
                            "everyone informed."),
    }[context.role]
    return "\n\n".join([bold(t("Hello, {name}!", name=name)), html(intro), html(t("Your role: {role}", role=role))])
