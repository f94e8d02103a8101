"""Multi-step flows: one at a time per user, edits of earlier messages are no answers, /cancel
leaves the flow the user is in."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.ptb.context import BotContext
from handlers.privacy import rights as privacy
from storage.db import Database
from storage.models import ConversationState, FlowData
from tests.conftest import copy_sqlite
from tests.harness import Harness, MakeHarness

COORD = 500


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, greeted=True)


async def test_starting_a_flow_ends_the_one_left_open(h: Harness) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Sitzung am Freitag", language="en")
    assert "Who should get it?" in h.request.latest(COORD)["text"]
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")  # the title of the meeting, not an announcement
    assert "When is it?" in h.request.latest(COORD)["text"]
    await h.send(COORD, "/cancel", language="en")
    assert "No meeting was created" in h.request.latest(COORD)["text"]
    await h.send(COORD, "Hallo", language="en")  # no flow open any more: the FAQ greets back
    assert "Ask me about funding" in h.request.latest(COORD)["text"]
    await h.send(COORD, "/broadcast", language="en")  # the announcement left open begins afresh
    assert "Send me the announcement" in h.request.latest(COORD)["text"]


async def test_after_a_restart_an_answer_still_goes_to_the_flow_begun_last(db: Database,
                                                                           make_harness: MakeHarness) -> None:
    before = await make_harness(db, greeted=True)
    await before.send(COORD, "/broadcast", language="en")
    await before.send(COORD, "/newmeeting", language="en")
    await before.app.shutdown()
    after = await make_harness(db)
    await after.send(COORD, "KPR-Sitzung", language="en")
    assert "When is it?" in after.request.latest(COORD)["text"]


async def test_the_purge_of_an_abandoned_draft_takes_the_step_of_a_flow_left_before(h: Harness,
                                                                                  db: Database) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Sitzung am Freitag", language="en")
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "/cancel", language="en")  # the meeting ends; the announcement was left open
    async with db.begin() as session:
        await session.execute(update(FlowData).values(updated_at=datetime.now(UTC) - timedelta(days=400)))
    await privacy.purge_old(BotContext(h.app))
    async with db.begin() as session:
        assert (await session.scalars(select(ConversationState))).all() == []


@pytest.fixture
async def other_db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(copy_sqlite(sqlite_template, tmp_path / "other.db"))
    yield database
    await database.dispose()


async def test_two_bots_in_one_process_keep_their_users_flows_apart(other_db: Database, h: Harness,
                                                                    make_harness: MakeHarness) -> None:
    other = await make_harness(other_db, greeted=True)
    await h.send(COORD, "/newmeeting", language="en")
    await other.send(COORD, "KPR-Sitzung", language="en")  # no meeting is being planned with this bot
    assert "When does it begin?" not in other.request.latest(COORD)["text"]
    assert "/ask" in other.request.latest(COORD)["text"]  # taken as a question for the FAQ


async def test_an_edit_of_an_earlier_message_is_no_answer(h: Harness) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    sent = len(h.request.calls)
    await h.edit(COORD, 2, "KPR-Sitzung (neu)", language="en")
    assert not [c for c in h.request.calls[sent:] if c.method == "sendMessage"]
    await h.send(COORD, "12.3.2027 18:00", language="en")
    assert "is that right?" in h.request.latest(COORD)["text"]
