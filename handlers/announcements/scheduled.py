"""A scheduled announcement before its time: a new text, or sent at once (cancelling is in sent.py).
Either acts only while it is still scheduled, checked in the statement that changes it. Coordinators
manage every announcement, a group's leads those to their group (may_manage, asked at each press)."""
from __future__ import annotations

import dataclasses
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_, Translator
from bot.pseudonym import who
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.announcements import CAPTION_LIMIT, TEXT_LIMIT, content_problem
from bot.rules.dates import format_datetime
from handlers.announcements.callbacks import DETAILS, EDIT, EDIT_BACK, SEND_NOW
from handlers.common.flows import ANY_MESSAGE, TEXT, draft, flow
from handlers.common.outbox import send_content, sent_announcement
from handlers.common.permissions import may_coordinate, may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html
from storage import broadcasts
from storage.models import Audience, Broadcast, BroadcastStatus, Role

log = logging.getLogger(__name__)

NEW_TEXT = "new_text"
_DRAFT = "broadcast_edit"
TOO_LATE = N_("Too late: this announcement is already being sent or was cancelled.")


async def may_manage(update: Update, context: BotContext, broadcast: Broadcast | None) -> bool:
    """Coordinators, or for an announcement to a group a lead of that group, as stored now; anyone else
    is told no and it is logged. The audience never changes after writing, so the check holds for the act.
    One that does not exist is nobody's group: coordinators only, who are then told it is gone."""
    if broadcast is not None and broadcast.audience is Audience.GROUP and broadcast.group_id is not None:
        return await may_lead(update, context, broadcast.group_id)
    return await may_coordinate(update, context)


async def managed(update: Update, context: BotContext, broadcast_id: int) -> tuple[bool, Broadcast | None]:
    """The announcement as stored now, and whether this person may manage it (may_manage)."""
    async with context.db.begin() as session:
        broadcast = await broadcasts.get(session, broadcast_id)
    return await may_manage(update, context, broadcast), broadcast


def _back(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return keyboard([[(t("« Back to the announcement"), DETAILS.data(broadcast=broadcast_id))]])


async def begin_edit(update: Update, context: BotContext) -> str | int:
    t = context.t
    broadcast_id = int(context.match["broadcast"])
    allowed, b = await managed(update, context, broadcast_id)
    if not allowed:
        return ConversationHandler.END
    if b is None or b.status is not BroadcastStatus.SCHEDULED:
        await acknowledge(update, t(TOO_LATE), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"broadcast": broadcast_id, "attachment": b.attachment_kind is not None}
    when = format_datetime(b.send_at, context.settings.timezone, context.language)
    ask = (t("Send me the new caption of announcement #{id}; the photo or document stays. It goes out on {date}.",
             id=broadcast_id, date=when) if b.attachment_kind else
           t("Send me the new text of announcement #{id}. It goes out on {date}.", id=broadcast_id, date=when))
    await respond(update, html(ask), keyboard([[(t("« Back"), EDIT_BACK.data(broadcast=broadcast_id))]]))
    return NEW_TEXT


async def got_new_text(update: Update, context: BotContext) -> str | int:
    t = context.t
    edit = draft(context, _DRAFT)
    if "broadcast" not in edit:
        return ConversationHandler.END
    broadcast_id, with_attachment = edit["broadcast"], edit["attachment"]
    # Asked again with the new text: a lead may have lost the group since pressing Edit.
    allowed, b = await managed(update, context, broadcast_id)
    if not allowed:
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    problem = content_problem(update.message.text, with_attachment=with_attachment)
    if problem:
        await respond(update, html(t(problem, max=CAPTION_LIMIT if with_attachment else TEXT_LIMIT)))
        return NEW_TEXT
    async with context.db.begin() as session:
        changed = await broadcasts.edit_text(session, broadcast_id, update.message.text_html)
        letter = await broadcasts.letter(session, broadcast_id)
    context.user_data.pop(_DRAFT, None)
    if not changed or letter is None:
        await respond(update, html(t(TOO_LATE)), _back(t, broadcast_id))
        return ConversationHandler.END
    log.info("Broadcast %s: text changed by user %s", broadcast_id, who(update.effective_user.id))
    # The new version as its recipients will see it (a preview's button counts for nothing), then where it stands.
    preview = dataclasses.replace(letter, ack_for=0 if letter.ack_for else None)
    await send_content(context.bot, update.effective_chat.id,
                       sent_announcement(preview, context.content.council, context.settings.timezone, t),
                       own_send=False)
    when = format_datetime(letter.sent_at, context.settings.timezone, context.language)
    await respond(update, html(t("Saved. Announcement #{id} goes out with this text on {date}.", id=broadcast_id,
                                 date=when)), _back(t, broadcast_id))
    return ConversationHandler.END


async def not_text(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("Please send the new text as a message, or go back with /cancel.")))
    return NEW_TEXT


async def send_now_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    broadcast_id = int(context.match["broadcast"])
    allowed, b = await managed(update, context, broadcast_id)
    if not allowed:
        return
    if context.match["confirmed"] == "0":
        async with context.db.begin() as session:
            size = await broadcasts.audience_size(session, b.audience, b.meeting_id or b.group_id,
                                                  author_id=b.created_by) if b else 0
        if b is None or b.status is not BroadcastStatus.SCHEDULED:
            await acknowledge(update, t(TOO_LATE), alert=True)
            return
        await acknowledge(update)
        await respond(update, html(t.plural("Send announcement #{id} now? It goes to {count} recipient.",
                                            "Send announcement #{id} now? It goes to {count} recipients.",
                                            size, id=broadcast_id)),
                      keyboard([[(t("Yes, send it now"), SEND_NOW.data(broadcast=broadcast_id, confirmed=1)),
                                 (t("« Back"), DETAILS.data(broadcast=broadcast_id))]]), edit=True)
        return
    async with context.db.begin() as session:
        started = await broadcasts.send_now(session, broadcast_id, context.now(),
                                            progress_chat_id=update.effective_chat.id,
                                            progress_message_id=update.callback_query.message.message_id)
    if not started:
        await acknowledge(update, t(TOO_LATE), alert=True)
        return
    log.info("Broadcast %s sent early by user %s", broadcast_id, who(update.effective_user.id))
    await acknowledge(update)
    await respond(update, html(t("Sending… I will update this message as it goes.")), edit=True)
    context.services.wake_sender()


EDIT_FLOW = flow(
    "broadcast_edit",
    entry_points=[CallbackQueryHandler(begin_edit, pattern=EDIT.pattern)],
    states={NEW_TEXT: [MessageHandler(TEXT, got_new_text), MessageHandler(ANY_MESSAGE, not_text)]},
    cancel_button=EDIT_BACK.pattern,
    draft_key=_DRAFT,
    cancelled=N_("Nothing was changed."),  # a lead cannot open /broadcasts: no pointer there
)

HANDLERS = [EDIT_FLOW, CallbackQueryHandler(send_now_pressed, pattern=SEND_NOW.pattern)]
# Members too, for a group's leads: may_manage() checks each press from the database.
REQUIRED_ROLES = {EDIT.prefix: Role.MEMBER, EDIT_BACK.prefix: Role.MEMBER, SEND_NOW.prefix: Role.MEMBER}
