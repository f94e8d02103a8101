"""Flow states and answers are stored when they change and read back after a restart."""
from __future__ import annotations

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
