"""Invite links: codes, their validity, and the deep link that carries them."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

VALIDITY = timedelta(days=14)
USE_CHOICES = (1, 5, 20)
MAX_USES = 500
# A link for more people than this is asked about first: anyone who gets it becomes a member.
LARGE = 50
_PREFIX = "inv_"
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def new_code() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, ~96 bits: not guessable


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={_PREFIX}{code}"


def code_from_payload(payload: str) -> str | None:
    """The invite code in a /start payload, or None when the payload is no invite."""
    if not payload.startswith(_PREFIX):
        return None
    code = payload[len(_PREFIX):]
    return code if _CODE.match(code) else None
