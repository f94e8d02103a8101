"""News of someone's place in the council goes through the outbox: a new role to its holder, a join
request to every coordinator, the decision to the applicant. Each is a row recorded with its outcome,
sent in the recipient's language, retried after Telegram's 429, and a blocked bot marks the person
unreachable without touching the coordinator's action."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.runner import seed_coordinators
from storage import join_requests, users
from storage.db import Database
from storage.models import Delivery, DeliveryKind, DeliveryStatus, Role, User
from tests.harness import Harness, buttons, start_harness

COORD, OTHER_COORD, ALICE, BOB = 500, 501, 1001, 1002


@pytest.fixture
async def h(db: Database) -> AsyncIterator[Harness]:
    await seed_coordinators(db, (COORD, OTHER_COORD))
    harness = await start_harness(db)
    await harness.send(OTHER_COORD, "/start", language="en", name="Olga")  # she reads English
    yield harness
    await harness.app.shutdown()
    assert not harness.errors, f"handlers raised: {harness.errors!r}"


async def rows(db: Database, kind: DeliveryKind) -> list[Delivery]:
    async with db.begin() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id)))


async def request_to_join(h: Harness) -> None:
    await h.send(ALICE, "/join", name="Alice")
    await h.send(ALICE, "Alice Schmidt")
    await h.send(ALICE, "Polizeirevier Bad Doberan")
    await h.press(ALICE, "join:send")


async def member(h: Harness, db: Database, user_id: int, language: str = "en") -> None:
    await h.send(user_id, "/start", language=language, name="Bob")
    async with db.begin() as session:
        await users.set_role(session, user_id, Role.MEMBER)


async def test_a_new_role_reaches_its_holder_through_the_outbox_in_their_language(h: Harness, db: Database) -> None:
    await member(h, db, BOB)
    await h.press(COORD, f"role:{BOB}:coordinator:1")
    assert "Bob hat jetzt die Rolle" in h.request.latest(COORD)["text"]
    [row] = await rows(db, DeliveryKind.ROLE)
    assert (row.chat_id, row.status) == (BOB, DeliveryStatus.PENDING)  # written with the change, sent apart

    await h.deliver()
    [news] = [m for m in h.request.sent(BOB) if "coordinator" in m["text"]]
    assert news["text"].startswith("You are now a coordinator of the council")
    [row] = await rows(db, DeliveryKind.ROLE)
    assert row.status is DeliveryStatus.SENT and row.message_id is not None and row.sent_at is not None
    menus = [c.params for c in h.request.calls if c.method == "setMyCommands"]
    assert menus[-1]["scope"] == {"type": "chat", "chat_id": BOB}


async def test_a_join_request_reaches_every_coordinator_and_the_decision_updates_every_copy(
        h: Harness, db: Database) -> None:
    await request_to_join(h)
    assert not [m for m in h.request.sent(COORD) if "Alice Schmidt" in m["text"]], "nothing sent in the handler"
    await h.deliver()
    copies = {row.chat_id: row for row in await rows(db, DeliveryKind.JOIN_REQUEST)}
    assert set(copies) == {COORD, OTHER_COORD}
    assert all(row.status is DeliveryStatus.SENT and row.message_id for row in copies.values())
    german, english = h.request.sent(COORD)[-1], h.request.sent(OTHER_COORD)[-1]
    assert "Aufnahmeantrag" in german["text"] and "Polizeirevier Bad Doberan" in german["text"]
    assert "Join request" in english["text"] and set(buttons(english)) == {"Approve", "Decline"}

    await h.press(COORD, buttons(german)["Annehmen"], name="Chris", message_id=copies[COORD].message_id)
    # Both copies lose their buttons: the message ids come from the outbox rows.
    edited = {(c.params["chat_id"], c.params["message_id"]): c.params["text"] for c in h.request.calls
              if c.method == "editMessageText"}
    assert "Angenommen von Chris" in edited[(COORD, copies[COORD].message_id)]
    assert "Approved by Chris" in edited[(OTHER_COORD, copies[OTHER_COORD].message_id)]
    assert "Sie sind jetzt Mitglied" not in " ".join(h.request.texts(ALICE))
    await h.deliver()
    assert "Sie sind jetzt Mitglied des Rates" in h.request.texts(ALICE)[-1]
    [decision] = await rows(db, DeliveryKind.JOIN_DECISION)
    assert (decision.chat_id, decision.status, decision.payload) == (ALICE, DeliveryStatus.SENT, {"approved": True})


async def test_copies_not_sent_when_the_request_is_decided_are_not_sent_at_all(h: Harness, db: Database) -> None:
    await request_to_join(h)
    await h.send(COORD, "/members")  # decided from the list before the copies went out
    await h.press(COORD, buttons(h.request.sent(COORD)[-1])["Ablehnen"])
    await h.press(COORD, buttons(h.request.sent(COORD)[-1])["Ohne Begründung ablehnen"])
    await h.deliver()
    assert {row.status for row in await rows(db, DeliveryKind.JOIN_REQUEST)} == {DeliveryStatus.CANCELLED}
    assert not [m for m in h.request.sent(OTHER_COORD) if "Alice Schmidt" in m["text"]]
    assert "nicht angenommen" in h.request.texts(ALICE)[-1]


async def test_a_copy_telegram_holds_back_with_429_goes_out_after_the_wait(h: Harness, db: Database) -> None:
    await request_to_join(h)
    h.request.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await h.deliver(and_later=True)
    copies = await rows(db, DeliveryKind.JOIN_REQUEST)
    assert [(row.status, row.attempts) for row in copies] == [(DeliveryStatus.SENT, 1)] * 2  # a wait, not a failure
    tries = [c for c in h.request.calls if c.method == "sendMessage" and c.params["chat_id"] in (COORD, OTHER_COORD)
             and "Alice Schmidt" in c.params["text"]]
    assert len(tries) == 3  # one held back, then sent again


async def test_someone_who_blocked_the_bot_is_marked_unreachable_and_the_role_change_stands(
        h: Harness, db: Database) -> None:
    await member(h, db, BOB)
    await h.press(COORD, f"role:{BOB}:applicant:1")
    assert "Bob hat jetzt die Rolle" in h.request.latest(COORD)["text"]
    h.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await h.deliver()
    [row] = await rows(db, DeliveryKind.ROLE)
    assert row.status is DeliveryStatus.UNREACHABLE and "blocked" in row.error
    async with db.begin() as session:
        bob = await session.get(User, BOB)
    assert bob.role is Role.APPLICANT and bob.unreachable_since is not None


async def test_decline_asks_first_and_the_applicant_reads_the_reason(h: Harness, db: Database) -> None:
    await request_to_join(h)
    await h.deliver()
    copy = h.request.sent(COORD)[-1]
    await h.press(COORD, buttons(copy)["Ablehnen"], name="Chris")
    question = h.request.latest(COORD)
    assert "Den Aufnahmeantrag von Alice Schmidt (Polizeirevier Bad Doberan) ablehnen?" in question["text"]
    await h.send(COORD, "/cancel")
    assert "Der Antrag ist weiterhin offen" in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        assert await join_requests.pending_for(session, ALICE) is not None  # one tap decided nothing

    await h.press(COORD, buttons(copy)["Ablehnen"], name="Chris")
    await h.send(COORD, "Der Rat nimmt nur Vertretungen von Institutionen auf.", name="Chris")
    assert "mit dieser Begründung ablehnen?" in h.request.latest(COORD)["text"]
    await h.press(COORD, buttons(h.request.latest(COORD))["« Zurück"], name="Chris")
    await h.send(COORD, "Der Rat nimmt nur Vertretungen von Institutionen und Gemeinden auf.", name="Chris")
    await h.press(COORD, buttons(h.request.latest(COORD))["Ja, ablehnen"], name="Chris")
    assert "Abgelehnt. Alice Schmidt wird benachrichtigt." in h.request.latest(COORD)["text"]
    await h.deliver()
    told = h.request.texts(ALICE)[-1]
    assert "nicht angenommen" in told
    assert "Begründung der Koordination: Der Rat nimmt nur Vertretungen von Institutionen und Gemeinden auf." in told
    await h.press(OTHER_COORD, buttons(h.request.sent(OTHER_COORD)[-1])["Decline"], language="en")
    assert "already been decided" in h.answers()[-1]["text"]
