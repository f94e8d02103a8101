"""Edit on a meeting card: a coordinator changes the title, the date and time, the place or the
agenda. A change of time or place is told to everyone who has not declined, saying what changed;
a new time moves the reminders. Calendars see the new SEQUENCE."""
from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.answers import clean_text_answer
from bot.rules.dates import DateProblem, parse_meeting_time
from bot.rules.meetings import AGENDA_LIMITS, PLACE_LIMITS, TITLE_LIMITS, moved_along
from handlers.common.flows import TEXT, draft, flow
from handlers.common.permissions import may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from handlers.meetings import reminders
from handlers.meetings.overview import CHANGE_NAMES, EDIT, answer_problem, shown_time
from handlers.meetings.view import MeetingView
from storage import meetings as store
from storage.models import Meeting, Role

log = logging.getLogger(__name__)

FIELD, VALUE, CONFIRM = "field", "value", "confirm"
# The meeting is in every button: a press on an older edit's message must not change another meeting.
# save: this meeting; saveall: this and the later dates of its series.
STEP = Callback("mte", meeting=ROW_ID, action="title|starts_at|place|agenda|save|saveall|back|cancel")
_DRAFT = "editmeeting"
# Members are told of these changes; a new title or agenda shows on the card and in the calendar file.
TOLD = ("starts_at", "place")
FIELD_NAMES = {**CHANGE_NAMES, "agenda": N_("Agenda")}
LIMITS = {"title": TITLE_LIMITS, "place": PLACE_LIMITS, "agenda": AGENDA_LIMITS}
QUESTIONS = {
    "title": N_("The new title:"),
    "starts_at": N_("The new date and time, for example 12.3.2027 18:00–20:00, or only the time on the same day, "
                    "for example 18-20 Uhr:"),
    "place": N_("The new place: an address, or the link of an online meeting."),
    "agenda": N_("The new agenda:"),
}


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def _step(context: BotContext, action: str) -> str:
    return STEP.data(meeting=_draft(context).get("meeting", 0), action=action)


async def _this_edit(update: Update, context: BotContext) -> bool:
    """Whether the pressed button belongs to the edit under way."""
    if int(context.match["meeting"]) == _draft(context).get("meeting"):
        return True
    await acknowledge(update, context.t("This button belongs to another edit. Please use the latest message."),
                      alert=True)
    return False


async def _editable(update: Update, context: BotContext, meeting_id: int) -> Meeting | None:
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id)
    # Who may act is checked before what state the meeting is in: others learn nothing about it.
    if meeting is not None and not await may_lead(update, context, meeting.group_id):
        return None
    problem = answer_problem(meeting, context.now())
    if problem:
        await acknowledge(update, context.t(problem), alert=True)
        return None
    return meeting


async def begin(update: Update, context: BotContext) -> str | int:
    meeting = await _editable(update, context, int(context.match["meeting"]))
    if meeting is None:
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_DRAFT] = {"meeting": meeting.id}
    return await ask_field(update, context, meeting)


async def ask_field(update: Update, context: BotContext, meeting: Meeting) -> str:
    t = context.t
    rows = [[(t(FIELD_NAMES[name]), _step(context, name))] for name in ("starts_at", "place", "title", "agenda")]
    rows.append([(t("Cancel"), _step(context, "cancel"))])
    await respond(update, bold(meeting.title) + "\n" + html(t("What do you want to change?")), keyboard(rows))
    return FIELD


async def field_chosen(update: Update, context: BotContext) -> str:
    if not await _this_edit(update, context):
        return FIELD
    await acknowledge(update)
    field = context.match["action"]
    _draft(context)["field"] = field
    await respond(update, html(context.t(QUESTIONS[field])),
                  keyboard([[(context.t("« Back"), _step(context, "back")),
                             (context.t("Cancel"), _step(context, "cancel"))]]), edit=True)
    return VALUE


async def got_value(update: Update, context: BotContext) -> str:
    t, data, zone = context.t, _draft(context), context.settings.timezone
    field = data.get("field")
    if field is None:
        return FIELD
    async with context.db.begin() as session:
        meeting = await store.get(session, data["meeting"])
        series = await store.series_from(session, meeting) if meeting is not None else []
        told = await store.audience_size(session, data["meeting"], without_declined=True,
                                         leave_out=update.effective_user.id)
        # With the later dates, whoever has not declined one of them is told as well.
        told_all = await store.audience_size(session, data["meeting"], without_declined=True,
                                             leave_out=update.effective_user.id,
                                             concerned=[m.id for m in series]) if len(series) > 1 else told
    later = len(series) - 1
    if meeting is None:
        return FIELD
    if field == "starts_at":
        try:
            start, end = parse_meeting_time(update.message.text, zone, context.now(),
                                            day=meeting.starts_at.astimezone(zone).date())
        except DateProblem as problem:
            await respond(update, html(problem.text(t)))
            return VALUE
        # Moved without an end given: it lasts as long as before.
        value = interval(start, end or start + (meeting.ends_at - meeting.starts_at))
    else:
        low, high = LIMITS[field]
        value, problem = clean_text_answer(update.message.text, LIMITS[field], keep_lines=field == "agenda")
        if problem:
            await respond(update, html(t(problem, min=low, max=high)))
            return VALUE
    data["value"] = value
    lines = [bold(meeting.title), html(t("{what}: {before} → {after}", what=t(FIELD_NAMES[field]),
                    before=_shown(context, field, current(meeting, field)), after=_shown(context, field, value)))]
    if field in TOLD:
        lines.append(html(t.plural("{count} person who has not declined will be told.",
                                   "{count} people who have not declined will be told.", told)))
        if later and told_all != told:
            lines.append(html(t.plural(
                "Saved for the later dates as well: {count} person who has not declined all of them will be told.",
                "Saved for the later dates as well: {count} people who have not declined all of them will be told.",
                told_all)))
    saving = [[(t("Save"), _step(context, "save"))]]
    if later:  # a date of a series: this one, or this and the later ones as well
        saving = [[(t("Save for this meeting only"), _step(context, "save"))],
                  [(t.plural("Save for this and the {count} later one", "Save for this and the {count} later ones",
                             later), _step(context, "saveall"))]]
    await respond(update, "\n".join(lines), keyboard([
        *saving, [(t("« Back"), _step(context, "back")), (t("Cancel"), _step(context, "cancel"))]]))
    return CONFIRM


def interval(start: datetime, end: datetime) -> str:
    """A meeting's time as a draft and a change notice keep it: ISO 8601's "start/end"."""
    return f"{start.isoformat()}/{end.isoformat()}"


def current(meeting: Meeting, field: str) -> str:
    """The field's value as a draft keeps it (the time with its end)."""
    return interval(meeting.starts_at, meeting.ends_at) if field == "starts_at" else getattr(meeting, field)


def _shown(context: BotContext, field: str, value: str) -> str:
    if field == "starts_at":
        return shown_time(value, context.settings.timezone, context.language)
    text = value or "–"
    return text if len(text) <= 300 else text[:300] + "…"


async def save(update: Update, context: BotContext) -> int | str:
    t, now, data = context.t, context.now(), _draft(context)
    if "value" in data and not await _this_edit(update, context):
        return CONFIRM
    if "value" not in data:
        await acknowledge(update, t("This draft is no longer there. Please start again with /meetings."), alert=True)
        return ConversationHandler.END
    meeting = await _editable(update, context, data["meeting"])
    if meeting is None:
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    field = data["field"]
    if field == "starts_at":
        begins, _, ends = data["value"].partition("/")
        start = datetime.fromisoformat(begins)
        # A draft kept from before meetings had an end holds the beginning only: it lasts as before.
        end = datetime.fromisoformat(ends) if ends else start + (meeting.ends_at - meeting.starts_at)
        changes: dict[str, object] = {"starts_at": start, "ends_at": end}
    else:
        changes = {field: data["value"]}
    if field == "starts_at" and start <= now:
        await acknowledge(update, t("This moment has already passed. Please give a time in the future."), alert=True)
        return VALUE
    async with context.db.begin() as session:
        fresh = await store.get(session, meeting.id)
        before = current(fresh, field)
        later = ([m for m in await store.series_from(session, fresh) if m.id != fresh.id]
                 if context.match["action"] == "saveall" else [])
        later_changes: list[dict[str, object]] | None = [changes] * len(later)
        if field == "starts_at":
            # The later dates move as this one does: by as many days, to the same times.
            moves = moved_along(fresh.starts_at, start, end, [m.starts_at for m in later], context.settings.timezone)
            later_changes = None if moves is None else [{"starts_at": a, "ends_at": b} for a, b in moves]
        if later_changes is not None:
            await store.edit(session, fresh, now, **changes)
            for other, change in zip(later, later_changes, strict=True):
                await store.edit(session, other, now, **change)
            view = MeetingView.of(fresh)
            told = 0
            if field in TOLD:
                told = await store.notify(session, fresh, {"event": "changed", "meeting": view.to_payload(),
                                                           "changes": {field: [before, data["value"]]},
                                                           "later": len(later)},
                                          now, without_declined=True, leave_out=update.effective_user.id,
                                          concerned=[fresh.id, *(m.id for m in later)])
            moved = [view] + [MeetingView.of(m) for m in later]
    if later_changes is None:
        await acknowledge(update, t("One of the dates falls into the hour skipped when summer time begins. "
                                    "Please choose another time."), alert=True)
        return CONFIRM
    await acknowledge(update)
    context.user_data.pop(_DRAFT, None)
    if field == "starts_at":
        for each in moved:  # a new time has new reminders; the old ones' jobs go
            await reminders.schedule(context.application, each)
    log.info("User %s changed %s of meeting %s and %d later one(s)", who(update.effective_user.id), field,
             meeting.id, len(later))
    text = t("Saved.") if not later else t.plural("Saved for this meeting and {count} later one.",
                                                  "Saved for this meeting and {count} later ones.", len(later))
    if field in TOLD:
        text += " " + t.plural("{count} person is being told.", "{count} people are being told.", told)
    await respond(update, html(text), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


async def back(update: Update, context: BotContext) -> str | int:
    if not await _this_edit(update, context):
        return FIELD
    await acknowledge(update)
    meeting_id = _draft(context).get("meeting")
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id) if meeting_id else None
    if meeting is None:
        return ConversationHandler.END
    return await ask_field(update, context, meeting)


CONVERSATION = flow(
    "editmeeting",
    entry_points=[CallbackQueryHandler(begin, pattern=EDIT.pattern)],
    states={
        FIELD: [CallbackQueryHandler(field_chosen, pattern=STEP.matching(action="title|starts_at|place|agenda"))],
        VALUE: [MessageHandler(TEXT, got_value), CallbackQueryHandler(back, pattern=STEP.matching(action="back"))],
        CONFIRM: [
            CallbackQueryHandler(save, pattern=STEP.matching(action="save|saveall")),
            CallbackQueryHandler(back, pattern=STEP.matching(action="back")),
        ],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. Nothing was changed."),
)

HANDLERS = [CONVERSATION]
# Also a group's leads, for their group's meetings: _editable() checks at the start and on saving.
REQUIRED_ROLES = {EDIT.prefix: Role.MEMBER, STEP.prefix: Role.MEMBER}
