"""/join: an applicant asks to become a member; coordinators get the request with Approve / Decline."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.commands import APPLICANTS, MenuEntry
from bot.i18n import N_, Translator
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import NAME_LIMITS, ORGANISATION_LIMITS
from handlers.common.buttons import MENU
from handlers.common.flows import TEXT, draft, flow, text_answer
from handlers.common.outbox import Content
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.membership.members import DECIDE
from storage import join_requests
from storage.models import Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

NAME, ORGANISATION, CONFIRM = "name", "organisation", "confirm"
STEP = Callback("join", action="send|edit|back|cancel")
_DRAFT = "join"


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


async def begin(update: Update, context: BotContext) -> str | int:
    t = context.t
    await acknowledge(update)
    if context.role.at_least(Role.MEMBER):
        await respond(update, html(t("You are already a member of the council.")))
        return ConversationHandler.END
    async with context.db.begin() as session:
        pending = await join_requests.pending_for(session, update.effective_user.id)
    if pending is not None:
        await respond(update, html(t("Your request to join is with the coordinators. I will tell you as soon as they decide.")))
        return ConversationHandler.END
    context.user_data[_DRAFT] = {}
    return await ask_name(update, context)


async def ask_name(update: Update, context: BotContext) -> str:
    t = context.t
    await respond(update, "\n\n".join([
        bold(t("Ask to join the council")),
        html(t("The coordinators decide on your request. Step 1 of 2: what is your full name?")),
    ]), keyboard([[(t("Cancel"), STEP.data(action="cancel"))]]))
    return NAME


async def got_name(update: Update, context: BotContext) -> str:
    name = await text_answer(update, context, NAME_LIMITS)
    if name is None:
        return NAME
    _draft(context)["name"] = name
    return await ask_organisation(update, context)


async def ask_organisation(update: Update, context: BotContext) -> str:
    t = context.t
    await respond(update, html(t("Step 2 of 2: which organisation, school, authority or town do you represent?")),
                  keyboard([[(t("« Back"), STEP.data(action="back")), (t("Cancel"), STEP.data(action="cancel"))]]))
    return ORGANISATION


async def got_organisation(update: Update, context: BotContext) -> str:
    t = context.t
    organisation = await text_answer(update, context, ORGANISATION_LIMITS)
    if organisation is None:
        return ORGANISATION
    draft = _draft(context)
    draft["organisation"] = organisation
    summary = "\n".join([
        bold(t("Please check your request")),
        html(t("Name: {name}", name=draft.get("name", ""))),
        html(t("Organisation: {organisation}", organisation=organisation)),
    ])
    await respond(update, summary, keyboard([
        [(t("Send request"), STEP.data(action="send"))],
        [(t("Change"), STEP.data(action="edit")), (t("Cancel"), STEP.data(action="cancel"))],
    ]))
    return CONFIRM


async def back_to_name(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    return await ask_name(update, context)


async def send_request(update: Update, context: BotContext) -> int:
    t = context.t
    draft = _draft(context)
    if not draft.get("name") or not draft.get("organisation"):
        # Only a forged or very stale press gets here; start over rather than file half a request.
        await acknowledge(update)
        await ask_name(update, context)
        return NAME
    user_id, now = update.effective_user.id, context.now()
    async with context.db.begin() as session:
        request = await join_requests.open_request(session, user_id, draft["name"], draft["organisation"], now)
        told = 0 if request is None else await join_requests.send_to_coordinators(session, request, now)
    context.user_data.pop(_DRAFT, None)
    await acknowledge(update)
    if request is None:
        await respond(update, html(t("Your request to join is with the coordinators. I will tell you as soon as they decide.")), edit=True)
        return ConversationHandler.END
    await respond(update, html(t("Thank you! Your request has been sent to the coordinators. I will tell you their decision.")), edit=True)
    log.info("Join request %s filed by user %s, to %d coordinator(s)", request.id, who(user_id), told)
    context.services.wake_sender()
    return ConversationHandler.END


async def render_request(row: DueRow, t: Translator) -> Content:
    """A coordinator's copy of a join request (the delivery engine sends it), with Approve and Decline.
    The request stays in /members too, so a coordinator who cannot be reached loses nothing."""
    payload = row.payload or {}
    text = "\n".join([
        bold(t("Join request")),
        html(t("Name: {name}", name=payload["name"])),
        html(t("Organisation: {organisation}", organisation=payload["organisation"])),
    ])
    return Content(text, keyboard([[(t("Approve"), DECIDE.data(request=payload["request"], verdict="a")),
                                    (t("Decline"), DECIDE.data(request=payload["request"], verdict="d"))]]))


CONVERSATION = flow(
    "join",
    entry_points=[
        CommandHandler("join", begin),
        CallbackQueryHandler(begin, pattern=MENU.matching(item="join")),
    ],
    states={
        NAME: [MessageHandler(TEXT, got_name)],
        ORGANISATION: [
            MessageHandler(TEXT, got_organisation),
            CallbackQueryHandler(back_to_name, pattern=STEP.matching(action="back")),
        ],
        CONFIRM: [
            CallbackQueryHandler(send_request, pattern=STEP.matching(action="send")),
            CallbackQueryHandler(back_to_name, pattern=STEP.matching(action="edit")),
        ],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    unexpected=N_("Please answer with a short text or use the buttons, or leave with /cancel."),
)

HANDLERS = [CONVERSATION]
REQUIRED_ROLES = {}
MENU_ENTRIES = [MenuEntry(N_("Join the council"), MENU.data(item="join"), APPLICANTS, (1, 0))]
