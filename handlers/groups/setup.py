"""/newgroup: a coordinator sets up a working group or local council: name, kind, description,
optional capacity, optional leads chosen from the council, a preview, then it exists."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.commands import COORDINATORS, MenuEntry
from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import USER_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.answers import clean_text_answer
from bot.rules.groups import DESCRIPTION_LIMITS, MAX_CAPACITY, NAME_LIMITS, capacity_problem, parse_capacity
from handlers.common.buttons import COORDINATOR_MENU, page_row
from handlers.common.flows import TEXT, draft, flow
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.groups import overview as groups
from handlers.groups.overview import KIND_NAMES, PAGE_SIZE
from storage import groups as store
from storage import users
from storage.models import GroupKind, Role

log = logging.getLogger(__name__)

NAME, KIND, DESCRIPTION, CAPACITY, LEADS, PREVIEW = "name", "kind", "description", "capacity", "leads", "preview"
STEP = Callback("ng", action="nodescription|unlimited|leadsdone|create|back|cancel")
KINDS = Callback("ngk", kind="working_group|local_council")
LEAD = Callback("ngl", user=USER_ID, page=r"\d{1,4}")
LEADS_PAGE = Callback("ngp", page=r"\d{1,4}")
_DRAFT = "newgroup"


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def _cancel(context: BotContext, *, back: bool = True) -> list:
    """Cancel, and Back to the step before (every step has one but the first)."""
    cancel = (context.t("Cancel"), STEP.data(action="cancel"))
    return [(context.t("« Back"), STEP.data(action="back")), cancel] if back else [cancel]


@coordinators_only
async def begin(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    context.user_data[_DRAFT] = {"leads": []}
    return await ask_name(update, context)


async def ask_name(update: Update, context: BotContext) -> str:
    t = context.t
    now = t("Now: {name}", name=_draft(context)["name"]) if _draft(context).get("name") else None
    await respond(update, bold(t("New group")) + "\n\n" + html(t("What is the group called? For example: "
                                                                 "“AG Sicherheit in Schulen”."))
                  + ("\n" + html(now) if now else ""),
                  keyboard([_cancel(context, back=False)]), edit=update.callback_query is not None)
    return NAME


@coordinators_only
async def got_name(update: Update, context: BotContext) -> str:
    t = context.t
    name, problem = clean_text_answer(update.message.text, NAME_LIMITS)
    if problem:
        await respond(update, html(t(problem, min=NAME_LIMITS[0], max=NAME_LIMITS[1])))
        return NAME
    async with context.db.begin() as session:
        taken = await store.name_taken(session, name)
    if taken:
        await respond(update, html(t("There is a group of that name already. Please choose another name.")))
        return NAME
    _draft(context)["name"] = name
    return await ask_kind(update, context)


async def ask_kind(update: Update, context: BotContext) -> str:
    t = context.t
    await respond(update, html(t("What kind of group is it?")), keyboard([
        [(t(KIND_NAMES[kind]), KINDS.data(kind=kind.value))] for kind in GroupKind] + [_cancel(context)]),
        edit=update.callback_query is not None)
    return KIND


@coordinators_only
async def kind_chosen(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    _draft(context)["kind"] = context.match["kind"]
    return await ask_description(update, context)


async def ask_description(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("A short description: what does the group do?")),
                  keyboard([[(context.t("No description"), STEP.data(action="nodescription"))], _cancel(context)]),
                  edit=update.callback_query is not None)
    return DESCRIPTION


@coordinators_only
async def got_description(update: Update, context: BotContext) -> str:
    description, problem = clean_text_answer(update.message.text, DESCRIPTION_LIMITS, keep_lines=True)
    if problem:
        await respond(update, html(context.t(problem, min=DESCRIPTION_LIMITS[0], max=DESCRIPTION_LIMITS[1])))
        return DESCRIPTION
    _draft(context)["description"] = description
    return await ask_capacity(update, context)


@coordinators_only
async def no_description(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    _draft(context)["description"] = ""
    return await ask_capacity(update, context)


async def ask_capacity(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("How many places does it have? A number from 1 to {max}; when they are "
                                         "taken, people join a waitlist.", max=MAX_CAPACITY)),
                  keyboard([[(context.t("No limit"), STEP.data(action="unlimited"))], _cancel(context)]),
                  edit=update.callback_query is not None)
    return CAPACITY


@coordinators_only
async def got_capacity(update: Update, context: BotContext) -> str:
    try:
        capacity = parse_capacity(update.message.text)
    except ValueError as problem:
        await respond(update, html(context.t(str(problem), max=MAX_CAPACITY)))
        return CAPACITY
    _draft(context)["capacity"] = capacity
    return await ask_leads(update, context)


@coordinators_only
async def unlimited(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    _draft(context)["capacity"] = None
    return await ask_leads(update, context)


async def ask_leads(update: Update, context: BotContext, page: int = 0) -> str:
    t, chosen = context.t, set(_draft(context).get("leads", []))
    async with context.db.begin() as session:
        council = await users.page_of_members(session, page * PAGE_SIZE, PAGE_SIZE)
    people, total = council
    rows = [[(("⭐ " if p.id in chosen else "") + p.display_name[:40], LEAD.data(user=p.id, page=page))] for p in people]
    navigation = page_row(t, page, (page + 1) * PAGE_SIZE < total, lambda n: LEADS_PAGE.data(page=n))
    rows += [navigation, [(t("Done"), STEP.data(action="leadsdone"))], _cancel(context)]
    await respond(update, html(t("Who leads the group? Tap to choose (⭐), then Done. Leads are members of the "
                                 "group and may write to it and plan its meetings.")), keyboard(rows),
                  edit=update.callback_query is not None)
    return LEADS


@coordinators_only
async def lead_toggled(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    user_id, leads = int(context.match["user"]), _draft(context).setdefault("leads", [])
    if user_id in leads:
        leads.remove(user_id)
    else:
        leads.append(user_id)
    return await ask_leads(update, context, page=int(context.match["page"]))


@coordinators_only
async def leads_page(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    return await ask_leads(update, context, page=int(context.match["page"]))


def _back_to(ask: Callable[[Update, BotContext], Awaitable[str]]) -> Callable[[Update, BotContext], Awaitable[str]]:
    """Back from a step: its question again for the step before, with the answers kept."""
    @coordinators_only
    async def back(update: Update, context: BotContext) -> str:
        await acknowledge(update)
        return await ask(update, context)
    return back


@coordinators_only
async def leads_done(update: Update, context: BotContext) -> str:
    t, data = context.t, _draft(context)
    async with context.db.begin() as session:
        council = {u.id: u.display_name for role in (Role.MEMBER, Role.COORDINATOR)
                   for u in await users.with_role(session, role)}
    # Someone may have left the council while the list was open.
    data["leads"] = [uid for uid in data.get("leads", []) if uid in council]
    problem = capacity_problem(data.get("capacity"), len(data["leads"]))
    if problem:
        await acknowledge(update, t("There are more leads than places. Please choose fewer leads or go back "
                                    "and give more places."), alert=True)
        return LEADS
    await acknowledge(update)
    kind = KIND_NAMES[GroupKind(data["kind"])]
    lines = [bold(t("The new group:")), "", bold(data["name"]) + " · " + html(t(kind))]
    if data.get("description"):
        lines.append(html(data["description"]))
    lines.append(html(t("Places: {count}", count=data["capacity"]) if data.get("capacity") else t("Places: no limit")))
    lines.append(html(t("Led by {names}", names=", ".join(council[uid] for uid in data["leads"]))
                      if data["leads"] else t("No leads yet.")))
    await respond(update, "\n".join(lines), keyboard([[(t("Create the group"), STEP.data(action="create"))],
                                                       _cancel(context)]), edit=True)
    return PREVIEW


@coordinators_only
async def create(update: Update, context: BotContext) -> int:
    t, data = context.t, _draft(context)
    if "kind" not in data:
        await acknowledge(update, t("This draft is no longer there. Please start again with /newgroup."), alert=True)
        return ConversationHandler.END
    async with context.db.begin() as session:
        group = await store.create(session, name=data["name"], kind=GroupKind(data["kind"]),
                                   description=data.get("description", ""), capacity=data.get("capacity"),
                                   leads=data.get("leads", []), created_by=update.effective_user.id,
                                   now=context.now())
        told = [uid for uid in data.get("leads", []) if uid != update.effective_user.id]
        if group is not None and told:  # as when a lead is chosen on the card of a group that exists
            await store.send_notice(session, group, "lead", told, context.now())
    if group is None:
        await acknowledge(update, t("There is a group of that name already. Please choose another name."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data.pop(_DRAFT, None)
    log.info("User %s created group %s", who(update.effective_user.id), group.id)
    await groups.card(update, context, group.id, note=t("The group is set up. Members find it under /groups."))
    return ConversationHandler.END


BACK = STEP.matching(action="back")
CONVERSATION = flow(
    "newgroup",
    entry_points=[
        CommandHandler("newgroup", begin),
        CallbackQueryHandler(begin, pattern=COORDINATOR_MENU.matching(item="newgroup")),
    ],
    states={
        NAME: [MessageHandler(TEXT, got_name)],
        KIND: [CallbackQueryHandler(kind_chosen, pattern=KINDS.pattern),
               CallbackQueryHandler(_back_to(ask_name), pattern=BACK)],
        DESCRIPTION: [MessageHandler(TEXT, got_description),
                      CallbackQueryHandler(no_description, pattern=STEP.matching(action="nodescription")),
                      CallbackQueryHandler(_back_to(ask_kind), pattern=BACK)],
        CAPACITY: [MessageHandler(TEXT, got_capacity),
                   CallbackQueryHandler(unlimited, pattern=STEP.matching(action="unlimited")),
                   CallbackQueryHandler(_back_to(ask_description), pattern=BACK)],
        LEADS: [CallbackQueryHandler(lead_toggled, pattern=LEAD.pattern),
                CallbackQueryHandler(leads_page, pattern=LEADS_PAGE.pattern),
                CallbackQueryHandler(leads_done, pattern=STEP.matching(action="leadsdone")),
                CallbackQueryHandler(_back_to(ask_capacity), pattern=BACK)],
        PREVIEW: [CallbackQueryHandler(create, pattern=STEP.matching(action="create")),
                  CallbackQueryHandler(_back_to(ask_leads), pattern=BACK)],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. No group was created."),
)

HANDLERS = [CONVERSATION]
REQUIRED_ROLES = {"/newgroup": Role.COORDINATOR, STEP.prefix: Role.COORDINATOR, KINDS.prefix: Role.COORDINATOR,
                  LEAD.prefix: Role.COORDINATOR, LEADS_PAGE.prefix: Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("New group"), COORDINATOR_MENU.data(item="newgroup"), COORDINATORS, (2, 1))]
