"""Send the minutes on a past meeting's card: a coordinator sends the document, confirms, and it
goes to everyone the meeting was for."""
from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from handlers.common.flows import ANY_MESSAGE, NEW, draft, flow
from handlers.common.permissions import may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.meetings.overview import MINUTES
from handlers.meetings.view import MeetingView
from storage import meetings as store
from storage.models import Meeting, MeetingStatus, Role

log = logging.getLogger(__name__)

DOCUMENT, CONFIRM = "document", "confirm"
STEP = Callback("mtm", action="send|cancel")
_DRAFT = "minutes"


def minutes_problem(meeting: Meeting | None, now: datetime) -> str | None:
    if meeting is None or meeting.status is MeetingStatus.CANCELLED:
        return N_("This meeting has been cancelled.")
    if meeting.starts_at > now:
        return N_("Minutes can be sent once the meeting has taken place.")
    if meeting.minutes_sent_at is not None:
        return N_("The minutes of this meeting have been sent already.")
    return None


async def begin(update: Update, context: BotContext) -> str | int:
    meeting_id = int(context.match["meeting"])
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id)
    # Who may act is checked before what state the meeting is in: others learn nothing about it.
    if meeting is not None and not await may_lead(update, context, meeting.group_id):
        return ConversationHandler.END
    problem = minutes_problem(meeting, context.now())
    if problem:
        await acknowledge(update, context.t(problem), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"meeting": meeting_id}
    await respond(update, bold(meeting.title) + "\n" + html(context.t("Send me the minutes as a document (PDF, "
                                                                        "Word, …).")),
                  keyboard([[(context.t("Cancel"), STEP.data(action="cancel"))]]))
    return DOCUMENT


async def got_document(update: Update, context: BotContext) -> str:
    t, data = context.t, draft(context, _DRAFT)
    data["file_id"] = update.message.document.file_id
    async with context.db.begin() as session:
        audience = await store.audience_size(session, data["meeting"], leave_out=update.effective_user.id)
    await respond(update, html(t.plural("Send the minutes to {count} person?", "Send the minutes to {count} people?",
                                        audience)),
                  keyboard([[(t("Send"), STEP.data(action="send")), (t("Cancel"), STEP.data(action="cancel"))]]))
    return CONFIRM


async def not_a_document(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("Please send the minutes as a document (a file), or leave with /cancel.")))
    return DOCUMENT


async def send(update: Update, context: BotContext) -> int:
    t, now, data = context.t, context.now(), draft(context, _DRAFT)
    if "file_id" not in data:
        await acknowledge(update, t("This draft is no longer there. Please start again with /meetings."), alert=True)
        return ConversationHandler.END
    async with context.db.begin() as session:
        meeting = await store.get(session, data["meeting"])
    if meeting is not None and not await may_lead(update, context, meeting.group_id):
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    async with context.db.begin() as session:
        meeting = await store.get(session, data["meeting"])
        problem = minutes_problem(meeting, now)
        sent = 0
        if problem is None and not await store.mark_minutes(session, meeting.id, data["file_id"], now):
            problem = N_("The minutes of this meeting have been sent already.")  # by someone else, just now
        if problem is None:
            sent = await store.notify(session, meeting, {"event": "minutes", "meeting": MeetingView.of(meeting).to_payload(),
                                                         "file_id": data["file_id"]},
                                      now, without_declined=False, leave_out=update.effective_user.id)
    context.user_data.pop(_DRAFT, None)
    if problem:
        await acknowledge(update, t(problem), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    log.info("User %s sent the minutes of meeting %s to %d people", who(update.effective_user.id), data["meeting"], sent)
    await respond(update, html(t.plural("The minutes are going out to {count} person.",
                                        "The minutes are going out to {count} people.", sent)), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


CONVERSATION = flow(
    "minutes",
    entry_points=[CallbackQueryHandler(begin, pattern=MINUTES.pattern)],
    states={
        DOCUMENT: [MessageHandler(filters.Document.ALL & NEW, got_document), MessageHandler(ANY_MESSAGE, not_a_document)],
        CONFIRM: [CallbackQueryHandler(send, pattern=STEP.matching(action="send"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
)

HANDLERS = [CONVERSATION]
# Also a group's leads, for their group's meetings: may_lead() checks at the start and on sending.
REQUIRED_ROLES = {MINUTES.prefix: Role.MEMBER, STEP.prefix: Role.MEMBER}
