"""The update processor: other chats run concurrently, one chat's updates strictly in order."""
from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update, User

from bot.updates import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "U", False)
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text=str(update_id)))


async def test_same_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(64)
    seen: dict[int, list[int]] = {}
    running = 0
    peak = 0

    async def handle(update: Update) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        # Random delays would reorder a chat's updates if nothing kept them in line.
        await asyncio.sleep(random.uniform(0, 0.02))
        seen.setdefault(update.effective_chat.id, []).append(update.update_id)
        running -= 1

    updates = [_update(i, chat_id=i % 5) for i in range(100)]
    await asyncio.gather(*(asyncio.create_task(processor.process_update(u, handle(u))) for u in updates))
    for chat_id, ids in seen.items():
        assert ids == sorted(ids), f"chat {chat_id} out of order: {ids}"
    assert sum(len(v) for v in seen.values()) == 100
    assert peak == 5, "one update per chat at a time, all five chats at once"


async def test_flush_runs_after_each_update_and_failure_does_not_block_chat() -> None:
    processor = PerChatUpdateProcessor(8)
    events: list[str] = []

    async def flush() -> None:
        events.append("flush")
        raise RuntimeError("database down")

    processor.after_update = flush

    async def handle(name: str) -> None:
        events.append(name)

    await processor.process_update(_update(1, 1), handle("a"))
    await processor.process_update(_update(2, 1), handle("b"))
    assert events == ["a", "flush", "b", "flush"]
