"""Flood protection, free of Telegram: someone sending more than LIMIT updates within WINDOW seconds
is told once to slow down and ignored until they do, so that one person (or a stuck client) cannot
keep the bot from everyone else. Counted in memory: after a restart everyone starts afresh."""
from __future__ import annotations

import enum
from collections import deque

LIMIT = 20
WINDOW = 10.0
# Forget people who have been quiet this long (checked now and then, so the table stays small).
_FORGET_AFTER = WINDOW
_SWEEP_EVERY = 1000


class Verdict(enum.Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first update over the limit: tell them once
    DROP = "drop"  # further ones while they are over it


class FloodGuard:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, user_id: int, now: float) -> Verdict:
        """`now` is a monotonic clock in seconds. Dropped updates count too: who keeps on flooding
        stays throttled until their rate falls below the limit."""
        self._checks += 1
        if self._checks % _SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        times.append(now)
        if len(times) <= self.limit:
            self._warned.discard(user_id)
            return Verdict.ALLOW
        # Only the last `limit + 1` matter for the decision; the deque never grows past that.
        while len(times) > self.limit + 1:
            times.popleft()
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        quiet = [uid for uid, times in self._seen.items() if not times or now - times[-1] >= _FORGET_AFTER]
        for uid in quiet:
            del self._seen[uid]
            self._warned.discard(uid)
