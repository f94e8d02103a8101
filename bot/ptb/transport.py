"""The HTTP transport to the Bot API: a plain `telegram.request.BaseRequest` on aiohttp.

Chosen over python-telegram-bot's own HTTPXRequest (configured alike) because benchmarks/broadcast.py
with both in the same run shows it clearly ahead: httpx spends several times aiohttp's CPU on each
request, which holds the delivery engine with the rate lifted well below its target; at the
production pace both keep up. Measure both again before choosing anew (a new httpx, a new aiohttp).
The timeouts keep HTTPXRequest's meaning and defaults.

A request that meets a keep-alive connection the server has closed in the meantime goes out once
more on a new connection (`do_request`), so that a reply after a quiet spell is not lost.
"""
from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpTransport(BaseRequest):
    """`connection_pool_size` connections at most; the session is opened by `initialize()`."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float = READ_TIMEOUT) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None
        # For the one retry after a stale connection: every request on a connection of its own, so
        # that it cannot meet another stale one from the pool.
        self._fresh: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        # get_updates adds its long-polling timeout to this.
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            reuse = aiohttp.TraceConfig()
            reuse.on_connection_reuseconn.append(_note_reuse)
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size),
                                                  trace_configs=[reuse])
        if self._fresh is None or self._fresh.closed:
            self._fresh = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, force_close=True))

    async def shutdown(self) -> None:
        for session in (self._session, self._fresh):
            if session is not None and not session.closed:
                await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed or self._fresh is None:
            raise RuntimeError("AiohttpTransport is not initialized")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        # aiohttp has no write timeout of its own: sending the request counts against the total.
        pool = _given(pool_timeout, POOL_TIMEOUT)
        parts = (read, write, connect)
        # aiohttp's `connect` covers waiting for a free connection and opening a new one (TCP and
        # TLS), so it gets both allowances; `sock_connect` bounds the opening alone.
        timeout = aiohttp.ClientTimeout(total=None if None in parts else sum(parts),  # type: ignore[arg-type]
                                        connect=None if pool is None or connect is None else pool + connect,
                                        sock_connect=connect, sock_read=read)
        headers = {"User-Agent": self.USER_AGENT}
        try:
            attempt = _Attempt()
            try:
                response = await self._session.request(method, url, data=_body(request_data), timeout=timeout,
                                                       headers=headers, allow_redirects=False,
                                                       trace_request_ctx=attempt)
            except aiohttp.ServerDisconnectedError as error:
                # Servers close idle keep-alive connections between requests: closed before any answer
                # on a connection from the pool, the request went unread and can go out again. Not on
                # a new connection, nor once part of an answer came: there the server has read it and
                # may have acted on it. Timeouts are never sent again either.
                if not attempt.reused or not isinstance(error.message, str):  # str: nothing came back
                    raise
                response = await self._fresh.request(method, url, data=_body(request_data), timeout=timeout,
                                                     headers=headers, allow_redirects=False)
            async with response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts, also waiting for a free connection
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some of aiohttp's messages quote the URL, which holds the token.
            reason = str(error).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {reason}") from error


class _Attempt:
    """One request's trace context: whether it went out on a connection taken from the pool."""

    reused = False


async def _note_reuse(session: aiohttp.ClientSession, context: Any,
                      params: aiohttp.TraceConnectionReuseconnParams) -> None:
    context.trace_request_ctx.reused = True


def _given(value: Any, default: float) -> float | None:
    # BaseRequest's documented test for "not passed": identity with its DEFAULT_NONE.
    return default if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters  # sent url-encoded, as python-telegram-bot's own transport does
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
