"""Funding help: /funding (info), the eligibility check (/check), questions to the council office
(/ask, /inbox) and their use (/stats).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.funding import ask, check, info, stats

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(check, ask, info, stats)
