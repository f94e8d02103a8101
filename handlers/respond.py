"""Answering the update at hand: one way to reply, whether it came as a message or a button press."""
from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

log = logging.getLogger(__name__)


async def respond(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False
) -> Message | bool | None:
    """Replies in the update's chat. With `edit`, a pressed button's message is replaced instead,
    so a menu changes in place rather than piling up messages."""
    query = update.callback_query
    if query is not None:
        if edit and query.message is not None and isinstance(query.message, Message):
            try:
                return await query.edit_message_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
            except BadRequest as error:
                # Pressing the same button twice leaves the text as it is; that is no failure.
                if "not modified" in str(error).lower():
                    return None
                raise
        if update.effective_chat is None:
            return None
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup, parse_mode=ParseMode.HTML)


async def replace_buttons(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Changes only the buttons of the pressed message; pressing the same twice is no failure."""
    try:
        await update.callback_query.edit_message_reply_markup(markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def remove_buttons(update: Update, message_id: int | None) -> None:
    """Takes the buttons off an earlier message of the bot in this chat (a question answered by typing),
    so that they cannot be pressed later; a message already changed or gone is no failure."""
    if message_id is None or update.effective_chat is None:
        return
    try:
        await update.get_bot().edit_message_reply_markup(update.effective_chat.id, message_id, reply_markup=None)
    except BadRequest as error:
        log.debug("Buttons of message %s not removed: %s", message_id, error)


async def acknowledge(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stops the button's spinner; every callback query must be answered exactly once."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=alert)
