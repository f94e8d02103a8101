"""Deadline reminders for applicants: asked for from a check's result ("Remind me of the deadline"),
listed and stopped with /reminders or the Stop button under the confirmation and each reminder.

Each reminder has one job on the JobQueue, for its next lead time; the database is the truth. At
start every reminder of a deadline not passed is planned again (bot.rules.reminders decides what is
due); a job writes the outbox row in one transaction with the mark that the lead time is dealt with
(storage.deadlines.remind), so none is sent twice, also not across restarts."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.lists import format_list
from telegram import Update
from telegram.ext import Application, CallbackContext, CallbackQueryHandler, CommandHandler, Job

from bot.content import Content as BotContent
from bot.i18n import Translator
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext, Services
from bot.ptb.keyboards import keyboard
from bot.rules.dates import Due, due_text
from bot.rules.eligibility import Answers, check
from bot.rules.outline import long_date
from bot.rules.reminders import applying, days_left, plan_deadline
from handlers.common.buttons import MENU
from handlers.common.outbox import Content
from handlers.common.respond import acknowledge, replace_buttons, respond
from handlers.common.text import bold, html
from storage import deadlines
from storage.deadlines import Reminding
from storage.models import EligibilityCheck
from storage.outbox import DueRow

log = logging.getLogger(__name__)

STOP = Callback("ddl", reminder=ROW_ID)
# Every job runs however late the loop gets to it: fire() decides what is due.
JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True}
RETRY = timedelta(seconds=30)


def _services(application: Application) -> Services:
    return application.bot_data["services"]


def _job_name(reminder_id: int) -> str:
    return f"deadline:{reminder_id}"


def _today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def _plan_next(application: Application, reminder: Reminding, now: datetime) -> datetime | None:
    """Plans the reminder's next job: now if a lead time's time has come, else at the next one.
    Returns when, None when nothing is left."""
    settings = _services(application).settings
    for job in application.job_queue.get_jobs_by_name(_job_name(reminder.id)):
        job.schedule_removal()
    left = plan_deadline(reminder.deadline, settings.deadline_reminder_offsets, reminder.reminded, settings.timezone,
                         now)
    if left.now is not None:
        when = now + timedelta(milliseconds=10)  # a job set in the past would count as missed
    elif left.later:
        when = left.later[0][1]
    else:
        return None
    application.job_queue.run_once(fire, when, data=reminder.id, name=_job_name(reminder.id), job_kwargs=JOB_OPTIONS)
    return when


async def rebuild(application: Application) -> int:
    """Plans every reminder of a deadline not passed; returns how many."""
    services = _services(application)
    now = datetime.now(services.settings.timezone)
    async with services.db.read() as session:
        upcoming = await deadlines.upcoming(session, _today(now, services.settings.timezone))
    planned = sum(_plan_next(application, reminder, now) is not None for reminder in upcoming)
    log.info("Deadline reminders planned: %d", planned)
    return planned


async def fire(context: CallbackContext) -> None:
    job: Job = context.job  # type: ignore[assignment]
    reminder_id: int = job.data  # type: ignore[assignment]
    services = _services(context.application)
    settings = services.settings
    now = datetime.now(settings.timezone)
    try:
        async with services.db.begin() as session:
            reminder = await deadlines.get(session, reminder_id)
            if reminder is None:  # stopped, or its owner erased
                return
            due = plan_deadline(reminder.deadline, settings.deadline_reminder_offsets, reminder.reminded,
                                settings.timezone, now).now
            sent = due is not None and await deadlines.remind(session, reminder, due, now, {
                "reminder": reminder.id, "programme": reminder.programme, "deadline": reminder.deadline.isoformat()})
    except Exception:  # the database away for a moment: nothing was written, so try again soon
        log.exception("Deadline reminder %s failed; trying again in %s", reminder_id, RETRY)
        context.application.job_queue.run_once(fire, RETRY, data=reminder_id, name=job.name, job_kwargs=JOB_OPTIONS)
        return
    if sent:
        log.info("Deadline reminder %s: %s before %s", reminder_id, due, reminder.deadline)
        services.wake_sender()
        reminder = Reminding(reminder.id, reminder.user_id, reminder.programme, reminder.deadline, due)
    _plan_next(context.application, reminder, now)  # the next lead time, or a clock set back


def deadline_sentence(t: Translator, programme: str, deadline: date, today: date) -> str:
    """"The application deadline for … is Friday, 29 January 2027, in 14 days." As the check says a
    deadline: "today"/"tomorrow" when near, and the advice for one on a weekend or public holiday."""
    due = due_text(t, Due(deadline, today))
    days = days_left(deadline, today)
    if days <= 1:  # due_text says "today" or "tomorrow"
        return t("The application deadline for “{programme}” is {due}.", programme=programme, due=due)
    return t.plural("The application deadline for “{programme}” is {due}, in {count} day.",
                    "The application deadline for “{programme}” is {due}, in {count} days.", days,
                    programme=programme, due=due)


class DeadlineRenderer:
    """The reminder as the applicant gets it, with the days left counted when it goes out."""

    def __init__(self, content: BotContent, zone: ZoneInfo) -> None:
        self.content, self.zone = content, zone

    async def __call__(self, row: DueRow, t: Translator) -> Content:
        payload = row.payload or {}
        programme = self.content.programmes[payload["programme"]]
        deadline = date.fromisoformat(payload["deadline"])
        today = _today(datetime.now(self.zone), self.zone)
        text = ("⏰ " + bold(t("Reminder: application deadline")) + "\n"
                + html(deadline_sentence(t, programme.name.in_(t.language), deadline, today))
                + "\n\n" + html(programme.how_to_apply.in_(t.language)))
        return Content(text, keyboard([[(t("Stop this reminder"), STOP.data(reminder=payload["reminder"]))]]))


async def offer_reminder(update: Update, context: BotContext, stored: EligibilityCheck) -> None:
    """From a check's result: a reminder of each deadline ahead, with its dates and a Stop button.
    The deadlines are those of today: a result looked at again later may have others."""
    t, zone, user_id = context.t, context.settings.timezone, update.effective_user.id
    now = context.now()
    today = _today(now, zone)
    answers = Answers.stored(stored.answers)
    lines, rows = [], []
    for key, deadline in applying(check(answers, context.content, today), today):
        name = context.content.programmes[key].name.in_(t.language)
        ahead = plan_deadline(deadline, context.settings.deadline_reminder_offsets, None, zone, now)
        if not ahead.later:
            lines.append(html(t("“{programme}”: the deadline is {date}, too close for a reminder.", programme=name,
                                date=long_date(deadline, t.language))))
            continue
        async with context.db.begin() as session:
            # The lead times already passed are not sent late: they count as dealt with.
            added = await deadlines.add(session, user_id, key, deadline, now, ahead.now)
            reminder = added or next(r for r in await deadlines.of_user(session, user_id, today)
                                     if r.programme == key and r.deadline == deadline)
        if added is not None:
            _plan_next(context.application, added, now)
            log.info("Deadline reminder %s set for %s", added.id, deadline)
        days = format_list([long_date(when.date(), t.language) for _, when in ahead.later], locale=t.language)
        lines.append(html(t("“{programme}”: the deadline is {date}. I will remind you on {days}.", programme=name,
                            date=long_date(deadline, t.language), days=days)
                          if added else t("“{programme}”: you are reminded of the deadline on {date} already.",
                                          programme=name, date=long_date(deadline, t.language))))
        rows.append([(t("Stop the reminder: {date}", date=long_date(deadline, t.language)),
                      STOP.data(reminder=reminder.id))])
    if not lines:
        lines.append(html(t("There is no deadline ahead to remind you of.")))
    elif rows:
        lines.append(html(t("/reminders lists your reminders.")))
    await respond(update, bold(t("Deadline reminders")) + "\n" + "\n".join(lines), keyboard(rows) if rows else None)


async def list_reminders(update: Update, context: BotContext) -> None:
    """/reminders: the person's deadline reminders, each with a Stop button."""
    t, zone = context.t, context.settings.timezone
    async with context.db.read() as session:
        mine = await deadlines.of_user(session, update.effective_user.id, _today(context.now(), zone))
    if not mine:
        await respond(update, html(t("You have no deadline reminders. The result of /check offers one when a "
                                     "deadline lies ahead.")))
        return
    lines = [bold(t("Deadline reminders"))]
    rows = []
    for reminder in mine:
        day = long_date(reminder.deadline, t.language)
        lines.append("• " + html(t("{date}: {programme}", date=day,
                                   programme=context.content.programmes[reminder.programme].name.in_(t.language))))
        rows.append([(t("Stop the reminder: {date}", date=day), STOP.data(reminder=reminder.id))])
    await respond(update, "\n".join(lines), keyboard(rows))


async def list_from_button(update: Update, context: BotContext) -> None:
    """The button in /settings, shown to whoever has a reminder."""
    await acknowledge(update)
    await list_reminders(update, context)


async def stop_pressed(update: Update, context: BotContext) -> None:
    reminder_id = int(context.match["reminder"])
    async with context.db.begin() as session:
        stopped = await deadlines.stop(session, reminder_id, update.effective_user.id)
    if stopped is None:  # stopped before, not theirs, or forged
        await acknowledge(update, context.t("This reminder is stopped already."), alert=True)
        return
    for job in context.application.job_queue.get_jobs_by_name(_job_name(reminder_id)):
        job.schedule_removal()
    log.info("Deadline reminder %s stopped", reminder_id)
    await acknowledge(update, context.t("Stopped: no more reminders of the deadline on {date}.",
                                        date=long_date(stopped.deadline, context.language)), alert=True)
    # The pressed Stop goes; the others of the list stay.
    query = update.callback_query
    shown = query.message.reply_markup if query.message is not None else None
    rows = [[(button.text, str(button.callback_data)) for button in row if button.callback_data != query.data]
            for row in (shown.inline_keyboard if shown else ())]
    await replace_buttons(update, keyboard([row for row in rows if row]))


HANDLERS = [CommandHandler("reminders", list_reminders), CallbackQueryHandler(stop_pressed, pattern=STOP.pattern),
            CallbackQueryHandler(list_from_button, pattern=MENU.matching(item="reminders"))]
REQUIRED_ROLES: dict = {}
