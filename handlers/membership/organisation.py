"""Whom a person speaks for in the council: members change their own in /settings, coordinators
anyone's on their card in /members. Lists for the council show it beside the name."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import ORGANISATION_LIMITS
from handlers.common.buttons import ORGANISATION
from handlers.common.flows import TEXT, draft, flow, text_answer
from handlers.common.permissions import refuse
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.membership import members
from handlers.start import preferences
from storage import permissions, users
from storage.models import Role

log = logging.getLogger(__name__)

TYPING = "typing"
STEP = Callback("orgs", action="clear|back|cancel")
_DRAFT = "organisation"


async def begin(update: Update, context: BotContext) -> str | int:
    t, user_id = context.t, int(context.match["user"])
    async with context.db.begin() as session:
        # One's own organisation: any member; someone else's: a coordinator, asked now.
        allowed = user_id == update.effective_user.id or await permissions.may_act(session, update.effective_user.id)
        person = await users.get(session, user_id) if allowed else None
    if not allowed:
        await refuse(update, context)
        return ConversationHandler.END
    if person is None or not person.role.at_least(Role.MEMBER):
        await acknowledge(update, t("This person is no longer known to the bot."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"user": user_id}
    own = user_id == update.effective_user.id
    lines = [bold(t("Organisation"))]
    if person.organisation:
        lines.append(html(t("Now: {organisation}", organisation=person.organisation)))
    lines.append(html(t("Which organisation, school, authority or town do you represent?") if own else
                      t("Which organisation, school, authority or town does {name} represent?",
                        name=person.display_name)))
    rows = [[(t("No organisation"), STEP.data(action="clear"))]] if person.organisation else []
    rows.append([(t("« Back"), STEP.data(action="back")), (t("Cancel"), STEP.data(action="cancel"))])
    await respond(update, "\n".join(lines), keyboard(rows), edit=True)
    return TYPING


async def got_text(update: Update, context: BotContext) -> str | int:
    organisation = await text_answer(update, context, ORGANISATION_LIMITS)
    if organisation is None:
        return TYPING
    return await _save(update, context, organisation)


async def clear(update: Update, context: BotContext) -> str | int:
    return await _save(update, context, None)


async def _save(update: Update, context: BotContext, organisation: str | None) -> str | int:
    t, user_id = context.t, draft(context, _DRAFT).get("user")
    if user_id is None:
        await acknowledge(update, t("This button is no longer valid."), alert=True)
        return ConversationHandler.END
    async with context.db.begin() as session:
        # Asked again in the transaction of the change: a coordinator demoted meanwhile changes nothing.
        allowed = user_id == update.effective_user.id or await permissions.may_act(session, update.effective_user.id)
        saved = allowed and await users.set_organisation(session, user_id, organisation)
    if not allowed:
        await refuse(update, context)
        return ConversationHandler.END
    if not saved:  # erased while the organisation was being typed
        context.user_data.pop(_DRAFT, None)
        await members.gone(update, context)
        return ConversationHandler.END
    await acknowledge(update, t("Saved."))
    log.info("User %s set the organisation of user %s", who(update.effective_user.id), who(user_id))
    return await _leave(update, context, user_id)


async def back(update: Update, context: BotContext) -> int:
    await acknowledge(update)
    return await _leave(update, context, draft(context, _DRAFT).get("user"))


async def _leave(update: Update, context: BotContext, user_id: int | None) -> int:
    """Back where the change began: one's settings, or the person's card."""
    context.user_data.pop(_DRAFT, None)
    edit = update.callback_query is not None
    if user_id is None or user_id == update.effective_user.id:
        await preferences.show(update, context, edit=edit)
    else:
        await members.show_card(update, context, user_id, page=0, edit=edit, answered=True)
    return ConversationHandler.END


CONVERSATION = flow(
    "organisation",
    entry_points=[CallbackQueryHandler(begin, pattern=ORGANISATION.pattern)],
    states={
        TYPING: [MessageHandler(TEXT, got_text),
                 CallbackQueryHandler(clear, pattern=STEP.matching(action="clear")),
                 CallbackQueryHandler(back, pattern=STEP.matching(action="back"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. Nothing was changed."),
    unexpected=N_("Please answer with a short text or use the buttons, or leave with /cancel."),
)

HANDLERS = [CONVERSATION]
REQUIRED_ROLES = {ORGANISATION.prefix: Role.MEMBER, STEP.prefix: Role.MEMBER}
