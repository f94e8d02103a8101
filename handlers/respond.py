"""Answering the update at hand: one way to reply, whether it came as a message or a button press.

Replies go out through KprBot.call, which leaves Telegram's answer undecoded into PTB's objects:
nothing here reads more of it than a message id."""
from __future__ import annotations

import logging
from typing import cast

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.botapi import KprBot
from bot.keyboards import Keyboard

log = logging.getLogger(__name__)


def _bot(update: Update) -> KprBot:
    # Updates are decoded with the application's bot, a KprBot (bot.app).
    return cast(KprBot, update.get_bot())


async def respond(update: Update, text: str, markup: Keyboard | None = None, *, edit: bool = False) -> int | None:
    """Replies in the update's chat. With `edit`, a pressed button's message is replaced instead,
    so a menu changes in place rather than piling up messages. Returns the id of the message shown,
    None if there was no chat to answer in."""
    query = update.callback_query
    if query is not None and edit and isinstance(query.message, Message):
        message = query.message
        try:
            await _bot(update).call("editMessageText", chat_id=message.chat.id, message_id=message.message_id,
                                    text=text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as error:
            # Pressing the same button twice leaves the text as it is; that is no failure.
            if "not modified" not in str(error).lower():
                raise
        return message.message_id
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await _bot(update).call("sendMessage", chat_id=chat.id, text=text, parse_mode=ParseMode.HTML,
                                   reply_markup=markup)
    return sent["message_id"]


async def replace_buttons(update: Update, markup: Keyboard | None) -> None:
    """Changes only the buttons of the pressed message; pressing the same twice is no failure."""
    message = update.callback_query.message
    if message is None:  # a message sent in inline mode, which this bot does not use
        return
    try:
        await _bot(update).call("editMessageReplyMarkup", chat_id=message.chat.id, message_id=message.message_id,
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
        await _bot(update).call("editMessageReplyMarkup", chat_id=update.effective_chat.id, message_id=message_id)
    except BadRequest as error:
        log.debug("Buttons of message %s not removed: %s", message_id, error)


async def acknowledge(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stops the button's spinner; every callback query must be answered exactly once."""
    query = update.callback_query
    if query is not None:
        await _bot(update).call("answerCallbackQuery", callback_query_id=query.id, text=text, show_alert=alert)
