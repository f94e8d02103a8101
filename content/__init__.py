"""The bot's editable content: the council office keeps its texts, rules and sources here (see README)."""
