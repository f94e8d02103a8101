"""Membership: asking to join (/join), deciding and changing roles (/members), declining with a
reason, organisations, invite links.

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.membership import decline, invites, join, members, organisation

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(join, members, decline, organisation, invites)
