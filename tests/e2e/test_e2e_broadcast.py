"""End to end: announcements through the real bot process and the delivery engine."""
from __future__ import annotations

import asyncio
import io
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from bot.delivery import MAX_IN_FLIGHT
from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import COORD, BotRunner
from tests.flows import compose_and_send, final_report


async def test_broadcast_reaches_every_member_once_with_formatting_and_progress(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    ids = list(range(5000, 5040))
    bot.add_people(ids)
    bot.add_people([6000], role="applicant")  # not a member: must not get it
    members = [tg.user(uid, f"M{uid}") for uid in ids]
    outsider = tg.user(6000, "Applicant")

    await compose_and_send(coordinator, "Council meeting on Friday at 18:00",
                           entities=[{"type": "bold", "offset": 0, "length": 15}], ack=True)
    report = await final_report(coordinator)
    assert "Delivered: 40" in report and "Failed: 0" in report
    for member in members:
        message = await member.expect_message()
        # Below the sender (the council, named in the content file) and the day, in the member's language.
        head, text = message.text.split("\n\n")
        assert head.startswith("Kommunaler Präventionsrat des Landkreises Rostock (KPR)\nMitteilung vom ")
        assert text == "Council meeting on Friday at 18:00"
        assert message.raw.endswith("\n\n<b>Council meeting</b> on Friday at 18:00")
        assert message.button("Zur Kenntnis genommen")  # in the member's language (de)
    await asyncio.gather(*(m.expect_no_message(within=0.3) for m in members[:5]))
    await outsider.expect_no_message(within=0.1)

    progress = [c for c in tg.calls if c.method == "editMessageText" and c.params.get("chat_id") == COORD
                and "announcement" in str(c.params.get("text", "")).lower()]
    gaps = [b.time - a.time for a, b in zip(progress, progress[1:])]
    assert all(gap >= 2.5 for gap in gaps), f"progress edited too often: {gaps}"

    # Acknowledgements: two members press, one twice; the coordinator sees who.
    first = members[0].history[-1]
    ack_data = first.button("Zur Kenntnis genommen").callback_data
    await members[0].press(first, "Zur Kenntnis genommen")
    assert "Danke" in (await members[0].expect_callback_answer()).text
    await members[0].expect_edit()  # the button is gone from their copy
    assert first.buttons == []
    await members[1].press(members[1].history[-1], "Zur Kenntnis genommen")
    await members[1].expect_callback_answer()
    await members[0].press_data(first, ack_data)  # pressed again, e.g. from another device
    assert "bereits" in (await members[0].expect_callback_answer()).text
    await outsider.press_data(first, ack_data)
    assert "nicht mehr gültig" in (await outsider.expect_callback_answer()).text
    broadcast_id = bot.query("select max(id) from broadcasts")[0][0]
    assert bot.query(f"select count(*) from acknowledgements where broadcast_id = {broadcast_id}") == [(2,)]

    await coordinator.send("/broadcasts")
    listing = await coordinator.expect_message(contains="Recent announcements")
    await coordinator.press(listing, f"Details #{broadcast_id}")
    await coordinator.expect_callback_answer()
    details = await coordinator.expect_message(contains="2 acknowledged")
    # Names as Telegram gave them when they pressed (the gate keeps them current).
    assert "M5000" in details.text and "M5001" in details.text
    await coordinator.press(details, "Remind those who have not acknowledged")
    await coordinator.expect_callback_answer()
    await coordinator.press(await coordinator.expect_edit(contains="38 people"), "Yes, remind them")
    await coordinator.expect_callback_answer()
    assert "Delivered: 38" in await final_report(coordinator)
    await members[2].expect_message(contains="Council meeting")
    await members[0].expect_no_message(within=0.3)  # acknowledged: no reminder


async def test_429_makes_every_send_wait_and_403_marks_unreachable(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    ids = list(range(7000, 7012))
    bot.add_people(ids)
    members = [tg.user(uid, f"M{uid}") for uid in ids]
    tg.fail("sendMessage", 429, retry_after=2, times=1, chat_id=7003)
    tg.fail("sendMessage", 403, chat_id=7005, times=None)
    tg.fail("sendMessage", 403, chat_id=7006, times=None)
    tg.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=7007, times=None)
    tg.fail("sendDocument", 429, retry_after=1, times=1, chat_id=COORD)  # the list of those not reached waits
    await compose_and_send(coordinator, "Neue Termine")
    report = await final_report(coordinator)
    assert "Delivered: 9" in report and "Unreachable (blocked the bot): 2" in report
    assert "Failed: 1\n  – Chat not found (1)" in report
    for member in members:
        if member.id in (7005, 7006, 7007):
            await member.expect_no_message(within=0.05)
        else:
            await member.expect_message(contains="Neue Termine")
    failures = await coordinator.expect_message(contains="were not reached")
    sheet = load_workbook(io.BytesIO(failures.document["data"])).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "Status", "Reason", "Telegram ID"]  # in English, the coordinator's language
    assert [(r[3], r[1]) for r in rows[1:]] == [(7005, "blocked the bot"), (7006, "blocked the bot"), (7007, "failed")]
    assert rows[3][2] == "Chat not found"
    assert [c.status for c in tg.calls if c.method == "sendDocument"] == [429, 200]
    await bot.wait_until("select status from deliveries where kind = 'report'", [("sent",)])

    sends = [c for c in tg.calls if c.method == "sendMessage" and 7000 <= int(c.params["chat_id"]) < 7100]
    limited = next(c for c in sends if c.status == 429)
    # Sends already on their way when the 429 was answered cannot be called back (on a busy machine
    # they may arrive after it: at most the others in flight); every later one waits.
    later = sorted(c.time for c in tg.calls if c.time > limited.answered and c.method == "sendMessage")
    in_flight = [t for t in later if t - limited.answered < 2.0]
    assert len(in_flight) < MAX_IN_FLIGHT, f"{len(in_flight)} sends came before retry_after"
    assert len(later) > len(in_flight), "nothing was sent after the pause"
    assert Counter(int(c.params["chat_id"]) for c in sends if c.status == 200) == Counter(set(ids) - {7005, 7006, 7007})
    assert bot.query("select count(*) from users where unreachable_since is not null") == [(2,)]

    # The next audience leaves them out, until one of them writes again (having unblocked the bot).
    tg.clear_failures()
    await members[5].send("/start")
    await members[5].expect_message()
    assert bot.query("select count(*) from users where unreachable_since is not null") == [(1,)]


@pytest.mark.broadcast_rate(1000)  # about the resume, not the pace
async def test_kill_in_the_middle_of_1000_recipients_then_resume(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    ids = list(range(100_000, 101_000))
    bot.add_people(ids)
    members = {uid: tg.user(uid, "M") for uid in ids}
    await compose_and_send(coordinator, "Einladung")
    await tg.wait_for_call("sendMessage", timeout=60, count=300)
    bot.kill()
    assert bot.query("select count(*) from deliveries where status = 'sent'")[0][0] < 1000, "killed too late"
    await bot.start()
    await bot.wait_until("select count(*) from deliveries where status in ('pending', 'sending')", [(0,)], timeout=60)
    received = Counter({uid: len(m.log.new_messages) for uid, m in members.items()})
    assert min(received.values()) == 1, "someone was left out"
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= 5, f"{duplicates} duplicates, more than the in-flight bound"
    assert bot.query("select count(*) from deliveries where status = 'sent'") == [(1000,)]
    # The restarted bot carries on with the author's progress message up to the final report.
    assert "Delivered: 1000" in await final_report(coordinator)


async def test_scheduled_broadcast_missed_while_down_is_sent_at_start(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    bot.add_people([8000, 8001])
    members = [tg.user(8000, "A"), tg.user(8001, "B")]
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.send("Reminder: forms are due")
    await coordinator.press(await coordinator.expect_message(contains="Who should"), "All members")
    await coordinator.expect_message()
    review = await coordinator.expect_message(contains="Above is the preview.")
    await coordinator.press(review, "Send later…")
    await coordinator.expect_edit(contains="When should it go out?")
    await coordinator.send("1.1.2020 10:00")
    await coordinator.expect_message(contains="already passed")
    next_year = datetime.now(timezone.utc).year + 1
    await coordinator.send(f"1.1.{next_year} 10:00")
    question = await coordinator.expect_message(contains=f"1 January {next_year}, 10:00")
    await coordinator.press(question, "Yes, schedule it")
    await coordinator.expect_edit(contains="Scheduled for")
    await bot.stop()
    # The bot was down when the time came: an hour ago.
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    bot.execute("update broadcasts set send_at = ?", an_hour_ago)
    bot.execute("update deliveries set not_before = ?", an_hour_ago)
    await bot.start()
    for member in members:
        await member.expect_message(contains="forms are due", timeout=20)
    report = await final_report(coordinator, timeout=20)
    assert "late" in report


async def test_a_scheduled_announcement_reaches_its_audience_as_it_is_when_sent(tg: FakeTelegram, bot: BotRunner) -> None:
    coordinator = tg.user(COORD, "Chris", language_code="en")
    bot.add_people([8100, 8101])
    bot.add_people([8102], role="applicant")
    staying, leaving, subscribing = tg.user(8100, "Stays"), tg.user(8101, "Leaves"), tg.user(8102, "Subscribes")
    await coordinator.send("/broadcast")
    await coordinator.expect_message()
    await coordinator.send("Sprechstunde am Montag")
    await coordinator.press(await coordinator.expect_message(contains="Who should"), "News subscribers (2)")
    await coordinator.expect_message()
    review = await coordinator.expect_message(contains="Above is the preview.")
    assert "About 2 recipients now; they are chosen when it is sent." in review.text
    await coordinator.press(review, "Send later…")
    await coordinator.expect_edit(contains="When should it go out?")
    await coordinator.send(f"1.1.{datetime.now(timezone.utc).year + 1} 10:00")
    question = await coordinator.expect_message(contains="those in the audience then (about 2 recipients now)")
    await coordinator.press(question, "Yes, schedule it")
    await coordinator.expect_edit(contains="Scheduled for")

    # Before it goes out, one member erases their data and someone switches news on.
    await leaving.send("/deleteme")
    await leaving.press(await leaving.expect_message(contains="Alle Ihre Daten löschen?"), "Ja, alles löschen")
    await leaving.expect_callback_answer()
    await leaving.expect_edit()
    await subscribing.send("/news on")
    await subscribing.expect_message(contains="/news off")
    assert bot.query("select count(*) from deliveries where kind = 'broadcast'") == [(0,)]

    # Its time comes while the bot is down; at the start it chooses the audience as it is then.
    await bot.stop()
    bot.execute("update broadcasts set send_at = ?", datetime.now(timezone.utc))
    await bot.start()
    await staying.expect_message(contains="Sprechstunde am Montag", timeout=20)
    await subscribing.expect_message(contains="Sprechstunde am Montag")
    await leaving.expect_no_message(within=0.1)
    await bot.wait_until("select chat_id, status from deliveries where kind = 'broadcast' order by chat_id",
                         [(8100, "sent"), (8102, "sent")])
