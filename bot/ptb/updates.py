"""Concurrent update handling: different chats at once, one chat's updates strictly in order,
each within a deadline."""
from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


class _Handling:
    """What the task handling one update can learn about itself."""

    given_up = False


_handling: contextvars.ContextVar[_Handling] = contextvars.ContextVar("handling")


def given_up() -> bool:
    """Whether the update the current task handles has been given up at its deadline. Then it is
    being cancelled, and says nothing more: the person has been told. (The cancellation itself
    cannot tell: a timeout inside the handling may have taken it for its own.)"""
    handling = _handling.get(None)
    return handling is not None and handling.given_up


def ordering_key(update: object) -> int | None:
    """Updates with the same key are handled one after another, in the order they arrived."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs up to `max_concurrent_updates` updates at once, but never two of the same chat.

    Each chat has a chain: an update waits for the one before it in the same chat, without
    holding a concurrency slot while it waits. An update still running `deadline` seconds after
    it began is cancelled and given up, so that one stuck on a database that stopped answering
    holds up its chat no longer; the chain goes on without waiting for the cancelled handling to
    wind down. After each update, `after_update` runs (the application's persistence flush), so
    a flow's new state is stored before the chat's next update is handled.
    """

    def __init__(self, max_concurrent_updates: int, deadline: float) -> None:
        super().__init__(max_concurrent_updates)
        self.deadline = deadline
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}
        self._deadlines: set[asyncio.Timeout] = set()  # those of the updates being handled
        self._give_up_at: float | None = None  # the loop time a stop gives running updates
        # Handling that was given up but has not wound down yet: held, so that it is not collected.
        self._abandoned: set[asyncio.Task[Any]] = set()
        self.after_update: Callable[[], Awaitable[None]] | None = None
        # Tells the person that their update was given up; not while stopping, which has no time for it.
        self.on_given_up: Callable[[object], Awaitable[None]] | None = None

    def give_up_within(self, seconds: float) -> None:
        """For a stop: updates still running (or starting) `seconds` from now are given up then."""
        self._give_up_at = asyncio.get_running_loop().time() + seconds
        for deadline in self._deadlines:
            deadline.reschedule(min(deadline.when(), self._give_up_at))  # type: ignore[type-var]

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # PTB starts one task per update in arrival order and this method runs synchronously up
        # to its first await, so the chains are built in arrival order.
        key = ordering_key(update)
        previous = self._tails.get(key) if key is not None else None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if key is not None:
            self._tails[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._slots:
                await self.do_process_update(update, coroutine)
        finally:
            done.set_result(None)
            if key is not None and self._tails.get(key) is done:
                del self._tails[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._within_deadline(update, coroutine)
        finally:
            if self.after_update is not None:
                try:
                    await self.after_update()
                except Exception:  # a failed flush must not stop the chat's next update
                    log.exception("Could not store flow state after update")

    async def _within_deadline(self, update: object, coroutine: Awaitable[Any]) -> None:
        state = _Handling()
        # The task copies this context, and with it `state`, which given_up() reads there.
        token = _handling.set(state)
        try:
            handling = asyncio.ensure_future(coroutine)
        finally:
            _handling.reset(token)
        loop = asyncio.get_running_loop()
        began = loop.time()
        give_up_at = began + self.deadline
        if self._give_up_at is not None:
            give_up_at = min(give_up_at, self._give_up_at)
        deadline = asyncio.timeout_at(give_up_at)
        try:
            async with deadline:
                self._deadlines.add(deadline)
                # Shielded: at the deadline this coroutine goes on at once, whatever the
                # cancelled handling still does on its way out (a rollback on a silent connection).
                await asyncio.shield(handling)
        except TimeoutError:
            if not deadline.expired():
                raise  # the handling's own
            state.given_up = True
            log.error("Update %s was given up: still not handled after %.1f s",
                      getattr(update, "update_id", "?"), loop.time() - began)
            if self.on_given_up is not None and self._give_up_at is None:
                try:
                    await self.on_given_up(update)
                except Exception:  # noqa: BLE001 - telling is a courtesy; the chain must go on
                    log.exception("Could not tell about given-up update %s", getattr(update, "update_id", "?"))
        finally:
            self._deadlines.discard(deadline)
            if not handling.done():
                handling.cancel()
                self._abandoned.add(handling)
                handling.add_done_callback(self._wound_down)

    def _wound_down(self, handling: asyncio.Task[Any]) -> None:
        self._abandoned.discard(handling)
        if not handling.cancelled():
            # Taken, or asyncio would log it as never retrieved: the update is logged as given up.
            handling.exception()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB waits for running updates itself."""
