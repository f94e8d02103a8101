"""Multi-step flows: one at a time per user, edits of earlier messages are no answers, /cancel
leaves the flow the user is in."""
from __future__ import annotations


import pytest

from storage.db import Database
from tests.harness import Harness, MakeHarness

COORD = 500


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, greeted=True)


async def test_starting_a_flow_ends_the_one_left_open(h: Harness) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")  # the title of the meeting, not an announcement
    assert "When does it begin?" in h.request.latest(COORD)["text"]
    await h.send(COORD, "/cancel", language="en")
    assert "No meeting was created" in h.request.latest(COORD)["text"]
    await h.send(COORD, "Hallo", language="en")  # no flow open any more
    assert "did not find an answer" in h.request.latest(COORD)["text"]


async def test_an_edit_of_an_earlier_message_is_no_answer(h: Harness) -> None:
    await h.send(COORD, "/newmeeting", language="en")
    await h.send(COORD, "KPR-Sitzung", language="en")
    sent = len(h.request.calls)
    await h.edit(COORD, 2, "KPR-Sitzung (neu)", language="en")
    assert not [c for c in h.request.calls[sent:] if c.method == "sendMessage"]
    await h.send(COORD, "12.3.2027 18:00", language="en")
    assert "is that right?" in h.request.latest(COORD)["text"]
