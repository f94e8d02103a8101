"""Telegram handlers, one module per feature; each exposes HANDLERS and REQUIRED_ROLES."""
