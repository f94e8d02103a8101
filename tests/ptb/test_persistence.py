"""Flow states and answers are stored when they change and read back after a restart."""
from __future__ import annotations

import asyncio

import pytest

from sqlalchemy import event

from bot.ptb.persistence import DatabasePersistence, SharedFlush
from storage.db import Database


async def test_conversation_and_answers_survive_a_new_persistence(db: Database) -> None:
    first = DatabasePersistence(db)
    await first.update_conversation("join", (10, 10), "organisation")
    await first.update_conversation("join", (11, 11), "name")
    await first.update_user_data(10, {"join": {"name": "Erika"}})

    restarted = DatabasePersistence(db)
    assert await restarted.get_conversations("join") == {(10, 10): "organisation", (11, 11): "name"}
    assert await restarted.get_user_data() == {10: {"join": {"name": "Erika"}}}

    await restarted.update_conversation("join", (11, 11), None)
    await restarted.update_user_data(10, {})
    again = DatabasePersistence(db)
    assert await again.get_conversations("join") == {(10, 10): "organisation"}
    assert await again.get_user_data() == {}



async def test_the_changes_of_one_flush_are_written_in_one_transaction(db: Database) -> None:
    persistence = DatabasePersistence(db)
    commits = []
    event.listen(db.engine.sync_engine, "commit", commits.append)
    # PTB hands over a flush's changes concurrently.
    await asyncio.gather(persistence.update_user_data(10, {"join": {"name": "Erika"}}),
                         persistence.update_user_data(11, {"join": {"name": "Max"}}),
                         persistence.update_conversation("join", (10, 10), "name"))
    assert len(commits) == 1
    restarted = DatabasePersistence(db)
    assert await restarted.get_user_data() == {10: {"join": {"name": "Erika"}}, 11: {"join": {"name": "Max"}}}
    assert await restarted.get_conversations("join") == {(10, 10): "name"}


async def test_a_change_the_database_refuses_fails_alone(db: Database) -> None:
    persistence = DatabasePersistence(db)
    results = await asyncio.gather(persistence.update_user_data(10, {"join": {"name": "Erika"}}),
                                   persistence.update_user_data(11, {"join": {"name": object()}}),
                                   persistence.update_conversation("join", (10, 10), "name"),
                                   return_exceptions=True)
    [error] = [r for r in results if r is not None]
    assert "not JSON serializable" in str(error)
    restarted = DatabasePersistence(db)
    assert await restarted.get_user_data() == {10: {"join": {"name": "Erika"}}}
    assert await restarted.get_conversations("join") == {(10, 10): "name"}


async def test_updates_finishing_together_share_one_flush_and_each_waits_for_its_own() -> None:
    runs: list[list[str]] = []
    changed: list[str] = []  # what updates changed since the last flush began
    release = asyncio.Event()
    running = 0

    async def flush() -> None:
        nonlocal running
        running += 1
        assert running == 1, "two flushes at once"
        taken = changed.copy()
        changed.clear()
        runs.append(taken)
        await release.wait()
        running -= 1

    shared = SharedFlush(flush, deadline=10)

    async def update(name: str) -> str:
        changed.append(name)
        await shared()
        return name

    first = [asyncio.create_task(update(name)) for name in ("a", "b", "c")]
    await asyncio.sleep(0.01)
    assert runs == [["a", "b", "c"]], "the three updates finished together: one flush"
    late = asyncio.create_task(update("d"))  # finishes while that flush is still writing
    later = asyncio.create_task(update("e"))
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in [*first, late, later])
    assert runs == [["a", "b", "c"]], "the next flush waits for the one running"
    release.set()
    assert await asyncio.gather(*first) == ["a", "b", "c"]
    assert await asyncio.gather(late, later) == ["d", "e"]
    assert runs == [["a", "b", "c"], ["d", "e"]], "the late ones waited for one flush that took their changes"


async def test_a_failed_flush_fails_its_updates_and_the_next_flush_runs_afresh() -> None:
    calls = 0

    async def flush() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")

    shared = SharedFlush(flush, deadline=10)
    results = await asyncio.gather(shared(), shared(), return_exceptions=True)
    assert [str(r) for r in results] == ["database down", "database down"] and calls == 1
    await shared()
    assert calls == 2


async def test_a_flush_that_hangs_is_given_up_and_the_next_one_runs() -> None:
    calls = 0

    async def flush() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()  # a database that stopped answering

    shared = SharedFlush(flush, deadline=0.1)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(shared(), 1)
    await asyncio.wait_for(shared(), 1)
    assert calls == 2
