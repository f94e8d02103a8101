"""The update processor: other chats run concurrently, one chat's updates strictly in order."""
from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update, User

from bot.ptb.updates import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "U", False)
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text=str(update_id)))


async def test_same_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(64, deadline=10)
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
    processor = PerChatUpdateProcessor(8, deadline=10)
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


async def test_an_update_past_its_deadline_is_given_up_and_the_chat_goes_on(caplog) -> None:
    processor = PerChatUpdateProcessor(8, deadline=0.2)
    handled: list[int] = []
    stuck_ended = asyncio.Event()

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()  # a database that never answers
        finally:
            await asyncio.sleep(0.5)  # and a rollback that takes its time on the way out
            stuck_ended.set()

    async def handle(update_id: int) -> None:
        handled.append(update_id)

    first = asyncio.create_task(processor.process_update(_update(1, 7), stuck()))
    second = asyncio.create_task(processor.process_update(_update(2, 7), handle(2)))
    await asyncio.wait_for(asyncio.gather(first, second), 0.5)
    assert handled == [2] and not stuck_ended.is_set(), "the chat's next update did not wait for the wind-down"
    assert "Update 1 was given up" in caplog.text
    await asyncio.wait_for(stuck_ended.wait(), 1)


async def test_the_person_is_told_before_the_chat_s_next_update_but_not_while_stopping() -> None:
    processor = PerChatUpdateProcessor(8, deadline=0.1)
    events: list[str] = []

    async def tell(update: Update) -> None:
        events.append(f"told {update.update_id}")

    async def stuck() -> None:
        await asyncio.Event().wait()

    async def handle(update_id: int) -> None:
        events.append(f"handled {update_id}")

    processor.on_given_up = tell
    await asyncio.gather(processor.process_update(_update(1, 7), stuck()),
                         processor.process_update(_update(2, 7), handle(2)))
    assert events == ["told 1", "handled 2"]
    processor.give_up_within(0.1)
    await processor.process_update(_update(3, 7), stuck())
    assert events == ["told 1", "handled 2"], "a stop has no time to tell anyone"


async def test_a_stop_gives_up_running_updates_sooner_than_their_deadline() -> None:
    processor = PerChatUpdateProcessor(8, deadline=60)
    running = asyncio.Event()

    async def stuck() -> None:
        running.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(processor.process_update(_update(1, 7), stuck()))
    await running.wait()
    processor.give_up_within(0.1)
    await asyncio.wait_for(task, 1)
    # An update that begins during the stop gets no longer either.
    await asyncio.wait_for(processor.process_update(_update(2, 8), stuck()), 1)
