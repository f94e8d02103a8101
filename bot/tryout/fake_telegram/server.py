"""A fake Telegram Bot API server (aiohttp) that keeps chats, updates and calls in memory."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
from aiohttp import web

from bot.tryout.fake_telegram.markup import MarkupError, visible_text
from bot.tryout.fake_telegram.users import BotMessage, ChatEvent, ChatLog, FakeGroup, FakeUser

# Parameters that are text even when they look like JSON ("123" stays a string).
_STRING_FIELDS = {"text", "caption", "parse_mode", "callback_query_id", "language_code", "url", "description",
                  "short_description", "secret_token", "file_id"}
_MAX_TEXT = 4096
_MAX_CAPTION = 1024


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    time: float  # when the request arrived
    status: int = 200
    answered: float | None = None  # when the answer left


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    timeout: bool
    chat_id: int | None
    remaining: int | None  # None: until cleared

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != method or self.remaining == 0:
            return False
        return self.chat_id is None or _as_int(params.get("chat_id")) == self.chat_id


class ApiError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class FakeTelegram:
    """`async with FakeTelegram(token) as tg:` serves the Bot API on 127.0.0.1 at `tg.api_url`."""

    def __init__(self, token: str = "123456:TEST-token", latency: float = 0.0, *, host: str = "127.0.0.1",
                 port: int = 0, idle_timeout: float | None = None) -> None:
        self.token = token
        self.latency = latency
        # Telegram's servers close keep-alive connections left idle; the bot only learns of it when a
        # request it sends on one gets no answer. With `idle_timeout` set, a request arriving on a
        # connection idle for longer finds it closed, unanswered: the race made certain (a server
        # that closed idle connections by itself would almost always be seen closing first).
        self.idle_timeout = idle_timeout
        self.dropped_requests = 0
        self._idle_since: dict[asyncio.BaseTransport, float] = {}
        self.host, self.port = host, port
        self.bot_user: dict[str, Any] = {
            "id": 7000001, "is_bot": True, "first_name": "KPR Test", "username": "kpr_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.chats: dict[int, ChatLog] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._subscribers: list[asyncio.Queue[ChatEvent]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        # Webhook mode: set by setWebhook; updates are then posted to the bot instead of polled.
        self.webhook: dict[str, Any] | None = None
        self._poster: asyncio.Task | None = None

    # ---- lifecycle ----
    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # Held requests (long polls, injected time-outs) must not hold up the end of a test.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]  # the port the system chose when asked for 0

    async def stop(self) -> None:
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        await self._stop_posting()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    # ---- people and updates ----
    def user(self, user_id: int, first_name: str = "Test", *, language_code: str | None = "de",
             last_name: str | None = None, username: str | None = None) -> FakeUser:
        profile = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username), ("language_code", language_code)):
            if value is not None:
                profile[key] = value
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        return FakeUser(self, profile, self.chat_log(chat))

    def group(self, chat_id: int, title: str) -> FakeGroup:
        return FakeGroup(self, self.chat_log({"id": chat_id, "type": "supergroup", "title": title}))

    def chat_log(self, chat: dict[str, Any]) -> ChatLog:
        if chat["id"] not in self.chats:
            self.chats[chat["id"]] = ChatLog(chat, self._changed)
        return self.chats[chat["id"]]

    async def enqueue(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Adds an update (without update_id); long polls waiting for updates wake up at once."""
        update = {"update_id": next(self._update_ids), **payload}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def subscribe(self) -> asyncio.Queue[ChatEvent]:
        """A queue that gets every message, edit and button answer of the bot, in every chat, from now on:
        for a client that shows them as they come (`kpr-bot try`), where tests expect them chat by chat."""
        queue: asyncio.Queue[ChatEvent] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def _publish(self, event: ChatEvent) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    # ---- failures ----
    def fail(self, method: str, status: int = 400, description: str | None = None, *, retry_after: int | None = None,
             times: int | None = 1, chat_id: int | None = None, timeout: bool = False) -> None:
        if description is None:
            description = {429: f"Too Many Requests: retry after {retry_after}", 403: "Forbidden: bot was blocked by the user",
                           400: "Bad Request: chat not found"}.get(status, "Internal Server Error")
        self._failures.append(Failure(method, status, description, retry_after, timeout, chat_id, times))

    def clear_failures(self) -> None:
        self._failures.clear()

    async def wait_for_call(self, method: str, timeout: float = 10, count: int = 1) -> None:
        """Waits until `count` calls of `method` have been received in all (not only new ones)."""
        async def reached() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: sum(c.method == method for c in self.calls) >= count)
        try:
            await asyncio.wait_for(reached(), timeout)
        except TimeoutError:
            seen = sum(c.method == method for c in self.calls)
            raise AssertionError(f"expected {count} {method} call(s) within {timeout}s, saw {seen}") from None

    # ---- HTTP ----
    async def _handle(self, request: web.Request) -> web.Response:
        connection = request.transport
        if self.idle_timeout is not None and connection is not None and self._gone_stale(connection, self.idle_timeout):
            self.dropped_requests += 1
            connection.close()
            return web.Response()  # goes nowhere: the connection is closed
        response, call = await self._answer(request)
        if call is not None:
            call.answered = time.monotonic()
        if self.idle_timeout is not None and connection is not None:
            self._idle_since[connection] = time.monotonic()
        return response

    def _gone_stale(self, connection: asyncio.BaseTransport, idle_timeout: float) -> bool:
        self._idle_since = {c: since for c, since in self._idle_since.items() if not c.is_closing()}
        since = self._idle_since.pop(connection, None)
        return since is not None and time.monotonic() - since > idle_timeout

    async def _answer(self, request: web.Request) -> tuple[web.Response, Call | None]:
        method = request.match_info["method"]
        params = await _read_params(request)
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized"), None
        call = Call(method, params, time.monotonic())
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.latency:
            await asyncio.sleep(self.latency)
        failure = next((f for f in self._failures if f.matches(method, params)), None)
        if failure is not None:
            if failure.remaining is not None:
                failure.remaining -= 1
            if failure.timeout:
                # Never answer in time: the client's read timeout has to fire.
                await asyncio.sleep(60)
            call.status = failure.status
            extra = {"retry_after": failure.retry_after} if failure.retry_after is not None else {}
            return _error(failure.status, failure.description, **extra), call
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found"), call
        try:
            result = await handler(params)
        except ApiError as error:
            call.status = error.status
            return _error(error.status, error.description, **error.parameters), call
        return web.json_response({"ok": True, "result": result}), call

    # ---- Bot API methods ----
    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = _as_int(params.get("offset")) or 0
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        wait = float(params.get("timeout") or 0)
        async with self._changed:
            # An offset confirms every update before it, for good.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait > 0:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing), wait)
                except TimeoutError:
                    pass
            return self._updates[:limit]

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        await self._stop_posting()
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        self._poster = asyncio.create_task(self._post_updates(self.webhook))
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        await self._stop_posting()
        self.webhook = None
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _stop_posting(self) -> None:
        if self._poster is not None:
            self._poster.cancel()
            await asyncio.gather(self._poster, return_exceptions=True)
            self._poster = None

    async def _post_updates(self, webhook: dict[str, Any]) -> None:
        """Posts updates to the webhook one after another, as Telegram does: an update stays
        pending, and is posted again after a pause, until the bot answers 2xx."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook["secret_token"]} if webhook["secret_token"] else {}
        async with aiohttp.ClientSession() as session:
            while True:
                async with self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
                    if self._closing:
                        return
                    update = self._updates[0]
                try:
                    async with session.post(webhook["url"], json=update, headers=headers) as response:
                        status = response.status
                except aiohttp.ClientError:
                    status = 0  # nobody listening (yet)
                if 200 <= status < 300:
                    async with self._changed:
                        self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                else:
                    await asyncio.sleep(0.2)

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = ("default" if scope == {"type": "default"} else json.dumps(scope, sort_keys=True),
               params.get("language_code") or "")
        self.commands[key] = list(params.get("commands") or [])
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = ("default" if scope == {"type": "default"} else json.dumps(scope, sort_keys=True),
               params.get("language_code") or "")
        self.commands.pop(key, None)
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        await self._notify_answer(params)
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._post(params, text=_visible(params, "text", _MAX_TEXT, required=True))

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._post(params, document=params.get("document"),
                                caption=_visible(params, "caption", _MAX_CAPTION))

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._post(params, photo=params.get("photo"), caption=_visible(params, "caption", _MAX_CAPTION))

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._edit(params, text=_visible(params, "text", _MAX_TEXT, required=True))

    async def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._edit(params, caption=_visible(params, "caption", _MAX_CAPTION))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._edit(params)

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        log = self._chat(params)
        message = log.messages.get(_as_int(params.get("message_id")) or 0)
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        return True

    # ---- helpers ----
    def _chat(self, params: dict[str, Any]) -> ChatLog:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[chat_id]

    async def _post(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        log = self._chat(params)
        message = BotMessage(
            message_id=log.next_message_id(), chat_id=log.chat["id"], text=content.get("text"),
            reply_markup=params.get("reply_markup"), caption=content.get("caption"),
            document=content.get("document"), photo=content.get("photo"), time=time.monotonic(),
            parse_mode=params.get("parse_mode"), raw=params.get("text") or params.get("caption"),
        )
        async with self._changed:
            log.add_message(message)
            self._changed.notify_all()
        self._publish(ChatEvent("message", message.chat_id, message, _shown_text(message), message.reply_markup))
        return message.as_telegram(self.bot_user, log.chat)

    async def _edit(self, params: dict[str, Any], text: str | None = None,
                    caption: str | None = None) -> dict[str, Any]:
        log = self._chat(params)
        message = log.messages.get(_as_int(params.get("message_id")) or 0)
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        new_text = text if text is not None else message.text
        new_markup = params.get("reply_markup")
        if caption is not None and caption != message.caption:
            message.caption, message.raw = caption, params.get("caption")
        elif new_text == message.text and new_markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        buttons_only = new_text == message.text and caption is None
        if text is not None:
            message.raw = params.get("text")
        async with self._changed:
            log.edit_message(message, new_text, new_markup, time.monotonic())
            self._changed.notify_all()
        self._publish(ChatEvent("edit", message.chat_id, message, _shown_text(message), message.reply_markup,
                                buttons_only=buttons_only))
        return message.as_telegram(self.bot_user, log.chat)

    async def _notify_answer(self, params: dict[str, Any]) -> None:
        query_id = str(params.get("callback_query_id"))
        for log in self.chats.values():
            if query_id in log.pending_queries:
                async with self._changed:
                    log.add_answer(query_id, params.get("text"), bool(params.get("show_alert")))
                    self._changed.notify_all()
                self._publish(ChatEvent("answer", log.chat["id"], text=params.get("text"),
                                        show_alert=bool(params.get("show_alert"))))
                return
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")


def _shown_text(message: BotMessage) -> str | None:
    return message.text if message.text is not None else message.caption


def _visible(params: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str | None:
    """The text as users see it, checked the way Telegram checks it."""
    raw = params.get(key)
    if raw is None or str(raw) == "":
        if required:
            raise ApiError(400, f"Bad Request: message {key} is empty")
        return None
    try:
        text = visible_text(str(raw), params.get("parse_mode"))
    except MarkupError as error:
        raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    if required and not text.strip():
        raise ApiError(400, f"Bad Request: message {key} is empty")
    if len(text) > limit:
        raise ApiError(400, "Bad Request: message is too long" if key == "text" else "Bad Request: message caption is too long")
    return text


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decode(key: str, value: str) -> Any:
    # python-telegram-bot sends strings as they are and everything else as JSON text.
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        files: dict[str, dict[str, Any]] = {}
        async for part in reader:
            if part.filename is not None:
                files[part.name] = {"filename": part.filename, "data": bytes(await part.read())}
            else:
                params[part.name] = _decode(part.name, await part.text())
        # PTB names the upload part and points the parameter at it: "attach://<name>".
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                params[key] = files.pop(value[9:])
        params.update(files)
        return params
    form = await request.post()
    params.update({key: _decode(key, str(value)) for key, value in form.items()})
    return params


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
