"""Who may do a coordinator's or a lead's work, asked where the work is done: the gate refuses by role
before any feature sees an update, and each such action asks the database again when it acts, so
that an update that got past the gate in any way still changes nothing."""
from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.context import BotContext
from handlers.common.gate import command_of
from handlers.common.respond import refuse as say_no
from storage import permissions

log = logging.getLogger(__name__)

COORDINATORS_ONLY = N_("Only coordinators of the council may do this.")
COORDINATORS_AND_LEADS = N_("Only coordinators of the council and a group's leads may do this.")


async def may_coordinate(update: Update, context: BotContext) -> bool:
    """Whether the person is a coordinator now; if not, they are told (best effort) and it is logged."""
    async with context.db.begin() as session:
        allowed = await permissions.may_act(session, update.effective_user.id)
    if not allowed:
        await refuse(update, context)
    return allowed


async def may_lead(update: Update, context: BotContext, group_id: int | None) -> bool:
    """Whether the person is a coordinator, or a lead of the group, now (no group: coordinators only);
    if not, they are told (best effort) and it is logged."""
    async with context.db.begin() as session:
        allowed = await permissions.may_act(session, update.effective_user.id, group_id)
    if not allowed:
        await refuse(update, context, group_id=group_id, leads=True)
    return allowed


async def refuse(update: Update, context: BotContext, *, group_id: int | None = None, leads: bool = False) -> None:
    """Tells a refused person so; for a check made in the transaction of a write, after it."""
    # Button data or the command, never typed text: what people write stays out of the log.
    command = command_of(update)
    what = update.callback_query.data if update.callback_query else f"/{command}" if command else "a typed answer"
    log.warning("Refused %r for user %s (not a coordinator%s)", (what or "?")[:64], who(update.effective_user.id),
                f" nor a lead of group {group_id}" if leads and group_id is not None else "")
    await say_no(update, context.t(COORDINATORS_AND_LEADS if leads else COORDINATORS_ONLY))


Callback = Callable[[Update, BotContext], Awaitable[Any]]


def coordinators_only(callback: Callback) -> Callback:
    """For a handler's callback that only coordinators may run: asks may_coordinate() on every call.
    A refused call returns ConversationHandler.END, which ends the flow the callback is a step of and
    means nothing to a handler outside one."""

    @functools.wraps(callback)
    async def checked(update: Update, context: BotContext) -> Any:
        if not await may_coordinate(update, context):
            return ConversationHandler.END
        return await callback(update, context)

    return checked
