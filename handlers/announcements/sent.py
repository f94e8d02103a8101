"""After sending: progress and the final report, /broadcasts with acknowledgements and reminders,
and the recipients' "Acknowledged" button."""
from __future__ import annotations

import logging
from collections import Counter

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import COORDINATORS, MenuEntry
from bot.i18n import N_, Translator, translator
from bot.pseudonym import who
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.spreadsheet import xlsx_bytes
from bot.rules.dates import format_datetime
from handlers.announcements.callbacks import CANCEL, DETAILS, EDIT, EDIT_BACK, REMIND, SEND_NOW
from handlers.announcements.compose import audience_name
from handlers.announcements.scheduled import managed
from handlers.common.buttons import COORDINATOR_MENU
from handlers.common.outbox import ACKNOWLEDGE, Content
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html, snippet
from storage import broadcasts, groups, meetings, outbox, users
from storage.db import Database
from storage.models import Audience, BroadcastStatus, DeliveryStatus, Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 3.0  # seconds between edits of a coordinator's progress message
MAX_REASONS = 5  # kinds of failure named in the final report; the CSV has every one

STATUS_NAMES = {
    BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.SENDING: N_("sending"),
    BroadcastStatus.DONE: N_("sent"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
}


def progress_text(t: Translator, counts: dict[DeliveryStatus, int], *, final: bool, late: bool,
                  reasons: Counter[str] | None = None) -> str:
    """The author's view of a broadcast: counts while it goes out, and at the end why some failed."""
    lines = [bold(t("Announcement sent.") if final else t("Sending the announcement…"))]
    lines.append(html(t("Delivered: {count}", count=counts[DeliveryStatus.SENT])))
    lines.append(html(t("Unreachable (blocked the bot): {count}", count=counts[DeliveryStatus.UNREACHABLE])))
    lines.append(html(t("Failed: {count}", count=counts[DeliveryStatus.FAILED])))
    # Telegram's own words for why: the coordinator can look them up or pass them on.
    lines += [f"  – {html(reason)} ({n})" for reason, n in (reasons or Counter()).most_common(MAX_REASONS)]
    if not final:
        lines.append(html(t("Still to send: {count}", count=counts[DeliveryStatus.PENDING])))
    if final and not any(counts.values()):  # a scheduled one whose audience emptied before its time
        lines.append(html(t("Nobody in the audience could be reached when it was due.")))
    if late:
        lines.append(html(t("It went out late: the bot was not running at the planned time.")))
    return "\n".join(lines)


async def report_progress(context: BotContext) -> None:
    """Runs every few seconds: edits each running broadcast's progress message; once nothing is left
    to send, marks it done, shows the author the final counts and queues the list of who was not
    reached (a message of its own, so through the outbox). Everything is derived from the outbox, so
    a restart in between loses no report.

    The progress message itself is edited directly, best effort: it is the author's view of their own
    action, replaced by the next look a few seconds later, so pacing or retrying an old one serves
    nobody."""
    shown: dict[int, str] = context.bot_data.setdefault("progress_texts", {})
    async with context.db.begin() as session:
        running = await broadcasts.to_report(session)
        counts = {b.id: await outbox.counts(session, b.id) for b in running}
    for broadcast in running:
        numbers = counts[broadcast.id]
        final = numbers[DeliveryStatus.PENDING] == 0
        problems = []
        if final:
            async with context.db.begin() as session:
                await broadcasts.finish(session, broadcast.id, context.now())
                problems = await outbox.problems(session, broadcast.id)
                if problems:
                    await broadcasts.send_report(session, broadcast, context.now())
            if problems:
                context.services.wake_sender()
        t = translator(broadcast.progress_language or context.settings.default_language)
        reasons = Counter(p.reason or "?" for p in problems if p.status is DeliveryStatus.FAILED)
        text = progress_text(t, numbers, final=final, late=broadcast.late, reasons=reasons)
        if broadcast.progress_chat_id is not None and shown.get(broadcast.id) != text:
            shown[broadcast.id] = text
            await _show_progress(context, broadcast.progress_chat_id, broadcast.progress_message_id, text)
        if final:
            shown.pop(broadcast.id, None)
            async with context.db.begin() as session:
                await broadcasts.reported(session, broadcast.id, context.now())
            log.info("Broadcast %s finished: %s", broadcast.id, {k.value: v for k, v in numbers.items() if v})


async def _show_progress(context: BotContext, chat_id: int, message_id: int | None, text: str) -> None:
    try:
        if message_id is not None:
            await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode="HTML")
        else:
            await context.bot.send_message(chat_id, text, parse_mode="HTML")
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            # The message may be gone (deleted by the coordinator): report in a new one instead.
            try:
                await context.bot.send_message(chat_id, text, parse_mode="HTML")
            except TelegramError as second:
                log.warning("Could not report progress to chat %s: %s", who(chat_id), second)
    except TelegramError as error:
        log.warning("Could not report progress to chat %s: %s", who(chat_id), error)


_NOT_REACHED = {DeliveryStatus.UNREACHABLE: N_("blocked the bot"), DeliveryStatus.FAILED: N_("failed")}


class ReportRenderer:
    """The list of an announcement's recipients not reached, for its author, as it stands when it is sent."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def __call__(self, row: DueRow, t: Translator) -> Content:
        broadcast_id = (row.payload or {})["broadcast"]
        async with self._db.begin() as session:
            problems = await outbox.problems(session, broadcast_id)
            author = await users.get(session, row.chat_id)
        caption = t.plural("{count} recipient was not reached; the list is attached.",
                           "{count} recipients were not reached; the list is attached.", len(problems))
        # Telegram ids only for a coordinator, who may need them to find someone; a group's lead gets names.
        with_ids = author is not None and author.role is Role.COORDINATOR
        table = [(p.name, t(_NOT_REACHED[p.status]), p.reason, *((p.chat_id,) if with_ids else ()))
                 for p in problems]
        header = [t("Name"), t("Status"), t("Reason"), *((t("Telegram ID"),) if with_ids else ())]
        return Content(html(caption), document=xlsx_bytes(t("Not reached"), header, table),
                       filename=t("announcement-{id}-not-reached.xlsx", id=broadcast_id))


@coordinators_only
async def recent_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await list_recent(update, context)


@coordinators_only
async def list_recent(update: Update, context: BotContext) -> None:
    t = context.t
    async with context.db.begin() as session:
        recent = await broadcasts.recent(session)
        numbers = await outbox.counts_for(session, [b.id for b in recent])
    if not recent:
        await respond(update, html(t("No announcements yet. Write one with /broadcast.")))
        return
    lines = [bold(t("Recent announcements"))]
    rows = []
    for b in recent:
        n = numbers.get(b.id, {"sent": 0, "failed": 0, "open": 0})
        when = format_datetime(b.send_at, context.settings.timezone, context.language)
        lines.append(f"\n<b>#{b.id}</b> {html(when)} – {html(t(STATUS_NAMES[b.status]))}\n"
                     f"{html(snippet(b.text))}\n"
                     + html(t("{sent} delivered, {failed} not reached, {open} to send", **n)))
        rows.append([(t("Details #{id}", id=b.id), DETAILS.data(broadcast=b.id))])
    await respond(update, "\n".join(lines), keyboard(rows))


async def details(update: Update, context: BotContext) -> None:
    """One announcement's card: for coordinators, and for a group's leads if it is to their group."""
    t = context.t
    broadcast_id = int(context.match["broadcast"])
    allowed, b = await managed(update, context, broadcast_id)
    if not allowed:
        return
    async with context.db.begin() as session:
        counts = await outbox.counts(session, broadcast_id) if b else {}
        acked = await broadcasts.acknowledged_by(session, broadcast_id) if b else []
        meeting = await meetings.get(session, b.meeting_id) if b and b.meeting_id else None
        group = await groups.get(session, b.group_id) if b and b.group_id else None
    if b is None:
        await acknowledge(update, t("This announcement does not exist."), alert=True)
        return
    await acknowledge(update)
    lines = [
        bold(t("Announcement #{id}", id=b.id)),
        html(t("By {name}, to {audience}", name=b.author_name or t("someone who has erased their data"),
               audience=audience_name(t, b.audience, meeting.title if meeting else group.name if group else None))),
        html(t("Planned for {date}", date=format_datetime(b.send_at, context.settings.timezone, context.language))),
        html(t("Status: {status}", status=t(STATUS_NAMES[b.status]))),
        html(t("Delivered: {count}", count=counts[DeliveryStatus.SENT])),
        html(t("Unreachable (blocked the bot): {count}", count=counts[DeliveryStatus.UNREACHABLE])),
        html(t("Failed: {count}", count=counts[DeliveryStatus.FAILED])),
    ]
    rows = []
    if b.with_ack:
        lines.append(html(t.plural("{count} acknowledged", "{count} acknowledged", len(acked))))
        if acked:
            names = ", ".join(acked)
            lines.append(html(names if len(names) < 3000 else names[:3000] + "…"))
        # Reminding is the coordinators' (its button is refused to others): not offered to a lead.
        if (b.status is BroadcastStatus.DONE and counts[DeliveryStatus.SENT] > len(acked)
                and context.role is Role.COORDINATOR):
            rows.append([(t("Remind those who have not acknowledged"), REMIND.data(broadcast=b.id, confirmed=0))])
    if b.status is BroadcastStatus.SCHEDULED:
        rows.append([(t("Edit the text"), EDIT.data(broadcast=b.id)),
                     (t("Send it now"), SEND_NOW.data(broadcast=b.id, confirmed=0))])
        rows.append([(t("Cancel this announcement"), CANCEL.data(broadcast=b.id, confirmed=0))])
    await respond(update, "\n".join(lines), keyboard(rows))


async def cancel_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    broadcast_id = int(context.match["broadcast"])
    allowed, b = await managed(update, context, broadcast_id)
    if not allowed:
        return
    if context.match["confirmed"] == "0":
        await acknowledge(update)
        await respond(update, html(t("Cancel announcement #{id}? Nobody will get it.", id=broadcast_id)),
                      keyboard([[(t("Yes, cancel it"), CANCEL.data(broadcast=broadcast_id, confirmed=1)),
                                 (t("No"), DETAILS.data(broadcast=broadcast_id))]]), edit=True)
        return
    async with context.db.begin() as session:
        cancelled = await broadcasts.cancel(session, broadcast_id)
    if not cancelled:
        await acknowledge(update, t("Too late: this announcement is already being sent or was cancelled."), alert=True)
        return
    log.info("Broadcast %s cancelled by user %s", broadcast_id, who(update.effective_user.id))
    await acknowledge(update)
    await respond(update, html(t("Announcement #{id} is cancelled. Nobody got it.", id=broadcast_id)), edit=True)


@coordinators_only
async def remind_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    original_id = int(context.match["broadcast"])
    async with context.db.begin() as session:
        original = await broadcasts.get(session, original_id)
        missing = await broadcasts.audience_size(session, Audience.NOT_ACKNOWLEDGED, original_id,
                                                  author_id=update.effective_user.id) if original else 0
        running = await broadcasts.reminder_running(session, original_id)
    if original is None or original.status is not BroadcastStatus.DONE or running:
        # Still going out, or its reminder is: a second tap (or an old button) must not send it twice.
        await acknowledge(update, t("This announcement, or a reminder of it, is still being sent."), alert=True)
        return
    if missing == 0:
        await acknowledge(update, t("Everyone reached has acknowledged it."), alert=True)
        return
    await acknowledge(update)
    if context.match["confirmed"] == "0":
        await respond(update, html(t.plural("Send the announcement again to {count} person who has not acknowledged it?",
                                            "Send the announcement again to {count} people who have not acknowledged it?",
                                            missing)),
                      keyboard([[(t("Yes, remind them"), REMIND.data(broadcast=original_id, confirmed=1)),
                                 (t("No"), DETAILS.data(broadcast=original_id))]]), edit=True)
        return
    now = context.now()
    async with context.db.begin() as session:
        reminder = await broadcasts.create(
            session, author_id=update.effective_user.id, author_name=update.effective_user.full_name,
            audience=Audience.NOT_ACKNOWLEDGED, text=original.text, attachment_kind=original.attachment_kind,
            attachment_file_id=original.attachment_file_id, with_ack=True, send_at=now, now=now,
            progress_chat_id=update.effective_chat.id, progress_message_id=update.callback_query.message.message_id,
            language=context.language, reminder_of=original_id, group_id=original.group_id)
    log.info("Broadcast %s: reminder %s to %d people", original_id, reminder.id, reminder.recipients)
    await respond(update, html(t("Sending… I will update this message as it goes.")), edit=True)
    context.services.wake_sender()


async def acknowledged(update: Update, context: BotContext) -> None:
    """A recipient pressed "Acknowledged": counted once, and only from someone who got it."""
    t = context.t
    broadcast_id = int(context.match["broadcast"])
    if broadcast_id == 0:
        await acknowledge(update, t("This is only the preview."))
        return
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        received = await broadcasts.was_sent_to(session, broadcast_id, user_id)
        new = received and await broadcasts.acknowledge(session, broadcast_id, user_id, context.now())
    if not received:
        log.warning("Acknowledgement of broadcast %s by user %s, who did not receive it", broadcast_id, who(user_id))
        await acknowledge(update, t("This button is no longer valid."), alert=True)
        return
    await acknowledge(update, t("Thank you, noted.") if new else t("You have acknowledged this already."))
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except TelegramError as error:
        log.info("Could not remove the acknowledgement button: %s", error)


HANDLERS = [
    CommandHandler("broadcasts", list_recent),
    CallbackQueryHandler(details, pattern=DETAILS.pattern),
    # "« Back" of a new text asked for, pressed when that question is over (answered, /cancel, a restart).
    CallbackQueryHandler(details, pattern=EDIT_BACK.pattern),
    CallbackQueryHandler(cancel_pressed, pattern=CANCEL.pattern),
    CallbackQueryHandler(remind_pressed, pattern=REMIND.pattern),
    CallbackQueryHandler(acknowledged, pattern=ACKNOWLEDGE.pattern),
    CallbackQueryHandler(recent_from_menu, pattern=COORDINATOR_MENU.matching(item="broadcasts")),
]
REQUIRED_ROLES = {
    "/broadcasts": Role.COORDINATOR,
    # Members too, for a group's leads and their group's announcements: may_manage() checks each press.
    DETAILS.prefix: Role.MEMBER,
    CANCEL.prefix: Role.MEMBER,
    REMIND.prefix: Role.COORDINATOR,
}
MENU_ENTRIES = [MenuEntry(N_("Announcements"), COORDINATOR_MENU.data(item="broadcasts"), COORDINATORS, (3, 1))]
