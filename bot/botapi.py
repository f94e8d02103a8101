"""The bot's side of the Bot API: python-telegram-bot's ExtBot (skipping updates it cannot read),
plus calls that leave Telegram's answer as it came."""
from __future__ import annotations

from typing import Any

from bot.incoming import SkippingBot


class KprBot(SkippingBot):
    async def call(self, method: str, **parameters: Any) -> Any:
        """Calls a Bot API method (by its Bot API name, e.g. "sendMessage") and returns Telegram's
        result as decoded JSON: a dict for a message, True for most other methods.

        For replies, whose answer nothing reads but a message id: PTB's methods turn every answer
        into a whole Message, its keyboard included, which cost a fifth of the bot's time per
        update (measured with benchmarks/updates.py). Parameters of None are left out, errors are
        raised as PTB's methods raise them (RetryAfter, Forbidden, BadRequest, TimedOut, ...), and
        the call passes the application's rate limiter like any other."""
        return await self._post(method, {name: _encoded(value) for name, value in parameters.items()})


def _encoded(value: Any) -> Any:
    """Numbers and flags as the JSON text they are sent as: PTB passes text on as it is but runs
    json.dumps on anything else, once per value and once more to see whether it is empty."""
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    return value
