"""Updates as they come from Telegram, read one by one: one that cannot be read is skipped, not fatal."""
from __future__ import annotations

import datetime as dtm
import logging
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import ExtBot
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

log = logging.getLogger(__name__)

# How much longer than the long poll itself to wait for Telegram's answer (PTB adds the request's
# read timeout in the same way; bot.ptb.transport's is 5 s).
LONG_POLL_MARGIN = 5.0

# getUpdates goes through do_api_request on purpose (see get_updates below); PTB warns that the
# bot has a method of that name.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


def read_update(data: object, bot: ExtBot) -> Update | None:
    """The update in Telegram's JSON, or None (logged once, without its content) if it cannot be read.

    python-telegram-bot reads a whole batch at once: one update it cannot read (a field missing or
    of another type, as a newer Bot API or a fault at Telegram can send) fails the batch, and its
    polling loop retries it at once, for ever, logging the batch with names and texts each time."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    try:
        update = Update.de_json(data, bot)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - whatever it is, this one update is lost, not the others
        # The error's text can quote the content; its type says enough.
        log.error("Skipped update %s: it could not be read (%s)", update_id, type(error).__name__)
        return None
    bot.insert_callback_data(update)  # as PTB's own get_updates and webhook do
    return update


class SkippingBot(ExtBot):
    """ExtBot whose get_updates skips the updates it cannot read and hands on the others."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The Updater asks for updates after the last one it got; after an unreadable update at the
        # end of a batch that would be the same update again. PTB's bot accepts only attribute
        # names with an underscore after its __init__.
        self._first_unread = 0

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | float | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        if self._first_unread and (offset is None or offset < self._first_unread):
            offset = self._first_unread
        seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else float(timeout or 0)
        margin = LONG_POLL_MARGIN if read_timeout is BaseRequest.DEFAULT_NONE else float(read_timeout or 0)
        parameters = {"offset": offset, "limit": limit, "timeout": timeout, "allowed_updates": allowed_updates}
        # do_api_request leaves Telegram's answer as JSON, so each update is read on its own.
        raw = await self.do_api_request(
            "getUpdates", api_kwargs={**{k: v for k, v in parameters.items() if v is not None}, **(api_kwargs or {})},
            return_type=None, read_timeout=seconds + margin, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        updates = []
        for data in raw or ():
            update = read_update(data, self)
            if update is not None:
                updates.append(update)
            elif isinstance(data, dict) and isinstance(data.get("update_id"), int):
                self._first_unread = max(self._first_unread, data["update_id"] + 1)
        return tuple(updates)
