"""Pseudonyms for people in the logs: a keyed hash of the Telegram id, the same for one person across
restarts, which says nothing about whose it is without the key."""
from __future__ import annotations

import hashlib
import hmac
import secrets

# Until use_token() is called (a CLI command without a token, a test): random, so stable within the
# process only.
_key = secrets.token_bytes(32)


def use_token(token: str) -> None:
    """Derives the key from the bot token, which `kpr-bot run` has at every start: pseudonyms stay the
    same across restarts. A plain hash would not do: Telegram ids are few enough to try them all."""
    global _key
    _key = hmac.new(token.encode(), b"kpr-bot log pseudonyms", hashlib.sha256).digest()


def who(user_id: int) -> str:
    """The person's name in log lines: `u-3fa9c1d2`."""
    return "u-" + hmac.new(_key, str(user_id).encode(), hashlib.sha256).hexdigest()[:8]
