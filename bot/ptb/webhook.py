"""Webhook mode: the HTTP server Telegram posts updates to, which refuses everything else cheaply.

python-telegram-bot's own webhook server (Updater.start_webhook) reads a whole body before it looks
at the secret, keeps half-open requests for ever, takes any number of connections and logs no
refusal: three 90 MB posts without the secret took the process from 108 to 457 MB, and 1,030 slow
connections used up the files it may open. This one is tornado too, through its documented doors:
secret, path and size are checked once the headers are in (`stream_request_body`), so a refused
body is never kept; timeouts close connections that stall; open connections are capped; refusals
are logged, a line at most every 10 seconds.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream, StreamClosedError
from telegram import Update
from telegram.ext import Application

from bot.ptb.incoming import read_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes
MAX_HEADERS = 16 * 1024
REFUSALS_EVERY = 10.0  # seconds between log lines about refused requests
# How many connections Telegram may open at once (its default); at most the cap.
TELEGRAM_CONNECTIONS = 40
CLOSE_GRACE = 2.0  # seconds the stop waits for the connections it closes to wind up

REASONS = {403: "403 without the right secret", 404: "404 to another path", 405: "405 not a POST",
           413: "413 over 1 MB", 400: "400 not an update"}


@dataclass(frozen=True)
class WebhookLimits:
    timeout: float  # for the headers, for the body, and for a connection without a request
    max_connections: int


class RefusalLog:
    """Logs refused requests by reason: the first at once, then at most one line per `every`
    seconds with the counts since the last line, so a flood of them costs a line, not a flood."""

    def __init__(self, every: float = REFUSALS_EVERY) -> None:
        self.every = every
        self.counts: Counter[str] = Counter()
        self._next_line: asyncio.TimerHandle | None = None

    def refused(self, reason: str) -> None:
        self.counts[reason] += 1
        if self._next_line is None:
            self._write()

    def close(self) -> None:
        """Writes what was counted since the last line; the counting ends here."""
        if self._next_line is not None:
            self._next_line.cancel()
            self._next_line = None
        if self.counts:
            self._write(again=False)

    def _write(self, again: bool = True) -> None:
        total = sum(self.counts.values())
        log.warning("Webhook refused %d request%s: %s", total, "" if total == 1 else "s",
                    ", ".join(f"{count} {reason}" for reason, count in self.counts.most_common()))
        self.counts.clear()
        if again:
            self._next_line = asyncio.get_running_loop().call_later(self.every, self._tick)

    def _tick(self) -> None:
        self._next_line = None
        if self.counts:
            self._write()


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """Takes one update per POST. What it will not take is decided from the headers: with a body
    over MAX_BODY it is refused at once (the connection ends, the body unread); a smaller body is
    read, dropped as it comes and refused after, so that a client that sends its body after the
    headers reads the answer, not a broken connection."""

    SUPPORTED_METHODS = ("POST",)  # tornado answers anything else with 405 before reading a body

    def initialize(self, bot_application: Application, path: str, secret: bytes) -> None:  # type: ignore[override]
        self.bot_application = bot_application
        self.webhook_path = path
        self.secret = secret
        self.refusal: int | None = None
        self.received = bytearray()
        self.size = 0

    async def prepare(self) -> None:
        length = self.request.headers.get("Content-Length")
        if length is not None and not length.isdigit():
            await self._refuse(400)
            return
        self.refusal = self._refusal()
        if length is not None and int(length) > MAX_BODY:
            await self._refuse(self.refusal or 413)

    def _refusal(self) -> int | None:
        """The status to refuse the request with, as its headers show; None: take it."""
        if self.request.path != self.webhook_path:
            return 404
        if not hmac.compare_digest(self.request.headers.get(SECRET_HEADER, "").encode(), self.secret):
            return 403
        return None

    async def data_received(self, chunk: bytes) -> None:
        # A chunked body declares no length up front: it is counted as it comes.
        self.size += len(chunk)
        if self.size > MAX_BODY:
            await self._refuse(self.refusal or 413)
        elif self.refusal is None:
            self.received += chunk

    async def post(self) -> None:
        if self.refusal is not None:
            await self._refuse(self.refusal)
            return
        try:
            data = json.loads(self.received)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            data = None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            await self._refuse(400)
            return
        # One that Telegram sent but nobody can read is skipped (bot.ptb.incoming) and answered 200:
        # Telegram would post it again and again otherwise.
        update = read_update(data, self.bot_application.bot)
        if update is not None:
            await self.bot_application.update_queue.put(update)

    async def _refuse(self, status: int) -> None:
        # Before the body is read, the connection ends once the answer is sent (tornado: "the
        # only way to avoid reading the whole input body"), so the rest is never read.
        self.set_status(status)
        with contextlib.suppress(StreamClosedError):
            await self.finish()


class CappedHTTPServer(HTTPServer):
    """tornado's HTTPServer, closing new connections at once while `max_connections` are open."""

    def initialize(self, *args: object, max_connections: int, refusals: RefusalLog,  # type: ignore[override]
                   **kwargs: object) -> None:
        # tornado's servers take their arguments here, not in __init__.
        super().initialize(*args, **kwargs)  # type: ignore[arg-type]
        self.max_connections = max_connections
        self.refusals = refusals
        self.open_connections = 0

    def handle_stream(self, stream: IOStream, address: tuple) -> None:
        if self.open_connections >= self.max_connections:
            stream.close()
            self.refusals.refused(f"connections over the cap of {self.max_connections}, closed at once")
            return
        self.open_connections += 1
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self.open_connections -= 1
        super().on_close(server_conn)


class WebhookServer:
    """Listens for Telegram's posts and feeds the application's update queue."""

    def __init__(self, application: Application, *, url: str, secret: str, listen: str, port: int,
                 limits: WebhookLimits) -> None:
        self.application = application
        self.url, self.secret = url, secret
        self.listen, self.port = listen, port
        self.limits = limits
        self.refusals = RefusalLog()
        self.server: CappedHTTPServer | None = None

    async def start(self) -> None:
        """Listens, then registers the webhook with Telegram (which posts at once what it kept)."""
        # Every path goes to the one handler, so that none has its body read before it is refused.
        routes = [(r".*", UpdateHandler, {"bot_application": self.application,
                                          "path": urlsplit(self.url).path or "/", "secret": self.secret.encode()})]
        # Refusals are counted by RefusalLog; a line per request would be a flood.
        app = tornado.web.Application(routes, log_function=self._count_refusal)
        self.server = CappedHTTPServer(
            app, max_connections=self.limits.max_connections, refusals=self.refusals,
            # idle_connection_timeout also bounds the wait for a request's headers.
            idle_connection_timeout=self.limits.timeout, body_timeout=self.limits.timeout,
            # tornado's own limit only backs ours up: it answers a bare 400 and logs nothing we see.
            max_header_size=MAX_HEADERS, max_body_size=2 * MAX_BODY, max_buffer_size=4 * MAX_BODY)
        self.server.listen(self.port, self.listen)
        try:
            await self.application.bot.set_webhook(
                self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES,
                max_connections=min(TELEGRAM_CONNECTIONS, self.limits.max_connections))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stops listening and closes the connections. The webhook stays registered: Telegram
        keeps the updates meanwhile and posts them after the restart."""
        if self.server is None:
            return
        self.server.stop()
        try:
            await asyncio.wait_for(self.server.close_all_connections(), CLOSE_GRACE)
        except TimeoutError:
            log.warning("Webhook connections still open after %.0f s of the stop; leaving them", CLOSE_GRACE)
        self.server = None
        self.refusals.close()

    def _count_refusal(self, handler: tornado.web.RequestHandler) -> None:
        status = handler.get_status()
        if status >= 400:
            self.refusals.refused(REASONS.get(status, str(status)))
