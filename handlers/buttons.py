"""Buttons and views that features share: the main menu's buttons and the greeting above them.

Imports no feature, so that any feature can show the menu or point back into it."""
from __future__ import annotations

from bot.callbacks import Callback
from bot.context import BotContext
from bot.keyboards import keyboard
from bot.membership import ROLE_NAMES
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
