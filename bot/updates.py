"""Concurrent update handling: different chats at once, one chat's updates strictly in order."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


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
    holding a concurrency slot while it waits. After each update, `after_update` runs (the
    application's persistence flush), so a flow's new state is stored before the chat's next
    update is handled.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}
        self.after_update: Callable[[], Awaitable[None]] | None = None

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
            await coroutine
        finally:
            if self.after_update is not None:
                try:
                    await self.after_update()
                except Exception:  # a failed flush must not stop the chat's next update
                    log.exception("Could not store flow state after update")

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB waits for running updates itself."""
