"""End to end: the bot runs as its own process (`python -m bot run`) against the fake Bot API,
and the tests play its users."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path

from bot.tryout.fake_telegram import BotProcess, FakeTelegram
from tests.e2e import COORD, TOKEN, BotRunner as Bot

async def test_start_answers_in_the_users_language_and_language_switches(tg: FakeTelegram, bot: Bot) -> None:
    anna = tg.user(1001, "Anna", language_code="de")
    ben = tg.user(1002, "Ben", language_code="en")
    await anna.send("/start")
    await ben.send("/start")
    assert "Hallo, Anna!" in (await anna.expect_message()).text
    greeting = await ben.expect_message(contains="Hello, Ben!")
    assert "Join the council" in [b.text for row in greeting.buttons for b in row]

    await anna.send("/language")
    choice = await anna.expect_message(contains="Sprache")
    await anna.press(choice, "English")
    await anna.expect_callback_answer()
    await anna.expect_edit(contains="From now on I speak English.")
    assert "Hello, Anna!" in (await anna.expect_message()).text
    await anna.send("/help")
    assert "What I can do for you" in (await anna.expect_message()).text


async def test_join_request_reaches_coordinator_and_approval_makes_a_member(tg: FakeTelegram, bot: Bot) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="de")
    alice = tg.user(1001, "Alice", language_code="en")
    await alice.send("/join")
    await alice.expect_message(contains="Step 1 of 2")
    await alice.send("Alice Schmidt")
    await alice.expect_message(contains="Step 2 of 2")
    await alice.send("Polizeiinspektion Güstrow")
    summary = await alice.expect_message(contains="Please check your request")
    await alice.press(summary, "Send request")
    await alice.expect_edit(contains="has been sent to the coordinators")

    notice = await coordinator.expect_message(contains="Aufnahmeantrag")
    assert "Alice Schmidt" in notice.text and "Polizeiinspektion Güstrow" in notice.text
    # The copy's message id is in the outbox a moment after Telegram took it (a person takes longer
    # to press): the decision updates the copies by these ids.
    await bot.wait_until("select status from deliveries where kind = 'join_request'", [("sent",)])
    await coordinator.press(notice, "Annehmen")
    await coordinator.expect_edit(contains="Angenommen von Chris")
    await alice.expect_message(contains="You are now a member of the council")
    assert bot.query("select role from users where id = 1001") == [("member",)]

    await alice.send("/start")
    assert "You are a member of the council" in (await alice.expect_message()).text


async def test_join_request_and_role_change_go_through_the_outbox_past_429_and_403(
        tg: FakeTelegram, bot: Bot) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    alice = tg.user(1001, "Alice", language_code="en")
    bot.add_people([1005], language="en")  # a member who has blocked the bot
    await coordinator.send("/start")  # the bot learns that Chris reads English
    await coordinator.expect_message(contains="Hello, Chris")
    await alice.send("/join")
    await alice.expect_message(contains="Step 1 of 2")
    await alice.send("Alice Schmidt")
    await alice.expect_message(contains="Step 2 of 2")
    await alice.send("Jugendclub Tessin")
    summary = await alice.expect_message(contains="Please check your request")
    tg.fail("sendMessage", 429, retry_after=1, times=1, chat_id=COORD)
    await alice.press(summary, "Send request")
    await alice.expect_edit(contains="has been sent to the coordinators")

    notice = await coordinator.expect_message(contains="Join request")
    held, sent = [c for c in tg.calls if c.method == "sendMessage" and int(c.params["chat_id"]) == COORD
                  and "Alice Schmidt" in c.params["text"]]
    assert (held.status, sent.status) == (429, 200) and sent.time - held.answered >= 1.0
    await bot.wait_until("select status, attempts from deliveries where kind = 'join_request'", [("sent", 1)])
    await coordinator.press(notice, "Approve")
    await coordinator.expect_callback_answer()
    await coordinator.expect_edit(contains="Approved by Chris", message_id=notice.message_id)
    await alice.expect_message(contains="You are now a member of the council")

    tg.fail("sendMessage", 403, chat_id=1005, times=None)
    await coordinator.send("/members")
    listing = await coordinator.expect_message(contains="people in the council")
    await coordinator.press(listing, "Person 1005")
    await coordinator.expect_callback_answer()
    card = await coordinator.expect_edit(contains="Role: member")
    await coordinator.press(card, "Make coordinator")
    await coordinator.expect_callback_answer()
    await coordinator.press(await coordinator.expect_edit(contains="Give Person 1005"), "Yes, change it")
    await coordinator.expect_callback_answer()
    await coordinator.expect_edit(contains="Person 1005 now has the role coordinator")
    await bot.wait_until("select status from deliveries where kind = 'role'", [("unreachable",)])
    assert bot.query("select role from users where id = 1005 and unreachable_since is not null") == [("coordinator",)]


async def test_invite_link_works_until_used_up_or_expired(tg: FakeTelegram, bot: Bot) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    await coordinator.send("/invite 1")
    invite = await coordinator.expect_message(contains="Invite link")
    link = next(word for word in invite.text.split() if word.startswith("https://t.me/kpr_test_bot?start="))
    payload = link.split("?start=")[1]

    dora = tg.user(1003, "Dora", language_code="de")
    await dora.send(f"/start {payload}")
    await dora.expect_message(contains="Willkommen")
    assert bot.query("select role from users where id = 1003") == [("member",)]

    emil = tg.user(1004, "Emil", language_code="de")
    await emil.send(f"/start {payload}")
    await emil.expect_message(contains="nicht mehr gültig")
    assert bot.query("select role from users where id = 1004") == [("applicant",)]

    await coordinator.send("/invite 5")
    second = await coordinator.expect_message(contains="Invite link")
    code = next(w for w in second.text.split() if w.startswith("https://t.me/")).split("start=inv_")[1]
    # Fourteen days later, as far as the invite is concerned.
    bot.execute("update invites set expires_at = ? where code = ?", datetime(2000, 1, 1, tzinfo=timezone.utc), code)
    await emil.send(f"/start inv_{code}")
    await emil.expect_message(contains="nicht mehr gültig")
    assert bot.query("select role from users where id = 1004") == [("applicant",)]


async def test_user_killed_half_way_continues_after_restart(tg: FakeTelegram, bot: Bot) -> None:
    alice = tg.user(1001, "Alice", language_code="de")
    await alice.send("/join")
    await alice.expect_message(contains="Schritt 1 von 2")
    await alice.send("Alice Schmidt")
    await alice.expect_message(contains="Schritt 2 von 2")
    # The state is in the database before the next update can come; only then pull the plug.
    await bot.wait_until("select state from conversation_states", [('"organisation"',)])
    bot.kill()
    await bot.start()
    await alice.send("Gymnasium Bad Doberan")
    summary = await alice.expect_message(contains="Bitte prüfen Sie Ihren Antrag")
    assert "Alice Schmidt" in summary.text and "Gymnasium Bad Doberan" in summary.text


async def test_forged_and_stale_presses_are_refused_and_the_bot_goes_on(tg: FakeTelegram, bot: Bot) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="de")
    helper = tg.user(600, "Hanna", language_code="de")
    alice = tg.user(1001, "Alice", language_code="de")
    mallory = tg.user(1666, "Mallory", language_code="en")
    await helper.send("/start")
    await helper.expect_message()
    bot.execute("update users set role = 'coordinator' where id = 600")

    await alice.send("/join")
    await alice.expect_message()
    await alice.send("Alice Schmidt")
    await alice.expect_message()
    await alice.send("Jugendclub Tessin")
    await alice.press(await alice.expect_message(contains="Bitte prüfen"), "Antrag senden")
    notice_for_helper = await helper.expect_message(contains="Aufnahmeantrag")
    await coordinator.expect_message(contains="Aufnahmeantrag")

    # Mallory was never shown the button, but forges its data.
    await mallory.press_data(notice_for_helper, notice_for_helper.button("Annehmen").callback_data)
    refusal = await mallory.expect_callback_answer()
    assert "Only coordinators" in refusal.text and refusal.show_alert
    # Hanna is demoted; her old button no longer works.
    bot.execute("update users set role = 'member' where id = 600")
    await helper.press(notice_for_helper, "Annehmen")
    assert "nur die Koordination" in (await helper.expect_callback_answer()).text
    await mallory.press_data(notice_for_helper, "zz:999999")
    assert "no longer valid" in (await mallory.expect_callback_answer()).text
    assert bot.query("select role from users where id = 1001") == [("applicant",)]

    # And the bot still answers the next update.
    await mallory.send("/start")
    assert "Hello, Mallory!" in (await mallory.expect_message()).text
    await bot.stop()
    log = "\n".join(bot.logs)
    refusals = [line for line in log.splitlines() if "Refused" in line]
    assert refusals, log
    # People are named by their pseudonym in the log, never by their Telegram id.
    assert all(re.search(r"user u-[0-9a-f]{8}", line) for line in refusals), refusals
    assert "1666" not in log and " 600 " not in log


async def test_one_users_rapid_messages_are_handled_in_order(tg: FakeTelegram, bot: Bot) -> None:
    tg.latency = 0.03  # every reply takes a while, so handling out of order would show
    alice = tg.user(1001, "Alice", language_code="en")
    others = [tg.user(2000 + i, f"U{i}", language_code="en") for i in range(10)]
    for round_ in range(5):
        for text in ("/join", f"Name {round_}", f"Organisation {round_}", "/cancel"):
            await alice.send(text)
        for other in others:
            await other.send("/help")
    for round_ in range(5):
        await alice.expect_message(contains="Step 1 of 2")
        await alice.expect_message(contains="Step 2 of 2")
        summary = await alice.expect_message(contains="Please check your request")
        assert f"Name {round_}" in summary.text and f"Organisation {round_}" in summary.text
        await alice.expect_message(contains="Cancelled")
    for other in others:
        for _ in range(5):
            await other.expect_message(contains="What I can do for you")


async def test_command_menus_are_registered_per_language_at_start(tg: FakeTelegram, bot: Bot) -> None:
    await tg.wait_for_call("setMyCommands", count=3)
    for _ in range(100):
        if len(tg.commands) >= 3:
            break
        await asyncio.sleep(0.05)
    german = {c["command"]: c["description"] for c in tg.commands[("default", "de")]}
    english = {c["command"]: c["description"] for c in tg.commands[("default", "en")]}
    assert german["join"] == "Aufnahme in den Präventionsrat beantragen"
    assert english["join"] == "Ask to join the prevention council"
    assert tg.commands[("default", "")] == tg.commands[("default", "de")]  # DEFAULT_LANGUAGE=de
    await tg.wait_for_call("setMyCommands", count=4)
    for _ in range(100):
        coordinator_menu = tg.commands.get((f'{{"chat_id": {COORD}, "type": "chat"}}', ""))
        if coordinator_menu:
            break
        await asyncio.sleep(0.05)
    assert {"invite", "members"} <= {c["command"] for c in coordinator_menu}


async def test_command_menu_failure_is_logged_and_the_bot_goes_on(tg: FakeTelegram, tmp_path: Path) -> None:
    tg.fail("setMyCommands", 500, "Internal Server Error", times=None)
    runner = Bot(tg, tmp_path)
    await runner.start()
    try:
        anna = tg.user(1001, "Anna", language_code="de")
        await anna.send("/start")
        await anna.expect_message(contains="Hallo, Anna!")
    finally:
        await runner.stop()
    assert "Could not set the command menu" in "\n".join(runner.logs)


async def test_different_chats_are_answered_concurrently(tg: FakeTelegram, bot: Bot) -> None:
    # One at a time, 20 replies of 0.3 s each would take 6 s; handled concurrently, well under 2 s.
    tg.latency = 0.3
    people = [tg.user(3000 + i, f"P{i}", language_code="en") for i in range(20)]
    started = asyncio.get_running_loop().time()
    for person in people:
        await person.send("/start")
    replies = await asyncio.gather(*(p.expect_message(timeout=30) for p in people))
    assert all("Hello" in reply.text for reply in replies)
    assert asyncio.get_running_loop().time() - started < 2.5


async def test_rejected_token_ends_with_exit_code_2(tg: FakeTelegram, tmp_path: Path) -> None:
    runner = Bot(tg, tmp_path)
    runner.env["BOT_TOKEN"] = "999:REJECTED-token-abcdefghijkl"
    process = BotProcess(env=runner.env, cwd=tmp_path, log_dir=tmp_path)
    await process.start()
    assert await process.wait(timeout=30) == 2
    assert "Telegram rejected BOT_TOKEN" in process.log_text()
    assert "REJECTED-token" not in process.log_text()


async def test_bot_waits_for_an_unreachable_api_and_starts_when_it_appears(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    absent = FakeTelegram(token=TOKEN, port=port)
    runner = Bot(absent, tmp_path)
    runner.env["BOT_API_URL"] = f"http://127.0.0.1:{port}/bot"
    process = BotProcess(env=runner.env, cwd=tmp_path, log_dir=tmp_path)
    await process.start()
    try:
        for _ in range(200):
            if "Cannot reach the Telegram Bot API" in process.log_text():
                break
            await asyncio.sleep(0.05)
        assert "Cannot reach the Telegram Bot API at http://127.0.0.1" in process.log_text()
        async with absent as tg:
            await tg.wait_for_call("getUpdates", timeout=30)
            anna = tg.user(1001, "Anna", language_code="de")
            await anna.send("/start")
            await anna.expect_message(contains="Hallo, Anna!")
            assert await process.stop() == 0
    finally:
        process.kill()
    assert TOKEN not in process.log_text()
