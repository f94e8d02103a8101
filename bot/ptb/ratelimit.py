"""One rate limiter for every Bot API call: replies and the bot's own sends share Telegram's budget.

It is python-telegram-bot's AIORateLimiter (the overall rate for calls that address a chat, 20
messages a minute to a group, retries of replies after a 429) with what that lacks added:

- even pacing: the overall budget is handed out per tenth of a second, not as a burst of a second's worth;
- for the bot's own sends (`rate_limit_args=OWN_SEND`): their own, lower rate, so replies to people
  keep some room during an announcement, and at most one message a second to the same chat;
- a 429 holds back every call for the `retry_after` Telegram gave, also the bot's own sends, which
  are not retried here: their sender records the answer and tries the row again later.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

OWN_SEND = -1  # the rate_limit_args that mark one of the bot's own sends
TELEGRAM_SAFE_RATE = 29.0
GROUP_PER_MINUTE = 20
SAME_CHAT_SPACING = 1.0
_WINDOW = 0.1  # seconds: budgets are handed out per tenth of a second


class SharedRateLimiter(AIORateLimiter):
    def __init__(self, *, overall_rate: float = TELEGRAM_SAFE_RATE, own_rate: float = 25.0,
                 reply_retries: int = 3) -> None:
        self.overall_rate = max(overall_rate, own_rate)
        self.own_rate = own_rate
        super().__init__(overall_max_rate=self.overall_rate * _WINDOW, overall_time_period=_WINDOW,
                         group_max_rate=GROUP_PER_MINUTE, group_time_period=60, max_retries=0)
        self._own = AsyncLimiter(max(1.0, own_rate * _WINDOW), max(1.0, own_rate * _WINDOW) / own_rate)
        self._next_for_chat: dict[int | str, float] = {}
        self._paused_until = 0.0
        self._reply_retries = reply_retries

    def pause(self, seconds: float) -> None:
        """Holds every call for `seconds` (Telegram's retry_after), however many ask."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def _wait_out_pause(self) -> None:
        while (remaining := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(remaining)

    async def _space_same_chat(self, chat_id: int | str) -> None:
        # Reserve the chat's next slot before sleeping, so concurrent sends queue up one a second.
        now = time.monotonic()
        slot = max(now, self._next_for_chat.get(chat_id, 0.0))
        self._next_for_chat[chat_id] = slot + SAME_CHAT_SPACING
        if len(self._next_for_chat) > 10_000:
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        own_send = rate_limit_args == OWN_SEND
        chat_id = data.get("chat_id")
        if own_send and chat_id is not None:
            await self._space_same_chat(chat_id)
            await self._own.acquire()

        async def after_pause(*call_args: Any, **call_kwargs: Any) -> Any:
            # Checked after every limiter, right before the call: a 429 that came while this call
            # queued holds it back too.
            await self._wait_out_pause()
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                self.pause(retry_seconds(error))
                raise

        # AIORateLimiter reads rate_limit_args as the number of retries after a 429 (None: its
        # default of 0); the bot's own sends are retried by their sender, which records each attempt.
        retries = None if own_send else self._reply_retries
        return await super().process_request(after_pause, args, kwargs, endpoint, data, retries)


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
