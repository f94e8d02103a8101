"""PTB persistence backed by the database: flow states and answers survive a restart."""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, delete, select
from telegram.ext import BasePersistence, PersistenceInput

from storage import upsert
from storage.db import Database
from storage.models import ConversationState, FlowData

log = logging.getLogger(__name__)

_UNKNOWN = object()  # a conversation state this process has neither read nor written
_Change = tuple[str, dict, Callable[[], None]]  # which statement, its parameters, what to note once stored
# A conversation's key (chat and/or user id) as BasePersistence's documented signatures give it.
ConversationKey = tuple[int | str, ...]


def _statements(insert: Callable[[Any], Any]) -> dict[str, Any]:
    """The writes of a flush, built once on the tables (no ORM objects are involved): building
    a statement costs more than SQLite running it."""
    flows, states = FlowData.__table__, ConversationState.__table__
    flow, state = insert(flows), insert(states)
    return {
        "flow": flow.on_conflict_do_update(index_elements=["user_id"], set_={
            "data": flow.excluded.data, "updated_at": flow.excluded.updated_at}),
        "flow_gone": delete(flows).where(flows.c.user_id == bindparam("user_id")),
        "state": state.on_conflict_do_update(index_elements=["name", "key"], set_={"state": state.excluded.state}),
        "state_gone": delete(states).where(states.c.name == bindparam("name"), states.c.key == bindparam("key")),
    }


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Stores conversation states and user_data (a flow's answers so far); nothing else.

    The application flushes after every update (see SharedFlush), so a state is in the database
    before the next update of that chat is handled, not a minute later. The changes PTB hands
    over in one flush are written in one transaction, one statement for all changes of a kind:
    under load a flush carries the changes of every update finished since the last one, and
    SQLite writes one transaction at a time.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=60,
        )
        self._db = db
        self._sql = upsert.per_database(_statements)[db.engine.dialect.name]
        # PTB hands over every touched user's data, and the state of every conversation that handled
        # an update, after each update; writing only real changes keeps an ordinary /start, or an
        # answer that leaves a flow in the same state, from costing a database write.
        self._written: dict[int, str] = {}
        self._states: dict[tuple[str, str], object] = {}  # the stored state of each live conversation
        self._pending: dict[tuple, _Change] = {}
        self._writing = asyncio.Lock()

    async def _store(self, key: tuple, change: _Change) -> None:
        """Writes a change, with every other one handed over meanwhile, in one transaction; its
        last part is noted once committed. Returns when the change is in the database (or has failed)."""
        self._pending[key] = change
        await asyncio.sleep(0)  # PTB hands over a flush's changes concurrently: let the others join
        async with self._writing:
            batch, self._pending = self._pending, {}
            if not batch:
                return  # the transaction before took this change along
            try:
                await self._write(batch.values())
            except (TimeoutError, OSError):
                raise  # a database that does not answer: each change alone would only wait again
            except Exception:
                # A change the database refuses must not take the others down with it: each alone.
                failed: Exception | None = None
                for change in batch.values():
                    try:
                        await self._write([change])
                    except Exception as error:
                        failed = failed or error
                if failed is not None:
                    raise failed

    async def _write(self, changes: Iterable[_Change]) -> None:
        grouped: dict[str, list[dict]] = defaultdict(list)
        for statement, parameters, _ in changes:
            grouped[statement].append(parameters)
        async with self._db.begin() as session:
            for statement, rows in grouped.items():
                await session.execute(self._sql[statement], rows)
        for _, _, stored in changes:
            stored()

    async def get_user_data(self) -> dict[int, dict]:
        async with self._db.begin() as session:
            rows = (await session.scalars(select(FlowData))).all()
        data = {row.user_id: dict(row.data) for row in rows}
        self._written = {user_id: _dump(value) for user_id, value in data.items()}
        return data

    async def update_user_data(self, user_id: int, data: dict) -> None:
        dumped = _dump(data)
        if self._written.get(user_id, "{}") == dumped:
            return

        def stored() -> None:
            self._written[user_id] = dumped

        if data:
            change = ("flow", {"user_id": user_id, "data": data, "updated_at": datetime.now(timezone.utc)}, stored)
        else:
            change = ("flow_gone", {"user_id": user_id}, stored)
        await self._store(("user", user_id), change)

    async def drop_user_data(self, user_id: int) -> None:
        def forgotten() -> None:
            self._written.pop(user_id, None)

        await self._store(("user", user_id), ("flow_gone", {"user_id": user_id}, forgotten))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer of flow data."""

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self._db.begin() as session:
            rows = (await session.scalars(select(ConversationState).where(ConversationState.name == name))).all()
        self._states.update({(name, row.key): row.state for row in rows})
        return {tuple(json.loads(row.key)): row.state for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded_key = json.dumps(list(key))
        if new_state is not None and self._states.get((name, encoded_key), _UNKNOWN) == new_state:
            return

        def stored() -> None:
            if new_state is None:
                self._states.pop((name, encoded_key), None)
            else:
                self._states[(name, encoded_key)] = new_state

        if new_state is None:
            change = ("state_gone", {"name": name, "key": encoded_key}, stored)
        else:
            change = ("state", {"name": name, "key": encoded_key, "state": new_state}, stored)
        await self._store(("conversation", name, encoded_key), change)

    # Chat data, bot data and callback data are not stored (store_data above says so).
    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Chat data is not stored."""

    async def update_bot_data(self, data: dict) -> None:
        """Bot data is not stored."""

    async def update_callback_data(self, data: object) -> None:
        """Callback data is not stored: buttons carry their own data."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Chat data is not stored."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Bot data is not stored."""

    async def flush(self) -> None:
        """Every change is written when it happens; nothing is left to flush."""


class SharedFlush:
    """The flush after each update, shared by the updates that finish together.

    A call returns once a run of `flush` that began after the call has finished, so what the
    caller's update changed is stored. All calls made before that run begins share it: under load
    hundreds of updates finish between two turns of the event loop, and one flush with one
    transaction for all of them costs little more than one for each. One run at a time: calls made
    while one runs share the next, which begins when it ends.

    A run still going after `deadline` seconds is cancelled, so that the next can begin, and a
    call returns (with TimeoutError) after `deadline` seconds at the latest: a database that
    stopped answering must not hold every chat's next update behind the flush.
    """

    def __init__(self, flush: Callable[[], Awaitable[None]], deadline: float) -> None:
        self._flush = flush
        self._deadline = deadline
        self._next: asyncio.Future[None] | None = None  # the run that has not begun yet
        self._running: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._running is None:
                asyncio.get_running_loop().call_soon(self._begin)
        run = self._next
        async with asyncio.timeout(self._deadline):
            await asyncio.shield(run)

    def _begin(self) -> None:
        done, self._next = self._next, None  # calls from now on wait for the run after this one
        self._running = asyncio.get_running_loop().create_task(self._bounded_flush())
        self._running.add_done_callback(lambda task: self._finished(done, task))

    async def _bounded_flush(self) -> None:
        async with asyncio.timeout(self._deadline):
            await self._flush()

    def _finished(self, done: asyncio.Future[None], task: asyncio.Task[None]) -> None:
        self._running = None
        _settle(done, task)
        if self._next is not None:
            self._begin()


def _settle(future: asyncio.Future[None], task: asyncio.Task[None]) -> None:
    """`future` ends as `task` did."""
    if task.cancelled():
        future.cancel()
    elif task.exception() is not None:
        future.set_exception(task.exception())
        # Its callers see it (and the update processor logs it); should all of them have been
        # cancelled meanwhile, asyncio would otherwise complain that nobody retrieved it.
        future.exception()
    else:
        future.set_result(None)


def _dump(data: dict) -> str:
    return json.dumps(data, sort_keys=True, default=str)
