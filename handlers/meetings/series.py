"""A series as a whole, from its entry in /meetings or its invitation: one answer for all its upcoming
dates, its dates one by one (each with its own answer, and for those who manage it Edit and Cancel,
for this date or this and all later ones), and all of them in one calendar file."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from bot.pseudonym import who
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules import calendar
from handlers.common.respond import acknowledge, redraw, respond
from handlers.common.text import html
from handlers.meetings.overview import (
    ANSWER_LABELS,
    PAGE_SIZE,
    SERIES_CALENDAR,
    SERIES_DATES,
    SERIES_RSVP,
    calendar_entry,
    card,
    series_card,
)
from storage import meetings as store
from storage import permissions
from storage.models import Attendance, Meeting, Role

log = logging.getLogger(__name__)


async def _dates(update: Update, context: BotContext) -> list[Meeting] | None:
    """The pressed series' upcoming dates, if it is one of the user's (or one they manage); else says why not."""
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        dates = await store.series_dates(session, int(context.match["series"]), context.now())
        mine = bool(dates) and (await store.is_for(session, dates[0].id, user_id)
                                or await permissions.may_act(session, user_id, dates[0].group_id))
    if not dates:
        await acknowledge(update, context.t("This series has no upcoming dates any more."), alert=True)
        return None
    if not mine:
        await acknowledge(update, context.t("This meeting is not one of yours."), alert=True)
        return None
    return dates


async def answer_all(update: Update, context: BotContext) -> None:
    """One answer for every upcoming date of the series; the pressed entry or invitation is drawn again."""
    t, now, user_id = context.t, context.now(), update.effective_user.id
    attendance = Attendance(context.match["answer"])
    async with context.db.begin() as session:
        dates = await store.series_dates(session, int(context.match["series"]), now)
        mine = bool(dates) and await store.is_for(session, dates[0].id, user_id)
        if mine:
            for meeting in dates:
                await store.answer(session, meeting.id, user_id, attendance, now)
            answers = await store.answers_of(session, user_id, [m.id for m in dates])
    if not dates:
        await acknowledge(update, t("This series has no upcoming dates any more."), alert=True)
        return
    if not mine:
        await acknowledge(update, t("This meeting is not one of yours."), alert=True)
        return
    log.info("User %s answered %s for %d dates of series %s", who(user_id), attendance.value, len(dates),
             context.match["series"])
    await acknowledge(update, t.plural("Saved for {count} date: {answer}", "Saved for {count} dates: {answer}",
                                       len(dates), answer=t(ANSWER_LABELS[attendance])))
    text, markup = series_card(t, dates, context.settings.timezone, answers=answers, on=context.match["on"])
    await redraw(update, text, markup)


async def dates_pressed(update: Update, context: BotContext) -> None:
    """The series' dates as cards, a page at a time."""
    t, user_id = context.t, update.effective_user.id
    dates = await _dates(update, context)
    if dates is None:
        return
    await acknowledge(update)
    page = int(context.match["page"])
    shown = dates[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    ids = [m.id for m in shown]
    async with context.db.begin() as session:
        answers = await store.answers_of(session, user_id, ids)
        deputies = await store.deputies_of(session, user_id, ids)
        numbers = await store.counts(session, ids)
        manager = await permissions.may_act(session, user_id, dates[0].group_id)
    for meeting in shown:
        await respond(update, *card(t, meeting, context.settings.timezone, answer=answers.get(meeting.id),
                                    counts=numbers[meeting.id], manager=manager, now=context.now(),
                                    deputy=deputies.get(meeting.id)))
    if (page + 1) * PAGE_SIZE < len(dates):
        series_id = int(context.match["series"])
        await respond(update, html(t("More dates of the series:")),
                      keyboard([[(t("More »"), SERIES_DATES.data(series=series_id, page=page + 1))]]))


async def calendar_pressed(update: Update, context: BotContext) -> None:
    """Every upcoming date of the series in one calendar file."""
    dates = await _dates(update, context)
    if dates is None:
        return
    await acknowledge(update)
    entries = [calendar_entry(meeting) for meeting in dates]
    await update.effective_chat.send_document(
        calendar.ics(entries, context.settings.timezone, context.now()),
        filename=f"kpr-sitzungsreihe-{context.match['series']}.ics",
        caption=html(context.t.plural("Open the file to add the {count} date of “{title}” to your calendar.",
                                      "Open the file to add the {count} dates of “{title}” to your calendar.",
                                      len(dates), title=dates[0].title)),
        parse_mode=ParseMode.HTML)


HANDLERS = [
    CallbackQueryHandler(answer_all, pattern=SERIES_RSVP.pattern),
    CallbackQueryHandler(dates_pressed, pattern=SERIES_DATES.pattern),
    CallbackQueryHandler(calendar_pressed, pattern=SERIES_CALENDAR.pattern),
]
# A group's series are for its members only: each press checks that the series is one of the person's.
REQUIRED_ROLES = {SERIES_RSVP.prefix: Role.MEMBER, SERIES_DATES.prefix: Role.MEMBER,
                  SERIES_CALENDAR.prefix: Role.MEMBER}
