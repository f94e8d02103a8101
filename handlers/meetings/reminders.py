"""Reminders on the JobQueue. The database is the truth: at start every reminder of every upcoming
meeting that has not been dealt with is planned again (bot.rules.reminders decides on time, late or
skipped); a job only writes rows to the outbox, in one transaction with the mark that the reminder
is dealt with, so none is ever sent twice, also not across restarts."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from telegram.ext import Application, CallbackContext, Job

from bot.ptb.context import Services
from bot.rules.reminders import Decision, Reminder, decide, outstanding, reminders_of
from handlers.meetings.view import MeetingView
from storage import meetings, reminders
from storage.models import MeetingStatus

log = logging.getLogger(__name__)

# Every reminder's job runs however late the loop gets to it: fire() decides on time, late or skipped.
JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True}
RETRY = timedelta(seconds=30)


def _job_name(meeting_id: int, offset: timedelta) -> str:
    return f"reminder:{meeting_id}:{int(offset.total_seconds())}"


def _services(application: Application) -> Services:
    return application.bot_data["services"]


def _plan(application: Application, reminder: Reminder, now: datetime) -> None:
    # A job set in the past would count as missed: what is due already runs in a moment.
    when = max(reminder.due_at, now + timedelta(milliseconds=10))
    application.job_queue.run_once(fire, when, data=reminder, name=_job_name(reminder.meeting_id, reminder.offset),
                                   job_kwargs=JOB_OPTIONS)


async def rebuild(application: Application) -> int:
    """Plans every reminder of the upcoming meetings that has not been dealt with; returns how many."""
    services = _services(application)
    started = time.monotonic()
    now = datetime.now(tz=services.settings.timezone)
    async with services.db.begin() as session:
        upcoming = await reminders.upcoming(session, now)
        done = await reminders.dealt_with(session, now)
    planned = outstanding(upcoming, services.settings.reminder_offsets, done)
    for reminder in planned:
        _plan(application, reminder, now)
    log.info("Reminders planned: %d for %d upcoming meeting(s) in %.0f ms", len(planned), len(upcoming),
             (time.monotonic() - started) * 1000)
    return len(planned)


def unschedule(application: Application, meeting_id: int) -> None:
    for offset in _services(application).settings.reminder_offsets:
        for job in application.job_queue.get_jobs_by_name(_job_name(meeting_id, offset)):
            job.schedule_removal()


async def schedule(application: Application, meeting: MeetingView) -> None:
    """(Re)plans a meeting's reminders after it was created or moved. A reminder whose time had
    passed already when the meeting was planned is recorded as skipped: "late" is for a bot that
    was down, not for a meeting set up at short notice."""
    services = _services(application)
    unschedule(application, meeting.id)
    now = datetime.now(tz=meeting.starts_at.tzinfo)
    for reminder in reminders_of(meeting.id, meeting.starts_at, services.settings.reminder_offsets):
        if reminder.due_at > now:
            _plan(application, reminder, now)
            continue
        async with services.db.begin() as session:
            await reminders.deal_with(session, reminder, Decision.SKIP, now, {"meeting": meeting.to_payload()})


async def fire(context: CallbackContext) -> None:
    job: Job = context.job  # type: ignore[assignment]
    reminder: Reminder = job.data  # type: ignore[assignment]
    services = _services(context.application)
    now = datetime.now(tz=reminder.starts_at.tzinfo)
    decision = decide(reminder, now, services.settings.reminder_grace)
    if decision is Decision.WAIT:  # the clock was set back: not yet
        _plan(context.application, reminder, now)
        return
    try:
        async with services.db.begin() as session:
            meeting = await meetings.get(session, reminder.meeting_id)
            # A meeting cancelled or moved since this job was planned has other reminders, or none.
            if meeting is None or meeting.status is not MeetingStatus.SCHEDULED \
                    or meeting.starts_at != reminder.starts_at:
                return
            written = await reminders.deal_with(session, reminder, decision, now,
                                                {"meeting": MeetingView.of(meeting).to_payload()})
    except Exception:  # the database away for a moment: nothing was written, so try again soon
        log.exception("Reminder %s before meeting %s failed; trying again in %s", reminder.offset,
                      reminder.meeting_id, RETRY)
        context.application.job_queue.run_once(fire, RETRY, data=reminder, name=job.name, job_kwargs=JOB_OPTIONS)
        return
    if written is None:
        return
    log.info("Reminder %s before meeting %s: %s, %d recipient(s)", reminder.offset, reminder.meeting_id,
             decision.value, written)
    if decision is not Decision.SKIP:
        services.wake_sender()
