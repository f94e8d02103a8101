"""Membership: asking to join (/join), deciding and changing roles (/members), invite links.

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.membership import invites, join, members

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(join, members, invites)
