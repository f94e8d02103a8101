"""The HTTP transport to the Bot API: python-telegram-bot's BaseRequest on aiohttp.

python-telegram-bot's own transport is httpx, whose per-request overhead was half of the bot's
CPU time while sending an announcement (measured with py-spy, benchmarks/broadcast.py): it capped
the delivery engine far below 300 messages a second on a 2-core machine. aiohttp's client costs a
fraction of that. The timeouts keep HTTPXRequest's meaning and defaults.
"""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
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

    @property
    def read_timeout(self) -> float:
        # get_updates adds its long-polling timeout to this.
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

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
        if self._session is None or self._session.closed:
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
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout,
                                             headers={"User-Agent": self.USER_AGENT},
                                             allow_redirects=False) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:  # aiohttp's timeouts, also waiting for a free connection
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some of aiohttp's messages quote the URL, which holds the token.
            reason = str(error).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {reason}") from error


def _given(value: Any, default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters  # sent url-encoded, as python-telegram-bot's own transport does
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
