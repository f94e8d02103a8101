"""Which commands each role has, for /help and for Telegram's command menu."""
from __future__ import annotations

from bot.i18n import N_
from storage.models import Role

_EVERYONE = [
    ("start", N_("Main menu")),
    ("funding", N_("Funding for prevention projects")),
    ("check", N_("Can my project be funded?")),
    ("ask", N_("A question to the council office")),
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
