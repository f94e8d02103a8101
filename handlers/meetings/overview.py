"""/meetings: upcoming meetings with Zusage / Absage / Vielleicht and a calendar file; for
coordinators attendance (as messages and CSV) and cancelling. Also how meeting messages look when
the delivery engine sends them: invitations, changes, cancellations, minutes and reminders."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import MEMBERS, MenuEntry
from bot.delivery import Withdrawn
from bot.i18n import N_, NP_, Translator
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules import calendar
from bot.rules.dates import format_datetime, format_span, spoken_duration
from bot.rules.meetings import Repeat, Repetition
from bot.rules.membership import listed
from bot.rules.spreadsheet import xlsx_bytes
from bot.settings import Settings
from handlers.common.buttons import COORDINATOR_MENU, MEMBER_MENU
from handlers.common.outbox import Content
from handlers.common.permissions import may_lead
from handlers.common.respond import acknowledge, redraw, respond
from handlers.common.text import bold, html
from handlers.meetings import reminders
from handlers.meetings.view import MeetingView
from storage import groups, permissions
from storage import meetings as store
from storage.db import Database
from storage.meetings import Attendee, Deputy
from storage.models import Attendance, DeliveryKind, Meeting, MeetingStatus, Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

PAGE_SIZE = 5
AGENDA_SHOWN = 1500  # of an agenda in a message; the full text is in the calendar file
MAX_MESSAGE = 4000  # below Telegram's 4096, with room for a heading
RSVP = Callback("rsvp", meeting=ROW_ID, answer="yes|no|maybe", on="card|note")
CALENDAR = Callback("ical", meeting=ROW_ID)
AGENDA = Callback("agd", meeting=ROW_ID)
MANAGE = Callback("mtg", meeting=ROW_ID, action="card|attendance|xlsx|cancel|cancelone|cancelall")
LIST = Callback("mtgs", page=r"\d{1,4}", when="next|past")
# Buttons of other flows shown on a card; their modules register the handlers.
EDIT = Callback("mted", meeting=ROW_ID)
DEPUTY = Callback("mdep", meeting=ROW_ID)
MINUTES = Callback("mtmin", meeting=ROW_ID)
# A series as a whole (handlers.meetings.series): one answer for all its dates, its dates one by one,
# all of them in one calendar file. `series`: its first meeting's id, which every date points to.
SERIES_RSVP = Callback("rsvpa", series=ROW_ID, answer="yes|no|maybe", on="card|note")
SERIES_DATES = Callback("msd", series=ROW_ID, page=r"\d{1,2}")
SERIES_CALENDAR = Callback("mscal", series=ROW_ID)
ALL_LABELS = {Attendance.YES: N_("Coming to all"), Attendance.NO: N_("Not coming to any"),
              Attendance.MAYBE: N_("Maybe to all")}

ANSWER_LABELS = {Attendance.YES: N_("Coming"), Attendance.NO: N_("Not coming"), Attendance.MAYBE: N_("Maybe")}
ANSWER_HEADINGS = {
    Attendance.YES: NP_("{count} coming", "{count} coming"),
    Attendance.NO: NP_("{count} not coming", "{count} not coming"),
    Attendance.MAYBE: NP_("{count} maybe", "{count} maybe"),
    None: NP_("{count} without an answer", "{count} without an answer"),
}
REPEAT_NAMES = {
    Repeat.WEEKLY: N_("every week"),
    Repeat.WEEKS: N_("every {every} weeks"),
    Repeat.MONTHLY: N_("every month on the same weekday"),
    Repeat.QUARTERLY: N_("every three months on the same weekday"),
}


def describe_repetition(t: Translator, repetition: dict | None, zone: ZoneInfo, language: str) -> str | None:
    if not repetition:
        return None
    rule = Repetition.from_dict(repetition)
    if rule.kind is Repeat.ONCE:
        return None
    how = t(REPEAT_NAMES[rule.kind], every=rule.every)
    if rule.count:
        return t.plural("{how}, {count} meeting in all", "{how}, {count} meetings in all", rule.count, how=how)
    assert rule.until is not None
    last = format_datetime(datetime.combine(rule.until, datetime.min.time(), tzinfo=zone), zone, language,
                           date_only=True)
    return t("{how}, until {date}", how=how, date=last)


def meeting_text(t: Translator, view: MeetingView, zone: ZoneInfo, *, heading: str | None = None,
                 agenda: bool = True) -> str:
    lines = []
    if heading:
        lines.append(html(heading))
    lines.append(bold(view.title))
    lines.append("🗓 " + html(format_span(view.starts_at, view.ends_at, zone, t.language)))
    lines.append("📍 " + html(view.place))
    repeats = describe_repetition(t, view.repetition, zone, t.language)
    if repeats:
        lines.append("🔁 " + html(repeats))
    if agenda and view.agenda:
        shown = view.agenda if len(view.agenda) <= AGENDA_SHOWN else view.agenda[:AGENDA_SHOWN] + "…"
        lines += ["", bold(t("Agenda")), html(shown)]
    return "\n".join(lines)


def rsvp_rows(t: Translator, meeting_id: int, on: str, chosen: Attendance | None = None) -> list:
    def label(attendance: Attendance) -> str:
        return ("● " if attendance is chosen else "") + t(ANSWER_LABELS[attendance])

    return [[(label(a), RSVP.data(meeting=meeting_id, answer=a.value, on=on)) for a in Attendance],
            [(t("Not coming, I am sending a deputy"), DEPUTY.data(meeting=meeting_id))],
            [(t("Add to calendar"), CALENDAR.data(meeting=meeting_id))]]


def card(t: Translator, meeting: Meeting, zone: ZoneInfo, *, answer: Attendance | None, counts: dict[Attendance, int],
         manager: bool, now: datetime, on: str = "card", agenda: bool = True,
         deputy: Deputy | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """A meeting as it is now, with the viewer's own answer, everyone's counts and their buttons: in
    /meetings (`on="card"`), and in place of an invitation or reminder answered (`on="note"`, without
    the buttons of those who manage it: the note stays a note)."""
    if meeting.status is MeetingStatus.CANCELLED:
        heading = "🚫 " + t("This meeting has been cancelled.")
        return meeting_text(t, MeetingView.of(meeting), zone, heading=heading, agenda=False), None
    lines = [meeting_text(t, MeetingView.of(meeting), zone, agenda=agenda)]
    lines.append("")
    given = t(ANSWER_LABELS[answer]) if answer else t("none yet")
    if deputy is not None:
        given = t("Not coming; in your place: {deputy}", deputy=deputy_text(deputy))
    lines.append(html(t("Your answer: {answer}", answer=given)))
    lines.append(html(" · ".join(t.plural(*ANSWER_HEADINGS[a], counts[a]) for a in Attendance)))
    begun = meeting.starts_at <= now
    rows = [] if begun else rsvp_rows(t, meeting.id, on, answer)
    if meeting.agenda_file_id and on == "card":
        rows.append([(t("Agenda as a file"), AGENDA.data(meeting=meeting.id))])
    if manager and on == "card":
        if begun:
            rows.append([(t("Send the minutes"), MINUTES.data(meeting=meeting.id))])
            rows.append([(t("Attendance"), MANAGE.data(meeting=meeting.id, action="attendance"))])
        else:
            rows.append([(t("Edit"), EDIT.data(meeting=meeting.id)),
                         (t("Attendance"), MANAGE.data(meeting=meeting.id, action="attendance"))])
            # Last and on its own, worded apart from one's own "Absage": it cancels the meeting for
            # everyone (after a confirmation).
            rows.append([(t("🚫 Cancel the meeting for everyone"), MANAGE.data(meeting=meeting.id, action="cancel"))])
    return "\n".join(lines), keyboard(rows)


def series_card(t: Translator, dates: list[Meeting], zone: ZoneInfo, *, answers: dict[int, Attendance],
                on: str = "card") -> tuple[str, InlineKeyboardMarkup | None]:
    """A series' upcoming dates as one entry: the next one, the viewer's answers to them all, one
    answer for all, and the way to its dates one by one (there: edit, cancel, a single answer)."""
    first, series_id = dates[0], dates[0].series_id or dates[0].id
    view = MeetingView.of(first)
    lines = [bold(first.title)]
    repeats = describe_repetition(t, first.repetition, zone, t.language)
    if repeats:
        lines.append("🔁 " + html(repeats))
    lines.append("🗓 " + html(t("Next: {date}", date=format_span(view.starts_at, view.ends_at, zone, t.language))))
    lines.append("📍 " + html(first.place))
    given = [answers.get(m.id) for m in dates]
    summary = ", ".join(f"{given.count(a)} × " + (t(ANSWER_LABELS[a]) if a else t("none yet"))
                        for a in (*Attendance, None) if given.count(a))
    lines += ["", html(t.plural("{count} upcoming date", "{count} upcoming dates", len(dates))),
              html(t("Your answers: {answers}", answers=summary))]
    same = given[0] if given.count(given[0]) == len(given) else None
    return "\n".join(lines), keyboard(series_rows(t, series_id, len(dates), on, same))


def series_rows(t: Translator, series_id: int, dates: int, on: str, chosen: Attendance | None = None) -> list:
    def label(attendance: Attendance) -> str:
        return ("● " if attendance is chosen else "") + t(ALL_LABELS[attendance])

    return [[(label(a), SERIES_RSVP.data(series=series_id, answer=a.value, on=on)) for a in Attendance],
            [(t("Dates one by one ({count})", count=dates), SERIES_DATES.data(series=series_id, page=0))],
            [(t("All dates to my calendar"), SERIES_CALENDAR.data(series=series_id))]]


async def show(update: Update, context: BotContext, *, page: int = 0, past: bool = False) -> None:
    t, now, zone = context.t, context.now(), context.settings.timezone
    user_id = update.effective_user.id
    coordinator = context.role is Role.COORDINATOR
    async with context.db.read() as session:
        managed_groups = await groups.managed_by(session, user_id, coordinator=coordinator)
        if past:
            found = await store.recent_past(session, now, PAGE_SIZE, None if coordinator else managed_groups)
            total, series = len(found), {}
        else:
            entries, total = await store.upcoming_entries(session, now, limit=PAGE_SIZE, offset=page * PAGE_SIZE,
                                                          for_user=None if coordinator else user_id)
            found = [dates[0] for dates in entries]
            # A series with one date left is shown as that meeting.
            series = {dates[0].id: dates for dates in entries if len(dates) > 1}
        ids = [m.id for m in found] + [m.id for dates in series.values() for m in dates]
        answers = await store.answers_of(session, update.effective_user.id, ids)
        deputies = await store.deputies_of(session, update.effective_user.id, ids)
        numbers = await store.counts(session, ids)
    if not found:
        text = t("No past meetings yet.") if past else t("No meetings are planned at the moment.")
        rows = ([[(t("New meeting"), COORDINATOR_MENU.data(item="newmeeting"))]] if coordinator and not past else [])
        await respond(update, html(text), keyboard(rows))
        return
    if not past:
        await respond(update, bold(t.plural("{count} upcoming meeting", "{count} upcoming meetings", total)))
    for meeting in found:
        if meeting.id in series:
            await respond(update, *series_card(t, series[meeting.id], zone, answers=answers))
            continue
        text, markup = card(t, meeting, zone, answer=answers.get(meeting.id), counts=numbers[meeting.id],
                            manager=meeting.group_id in managed_groups, now=now, deputy=deputies.get(meeting.id))
        await respond(update, text, markup)
    navigation = []
    if not past and (page + 1) * PAGE_SIZE < total:
        navigation.append((t("More »"), LIST.data(page=page + 1, when="next")))
    if managed_groups and not past:
        navigation.append((t("Past meetings"), LIST.data(page=0, when="past")))
    if navigation:
        await respond(update, html(t("More meetings:")), keyboard([navigation]))


async def meetings_command(update: Update, context: BotContext) -> None:
    await show(update, context)


async def meetings_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show(update, context)


async def list_pressed(update: Update, context: BotContext) -> None:
    past = context.match["when"] == "past"
    await acknowledge(update)
    await show(update, context, page=int(context.match["page"]), past=past)


async def rsvp_pressed(update: Update, context: BotContext) -> None:
    """An answer, from a card or from an invitation, change notice or reminder however old: the
    pressed message is drawn again from the database, so it shows the meeting as it is now (a new
    place, a new time, or that it was cancelled), never as it was when the message was sent."""
    t, now = context.t, context.now()
    meeting_id, attendance = int(context.match["meeting"]), Attendance(context.match["answer"])
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id)
        mine = meeting is not None and await store.is_for(session, meeting_id, user_id)
        problem = answer_problem(meeting, now)
        if problem is None and not mine:
            problem = N_("This meeting is not one of yours.")
        if problem is None:
            await store.answer(session, meeting_id, user_id, attendance, now)
        if mine:
            answer = (await store.answers_of(session, user_id, [meeting_id])).get(meeting_id)
            # A new answer takes back a deputy named before; a refused one leaves them.
            deputy = None if problem is None else (
                await store.deputies_of(session, user_id, [meeting_id])).get(meeting_id)
            numbers = (await store.counts(session, [meeting_id]))[meeting_id]
            manager = await permissions.may_act(session, user_id, meeting.group_id)
    if problem is not None:
        await acknowledge(update, t(problem), alert=True)
    else:
        log.info("User %s answered %s for meeting %s", who(user_id), attendance.value, meeting_id)
        await acknowledge(update, t("Saved: {answer}", answer=t(ANSWER_LABELS[attendance])))
    if mine:  # who is not invited learns nothing more of the meeting than the refusal
        await redraw_card(update, context, meeting, answer=answer, counts=numbers, manager=manager, deputy=deputy)


async def redraw_card(update: Update, context: BotContext, meeting: Meeting, *, answer: Attendance | None,
                      counts: dict[Attendance, int], manager: bool, deputy: Deputy | None) -> None:
    """The pressed card or note, drawn again from `meeting` as just read from the database."""
    t, zone, now, on = context.t, context.settings.timezone, context.now(), context.match["on"]
    text, markup = card(t, meeting, zone, answer=answer, counts=counts, manager=manager, now=now, on=on,
                        deputy=deputy)
    caption, _ = card(t, meeting, zone, answer=answer, counts=counts, manager=manager, now=now, on=on, agenda=False,
                      deputy=deputy)
    await redraw(update, text, markup, caption=caption)


def answer_problem(meeting: Meeting | None, now: datetime) -> str | None:
    """Why an answer can no longer be given, or None. Answers can change until the meeting begins."""
    if meeting is None or meeting.status is MeetingStatus.CANCELLED:
        return N_("This meeting has been cancelled.")
    if meeting.starts_at <= now:
        return N_("This meeting has already begun; answers can no longer be changed.")
    return None


async def _visible(update: Update, context: BotContext) -> Meeting | None:
    """The pressed button's meeting, if it is scheduled and one of the user's (or one they manage)."""
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        meeting = await store.get(session, int(context.match["meeting"]))
        mine = meeting is not None and (await store.is_for(session, meeting.id, user_id)
                                        or await permissions.may_act(session, user_id, meeting.group_id))
    if meeting is None or meeting.status is MeetingStatus.CANCELLED:
        await acknowledge(update, context.t("This meeting has been cancelled."), alert=True)
        return None
    if not mine:
        await acknowledge(update, context.t("This meeting is not one of yours."), alert=True)
        return None
    return meeting


async def agenda_pressed(update: Update, context: BotContext) -> None:
    meeting = await _visible(update, context)
    if meeting is None:
        return
    await acknowledge(update)
    if meeting.agenda_file_id:
        await update.effective_chat.send_document(meeting.agenda_file_id, caption=html(
            context.t("Agenda: {title}", title=meeting.title)), parse_mode=ParseMode.HTML)


async def calendar_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    meeting = await _visible(update, context)
    if meeting is None:
        return
    await acknowledge(update)
    entry = calendar_entry(meeting)
    await update.effective_chat.send_document(
        calendar.ics([entry], context.settings.timezone, context.now()), filename=calendar.filename(entry),
        caption=html(t("Open the file to add “{title}” to your calendar.", title=meeting.title)),
        parse_mode=ParseMode.HTML)


def calendar_entry(meeting: Meeting | MeetingView, *, cancelled: bool = False) -> calendar.CalendarEntry:
    return calendar.CalendarEntry(meeting.id, meeting.title, meeting.starts_at, meeting.ends_at, meeting.place,
                                  meeting.agenda, meeting.sequence, cancelled=cancelled)


async def manage_pressed(update: Update, context: BotContext) -> None:
    t, action = context.t, context.match["action"]
    meeting_id = int(context.match["meeting"])
    async with context.db.begin() as session:
        meeting = await store.get(session, meeting_id)
        people = await store.attendance_list(session, meeting_id) if action in ("attendance", "xlsx") else []
        answer = (await store.answers_of(session, update.effective_user.id, [meeting_id])).get(meeting_id)
        deputy = (await store.deputies_of(session, update.effective_user.id, [meeting_id])).get(meeting_id)
        numbers = (await store.counts(session, [meeting_id]))[meeting_id]
    if meeting is None:
        await acknowledge(update, t("This meeting does not exist."), alert=True)
        return
    if not await may_lead(update, context, meeting.group_id):
        return
    if action == "card":  # back from a question about the meeting
        await acknowledge(update)
        text, markup = card(t, meeting, context.settings.timezone, answer=answer, counts=numbers,
                            manager=True, now=context.now(), deputy=deputy)
        await respond(update, text, markup, edit=True)
    elif action == "attendance":
        await acknowledge(update)
        for part in attendance_messages(t, meeting, people, context.settings.timezone):
            await respond(update, part)
        await respond(update, html(t("The list as a table:")),
                      keyboard([[(t("Download as a spreadsheet"), MANAGE.data(meeting=meeting_id, action="xlsx"))]]))
    elif action == "xlsx":
        await acknowledge(update)
        # Telegram ids only for coordinators, who may need them to find someone; a lead gets names.
        table = attendance_table(t, people, with_ids=context.role is Role.COORDINATOR)
        await update.effective_chat.send_document(
            xlsx_bytes(t("Attendance"), *table, context.settings.timezone),
            filename=t("attendance-{date}.xlsx", date=meeting.starts_at.astimezone(context.settings.timezone)
                       .strftime("%Y-%m-%d")))
    else:
        await cancel_pressed(update, context, meeting, action)


def attendance_messages(t: Translator, meeting: Meeting, people: list[Attendee], zone: ZoneInfo) -> list[str]:
    """Names by answer, split into messages below Telegram's limit."""
    lines = [bold(meeting.title), html(format_datetime(meeting.starts_at, zone, t.language))]
    for attendance in (Attendance.YES, Attendance.MAYBE, Attendance.NO, None):
        names = [_with_deputy(t, person) for person in people if person.answer is attendance]
        lines += ["", bold(t.plural(*ANSWER_HEADINGS[attendance], len(names)))]
        lines += [f"• {html(name)}" for name in names]
    return split_lines(lines)


def _with_deputy(t: Translator, person: Attendee) -> str:
    """A name in the attendance, with the organisation and, where one was named, the deputy."""
    name = listed(person.name, person.organisation)
    if person.deputy is None:
        return name
    return t("{name} – deputy: {deputy}", name=name, deputy=deputy_text(person.deputy))


def deputy_text(deputy: Deputy) -> str:
    return listed(deputy.name, deputy.organisation)


def split_lines(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    parts: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if parts[-1] and size + len(line) + 1 > limit:
            parts.append([])
            size = 0
        parts[-1].append(line[:limit])
        size += len(line) + 1
    return ["\n".join(part) for part in parts]


def attendance_table(t: Translator, people: list[Attendee], *, with_ids: bool) -> tuple[list[str], list[list]]:
    """The header and rows of the attendance export, in the reader's language."""
    header = [t("Name"), t("Organisation"), t("Answer"), t("Deputy"), t("Answered on")]
    rows = [[person.name, person.organisation, t(ANSWER_LABELS[person.answer]) if person.answer else
             t("no answer yet"), deputy_text(person.deputy) if person.deputy else None, person.answered_at]
            for person in people]
    if with_ids:
        header.append(t("Telegram ID"))
        for row, person in zip(rows, people):
            row.append(person.user_id)
    return header, rows


async def cancel_pressed(update: Update, context: BotContext, meeting: Meeting, action: str) -> None:
    t, now = context.t, context.now()
    if meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= now:
        await acknowledge(update, t("This meeting can no longer be cancelled."), alert=True)
        return
    if action == "cancel":
        await acknowledge(update)
        rows = [[(t("Yes, cancel this meeting"), MANAGE.data(meeting=meeting.id, action="cancelone"))]]
        if meeting.series_id is not None:
            rows.append([(t("Cancel this and all later ones of the series"),
                          MANAGE.data(meeting=meeting.id, action="cancelall"))])
        rows.append([(t("No"), MANAGE.data(meeting=meeting.id, action="card"))])
        question = t("Cancel “{title}” on {date}? Everyone who has not declined is told and gets a calendar "
                     "cancellation.", title=meeting.title,
                     date=format_datetime(meeting.starts_at, context.settings.timezone, context.language))
        await respond(update, html(question), keyboard(rows), edit=True)
        return
    async with context.db.begin() as session:
        fresh = await store.get(session, meeting.id)
        if fresh is None or fresh.status is MeetingStatus.CANCELLED:
            gone = []
        else:
            gone = await store.cancel(session, await store.series_from(session, fresh) if action == "cancelall"
                                      else [fresh], now)
            # One message for a whole series, with one calendar file that removes every date of it.
            views = [MeetingView.of(m).to_payload() for m in gone]
            if gone:
                await store.notify(session, gone[0], {"event": "cancelled", "meeting": views[0], "also": views[1:]},
                                   now, without_declined=True, leave_out=update.effective_user.id,
                                   concerned=[m.id for m in gone])
    if not gone:
        await acknowledge(update, t("This meeting can no longer be cancelled."), alert=True)
        return
    await acknowledge(update)
    for cancelled in gone:
        reminders.unschedule(context.application, cancelled.id)
    log.info("User %s cancelled meeting(s) %s", who(update.effective_user.id), [m.id for m in gone])
    await respond(update, html(t.plural("Cancelled: {count} meeting. Everyone is being told.",
                                        "Cancelled: {count} meetings. Everyone is being told.", len(gone))),
                  edit=True)
    context.services.wake_sender()


# ---- how the delivery engine's meeting messages look ----

CHANGE_NAMES = {"starts_at": N_("Date and time"), "place": N_("Place"), "title": N_("Title")}


class MeetingRenderer:
    """Renders reminders and meeting notices in the recipient's language as the meeting is when the
    notice goes out: a notice may wait in the outbox (Telegram's rate limit holds a big council's
    back) while the meeting is edited again, and must not send people to the old place or time."""

    def __init__(self, settings: Settings, db: Database,
                 clock=lambda: datetime.now(timezone.utc)) -> None:  # type: ignore[no-untyped-def]
        self._zone = settings.timezone
        self._db = db
        self._clock = clock

    async def __call__(self, row: DueRow, t: Translator) -> Content:
        payload = row.payload or {}
        queued = MeetingView.from_payload(payload["meeting"])
        event = payload.get("event")
        if row.kind is DeliveryKind.REMINDER:
            view = await self._now(queued)
            # Moved since: the new time has reminders of its own (handlers.meetings.reminders.schedule).
            if view.starts_at != queued.starts_at:
                raise Withdrawn("the meeting has moved since the reminder was queued")
            left = _rounded(view.starts_at - self._clock())
            heading = "🔔 " + t("Reminder: the meeting begins in {time}.", time=spoken_duration(t, left))
            return Content(meeting_text(t, view, self._zone, heading=heading),
                           keyboard(rsvp_rows(t, view.id, "note")))
        if event == "invite":
            heading = "📨 " + (t("Invitation to a meeting of “{group}”. Will you come?", group=payload["group"])
                              if payload.get("group") else t("Invitation to a meeting of the council. Will you come?"))
            if payload.get("dates", 1) > 1:  # a series: one answer for all its dates, or each on its own
                view, dates = await self._series_now(queued)
                heading += "\n" + t.plural("Your answer counts for its {count} date; you can change single ones.",
                                           "Your answer counts for all its {count} dates; you can change single ones.",
                                           dates)
                rows = series_rows(t, queued.id, dates, "note")
            else:
                view = await self._now(queued)
                rows = rsvp_rows(t, view.id, "note")
            if view.agenda_file_id:
                # The agenda file goes with the invitation; its caption has room for the essentials only.
                text = meeting_text(t, view, self._zone, heading=heading, agenda=False)
                return Content(text + "\n" + html(t("The agenda is attached.")), keyboard(rows),
                               document=view.agenda_file_id)
            return Content(meeting_text(t, view, self._zone, heading=heading), keyboard(rows))
        if event == "changed":
            view = await self._now(queued)
            # Each change from what it was to what it is now: edited again since, the later value is the one.
            changes = [(name, before, _value(view, name)) for name, (before, _) in payload["changes"].items()]
            changes = [(name, before, after) for name, before, after in changes if not _same(name, before, after)]
            if not changes:
                raise Withdrawn("the change has been undone since the notice was queued")
            lines = [html(t("{what}: {before} → {after}", what=t(CHANGE_NAMES[name]),
                            before=self._shown(name, before, t), after=self._shown(name, after, t)))
                     for name, before, after in changes]
            heading = "✏️ " + t("A meeting has changed:")
            if payload.get("later"):
                heading += "\n" + t.plural("So have the {count} later date of the series.",
                                           "So have the {count} later dates of the series.", payload["later"])
            text = meeting_text(t, view, self._zone, heading=heading, agenda=False)
            return Content(text + "\n\n" + "\n".join(lines), keyboard(rsvp_rows(t, view.id, "note")))
        # A cancellation and minutes tell of what was at that moment.
        when = format_datetime(queued.starts_at, self._zone, t.language)
        if event == "cancelled":
            views = [queued] + [MeetingView.from_payload(p) for p in payload.get("also", [])]
            entries = [calendar_entry(v, cancelled=True) for v in views]
            caption = "🚫 " + html(t("Cancelled: “{title}” on {date}. The file removes it from your calendar.",
                                     title=queued.title, date=when))
            if len(views) > 1:
                caption += "\n" + html(t.plural("Also cancelled: {count} later meeting of the series.",
                                                "Also cancelled: {count} later meetings of the series.",
                                                len(views) - 1))
            return Content(caption, document=calendar.ics(entries, self._zone, self._clock()),
                           filename=calendar.filename(entries[0]))
        caption = "📄 " + html(t("Minutes of “{title}” on {date}", title=queued.title, date=when))
        return Content(caption, document=payload["file_id"])

    async def _now(self, queued: MeetingView) -> MeetingView:
        """The meeting as it is now; a cancelled one's invitations, changes and reminders do not go
        out (its cancellation does)."""
        async with self._db.begin() as session:
            meeting = await store.get(session, queued.id)
        if meeting is None:  # meetings are not deleted; a row of one gone would be gone with it
            return queued
        if meeting.status is not MeetingStatus.SCHEDULED:
            raise Withdrawn(f"meeting {meeting.id} has been cancelled")
        return MeetingView.of(meeting)

    async def _series_now(self, queued: MeetingView) -> tuple[MeetingView, int]:
        """A series' next date as it is now, and how many upcoming dates it has; cancelled as a
        whole, its invitation does not go out."""
        async with self._db.begin() as session:
            dates = await store.series_dates(session, queued.id, self._clock())
        if not dates:
            raise Withdrawn(f"series {queued.id} has no upcoming dates")
        return MeetingView.of(dates[0]), len(dates)

    def _shown(self, name: str, value: str, t: Translator) -> str:
        return shown_time(value, self._zone, t.language) if name == "starts_at" else value


def shown_time(value: str, zone: ZoneInfo, language: str) -> str:
    """A meeting's time as a change keeps it: "start/end", or the start alone (changes queued before
    meetings had an end)."""
    start, _, end = value.partition("/")
    return format_span(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None, zone, language)


def _value(view: MeetingView, name: str) -> str:
    """A field's value as a change notice keeps it: the time as "start/end"."""
    return f"{view.starts_at.isoformat()}/{view.ends_at.isoformat()}" if name == "starts_at" else getattr(view, name)


def _same(name: str, before: str, after: str) -> bool:
    if name != "starts_at":
        return before == after
    # Times compare as moments: the draft keeps the local offset, the database gives UTC.
    start, _, end = before.partition("/")
    now_start, _, now_end = after.partition("/")
    return (datetime.fromisoformat(start) == datetime.fromisoformat(now_start)
            and (not end or datetime.fromisoformat(end) == datetime.fromisoformat(now_end)))


def _rounded(left: timedelta) -> timedelta:
    """Time left as people say it: whole minutes, whole hours from two hours on."""
    seconds = max(int(left.total_seconds()), 60)
    unit = 3600 if seconds >= 2 * 3600 else 60
    return timedelta(seconds=round(seconds / unit) * unit)


HANDLERS = [
    CommandHandler("meetings", meetings_command),
    CallbackQueryHandler(list_pressed, pattern=LIST.pattern),
    CallbackQueryHandler(rsvp_pressed, pattern=RSVP.pattern),
    CallbackQueryHandler(calendar_pressed, pattern=CALENDAR.pattern),
    CallbackQueryHandler(agenda_pressed, pattern=AGENDA.pattern),
    CallbackQueryHandler(manage_pressed, pattern=MANAGE.pattern),
    CallbackQueryHandler(meetings_from_menu, pattern=MEMBER_MENU.matching(item="meetings")),
]
# Managing is also for a group's leads (their group's meetings): may_lead() checks each press.
REQUIRED_ROLES = {
    "/meetings": Role.MEMBER,
    LIST.prefix: Role.MEMBER,
    RSVP.prefix: Role.MEMBER,
    CALENDAR.prefix: Role.MEMBER,
    AGENDA.prefix: Role.MEMBER,
    MANAGE.prefix: Role.MEMBER,
}
MENU_ENTRIES = [MenuEntry(N_("Meetings"), MEMBER_MENU.data(item="meetings"), MEMBERS, (1, 0))]
