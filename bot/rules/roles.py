"""Roles: what a person may do in the bot, and what a change of role did. Imports nothing, so that
storage can store them and the rules can decide on them."""
from __future__ import annotations

import enum


class Role(str, enum.Enum):
    """What a person may do in the bot; each role may do what the ones before it may."""
    APPLICANT = "applicant"
    MEMBER = "member"
    COORDINATOR = "coordinator"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class RoleChange(enum.Enum):
    """What a role change did (storage.users.change_role decides)."""
    CHANGED = "changed"
    UNKNOWN = "unknown"  # nobody with this id
    UNCHANGED = "unchanged"  # they have this role already
    LAST_COORDINATOR = "last_coordinator"  # the council would be left without one
