"""The delivery engine: the bot's one way to send a message nobody asked for just now.

Every such message is a row in the outbox (storage.outbox), written before anything is sent. One
loop does all the bookkeeping: in a single transaction it writes the answers Telegram gave since
its last turn (and, now and then, starts the announcements whose time has come and reads the next
due rows ahead), then hands due rows to Telegram for the slots those answers freed. A row holds
its slot from the moment it is handed over until its answer is written and stays "pending" until
then, so at most `max_in_flight` rows are ever "handed to Telegram, answer not yet recorded"; after
a crash those few are simply due again and are the only possible duplicates. Writing answers as they come, several to a transaction when they
come together, keeps the database from being the limit on how fast an announcement goes out.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.logs import without_secrets
from bot.pseudonym import who
from bot.ptb.ratelimit import retry_seconds
from storage import broadcasts, outbox, users
from storage.db import Database
from storage.models import DeliveryStatus
from storage.outbox import Answer, DueRow

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 5
# With the backoff below, a row gives up after about 20 minutes without a network; and while the
# network is away the engine holds all sends, so only the few in flight spend their attempts.
MAX_NETWORK_ATTEMPTS = 10
MAX_BACKOFF = timedelta(minutes=5)
IDLE_POLL = timedelta(seconds=5)
# Due rows read in one go: most transactions then only write answers. Small enough that at the
# production rate a row read ahead goes out within about a second.
READ_AHEAD = 20
STOP_ATTEMPTS = 3  # a stop while the database is away gives up on writing after this many tries


class Withdrawn(Exception):
    """Raised by a renderer when its row's message no longer applies (the invitation to a meeting
    cancelled since it was queued): the row is cancelled, not sent, and nobody is alarmed."""


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    error: str | None = None
    retry_after: timedelta | None = None
    undo_attempt: bool = False  # waiting out a 429 is not a failed attempt


def classify(error: BaseException, attempts: int) -> Outcome:
    """What Telegram's answer means for the row (free of I/O, tested on its own). The reason is stored
    and shown to coordinators: an error's text may quote the URL, and with it the token."""
    reason = without_secrets(str(error))
    if isinstance(error, Withdrawn):
        return Outcome(DeliveryStatus.CANCELLED, reason)
    if isinstance(error, RetryAfter):
        return Outcome(DeliveryStatus.PENDING, reason, timedelta(seconds=retry_seconds(error)), undo_attempt=True)
    if isinstance(error, Forbidden):
        return Outcome(DeliveryStatus.UNREACHABLE, reason)
    if isinstance(error, BadRequest):
        return Outcome(DeliveryStatus.FAILED, reason)
    if isinstance(error, (TimedOut, NetworkError)):
        if attempts >= MAX_NETWORK_ATTEMPTS:
            return Outcome(DeliveryStatus.FAILED, f"network: {reason}")
        return Outcome(DeliveryStatus.PENDING, f"network: {reason}", min(timedelta(seconds=2 ** attempts), MAX_BACKOFF))
    return Outcome(DeliveryStatus.FAILED, f"{type(error).__name__}: {reason}")


Send = Callable[[DueRow], Awaitable[int]]  # sends one row, returns Telegram's message id


class DeliveryEngine:
    def __init__(self, db: Database, send: Send, *, max_in_flight: int = MAX_IN_FLIGHT,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._db = db
        self._send = send
        self._max_in_flight = max_in_flight
        self._clock = clock
        self._news = asyncio.Event()  # an answer came, wake() was called, or stop() began
        self._stopped = asyncio.Event()
        self._answers: list[Answer] = []  # answered, not yet written
        self._ready: deque[DueRow] = deque()  # due rows read ahead, not yet handed to Telegram
        self._stale = False  # what was read ahead may have changed since
        self._held_until: datetime | None = None  # no new sends before then: the network is away
        self._holding: set[int] = set()  # handed to Telegram, answer not yet written: the in-flight bound
        self._calls: set[asyncio.Task] = set()  # Telegram calls not yet answered
        self._loop_task: asyncio.Task | None = None
        self.delivered = 0  # for benchmarks and logs

    def wake(self) -> None:
        """Rows were written or changed (new ones due, some cancelled): look again now, and drop
        what was read ahead, which may be out of date."""
        self._stale = True
        self._news.set()

    def start(self) -> None:
        self._stopped.clear()
        self._loop_task = asyncio.create_task(self._run(), name="delivery-engine")

    async def stop(self, grace: float = 5.0) -> None:
        """Stops sending and writes the answers of sends that finish within `grace` seconds.

        Nothing is cancelled inside a database transaction: a transaction cut off half way can
        leave SQLite's write lock with a connection nobody closes. Only Telegram calls still
        unanswered after `grace` are cancelled; their rows stay pending for the next start.
        """
        self._stopped.set()
        self._news.set()
        if self._loop_task is None:
            return
        done, _ = await asyncio.wait([self._loop_task], timeout=grace)
        if not done:
            for call in list(self._calls):
                call.cancel()
        await self._loop_task
        self._loop_task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            # Cleared before looking, so news that comes during the look is not lost.
            self._news.clear()
            stopping = self._stopped.is_set()
            if stopping and not self._answers and not self._calls:
                return
            answers, self._answers = self._answers, []
            if self._stale:
                self._ready.clear()
                self._stale = False
            free = 0 if stopping else self._max_in_flight - len(self._holding) + len(answers)
            now = self._clock()
            try:
                read, next_due = await self._bookkeep(answers, free, now)
            except Exception:  # the database may be away for a moment; nothing may be lost
                self._answers = answers + self._answers
                failures += 1
                if stopping and failures >= STOP_ATTEMPTS:
                    log.error("Could not write %d answer(s) while stopping; they go out again after the next start",
                              len(self._answers))
                    return
                log.exception("Delivery bookkeeping failed; trying again shortly")
                await asyncio.sleep(min(failures, 5))
                continue
            failures = 0
            self._holding.difference_update(a.delivery_id for a in answers)
            self._ready.extend(read)
            held = (self._held_until - now).total_seconds() if self._held_until else 0.0
            started = 0
            while self._ready and started < free and held <= 0:
                self._call(self._ready.popleft())
                started += 1
            if started or answers:
                continue
            timeout = None
            if free > 0:
                timeout = IDLE_POLL.total_seconds()
                if next_due is not None:
                    timeout = min(timeout, max((next_due - now).total_seconds(), 0.01))
                if held > 0:
                    timeout = min(timeout, held)
            try:
                await asyncio.wait_for(self._news.wait(), timeout)
            except TimeoutError:
                pass

    async def _bookkeep(self, answers: list[Answer], free: int, now: datetime) -> tuple[list[DueRow], datetime | None]:
        """One transaction: the answers written; when fewer rows are read ahead than slots are free,
        the next due rows read (or when the next one is due)."""
        read_more = free > len(self._ready)
        if not answers and not read_more:
            return [], None
        async with self._db.begin() as session:
            if answers:
                await outbox.record(session, answers)
                blocked = [a.chat_id for a in answers if a.status is DeliveryStatus.UNREACHABLE]
                if blocked:
                    await users.mark_unreachable(session, blocked, now)
            read: list[DueRow] = []
            next_due = None
            if read_more:
                # A scheduled announcement whose time has come gets its recipients' rows first.
                await broadcasts.release_due(session, now)
                # Rows answered in this transaction are written already; the others are still out.
                known = self._holding.difference(a.delivery_id for a in answers)
                known.update(row.delivery_id for row in self._ready)
                read = await outbox.read_due(session, now, READ_AHEAD, known)
                if not read:
                    times = [await outbox.next_due(session, known), await broadcasts.next_release(session)]
                    next_due = min((t for t in times if t is not None), default=None)
        for answer in answers:
            if answer.status is DeliveryStatus.SENT:
                self.delivered += 1
            elif answer.status is not DeliveryStatus.PENDING:
                log.info("Delivery %s to chat %s: %s (%s)", answer.delivery_id, who(answer.chat_id),
                         answer.status.value, answer.error)
        return read, next_due

    def _call(self, row: DueRow) -> None:
        self._holding.add(row.delivery_id)
        call = asyncio.create_task(self._send(row))
        self._calls.add(call)
        call.add_done_callback(lambda task: self._answered(row, task))

    def _answered(self, row: DueRow, call: asyncio.Task) -> None:
        self._calls.discard(call)
        self._news.set()
        if call.cancelled():
            # Stopped while Telegram had it: the row stays pending and goes out after the next start.
            self._holding.discard(row.delivery_id)
            return
        now = self._clock()
        error = call.exception()
        if error is None:
            self._answers.append(Answer(row.delivery_id, row.chat_id, DeliveryStatus.SENT, row.attempts, now,
                                        message_id=call.result()))
            return
        outcome = classify(error, row.attempts)
        if outcome.status is DeliveryStatus.FAILED and not isinstance(error, (BadRequest, NetworkError)):
            log.error("Unexpected error sending delivery %s", row.delivery_id, exc_info=error)
        if outcome.status is DeliveryStatus.PENDING and not isinstance(error, RetryAfter):
            # Telegram cannot be reached: hold every send, not just this row's (a 429 is held by the limiter).
            until = now + outcome.retry_after
            self._held_until = max(self._held_until or until, until)
            log.warning("Telegram cannot be reached (%s); holding sends for %s", error, outcome.retry_after)
        retry_at = now + outcome.retry_after if outcome.retry_after is not None else None
        attempts = row.attempts - 1 if outcome.undo_attempt else row.attempts
        self._answers.append(Answer(row.delivery_id, row.chat_id, outcome.status, attempts, now,
                                    error=outcome.error, retry_at=retry_at))
