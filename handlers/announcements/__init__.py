"""Announcements: writing one (/broadcast, compose), changing or sending early one that is
scheduled (scheduled), what happens after sending (/broadcasts, reports, acknowledgements: sent)
and reading them again (/news).

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.announcements import compose, news, scheduled, sent

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(compose, scheduled, sent, news)
