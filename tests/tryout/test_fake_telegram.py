"""The fake Bot API answers python-telegram-bot the way Telegram does, errors included, through
python-telegram-bot's own transport (httpx) and the bot's (aiohttp, bot/ptb/transport.py) alike."""
from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.ptb.transport import AiohttpTransport
from bot.tryout.fake_telegram import BotProcess, FakeTelegram

TOKEN = "111:FAKE-api-test-token"


@pytest.fixture
async def tg():
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture(params=["httpx", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


def make_bot(tg: FakeTelegram, transport: str = "httpx", read_timeout: float = 5) -> Bot:
    request = (AiohttpTransport(connection_pool_size=32, read_timeout=read_timeout) if transport == "aiohttp"
               else HTTPXRequest(read_timeout=read_timeout, connection_pool_size=32))
    return Bot(TOKEN, base_url=tg.api_url, request=request, get_updates_request=request)


async def test_messages_edits_presses_and_answers(tg: FakeTelegram, transport: str) -> None:
    alice = tg.user(1, "Alice")
    async with make_bot(tg, transport) as bot:
        assert bot.username == "kpr_test_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="q:yes")]])
        sent = await bot.send_message(1, "<b>Come?</b> 1 &lt; 2", parse_mode="HTML", reply_markup=markup)
        message = await alice.expect_message(contains="Come? 1 < 2")
        assert message.message_id == sent.message_id and message.button("Yes").callback_data == "q:yes"
        query_id = await alice.press(message, "Yes")
        await bot.answer_callback_query(query_id, "Thanks", show_alert=True)
        answer = await alice.expect_callback_answer()
        assert answer.text == "Thanks" and answer.show_alert
        await bot.edit_message_text("Coming", chat_id=1, message_id=sent.message_id)
        assert (await alice.expect_edit(contains="Coming")).message_id == sent.message_id
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("Coming", chat_id=1, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(1, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)too long"):
            await bot.send_message(1, "x" * 4097)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(999, "nobody")
        await alice.expect_no_message(within=0.1)


async def test_a_subscriber_sees_messages_edits_and_answers_as_they_were(tg: FakeTelegram) -> None:
    alice = tg.user(1, "Alice")
    events = tg.subscribe()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="q:yes")]])
    async with make_bot(tg) as bot:
        sent = await bot.send_message(1, "<b>Come?</b>", parse_mode="HTML", reply_markup=markup)
        message = await alice.expect_message()
        await bot.answer_callback_query(await alice.press(message, "Yes"), "Noted")
        await bot.edit_message_text("Coming", chat_id=1, message_id=sent.message_id, reply_markup=markup)
        await bot.edit_message_reply_markup(chat_id=1, message_id=sent.message_id, reply_markup=None)
    seen = [events.get_nowait() for _ in range(events.qsize())]
    assert [(e.kind, e.chat_id, e.text, e.buttons_only) for e in seen] == [
        ("message", 1, "Come?", False), ("answer", 1, "Noted", False), ("edit", 1, "Coming", False),
        ("edit", 1, "Coming", True)]
    # Each event keeps the buttons of its moment; the message itself has none left.
    assert [bool(e.reply_markup) for e in seen] == [True, False, True, False]
    assert seen[0].message is message and message.buttons == []


async def test_get_updates_offsets_and_long_polling(tg: FakeTelegram, transport: str) -> None:
    alice = tg.user(1, "Alice")
    async with make_bot(tg, transport) as bot:
        await alice.send("/start")
        await alice.send("hello")
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates] == ["/start", "hello"]
        assert updates[0].message.entities[0].type == "bot_command"
        # Not confirmed yet: the same updates again.
        assert len(await bot.get_updates(timeout=0)) == 2
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
        await asyncio.sleep(0.2)
        await alice.send("late")
        late = await poll
        assert [u.message.text for u in late] == ["late"] and time.monotonic() - started < 2


async def test_injected_errors(tg: FakeTelegram, transport: str) -> None:
    tg.user(1, "Alice")
    tg.user(2, "Bob")
    async with make_bot(tg, transport, read_timeout=0.5) as bot:
        tg.fail("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as error:
            await bot.send_message(1, "x")
        assert error.value.retry_after == timedelta(seconds=3)
        await bot.send_message(1, "after the 429")  # times=1: only once

        tg.fail("sendMessage", 403, chat_id=2, times=None)
        with pytest.raises(Forbidden):
            await bot.send_message(2, "blocked")
        await bot.send_message(1, "other chats unaffected")
        tg.clear_failures()
        await bot.send_message(2, "unblocked")

        tg.fail("sendMessage", timeout=True)
        with pytest.raises(TimedOut):
            await bot.send_message(1, "slow")
    statuses = [c.status for c in tg.calls if c.method == "sendMessage"]
    assert statuses[:5] == [429, 200, 403, 200, 200]
    # A request that timed out may have been acted upon: nobody sends it again.
    assert [c.params.get("text") for c in tg.calls].count("slow") == 1


async def test_uploads_and_commands(tg: FakeTelegram, transport: str) -> None:
    alice = tg.user(1, "Alice")
    async with make_bot(tg, transport) as bot:
        await bot.send_document(1, document=b"a;b\n1;2\n", filename="report.csv", caption="Report")
        document = await alice.expect_message(contains="Report")
        assert document.document == {"filename": "report.csv", "data": b"a;b\n1;2\n"}
        from telegram import BotCommand
        await bot.set_my_commands([BotCommand("start", "Start")], language_code="de")
        assert tg.commands[("default", "de")] == [{"command": "start", "description": "Start"}]


async def test_wrong_token_and_unknown_method(tg: FakeTelegram) -> None:
    from telegram.error import InvalidToken

    async with FakeTelegram(token=TOKEN) as other:
        with pytest.raises(InvalidToken):
            async with Bot("222:WRONG", base_url=other.api_url):
                pass
    async with make_bot(tg, transport) as bot:
        with pytest.raises(Exception, match="(?i)not found"):
            await bot.do_api_request("noSuchMethod")


async def test_latency_overlaps_concurrent_calls(tg: FakeTelegram, transport: str) -> None:
    for chat in range(10):
        tg.user(chat + 1, "U")
    tg.latency = 0.2
    async with make_bot(tg, transport) as bot:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(chat + 1, "hi") for chat in range(10)))
        assert time.monotonic() - started < 1.0


@pytest.mark.e2e
async def test_bot_process_kill_and_restart(tg: FakeTelegram, tmp_path: Path) -> None:
    script = tmp_path / "echo.py"
    script.write_text(
        "import sys\n"
        "from telegram.ext import ApplicationBuilder, MessageHandler, filters\n"
        "async def echo(update, context):\n"
        "    await update.message.reply_text('echo: ' + update.message.text)\n"
        f"app = ApplicationBuilder().token({TOKEN!r}).base_url(sys.argv[1]).build()\n"
        "app.add_handler(MessageHandler(filters.TEXT, echo))\n"
        "app.run_polling(poll_interval=0, timeout=1)\n")
    alice = tg.user(1, "Alice")
    process = BotProcess({}, cwd=tmp_path, log_dir=tmp_path, command=[sys.executable, str(script), tg.api_url])
    async with process:
        await tg.wait_for_call("getUpdates", timeout=30)
        await alice.send("one")
        await alice.expect_message(contains="echo: one")
        process.kill()
        assert await process.wait() != 0
        await process.start()
        await alice.send("two")
        # An update is confirmed only by the next getUpdates; one the killed process had not
        # confirmed yet comes again, as with Telegram.
        reply = await alice.expect_message(timeout=30)
        if reply.text == "echo: one":
            reply = await alice.expect_message(timeout=30)
        assert reply.text == "echo: two"
        assert await process.stop() == 0


async def test_the_bots_transport_hides_the_token_in_network_errors(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpTransport()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request, get_updates_request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as error:
            await bot.get_me()
        assert "aiohttp.ClientConnectorError" in str(error.value)
        assert TOKEN not in str(error.value) and TOKEN.split(":")[1] not in str(error.value)
    finally:
        await request.shutdown()


async def test_the_bots_transport_sends_again_what_met_a_stale_connection() -> None:
    """Telegram's servers close keep-alive connections left idle; a request that meets such a
    connection is sent once more, on a new connection, and each message arrives once."""
    async with FakeTelegram(token=TOKEN, idle_timeout=0.3) as tg:
        alice = tg.user(1, "Alice")
        async with make_bot(tg, "aiohttp") as bot:
            await asyncio.gather(*(bot.send_message(1, f"before {n}") for n in range(3)))
            await asyncio.sleep(0.5)
            await asyncio.gather(*(bot.send_message(1, f"after {n}") for n in range(3)))
        assert tg.dropped_requests >= 1
    assert sorted(m.text for m in alice.history) == [f"{when} {n}" for when in ("after", "before") for n in range(3)]


async def test_the_bots_transport_does_not_send_again_what_a_new_connection_lost() -> None:
    """A server that closes a new connection without answering has read the request and may have
    acted on it: the request fails instead of going out twice."""
    requests: list[bytes] = []

    async def read_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(read_and_close, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpTransport()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request, get_updates_request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="ServerDisconnectedError"):
            await bot.get_me()
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()
    assert len(requests) == 1
