"""PTB persistence backed by the database: flow states and answers survive a restart."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey  # noqa: PLC2701

from storage import upsert
from storage.db import Database
from storage.models import ConversationState, FlowData

log = logging.getLogger(__name__)

_UNKNOWN = object()  # a conversation state this process has neither read nor written
_Write = Callable[[AsyncSession], Awaitable[None]]


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Stores conversation states and user_data (a flow's answers so far); nothing else.

    The application flushes after every update (see bot.updates), so a state is in the database
    before the next update of that chat is handled, not a minute later. The changes PTB hands
    over in one flush are written in one transaction: under load a flush carries the changes of
    every update finished since the last one, and SQLite writes one transaction at a time.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=60,
        )
        self._db = db
        # PTB hands over every touched user's data, and the state of every conversation that handled
        # an update, after each update; writing only real changes keeps an ordinary /start, or an
        # answer that leaves a flow in the same state, from costing a database write.
        self._written: dict[int, str] = {}
        self._states: dict[tuple[str, str], object] = {}  # the stored state of each live conversation
        self._pending: dict[tuple, tuple[_Write, Callable[[], None]]] = {}
        self._writing = asyncio.Lock()

    async def _store(self, key: tuple, write: _Write, stored: Callable[[], None]) -> None:
        """Writes a change, with every other one handed over meanwhile, in one transaction; `stored`
        notes it once committed. Returns when the change is in the database (or has failed)."""
        self._pending[key] = (write, stored)
        await asyncio.sleep(0)  # PTB hands over a flush's changes concurrently: let the others join
        async with self._writing:
            batch, self._pending = self._pending, {}
            if not batch:
                return  # the transaction before took this change along
            try:
                await self._write(batch.values())
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

    async def _write(self, changes: Iterable[tuple[_Write, Callable[[], None]]]) -> None:
        async with self._db.begin() as session:
            for write, _ in changes:
                await write(session)
        for _, stored in changes:
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

        async def write(session: AsyncSession) -> None:
            if not data:
                await session.execute(delete(FlowData).where(FlowData.user_id == user_id))
                return
            new = upsert.insert(session, FlowData).values(user_id=user_id, data=data,
                                                          updated_at=datetime.now(timezone.utc))
            await session.execute(new.on_conflict_do_update(
                index_elements=["user_id"], set_={"data": new.excluded.data, "updated_at": new.excluded.updated_at}))

        def stored() -> None:
            self._written[user_id] = dumped

        await self._store(("user", user_id), write, stored)

    async def drop_user_data(self, user_id: int) -> None:
        async def write(session: AsyncSession) -> None:
            await session.execute(delete(FlowData).where(FlowData.user_id == user_id))

        await self._store(("user", user_id), write, lambda: self._written.pop(user_id, None))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer of flow data."""

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._db.begin() as session:
            rows = (await session.scalars(select(ConversationState).where(ConversationState.name == name))).all()
        self._states.update({(name, row.key): row.state for row in rows})
        return {tuple(json.loads(row.key)): row.state for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded_key = json.dumps(list(key))
        if new_state is not None and self._states.get((name, encoded_key), _UNKNOWN) == new_state:
            return

        async def write(session: AsyncSession) -> None:
            if new_state is None:
                await session.execute(delete(ConversationState).where(
                    ConversationState.name == name, ConversationState.key == encoded_key))
                return
            new = upsert.insert(session, ConversationState).values(name=name, key=encoded_key, state=new_state)
            await session.execute(new.on_conflict_do_update(index_elements=["name", "key"],
                                                            set_={"state": new.excluded.state}))

        def stored() -> None:
            if new_state is None:
                self._states.pop((name, encoded_key), None)
            else:
                self._states[(name, encoded_key)] = new_state

        await self._store(("conversation", name, encoded_key), write, stored)

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


def _dump(data: dict) -> str:
    return json.dumps(data, sort_keys=True, default=str)
