""""Absage, ich schicke eine Vertretung": a member who cannot come names who comes in their place (and
the organisation they speak for), as councils work; the coordination sees it in the attendance."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import ORGANISATION_LIMITS
from handlers.common.flows import TEXT, draft, flow, text_answer
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.meetings.overview import DEPUTY, answer_problem, card, deputy_text
from storage import meetings as store
from storage import permissions
from storage.meetings import Deputy
from storage.models import Attendance, Role

log = logging.getLogger(__name__)

NAME, ORGANISATION = "name", "organisation"
# The meeting is in every button: a press on an older message must not answer for another meeting.
STEP = Callback("mdp", meeting=ROW_ID, action="skip|back|cancel")
_DRAFT = "deputy"
NAME_LIMITS = (2, 200)  # the column's; the organisation's as a member's (bot.rules.membership)


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def _step(context: BotContext, action: str) -> str:
    return STEP.data(meeting=_draft(context).get("meeting", 0), action=action)


async def _problem(context: BotContext, meeting_id: int, user_id: int) -> str | None:
    """Why no answer can be given to this meeting now (checked on every step), or None."""
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id)
        problem = answer_problem(meeting, context.now())
        if problem is None and not await store.is_for(session, meeting_id, user_id):
            problem = N_("This meeting is not one of yours.")
    return problem


async def begin(update: Update, context: BotContext) -> str | int:
    meeting_id = int(context.match["meeting"])
    problem = await _problem(context, meeting_id, update.effective_user.id)
    if problem is not None:
        await acknowledge(update, context.t(problem), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"meeting": meeting_id}
    return await ask_name(update, context)


async def ask_name(update: Update, context: BotContext) -> str:
    t = context.t
    await respond(update, html(t("Who comes in your place? Please write their name.")),
                  keyboard([[(t("Cancel"), _step(context, "cancel"))]]))
    return NAME


async def got_name(update: Update, context: BotContext) -> str:
    name = await text_answer(update, context, NAME_LIMITS)
    if name is None:
        return NAME
    _draft(context)["name"] = name
    t = context.t
    await respond(update, html(t("Which organisation does {name} speak for? For example: a police station, a school, "
                                 "a town.", name=name)),
                  keyboard([[(t("Skip"), _step(context, "skip"))],
                            [(t("« Back"), _step(context, "back")), (t("Cancel"), _step(context, "cancel"))]]))
    return ORGANISATION


async def got_organisation(update: Update, context: BotContext) -> str | int:
    organisation = await text_answer(update, context, ORGANISATION_LIMITS)
    if organisation is None:
        return ORGANISATION
    return await save(update, context, organisation)


async def _this_flow(update: Update, context: BotContext) -> bool:
    if int(context.match["meeting"]) == _draft(context).get("meeting"):
        return True
    await acknowledge(update, context.t("This button belongs to another answer. Please use the latest message."),
                      alert=True)
    return False


async def skipped(update: Update, context: BotContext) -> str | int:
    if not await _this_flow(update, context):
        return ORGANISATION
    await acknowledge(update)
    return await save(update, context, None)


async def back(update: Update, context: BotContext) -> str:
    if not await _this_flow(update, context):
        return ORGANISATION
    await acknowledge(update)
    return await ask_name(update, context)


async def save(update: Update, context: BotContext, organisation: str | None) -> int:
    t, now, data, user_id = context.t, context.now(), _draft(context), update.effective_user.id
    if "name" not in data:
        await respond(update, html(t("This draft is no longer there. Please start again with /meetings.")))
        return ConversationHandler.END
    context.user_data.pop(_DRAFT, None)
    deputy = Deputy(data["name"], organisation)
    async with context.db.begin() as session:
        meeting = await store.get(session, data["meeting"])
        problem = answer_problem(meeting, now)
        if problem is None and not await store.is_for(session, data["meeting"], user_id):
            problem = N_("This meeting is not one of yours.")
        if problem is None:
            await store.answer(session, meeting.id, user_id, Attendance.NO, now, deputy)
            numbers = (await store.counts(session, [meeting.id]))[meeting.id]
            manager = await permissions.may_act(session, user_id, meeting.group_id)
    if problem is not None:
        await respond(update, html(t(problem)))
        return ConversationHandler.END
    log.info("User %s is not coming to meeting %s and sends a deputy", who(user_id), meeting.id)
    text, markup = card(t, meeting, context.settings.timezone, answer=Attendance.NO, counts=numbers,
                        manager=manager, now=now, deputy=deputy)
    saved = bold(t("Saved: not coming; in your place comes {deputy}.", deputy=deputy_text(deputy)))
    await respond(update, saved + "\n\n" + text, markup)
    return ConversationHandler.END


CONVERSATION = flow(
    "deputy",
    entry_points=[CallbackQueryHandler(begin, pattern=DEPUTY.pattern)],
    states={
        NAME: [MessageHandler(TEXT, got_name)],
        ORGANISATION: [
            MessageHandler(TEXT, got_organisation),
            CallbackQueryHandler(skipped, pattern=STEP.matching(action="skip")),
            CallbackQueryHandler(back, pattern=STEP.matching(action="back")),
        ],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. Your answer stays as it was."),
)

HANDLERS = [CONVERSATION]
# Whether the meeting is the person's is checked at the start and on saving.
REQUIRED_ROLES = {DEPUTY.prefix: Role.MEMBER, STEP.prefix: Role.MEMBER}
