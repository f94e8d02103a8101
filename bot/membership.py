"""Rules for joining the council and changing roles, free of Telegram."""
from __future__ import annotations

from bot.i18n import N_
from storage.models import Role

NAME_LIMITS = (2, 100)
ORGANISATION_LIMITS = (2, 200)


def role_change_problem(current: Role, new: Role, coordinators: int) -> str | None:
    """Why a person with role `current` may not be given `new` now, or None if they may."""
    if current is new:
        return N_("{name} already has this role.")
    if current is Role.COORDINATOR and coordinators <= 1:
        # The council must never be left without anyone who can approve and invite.
        return N_("{name} is the last coordinator. Make someone else coordinator first.")
    return None


ROLE_NAMES = {
    Role.APPLICANT: N_("applicant"),
    Role.MEMBER: N_("member"),
    Role.COORDINATOR: N_("coordinator"),
}
