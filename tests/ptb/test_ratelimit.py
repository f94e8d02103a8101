"""The shared rate limiter: even pacing, one message a second per chat for the bot's own sends,
and a 429 that holds back every call, also those already queued."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.ptb.ratelimit import GROUP_PER_MINUTE, OWN_SEND, SharedRateLimiter


class Calls:
    """A stand-in for the Bot API call: records when each call went out, raises what it is told to."""

    def __init__(self) -> None:
        self.times: list[tuple[object, float]] = []
        self.errors: dict[object, list[BaseException]] = {}

    def callback(self, chat_id: object):  # type: ignore[no-untyped-def]
        async def call() -> dict:
            self.times.append((chat_id, time.monotonic()))
            pending = self.errors.get(chat_id)
            if pending:
                raise pending.pop(0)
            return {"ok": True}
        return call


async def send(limiter: SharedRateLimiter, calls: Calls, chat_id: object, *, own: bool) -> dict:
    return await limiter.process_request(calls.callback(chat_id), (), {}, "sendMessage", {"chat_id": chat_id},
                                         OWN_SEND if own else None)


async def test_own_sends_keep_their_rate_evenly() -> None:
    limiter = SharedRateLimiter(overall_rate=100, own_rate=50)
    calls = Calls()
    started = time.monotonic()
    await asyncio.gather(*(send(limiter, calls, 1000 + i, own=True) for i in range(40)))
    elapsed = time.monotonic() - started
    # 40 sends at 50/s: at least ~0.7 s (a tenth of a second's worth may go at once), and not much more.
    assert 0.65 <= elapsed <= 3.0
    # Evenly: in no fifth of a second more than that fifth's budget plus the tenth that may go at
    # once (a busy machine can delay calls, but never bunch them beyond that).
    times = sorted(t for _, t in calls.times)
    most_in_window = max(sum(1 for t in times if start <= t < start + 0.2) for start in times)
    assert most_in_window <= 0.2 * 50 + 5 + 1, "the budget comes in small steps, not in bursts"


async def test_own_sends_to_one_chat_come_a_second_apart_replies_do_not() -> None:
    limiter = SharedRateLimiter(own_rate=25)
    calls = Calls()
    await asyncio.gather(*(send(limiter, calls, 42, own=True) for _ in range(3)))
    times = [t for _, t in calls.times]
    # The k-th waits for its slot k seconds after the first. (A loaded machine may wake one late,
    # which brings it nearer the next; Telegram counts messages per chat over time, not gaps.)
    assert times[1] - times[0] >= 0.95 and times[2] - times[0] >= 1.95
    replies = Calls()
    started = time.monotonic()
    await asyncio.gather(*(send(limiter, replies, 43, own=False) for _ in range(3)))
    # Spaced a second apart they would take 2 s; a loaded machine must not make this flaky.
    assert time.monotonic() - started < 1.5


async def test_a_429_holds_back_every_call_even_queued_ones() -> None:
    limiter = SharedRateLimiter(own_rate=25)
    calls = Calls()
    calls.errors[1] = [RetryAfter(timedelta(seconds=1))]
    results = await asyncio.gather(*(send(limiter, calls, chat, own=True) for chat in range(1, 6)),
                                   return_exceptions=True)
    # The bot's own send is not retried here: its sender records the 429 and tries the row later.
    assert isinstance(results[0], RetryAfter)
    limited_at = next(t for chat, t in calls.times if chat == 1)
    after = [t for chat, t in calls.times if t > limited_at]
    assert after and min(after) - limited_at >= 1.0
    reply = Calls()
    await send(limiter, reply, 99, own=False)
    assert reply.times[0][1] - limited_at >= 1.0


async def test_a_reply_is_retried_after_a_429() -> None:
    limiter = SharedRateLimiter()
    calls = Calls()
    calls.errors[7] = [RetryAfter(timedelta(seconds=0.3))]
    assert await send(limiter, calls, 7, own=False) == {"ok": True}
    assert len(calls.times) == 2 and calls.times[1][1] - calls.times[0][1] >= 0.3


@pytest.mark.parametrize("group", [-100123, "@council_channel"])
async def test_groups_get_at_most_20_a_minute(group: object) -> None:
    limiter = SharedRateLimiter()
    calls = Calls()
    # Waits for the calls themselves, not for a fixed time: a loaded machine slows the first 20 but
    # cannot make the 21st come early.
    await asyncio.wait_for(asyncio.gather(*(send(limiter, calls, group, own=False) for _ in range(21))), 20)
    times = sorted(t for _, t in calls.times)
    assert len(times) == 21
    # 20 a minute, refilled evenly: the 21st waits until a twentieth of a minute has passed.
    assert times[20] - times[0] >= 60 / GROUP_PER_MINUTE - 0.1, "the 21st message to a group waits"
