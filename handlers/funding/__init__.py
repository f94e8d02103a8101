"""Funding help: /funding (info), the eligibility check (/check), questions to the council office
(/ask, /inbox), their use (/stats), and deadline reminders (/reminders).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.funding import ask, check, deadlines, info, stats

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(check, ask, info, stats, deadlines)
