"""PTB persistence backed by the database: flow states and answers survive a restart."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from sqlalchemy import delete, select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey  # noqa: PLC2701

from storage.db import Database
from storage.models import ConversationState, FlowData

log = logging.getLogger(__name__)


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Stores conversation states and user_data (a flow's answers so far); nothing else.

    The application flushes after every update (see bot.updates), so a state is in the database
    before the next update of that chat is handled, not a minute later.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=60,
        )
        self._db = db
        # PTB hands over every touched user's data after each update; writing only real changes
        # keeps an ordinary /start from costing a database write.
        self._written: dict[int, str] = {}

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
        async with self._db.begin() as session:
            if data:
                await session.merge(FlowData(user_id=user_id, data=data, updated_at=datetime.now(timezone.utc)))
            else:
                await session.execute(delete(FlowData).where(FlowData.user_id == user_id))
        self._written[user_id] = dumped

    async def drop_user_data(self, user_id: int) -> None:
        async with self._db.begin() as session:
            await session.execute(delete(FlowData).where(FlowData.user_id == user_id))
        self._written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer of flow data."""

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._db.begin() as session:
            rows = (await session.scalars(select(ConversationState).where(ConversationState.name == name))).all()
        return {tuple(json.loads(row.key)): row.state for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded_key = json.dumps(list(key))
        async with self._db.begin() as session:
            if new_state is None:
                await session.execute(
                    delete(ConversationState).where(
                        ConversationState.name == name, ConversationState.key == encoded_key
                    )
                )
            else:
                await session.merge(ConversationState(name=name, key=encoded_key, state=new_state))

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
