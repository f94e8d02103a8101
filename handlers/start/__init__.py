"""/start, /help and the main menu, /language, the reminder preferences (/settings); the fallback
for what nothing else takes is wired by the app after all features.

What the app wires, gathered from the modules (handlers.common.features)."""
from __future__ import annotations

from handlers.common.features import gather
from handlers.start import language, menu, preferences

HANDLERS, REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT = gather(menu, language, preferences)
