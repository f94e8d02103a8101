"""Flow states and answers are stored when they change and read back after a restart."""
from __future__ import annotations

import asyncio

from sqlalchemy import event

from bot.persistence import DatabasePersistence
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
