"""/newmeeting: a coordinator plans a meeting step by step (title, date and time, place, agenda,
audience, repetition), sees it as members will, and confirms; the audience is invited and the
reminders are planned. Every step has « Back; the draft survives a restart."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.commands import COORDINATORS, MenuEntry
from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.answers import clean_text_answer
from bot.rules.dates import (
    DateProblem,
    format_span,
    parse_date,
    parse_meeting_time,
    problem_text,
    spoken_duration,
)
from bot.rules.meetings import (
    AGENDA_LIMITS,
    MAX_OCCURRENCES,
    MAX_WEEKS_APART,
    PLACE_LIMITS,
    TITLE_LIMITS,
    Repeat,
    Repetition,
    occurrences,
    repetition_problem,
)
from handlers.common.buttons import COORDINATOR_MENU
from handlers.common.flows import ANY_MESSAGE, NEW, TEXT, draft, flow
from handlers.common.permissions import coordinators_only, may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.meetings import reminders
from handlers.meetings.overview import meeting_text
from handlers.meetings.view import MeetingView
from storage import groups
from storage import meetings as store
from storage.models import Role

log = logging.getLogger(__name__)

TITLE, WHEN, WHEN_OK, PLACE, AGENDA, AUDIENCE, REPEAT, WEEKS, END, COUNT, UNTIL, PREVIEW = (
    "title", "when", "when_ok", "place", "agenda", "audience", "repeat", "weeks", "end", "count", "until", "preview")
STEP = Callback("nm", action="ok|noagenda|council|count|until|create|cancel")
BACK = Callback("nmb", to="title|when|place|agenda|audience|repeat|end")
REPEATS = Callback("nmr", kind="once|weekly|weeks2|weeks|monthly|quarterly")
FOR_GROUP = Callback("nma", group=ROW_ID)  # the audience: one group
# A group's leads plan a meeting of their group from its card (handlers.groups.overview shows the button).
FROM_GROUP = Callback("nmg", group=ROW_ID)
_DRAFT = "newmeeting"
DATES_SHOWN = 6

REPEAT_CHOICES = [
    ("once", N_("Only once")),
    ("weekly", N_("Every week")),
    ("weeks2", N_("Every 2 weeks")),
    ("weeks", N_("Every … weeks")),
    ("monthly", N_("Every month, same weekday")),
    ("quarterly", N_("Every three months, same weekday")),
]


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def _first(context: BotContext) -> datetime:
    return datetime.fromisoformat(_draft(context)["when"]).astimezone(context.settings.timezone)


def _duration(context: BotContext) -> timedelta:
    """How long each meeting of the draft lasts: as typed, or MEETING_DURATION."""
    data = _draft(context)
    if "ends" not in data:  # a draft from before meetings had an end
        return context.settings.meeting_duration
    return datetime.fromisoformat(data["ends"]) - datetime.fromisoformat(data["when"])


def _back(context: BotContext, to: str) -> tuple[str, str]:
    return (context.t("« Back"), BACK.data(to=to))


def _cancel(context: BotContext) -> tuple[str, str]:
    return (context.t("Cancel"), STEP.data(action="cancel"))


async def _ask(update: Update, context: BotContext, text: str, rows: list) -> None:
    """The next question: after a button press it takes the place of the last one, else it is new."""
    await respond(update, text, keyboard(rows), edit=update.callback_query is not None)


@coordinators_only
async def begin(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    context.user_data[_DRAFT] = {}
    return await ask_title(update, context)


async def begin_for_group(update: Update, context: BotContext) -> str | int:
    """From a group's card: a meeting of that group."""
    group_id = int(context.match["group"])
    async with context.db.begin() as session:
        group = await groups.get(session, group_id)
    if group is None or group.archived_at is not None:
        await acknowledge(update, context.t("This group is archived or no longer exists."), alert=True)
        return ConversationHandler.END
    context.user_data[_DRAFT] = {"group_id": group_id, "group_name": group.name, "preset": True}
    if not await allowed(update, context):
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    await acknowledge(update)
    return await ask_title(update, context)


async def allowed(update: Update, context: BotContext) -> bool:
    """Coordinators plan any meeting; a group's leads those of their group. Checked from the database."""
    return await may_lead(update, context, _draft(context).get("group_id"))


async def ask_title(update: Update, context: BotContext) -> str:
    t = context.t
    await _ask(update, context, bold(t("New meeting")) + "\n\n" + html(t("What is the meeting called? For example: "
                                                                          "“Council meeting”.")),
               [[_cancel(context)]])
    return TITLE


async def got_title(update: Update, context: BotContext) -> str:
    title, problem = clean_text_answer(update.message.text, TITLE_LIMITS)
    if problem:
        await respond(update, html(context.t(problem, min=TITLE_LIMITS[0], max=TITLE_LIMITS[1])))
        return TITLE
    _draft(context)["title"] = title
    return await ask_when(update, context)


async def ask_when(update: Update, context: BotContext) -> str:
    t = context.t
    await _ask(update, context, html(t("When is it? For example: 12.3.2027 18:00–20:00 or 12.03.27 18-20 Uhr. "
                                       "Without an end it lasts {duration}.",
                                       duration=spoken_duration(t, context.settings.meeting_duration))),
               [[_back(context, "title"), _cancel(context)]])
    return WHEN


async def got_when(update: Update, context: BotContext) -> str:
    t = context.t
    try:
        when, end = parse_meeting_time(update.message.text, context.settings.timezone, context.now())
    except DateProblem as problem:
        await respond(update, html(problem.text(t)))
        return WHEN
    end = end or when + context.settings.meeting_duration
    _draft(context).update(when=when.isoformat(), ends=end.isoformat())
    # Repeated with its weekday, so that a slip in the date shows before anyone is invited.
    await respond(update, html(t("{date} – is that right?", date=format_span(when, end, context.settings.timezone,
                                                                             context.language))),
                  keyboard([[(t("Yes"), STEP.data(action="ok")), (t("No, change it"), BACK.data(to="when"))]]))
    return WHEN_OK


async def when_confirmed(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    return await ask_place(update, context)


async def ask_place(update: Update, context: BotContext) -> str:
    await _ask(update, context, html(context.t("Where? An address, or the link of an online meeting.")),
               [[_back(context, "when"), _cancel(context)]])
    return PLACE


async def got_place(update: Update, context: BotContext) -> str:
    place, problem = clean_text_answer(update.message.text, PLACE_LIMITS)
    if problem:
        await respond(update, html(context.t(problem, min=PLACE_LIMITS[0], max=PLACE_LIMITS[1])))
        return PLACE
    _draft(context)["place"] = place
    return await ask_agenda(update, context)


async def ask_agenda(update: Update, context: BotContext) -> str:
    t = context.t
    await _ask(update, context, html(t("The agenda: write it, or send it as a document (its caption is shown as "
                                       "the agenda).")),
               [[(t("No agenda yet"), STEP.data(action="noagenda"))], [_back(context, "place"), _cancel(context)]])
    return AGENDA


async def got_agenda(update: Update, context: BotContext) -> str:
    message = update.message
    text = message.caption if message.document else message.text
    agenda, problem = clean_text_answer(text, AGENDA_LIMITS, keep_lines=True)
    if problem:
        await respond(update, html(context.t(problem, min=AGENDA_LIMITS[0], max=AGENDA_LIMITS[1])))
        return AGENDA
    _draft(context).update(agenda=agenda, agenda_file_id=message.document.file_id if message.document else None)
    return await ask_audience(update, context)


async def no_agenda(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    _draft(context).update(agenda="", agenda_file_id=None)
    return await ask_audience(update, context)


async def ask_audience(update: Update, context: BotContext) -> str:
    t = context.t
    if _draft(context).get("preset"):  # planned from a group's card: that group
        return await ask_repeat(update, context)
    leave_out = update.effective_user.id
    async with context.db.begin() as session:
        council = await store.audience_size(session, leave_out=leave_out)
        active = await groups.listing(session)
        sizes = {g.id: await store.audience_size(session, group_id=g.id, leave_out=leave_out) for g in active}
    rows = [[(t("The whole council ({count})", count=council), STEP.data(action="council"))]]
    rows += [[(t("{title} ({count})", title=g.name[:50], count=sizes[g.id]), FOR_GROUP.data(group=g.id))]
             for g in active]
    rows.append([_back(context, "agenda"), _cancel(context)])
    await _ask(update, context, html(t("Who is it for?")), rows)
    return AUDIENCE


@coordinators_only
async def audience_chosen(update: Update, context: BotContext) -> str:
    data = _draft(context)
    if "group" in context.match.groupdict():
        async with context.db.begin() as session:
            group = await groups.get(session, int(context.match["group"]))
        if group is None or group.archived_at is not None:
            await acknowledge(update, context.t("This group is archived or no longer exists."), alert=True)
            return AUDIENCE
        data.update(group_id=group.id, group_name=group.name)
    else:
        data.update(group_id=None, group_name=None)
    await acknowledge(update)
    return await ask_repeat(update, context)


async def ask_repeat(update: Update, context: BotContext) -> str:
    t = context.t
    rows = [[(t(label), REPEATS.data(kind=kind))] for kind, label in REPEAT_CHOICES]
    rows.append([_back(context, "agenda" if _draft(context).get("preset") else "audience"), _cancel(context)])
    await _ask(update, context, html(t("Does it repeat?")), rows)
    return REPEAT


async def repeat_chosen(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    kind = context.match["kind"]
    if kind == "weeks":
        await respond(update, html(context.t("Every how many weeks? A number from 2 to {max}.", max=MAX_WEEKS_APART)),
                      keyboard([[_back(context, "repeat"), _cancel(context)]]), edit=True)
        return WEEKS
    repeat = {"weeks2": Repeat.WEEKS}.get(kind, None) or Repeat(kind)
    _draft(context)["repetition"] = Repetition(repeat, every=2 if kind == "weeks2" else 1).to_dict()
    if repeat is Repeat.ONCE:
        return await preview(update, context)
    return await ask_end(update, context)


async def got_weeks(update: Update, context: BotContext) -> str:
    text = (update.message.text or "").strip()
    if not text.isdigit() or not 2 <= int(text) <= MAX_WEEKS_APART:
        await respond(update, html(context.t("Please give a number of weeks from 2 to {max}.", max=MAX_WEEKS_APART)))
        return WEEKS
    _draft(context)["repetition"] = Repetition(Repeat.WEEKS, every=int(text)).to_dict()
    return await ask_end(update, context)


async def ask_end(update: Update, context: BotContext) -> str:
    t = context.t
    # A series must end: the council plans in years, not forever.
    await _ask(update, context, html(t("When does the series end?")), [
        [(t("After a number of meetings"), STEP.data(action="count"))],
        [(t("On a last date"), STEP.data(action="until"))],
        [_back(context, "repeat"), _cancel(context)]])
    return END


async def end_chosen(update: Update, context: BotContext) -> str:
    t = context.t
    await acknowledge(update)
    if context.match["action"] == "count":
        await respond(update, html(t("How many meetings in all, the first included? A number from 2 to {max}.",
                                     max=MAX_OCCURRENCES)), keyboard([[_back(context, "end"), _cancel(context)]]),
                      edit=True)
        return COUNT
    await respond(update, html(t("On which day is the last meeting at the latest? For example: 30.6.2027")),
                  keyboard([[_back(context, "end"), _cancel(context)]]), edit=True)
    return UNTIL


async def got_count(update: Update, context: BotContext) -> str:
    text = (update.message.text or "").strip()
    rule = Repetition.from_dict(_draft(context)["repetition"])
    count = int(text) if text.isdigit() else 0
    return await _set_end(update, context, Repetition(rule.kind, rule.every, count=count), COUNT)


async def got_until(update: Update, context: BotContext) -> str:
    try:
        until = parse_date(update.message.text, after=_first(context).date())
    except DateProblem as problem:
        await respond(update, html(problem.text(context.t)))
        return UNTIL
    rule = Repetition.from_dict(_draft(context)["repetition"])
    return await _set_end(update, context, Repetition(rule.kind, rule.every, until=until), UNTIL)


async def _set_end(update: Update, context: BotContext, rule: Repetition, step: str) -> str:
    problem = repetition_problem(rule, _first(context), context.now())
    if problem:
        message, values = problem
        await respond(update, html(problem_text(context.t, message, values)))
        return step
    _draft(context)["repetition"] = rule.to_dict()
    return await preview(update, context)


def _view(context: BotContext) -> MeetingView:
    data = _draft(context)
    rule = Repetition.from_dict(data["repetition"])
    return MeetingView(0, data["title"], _first(context), _first(context) + _duration(context), data["place"],
                       data.get("agenda", ""), rule.to_dict() if rule.kind is not Repeat.ONCE else None, 0)


async def preview(update: Update, context: BotContext) -> str:
    t, zone = context.t, context.settings.timezone
    data = _draft(context)
    dates = occurrences(_first(context), Repetition.from_dict(data["repetition"]))
    async with context.db.begin() as session:
        invited = await store.audience_size(session, group_id=data.get("group_id"), leave_out=update.effective_user.id)
    lines = [bold(t("This is how members will see it:")), "", meeting_text(t, _view(context), zone), ""]
    if data.get("group_name"):
        lines.insert(3, "👥 " + html(data["group_name"]))
    if len(dates) > 1:
        lines.append(bold(t.plural("{count} meeting:", "{count} meetings:", len(dates))))
        lines += [f"• {html(format_span(d, d + _duration(context), zone, context.language))}"
                  for d in dates[:DATES_SHOWN]]
        if len(dates) > DATES_SHOWN:
            lines.append(html(t("… and {count} more", count=len(dates) - DATES_SHOWN)))
        lines.append("")
    lines.append(html(t.plural("{count} person will be invited; reminders follow.",
                               "{count} people will be invited; reminders follow.", invited)))
    await _ask(update, context, "\n".join(lines), [
        [(t("Create and invite"), STEP.data(action="create"))],
        [_back(context, "repeat"), _cancel(context)]])
    return PREVIEW


async def create(update: Update, context: BotContext) -> int:
    t, now = context.t, context.now()
    data = _draft(context)
    if "repetition" not in data:
        await acknowledge(update, t("This draft is no longer there. Please start again with /newmeeting."), alert=True)
        return ConversationHandler.END
    first = _first(context)
    rule = Repetition.from_dict(data["repetition"])
    dates = occurrences(first, rule)
    if first <= now:
        await acknowledge(update, t("This moment has already passed. Please give a time in the future."), alert=True)
        return await ask_when(update, context)
    if not await allowed(update, context):
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    await acknowledge(update)
    async with context.db.begin() as session:
        created = await store.create_series(
            session, title=data["title"], dates=dates, place=data["place"], agenda=data.get("agenda", ""),
            agenda_file_id=data.get("agenda_file_id"), repetition=rule.to_dict() if len(dates) > 1 else None,
            created_by=update.effective_user.id, now=now, group_id=data.get("group_id"), duration=_duration(context))
        views = [MeetingView.of(m) for m in created]
        invited = await store.notify(session, created[0], {"event": "invite", "meeting": views[0].to_payload(),
                                                           "group": data.get("group_name"), "dates": len(created)},
                                     now, without_declined=False, leave_out=update.effective_user.id)
    context.user_data.pop(_DRAFT, None)
    for view in views:
        await reminders.schedule(context.application, view)
    log.info("User %s created meeting(s) %s, %d invited", who(update.effective_user.id), [v.id for v in views], invited)
    await respond(update, html(t.plural("Created. {count} person is being invited.",
                                        "Created. {count} people are being invited.", invited)), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


async def back(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    to = context.match["to"]
    steps = {"title": ask_title, "when": ask_when, "place": ask_place, "agenda": ask_agenda,
             "audience": ask_audience, "repeat": ask_repeat, "end": ask_end}
    if to == "audience" and _draft(context).get("preset"):
        to = "agenda"
    if to != "title" and "title" not in _draft(context):
        return await ask_title(update, context)  # a stale button from a draft that is gone
    return await steps[to](update, context)


async def not_a_document(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("Please write the agenda or send it as a document, or use the buttons.")))
    return AGENDA


BACKS = CallbackQueryHandler(back, pattern=BACK.pattern)
CONVERSATION = flow(
    "newmeeting",
    entry_points=[
        CommandHandler("newmeeting", begin),
        CallbackQueryHandler(begin, pattern=COORDINATOR_MENU.matching(item="newmeeting")),
        CallbackQueryHandler(begin_for_group, pattern=FROM_GROUP.pattern),
    ],
    states={
        TITLE: [MessageHandler(TEXT, got_title)],
        WHEN: [MessageHandler(TEXT, got_when), BACKS],
        WHEN_OK: [CallbackQueryHandler(when_confirmed, pattern=STEP.matching(action="ok")), BACKS],
        PLACE: [MessageHandler(TEXT, got_place), BACKS],
        AGENDA: [
            MessageHandler(TEXT | (filters.Document.ALL & NEW), got_agenda),
            CallbackQueryHandler(no_agenda, pattern=STEP.matching(action="noagenda")),
            MessageHandler(ANY_MESSAGE, not_a_document),
            BACKS,
        ],
        AUDIENCE: [
            CallbackQueryHandler(audience_chosen, pattern=STEP.matching(action="council")),
            CallbackQueryHandler(audience_chosen, pattern=FOR_GROUP.pattern),
            BACKS,
        ],
        REPEAT: [CallbackQueryHandler(repeat_chosen, pattern=REPEATS.pattern), BACKS],
        WEEKS: [MessageHandler(TEXT, got_weeks), BACKS],
        END: [CallbackQueryHandler(end_chosen, pattern=STEP.matching(action="count|until")), BACKS],
        COUNT: [MessageHandler(TEXT, got_count), BACKS],
        UNTIL: [MessageHandler(TEXT, got_until), BACKS],
        PREVIEW: [CallbackQueryHandler(create, pattern=STEP.matching(action="create")), BACKS],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. No meeting was created."),
)

HANDLERS = [CONVERSATION]
# The steps are open to members because a group's leads plan its meetings; allowed() checks the start
# from a group's card and the creation itself.
REQUIRED_ROLES = {"/newmeeting": Role.COORDINATOR, STEP.prefix: Role.MEMBER, BACK.prefix: Role.MEMBER,
                  REPEATS.prefix: Role.MEMBER, FOR_GROUP.prefix: Role.COORDINATOR, FROM_GROUP.prefix: Role.MEMBER}
MENU_ENTRIES = [MenuEntry(N_("New meeting"), COORDINATOR_MENU.data(item="newmeeting"), COORDINATORS, (2, 0))]
