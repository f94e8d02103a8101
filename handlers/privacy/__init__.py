"""Privacy: what the bot stores (/privacy), a copy (/mydata) and erasure (/deleteme).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.privacy import rights

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(rights)
