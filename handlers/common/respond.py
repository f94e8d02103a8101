"""Answering the update at hand: one way to reply, whether it came as a message or a button press."""
from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.pseudonym import who
from bot.ptb.updates import given_up
from handlers.common.text import html

log = logging.getLogger(__name__)

# Seconds a notice whose delivery decides nothing may take: longer than a call's own timeouts, short
# enough that the chat's next update is not kept waiting by Telegram's trouble.
NOTICE_WITHIN = 10.0


async def respond(update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *,
                  edit: bool = False) -> int | None:
    """Replies in the update's chat. With `edit`, a pressed button's message is replaced instead,
    so a menu changes in place rather than piling up messages. Returns the id of the message shown,
    None if there was no chat to answer in."""
    query = update.callback_query
    if query is not None and edit and isinstance(query.message, Message):
        message = query.message
        try:
            await update.get_bot().edit_message_text(text, chat_id=message.chat.id, message_id=message.message_id,
                                                     parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as error:
            # Pressing the same button twice leaves the text as it is; that is no failure.
            if "not modified" not in str(error).lower():
                raise
        return message.message_id
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await update.get_bot().send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return sent.message_id


async def redraw(update: Update, text: str, markup: InlineKeyboardMarkup | None, *, caption: str | None = None) -> None:
    """Replaces the pressed message with `text`; where it is a file (an invitation with its agenda
    attached), its caption with `caption` (a caption holds 1024 characters only). Pressing the same
    twice is no failure."""
    message = update.callback_query.message
    if not isinstance(message, Message):
        return
    if message.caption is None and not (message.document or message.photo):
        await respond(update, text, markup, edit=True)
        return
    try:
        await update.get_bot().edit_message_caption(chat_id=message.chat.id, message_id=message.message_id,
                                                    caption=caption or text, parse_mode=ParseMode.HTML,
                                                    reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def replace_buttons(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Changes only the buttons of the pressed message; pressing the same twice is no failure."""
    message = update.callback_query.message
    if message is None:  # a message sent in inline mode, which this bot does not use
        return
    try:
        await update.get_bot().edit_message_reply_markup(chat_id=message.chat.id, message_id=message.message_id,
                                                         reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def remove_buttons(update: Update, message_id: int | None) -> None:
    """Takes the buttons off an earlier message of the bot in this chat (a question answered by typing),
    so that they cannot be pressed later; a message already changed or gone is no failure."""
    if message_id is None or update.effective_chat is None:
        return
    try:
        await update.get_bot().edit_message_reply_markup(chat_id=update.effective_chat.id, message_id=message_id)
    except BadRequest as error:
        log.debug("Buttons of message %s not removed: %s", message_id, error)


async def acknowledge(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stops the button's spinner; every callback query must be answered exactly once."""
    query = update.callback_query
    if query is not None:
        await update.get_bot().answer_callback_query(query.id, text=text, show_alert=alert)


async def best_effort(sending: Awaitable[object], update: Update) -> None:
    """Awaits a notice on which nothing depends (a refusal, a request to slow down): whatever becomes
    of it (a press too old to answer, Telegram away, no answer in time), what was decided stands, so a
    failure is logged in one line and swallowed, and the wait is bounded. Nothing is said by an update
    being given up (bot.ptb.updates cancels it at its deadline): the person has been told that already."""
    if given_up():
        if inspect.iscoroutine(sending):
            sending.close()
        return
    try:
        async with asyncio.timeout(NOTICE_WITHIN):
            await sending
    except Exception as error:  # noqa: BLE001 - the decision must not depend on the notice
        sender = who(update.effective_user.id) if update.effective_user else None
        log.warning("Could not tell user %s (update %s): %s: %s", sender, update.update_id,
                    type(error).__name__, error)


async def refuse(update: Update, text: str) -> None:
    """Says no, on the pressed button or as a reply, best effort (see best_effort)."""
    if update.callback_query is not None:
        await best_effort(acknowledge(update, text, alert=True), update)
    else:
        await best_effort(respond(update, html(text)), update)
