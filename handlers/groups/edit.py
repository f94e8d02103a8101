"""Edit on a group's card: a coordinator changes its name, description or number of places. Fewer
places than members is refused with the count; more places go to the waitlist at once."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.answers import clean_text_answer
from bot.rules.groups import DESCRIPTION_LIMITS, MAX_CAPACITY, NAME_LIMITS, capacity_problem, parse_capacity
from handlers.common.flows import TEXT, draft, flow
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.groups import overview as groups
from storage import groups as store
from storage.models import Role

log = logging.getLogger(__name__)

FIELD, VALUE = "field", "value"
STEP = Callback("geds", group=ROW_ID, action="name|description|capacity|unlimited|cancel")
_DRAFT = "editgroup"
QUESTIONS = {
    "name": N_("The new name:"),
    "description": N_("The new description:"),
    "capacity": N_("The new number of places, from 1 to {max}:"),
}


def _group_id(context: BotContext) -> int:
    return draft(context, _DRAFT).get("group", 0)


@coordinators_only
async def begin(update: Update, context: BotContext) -> str | int:
    group_id = int(context.match["group"])
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
    if group is None:
        await acknowledge(update, context.t("This group is archived or no longer exists."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"group": group_id}
    t = context.t
    await respond(update, bold(group.name) + "\n" + html(t("What do you want to change?")), keyboard([
        [(t("Name"), STEP.data(group=group_id, action="name")),
         (t("Description"), STEP.data(group=group_id, action="description"))],
        [(t("Number of places"), STEP.data(group=group_id, action="capacity"))],
        [(t("Cancel"), STEP.data(group=group_id, action="cancel"))]]), edit=True)
    return FIELD


@coordinators_only
async def field_chosen(update: Update, context: BotContext) -> str | int:
    if int(context.match["group"]) != _group_id(context):
        await acknowledge(update, context.t("This button belongs to another edit. Please use the latest message."),
                          alert=True)
        return FIELD
    await acknowledge(update)
    field = context.match["action"]
    draft(context, _DRAFT)["field"] = field
    rows = [[(context.t("No limit"), STEP.data(group=_group_id(context), action="unlimited"))]] if field == "capacity" else []
    rows.append([(context.t("Cancel"), STEP.data(group=_group_id(context), action="cancel"))])
    await respond(update, html(context.t(QUESTIONS[field], max=MAX_CAPACITY)), keyboard(rows), edit=True)
    return VALUE


@coordinators_only
async def got_value(update: Update, context: BotContext) -> str | int:
    t, data = context.t, draft(context, _DRAFT)
    field, text = data.get("field"), update.message.text
    if field == "capacity":
        try:
            return await _set_capacity(update, context, parse_capacity(text))
        except ValueError as problem:
            await respond(update, html(t(str(problem), max=MAX_CAPACITY)))
            return VALUE
    limits = NAME_LIMITS if field == "name" else DESCRIPTION_LIMITS
    value, problem = clean_text_answer(text, limits, keep_lines=field == "description")
    if problem:
        await respond(update, html(t(problem, min=limits[0], max=limits[1])))
        return VALUE
    async with context.db.begin() as session:
        group = await store.get(session, data["group"])
        saved = group is not None and await store.edit(session, group, **{field: value})
    if not saved:
        await respond(update, html(t("There is a group of that name already. Please choose another name.")))
        return VALUE
    return await _done(update, context, None)


@coordinators_only
async def unlimited(update: Update, context: BotContext) -> str | int:
    await acknowledge(update)
    return await _set_capacity(update, context, None)


async def _set_capacity(update: Update, context: BotContext, capacity: int | None) -> str | int:
    t, now = context.t, context.now()
    async with context.db.begin() as session:
        members, promoted = await store.set_capacity(session, _group_id(context), capacity)
        group = await store.get(session, _group_id(context))
        if promoted and group is not None:
            await store.send_notice(session, group, "promoted", promoted, now)
    problem = capacity_problem(capacity, members or 0)
    if problem:
        await respond(update, html(t(problem, count=members)))
        return VALUE
    if promoted:
        context.services.wake_sender()
    note = t.plural("{count} person from the waitlist got a place and is being told.",
                    "{count} people from the waitlist got a place and are being told.", len(promoted)) \
        if promoted else None
    return await _done(update, context, note)


async def _done(update: Update, context: BotContext, note: str | None) -> int:
    group_id = _group_id(context)
    context.user_data.pop(_DRAFT, None)
    log.info("User %s edited group %s", who(update.effective_user.id), group_id)
    await groups.card(update, context, group_id, edit=update.callback_query is not None,
                      note=context.t("Saved.") + (" " + note if note else ""))
    return ConversationHandler.END


CONVERSATION = flow(
    "editgroup",
    entry_points=[CallbackQueryHandler(begin, pattern=groups.EDIT.pattern)],
    states={
        FIELD: [CallbackQueryHandler(field_chosen, pattern=STEP.matching(action="name|description|capacity"))],
        VALUE: [MessageHandler(TEXT, got_value), CallbackQueryHandler(unlimited, pattern=STEP.matching(action="unlimited"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. Nothing was changed."),
)

HANDLERS = [CONVERSATION]
REQUIRED_ROLES = {STEP.prefix: Role.COORDINATOR}
