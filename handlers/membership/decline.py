"""Declining a request to join: asked first, since the applicant is told at once; the coordinator
may type a reason, which the applicant reads with the decision, or decline without one."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import listed
from handlers.common.flows import TEXT, draft, flow, text_answer
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.membership import members
from storage import join_requests
from storage.models import RequestStatus, Role

REASON, CONFIRM = "reason", "confirm"
STEP = Callback("jrd", request=ROW_ID, action="noreason|send|back|cancel")
REASON_LIMITS = (3, 1000)
_DRAFT = "decline"


@coordinators_only
async def begin(update: Update, context: BotContext) -> str | int:
    t, request_id = context.t, int(context.match["request"])
    async with context.db.begin() as session:
        request = await join_requests.get(session, request_id)
    if request is None or request.status is not RequestStatus.PENDING:
        await acknowledge(update, t("This request has already been decided."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"request": request_id, "name": request.name}
    return await _ask_reason(update, context, request_id, listed(request.name, request.organisation))


async def _ask_reason(update: Update, context: BotContext, request_id: int, who: str) -> str:
    t = context.t
    await respond(update, "\n\n".join([
        bold(t("Decline the request of {name}?", name=who)),
        html(t("They are told at once. You can give a reason, which they read with the decision: write it "
               "in one message, or decline without a reason.")),
    ]), keyboard([[(t("Decline without a reason"), STEP.data(request=request_id, action="noreason"))],
                  [(t("Cancel"), STEP.data(request=request_id, action="cancel"))]]))
    return REASON


@coordinators_only
async def got_reason(update: Update, context: BotContext) -> str:
    t, data = context.t, draft(context, _DRAFT)
    reason = await text_answer(update, context, REASON_LIMITS, keep_lines=True)
    if reason is None:
        return REASON
    data["reason"] = reason
    request_id = data["request"]
    await respond(update, html(t("Decline the request of {name} with this reason?", name=data.get("name", "?")))
                  + "\n\n<i>" + html(reason) + "</i>",
                  keyboard([[(t("Yes, decline"), STEP.data(request=request_id, action="send"))],
                            [(t("« Back"), STEP.data(request=request_id, action="back")),
                             (t("Cancel"), STEP.data(request=request_id, action="cancel"))]]))
    return CONFIRM


@coordinators_only
async def back(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    data = draft(context, _DRAFT)
    data.pop("reason", None)
    return await _ask_reason(update, context, data.get("request", int(context.match["request"])), data.get("name", "?"))


@coordinators_only
async def send(update: Update, context: BotContext) -> str | int:
    t, data = context.t, draft(context, _DRAFT)
    request_id = int(context.match["request"])
    if data.get("request") != request_id:
        await acknowledge(update, t("This button belongs to another request. Please use the latest message."),
                          alert=True)
        if "request" not in data:
            return ConversationHandler.END
        return CONFIRM if "reason" in data else REASON
    reason = data.get("reason") if context.match["action"] == "send" else None
    context.user_data.pop(_DRAFT, None)
    if await members.decide(update, context, request_id, approve=False, reason=reason):
        await respond(update, html(t("Declined. {name} is told.", name=data.get("name", "?"))),
                      keyboard([[(t("Join requests and members"), members.PAGE.data(page=0))]]), edit=True)
    return ConversationHandler.END


CONVERSATION = flow(
    "decline",
    entry_points=[CallbackQueryHandler(begin, pattern=members.DECIDE.matching(verdict="d"))],
    states={
        REASON: [MessageHandler(TEXT, got_reason),
                 CallbackQueryHandler(send, pattern=STEP.matching(action="noreason"))],
        CONFIRM: [CallbackQueryHandler(send, pattern=STEP.matching(action="send")),
                  CallbackQueryHandler(back, pattern=STEP.matching(action="back"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. The request is still open."),
    unexpected=N_("Please write the reason in one message, or use the buttons, or leave with /cancel."),
)

HANDLERS = [CONVERSATION]
REQUIRED_ROLES = {STEP.prefix: Role.COORDINATOR}
