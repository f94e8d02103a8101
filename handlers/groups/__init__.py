"""Working groups and local councils: /groups, setting one up (/newgroup), editing.

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.groups import edit, overview, setup

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(setup, edit, overview)
