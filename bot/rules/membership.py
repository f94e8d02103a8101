"""Rules for joining the council and changing roles, free of Telegram."""
from __future__ import annotations

from bot.i18n import N_
from bot.rules.roles import Role, RoleChange


NAME_LIMITS = (2, 100)
ORGANISATION_LIMITS = (2, 200)


# Why a role change was refused (storage.users.change_role decides): the council must never be
# left without anyone who can approve and invite.
ROLE_CHANGE_REFUSALS = {
    RoleChange.UNCHANGED: N_("{name} already has this role."),
    RoleChange.LAST_COORDINATOR: N_("{name} is the last coordinator. Make someone else coordinator first."),
}


ROLE_NAMES = {
    Role.APPLICANT: N_("applicant"),
    Role.MEMBER: N_("member"),
    Role.COORDINATOR: N_("coordinator"),
}


def listed(name: str, organisation: str | None) -> str:
    """A person as lists for the council show them: who speaks for whom is the key fact there."""
    return f"{name} ({organisation})" if organisation else name
