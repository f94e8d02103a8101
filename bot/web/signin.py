"""Sign-in to the web console without passwords: one-time tokens (kept only as hashes), and the check
of a Telegram Mini App's initData. Free of the web stack and of SQL."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

LINK_VALID = timedelta(minutes=10)
SESSION_IDLE = timedelta(hours=8)
INIT_DATA_VALID = timedelta(hours=1)


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token: whoever reads it cannot sign in with it."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def mini_app_user(init_data: str, bot_token: str, now: datetime) -> int | None:
    """The Telegram user id in a Mini App's initData when Telegram signed it for this bot (HMAC-SHA256
    keyed with the bot token, as Telegram documents) at most INIT_DATA_VALID ago; else None."""
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    received = fields.pop("hash", "")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not received or not same(expected, received):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields.get("auth_date", "")), timezone.utc)
        user_id = int(json.loads(fields.get("user", "{}"))["id"])
    except (ValueError, KeyError, TypeError):
        return None
    if not -timedelta(minutes=1) <= now - signed_at <= INIT_DATA_VALID:  # a minute for clocks apart
        return None
    return user_id

