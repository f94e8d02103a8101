"""End to end, webhook mode under abuse: posts without the secret or too large are refused before
their body is read, stalled connections are closed, open connections are capped, refusals are
logged a line at a time, and Telegram's own posts are served throughout."""
from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runner import STOP_DEADLINE
from bot.tryout.fake_telegram import FakeTelegram
from tests.e2e import BotRunner
from tests.e2e.test_e2e_production import SECRET, free_port

PATH = "/telegram/kpr"
TIMEOUT = 1  # WEBHOOK_TIMEOUT, small so that the test is quick
CAP = 10  # WEBHOOK_MAX_CONNECTIONS
MB = 1024 * 1024


@dataclass
class Webhook:
    runner: BotRunner
    port: int

    @property
    def pid(self) -> int:
        assert self.runner.process is not None and self.runner.process.pid is not None
        return self.runner.process.pid

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def log(self) -> str:
        assert self.runner.process is not None
        return self.runner.process.log_text()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def post_head(self, *, length: int | None, secret: str | None = SECRET, path: str = PATH,
                        chunked: bool = False) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection on which a POST's headers (and nothing of its body) have been sent."""
        reader, writer = await self.connect()
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Content-Type: application/json"]
        if length is not None:
            head.append(f"Content-Length: {length}")
        if chunked:
            head.append("Transfer-Encoding: chunked")
        if secret is not None:
            head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        return reader, writer


@pytest.fixture
async def webhook(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Webhook]:
    port = free_port()
    runner = BotRunner(tg, tmp_path, command=[sys.executable, "-m", "bot", "run", "--webhook"])
    runner.env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}", WEBHOOK_LISTEN="127.0.0.1",
                      WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET, WEBHOOK_TIMEOUT=str(TIMEOUT),
                      WEBHOOK_MAX_CONNECTIONS=str(CAP))
    await runner.start(ready="setWebhook")
    await listening(port)
    yield Webhook(runner, port)
    await runner.stop()
    assert runner.process is not None and runner.process.returncode == 0


async def listening(port: int, within: float = 10) -> None:
    """Waits until the port takes connections (python-telegram-bot's server opened it only after
    registering the webhook)."""
    deadline = time.monotonic() + within
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return


async def status_of(reader: asyncio.StreamReader, within: float = 2.0) -> int:
    """The status of the answer, which must come within `within` seconds."""
    line = await asyncio.wait_for(reader.readline(), within)
    assert line.startswith(b"HTTP/1.1 "), line
    return int(line.split()[1])


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (reading whatever it sends)."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def send_until_refused(writer: asyncio.StreamWriter, total: int) -> int:
    """Writes up to `total` bytes of body; how many went out before the server closed the connection."""
    chunk, sent = b"x" * MB, 0
    with contextlib.suppress(ConnectionError):
        while sent < total:
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), 2)
            sent += len(chunk)
    return sent


async def test_a_post_without_the_secret_is_refused_before_its_body_is_read(tg: FakeTelegram,
                                                                            webhook: Webhook) -> None:
    rss_before = webhook.rss_kb()
    for secret in (None, "wrong-secret-0123456789", SECRET[:-1]):
        # 90 MB declared, a little sent: the answer comes at once, not after 90 MB.
        reader, writer = await webhook.post_head(length=90 * MB, secret=secret)
        writer.write(b'{"update_id": 1, "message": ' + b" " * 60_000)
        assert await status_of(reader) == 403
        # And the rest is never read: the connection ends long before 90 MB are in.
        assert await send_until_refused(writer, 90 * MB) < 30 * MB
        writer.close()
    # Small enough to be read, but without the secret: refused all the same.
    reader, writer = await webhook.post_head(length=2, secret=None)
    writer.write(b"{}")
    assert await status_of(reader) == 403
    writer.close()
    assert webhook.rss_kb() - rss_before < 20 * 1024, "the process grew by what it was sent"
    anna = tg.user(1001, "Anna")
    await anna.send("/start")
    await anna.expect_message(contains="Hallo, Anna!")


async def test_a_body_over_1_mb_is_refused_without_being_read(webhook: Webhook) -> None:
    reader, writer = await webhook.post_head(length=MB + 1)
    assert await status_of(reader) == 413
    writer.close()
    # Chunked, so without a length up front: refused once it passes 1 MB.
    reader, writer = await webhook.post_head(length=None, chunked=True)
    chunk = b"x" * 65536
    with contextlib.suppress(ConnectionError):
        for _ in range(MB // len(chunk) + 2):
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
    assert await status_of(reader) == 413
    writer.close()


async def test_stalled_requests_are_closed_within_the_timeout(tg: FakeTelegram, webhook: Webhook) -> None:
    silent, _ = await webhook.connect()  # sends nothing at all
    half_headers, writer = await webhook.connect()
    writer.write(f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())  # the headers never end
    no_body, _ = await webhook.post_head(length=500)  # the body never comes
    started = time.monotonic()
    for reader in (silent, half_headers, no_body):
        assert await closed_within(reader, TIMEOUT + 3)
    assert time.monotonic() - started < TIMEOUT + 3
    anna = tg.user(1001, "Anna")
    await anna.send("/start")
    await anna.expect_message(contains="Hallo, Anna!")


async def test_connections_beyond_the_cap_are_closed_and_telegram_is_still_served(tg: FakeTelegram,
                                                                                  webhook: Webhook) -> None:
    anna = tg.user(1001, "Anna")
    await anna.send("/start")
    await anna.expect_message(contains="Hallo, Anna!")
    files_before = webhook.open_files()
    idle = [await webhook.connect() for _ in range(5 * CAP)]
    # The server closes all but (at most) the cap of them at once.
    closed = await asyncio.gather(*(closed_within(reader, 0.5) for reader, _ in idle))
    assert sum(closed) >= 4 * CAP
    assert webhook.open_files() - files_before <= CAP + 2
    # Telegram's next post gets through, at the latest when the idle ones time out.
    await anna.send("/help")
    await anna.expect_message(contains="Was ich für Sie tun kann", timeout=TIMEOUT + 5)
    # A stop with connections still open ends as quickly as without them.
    more = [await webhook.connect() for _ in range(CAP)]
    started = time.monotonic()
    await webhook.runner.stop()
    assert time.monotonic() - started < STOP_DEADLINE
    for _, writer in [*idle, *more]:
        writer.close()


async def test_an_update_that_cannot_be_read_is_skipped_in_webhook_mode_too(tg: FakeTelegram,
                                                                            webhook: Webhook) -> None:
    # Telegram posts updates in order and again until answered 2xx: a refusal would stop them all.
    bad = await tg.enqueue({"message": {"message_id": 1, "date": "gestern", "text": "Hallo",
                                        "chat": {"id": 1002, "type": "private"}}})
    anna = tg.user(1001, "Anna")
    await anna.send("/start")
    await anna.expect_message(contains="Hallo, Anna!")
    skipped = [line for line in webhook.log().splitlines() if "could not be read" in line]
    assert len(skipped) == 1 and f"Skipped update {bad['update_id']}:" in skipped[0]


async def test_refused_requests_are_logged_a_line_at_a_time(webhook: Webhook) -> None:
    for _ in range(20):
        reader, writer = await webhook.post_head(length=2, secret="wrong-secret-0123456789")
        writer.write(b"{}")
        assert await status_of(reader) == 403
        writer.close()
    reader, writer = await webhook.post_head(length=2, path="/elsewhere")
    writer.write(b"{}")
    assert await status_of(reader) == 404
    writer.close()
    reader, writer = await webhook.connect()
    writer.write(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert await status_of(reader) == 405
    writer.close()
    await webhook.runner.stop()  # writes what was counted since the last line
    lines = [line for line in webhook.log().splitlines() if "Webhook refused" in line]
    assert len(lines) == 2, lines  # the first at once, the rest in one line
    assert "1 request: 1 403 without the right secret" in lines[0]
    assert "21 requests: 19 403 without the right secret, 1 404 to another path, 1 405 not a POST" in lines[1]
    assert SECRET not in webhook.log()
