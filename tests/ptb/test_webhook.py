"""The webhook's log of refused requests: the first at once, then one line per interval with counts."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.ptb.webhook import RefusalLog


async def test_refusals_are_logged_at_most_once_per_interval_with_their_counts(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.ptb.webhook")
    refusals = RefusalLog(every=0.05)

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "bot.ptb.webhook"]

    refusals.refused("403 without the right secret")
    for _ in range(30):
        refusals.refused("403 without the right secret")
    refusals.refused("404 to another path")
    assert lines() == ["Webhook refused 1 request: 1 403 without the right secret"]
    async with asyncio.timeout(2):
        while len(lines()) < 2:
            await asyncio.sleep(0.01)
    assert lines()[1] == "Webhook refused 31 requests: 30 403 without the right secret, 1 404 to another path"
    # Quiet for an interval: the next refusal is logged at once again.
    await asyncio.sleep(0.12)
    refusals.refused("405 not a POST")
    assert lines()[2:] == ["Webhook refused 1 request: 1 405 not a POST"]
    refusals.close()
    assert len(lines()) == 3
