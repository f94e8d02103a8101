"""Buttons and views that features share: the main menu and the greeting above it.

Imports no feature, so that any feature can show the menu or point back into it. Each feature
declares the menu's buttons that lead to it (MENU_ENTRIES) and handles their presses."""
from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup

from bot.commands import menu_rows
from bot.i18n import N_, Translator
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


def page_row(t: Translator, page: int, more: bool, data: Callable[[int], str],
             back: str = N_("« Previous")) -> list[tuple[str, str]]:
    """The buttons between pages of a list: `back` before the first page, "More »" while `more`;
    `data(n)` is the button data that opens page n."""
    row = [(t(back), data(page - 1))] if page > 0 else []
    if more:
        row.append((t("More »"), data(page + 1)))
    return row
