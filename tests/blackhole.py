"""A TCP proxy for tests that can turn every connection through it silently dead, as a server
that lost power or a firewall that forgot the connection would: nothing is closed, nothing
arrives any more."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class BlackholeProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` until `blackhole()`.

    From then on the connections open at that moment, and those opened while the blackhole
    lasts, stay open and swallow whatever is sent in either direction, for good: the bytes are
    lost, as they are when the other end is gone. After `restore()`, new connections work again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._live: set[_Link] = set()
        self._blackholed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.dead_connections = 0  # connections that lost traffic

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def blackhole(self) -> None:
        self._blackholed = True
        for link in self._live:
            link.dead = True
            self.dead_connections += 1
        self._live.clear()

    def restore(self) -> None:
        self._blackholed = False

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            if self._blackholed:
                self.dead_connections += 1
                await _swallow(reader)
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            link = _Link()
            self._live.add(link)
            pumps = [asyncio.ensure_future(_pump(reader, upstream_writer, link)),
                     asyncio.ensure_future(_pump(upstream_reader, writer, link))]
            try:
                # Either side closing ends the connection on both.
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                self._live.discard(link)
                upstream_writer.close()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


class _Link:
    dead = False


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
    while data := await reader.read(65536):
        if link.dead:
            continue
        writer.write(data)
        await writer.drain()


async def _swallow(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


@contextlib.asynccontextmanager
async def blackhole_proxy(target_host: str, target_port: int) -> AsyncIterator[BlackholeProxy]:
    proxy = BlackholeProxy(target_host, target_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
