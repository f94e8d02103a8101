"""Telegram handlers: a package per feature, each declaring what the app wires (HANDLERS,
REQUIRED_ROLES, MENU_ENTRIES, WITHOUT_ACCOUNT), and handlers/common, which they share."""
