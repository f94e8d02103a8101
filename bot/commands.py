"""Which commands each role has, for /help and for Telegram's command menu, which is set here; and
what a button of the main menu is (MenuEntry), which the features declare."""
from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.i18n import N_, translator
from bot.pseudonym import who
from storage.models import Role

log = logging.getLogger(__name__)

EVERYONE = frozenset(Role)
APPLICANTS = frozenset({Role.APPLICANT})
MEMBERS = frozenset({Role.MEMBER, Role.COORDINATOR})
COORDINATORS = frozenset({Role.COORDINATOR})

_EVERYONE = [
    ("start", N_("Main menu")),
    ("funding", N_("Funding for prevention projects")),
    ("check", N_("Can my project be funded?")),
    ("ask", N_("A question to the council office")),
    ("reminders", N_("Your deadline reminders")),
    ("help", N_("What I can do for you")),
    ("language", N_("Deutsch / English")),
    ("news", N_("News from the council on or off")),
    ("privacy", N_("What the bot stores about you")),
    ("mydata", N_("Get a copy of your data")),
    ("deleteme", N_("Erase your data")),
    ("cancel", N_("Leave the current step")),
]
_APPLICANT = [("join", N_("Ask to join the prevention council"))]
_MEMBER = [
    ("meetings", N_("Upcoming meetings, your answers")),
    ("groups", N_("Working groups and local councils")),
    ("settings", N_("Meeting reminders")),
]
_COORDINATOR = [
    ("newmeeting", N_("Plan a meeting")),
    ("newgroup", N_("Set up a working group or local council")),
    ("broadcast", N_("Send an announcement")),
    ("broadcasts", N_("Recent announcements, acknowledgements")),
    ("inbox", N_("Questions to the council office")),
    ("stats", N_("How the funding help is used")),
    ("invite", N_("Create an invite link for new members")),
    ("members", N_("Join requests and members")),
    ("web", N_("A sign-in link to the web console")),
]


def commands_for(role: Role) -> list[tuple[str, str]]:
    """(command, untranslated description) in the order the menu shows them."""
    commands = list(_EVERYONE)
    if role is Role.APPLICANT:
        commands += _APPLICANT
    else:
        commands += _MEMBER
    if role is Role.COORDINATOR:
        commands += _COORDINATOR
    return commands


@dataclass(frozen=True)
class MenuEntry:
    """A button of the main menu, declared by the feature it leads to (its MENU_ENTRIES), which also
    handles the press. `place` is (row, position in the row); entries for different roles may share one."""

    label: str  # an N_() marker
    data: str  # the button's callback data
    roles: frozenset[Role]  # who sees it
    place: tuple[int, int]


def menu_rows(entries: Iterable[MenuEntry], role: Role) -> list[list[MenuEntry]]:
    """The entries that `role` sees, row by row in their places."""
    shown = sorted((entry for entry in entries if role in entry.roles), key=lambda entry: entry.place)
    return [list(row) for _, row in itertools.groupby(shown, key=lambda entry: entry.place[0])]


async def publish_commands(bot: Bot, *, role: Role = Role.APPLICANT, language: str | None = None,
                           chat_id: int | None = None) -> None:
    """Sets Telegram's command menu: per language for everyone, or for one chat (its role and language).

    A failure is logged, not raised: the menu is a convenience, the commands work without it.
    """
    languages = [language] if chat_id is not None else ["de", "en"]
    try:
        for lang in languages:
            t = translator(lang or "de")
            commands = [BotCommand(name, t(description)) for name, description in commands_for(role)]
            if chat_id is not None:
                await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
            else:
                await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=lang)
    except TelegramError as error:
        log.warning("Could not set the command menu (chat %s): %s", who(chat_id), error)


async def publish_default_commands(bot: Bot, default_language: str) -> None:
    await publish_commands(bot)
    # Clients whose language is neither de nor en see the default language's list.
    try:
        t = translator(default_language)
        await bot.set_my_commands([BotCommand(n, t(d)) for n, d in commands_for(Role.APPLICANT)],
                                  scope=BotCommandScopeDefault())
    except TelegramError as error:
        log.warning("Could not set the default command menu: %s", error)
