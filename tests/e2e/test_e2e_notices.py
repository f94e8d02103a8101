"""End to end: notices a coordinator's or a lead's press sends to another person, through the real bot
process: the applicant reads a declined request with its reason; the coordinators learn that a group lost
its last lead when that lead erased their data."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner


# The outbox and its queries are covered on PostgreSQL by the other e2e tests; these notices add no SQL of their own.
@pytest.mark.parametrize("bot", ["sqlite"], indirect=True)
async def test_a_declined_applicant_reads_the_reason_and_coordinators_learn_a_group_lost_its_lead(
        tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator, alice, lena = (tg.user(COORD, "Chris", language_code="de"), tg.user(1001, "Alice", language_code="en"),
                                tg.user(7301, "Lena", language_code="en"))

    await alice.send("/join")
    await alice.expect_message(contains="Step 1 of 2")
    await alice.send("Alice Schmidt")
    await alice.expect_message(contains="Step 2 of 2")
    await alice.send("Privatperson")
    await alice.press(await alice.expect_message(contains="Please check your request"), "Send request")
    await alice.expect_edit(contains="has been sent to the coordinators")
    request = await coordinator.expect_message(contains="Aufnahmeantrag")
    await bot.wait_until("select status from deliveries where kind = 'join_request'", [("sent",)])
    await coordinator.press(request, "Ablehnen")
    await coordinator.expect_callback_answer()
    await coordinator.expect_message(contains="Den Aufnahmeantrag von Alice Schmidt (Privatperson) ablehnen?")
    await coordinator.send("Der Rat nimmt nur Vertretungen von Institutionen auf.")
    await coordinator.press(await coordinator.expect_message(contains="mit dieser Begründung ablehnen?"),
                            "Ja, ablehnen")
    await coordinator.expect_callback_answer()
    # The request's copy says who decided; the question, that the applicant is told.
    assert "Abgelehnt von Chris" in (await coordinator.expect_edit(message_id=request.message_id)).text
    await coordinator.expect_edit(contains="Abgelehnt. Alice Schmidt wird benachrichtigt.")
    told = await alice.expect_message(contains="was not approved")
    assert "Der Rat nimmt nur Vertretungen von Institutionen auf." in told.text

    # Lena is the only lead of her group; she erases her data, and the coordinator is told.
    bot.add_people([7301], language="en")
    created = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
    group_id = bot.query("insert into groups (name, kind, description, members, created_at) "
                         "values ('AG Schule', 'working_group', '', 1, ?) returning id", created)[0][0]
    bot.execute("insert into group_members (group_id, user_id, status, lead, joined_at) "
                "values (?, 7301, 'member', true, ?)", group_id, created)
    await lena.send("/deleteme")
    await lena.press(await lena.expect_message(contains="Erase all your data?"), "Yes, erase everything")
    await lena.expect_callback_answer()
    await lena.expect_edit(contains="everything stored about you has been erased")
    leaderless = await coordinator.expect_message(contains="„AG Schule“ hat keine Leitung mehr")
    assert "neue Leitung" in leaderless.text
