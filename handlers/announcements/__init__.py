"""Announcements: writing one (/broadcast, compose) and what happens after sending (/broadcasts,
reports, acknowledgements, /news).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.announcements import compose, sent

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(compose, sent)
