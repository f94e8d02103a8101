"""/broadcast: a coordinator writes an announcement, picks the audience, previews it and sends it
now or later. The draft lives in the flow's stored data, so a restart loses nothing."""
from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.commands import COORDINATORS, MenuEntry
from bot.i18n import N_, Translator
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.announcements import CAPTION_LIMIT, TEXT_LIMIT, content_problem, sender_name
from bot.rules.dates import DateProblem, format_datetime, parse_datetime
from handlers.common.buttons import COORDINATOR_MENU
from handlers.common.flows import ANY_MESSAGE, NEW, TEXT, draft, flow
from handlers.common.outbox import Content, announcement, letterhead, send_content
from handlers.common.permissions import coordinators_only, may_coordinate, may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import broadcasts, groups, meetings
from storage.models import Audience, BroadcastStatus, Role

log = logging.getLogger(__name__)

COMPOSE, AUDIENCE, REVIEW, SCHEDULE, CONFIRM = "compose", "audience", "review", "schedule", "confirm"
STEP = Callback("bcs", action="now|later|test|ack|audience|meetings|groups|text|back|send|cancel")
PICK = Callback("bcp", audience="members|news")
PICK_MEETING = Callback("bcm", meeting=ROW_ID)
PICK_GROUP = Callback("bcg", group=ROW_ID)
# A group's leads start an announcement to their group from its card (handlers.groups.overview shows the button).
FOR_GROUP = Callback("bcgl", group=ROW_ID)
MEETINGS_SHOWN = 8
_DRAFT = "broadcast"

AUDIENCE_NAMES = {
    Audience.MEMBERS: N_("all members of the council"),
    Audience.NEWS: N_("everyone who subscribed to news"),
    Audience.NOT_ACKNOWLEDGED: N_("everyone who has not acknowledged yet"),
    Audience.MEETING: N_("everyone coming to “{title}”"),
    Audience.GROUP: N_("the members of “{title}”"),
}


def audience_name(t: Translator, audience: Audience, title: str | None = None) -> str:
    """`title`: the meeting's or the group's the audience refers to."""
    return t(AUDIENCE_NAMES[audience], title=title or "?")


async def allowed(update: Update, context: BotContext) -> bool:
    """Checked from the database at every step: coordinators may send to any audience, a group's leads
    only to their group. A refusal is told and logged."""
    draft = _draft(context)
    return await may_lead(update, context, draft.get("group_id") if draft.get("audience") == Audience.GROUP.value
                          else None)


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def draft_content(draft: dict, context: BotContext, *, test: bool = False) -> Content:
    """The draft as its recipients will see it, dated today; `test`: marked as the author's test copy."""
    t = context.t
    group = draft.get("title") if draft.get("audience") == Audience.GROUP.value else None
    head = letterhead(t, sender_name(context.content.council.in_(t.language), group), context.now(),
                      context.settings.timezone, test=test)
    # In a preview the button is shown but points to broadcast 0: there is no broadcast yet.
    return announcement(head, draft["text"], draft.get("kind"), draft.get("file_id"),
                        0 if draft.get("ack") else None, t)


@coordinators_only
async def begin(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    context.user_data[_DRAFT] = {}
    return await ask_content(update, context)


async def begin_for_group(update: Update, context: BotContext) -> str | int:
    """From a group's card: the audience is the group, chosen already."""
    group_id = int(context.match["group"])
    async with context.db.begin() as session:
        group = await groups.get(session, group_id)
    context.user_data[_DRAFT] = {"audience": Audience.GROUP.value, "group_id": group_id,
                                 "title": group.name if group else None, "preset": True}
    if group is None or group.archived_at is not None:
        context.user_data.pop(_DRAFT, None)
        await acknowledge(update, context.t("This group is archived or no longer exists."), alert=True)
        return ConversationHandler.END
    if not await allowed(update, context):
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    await acknowledge(update)
    return await ask_content(update, context)


async def ask_content(update: Update, context: BotContext, *, edit: bool = False) -> str:
    t = context.t
    await respond(update, "\n\n".join([
        bold(t("New announcement")),
        html(t("Send me the announcement: a text (bold, italics, links and lists are kept), "
               "or a photo or a document with a caption.")),
    ]), keyboard([[(t("Cancel"), STEP.data(action="cancel"))]]), edit=edit)
    return COMPOSE


async def got_content(update: Update, context: BotContext) -> str | int:
    message = update.message
    with_attachment = bool(message.photo or message.document)
    problem = content_problem(message.caption if with_attachment else message.text, with_attachment=with_attachment)
    if problem:
        await respond(update, html(context.t(problem, max=CAPTION_LIMIT if with_attachment else TEXT_LIMIT)))
        return COMPOSE
    draft = _draft(context)
    if with_attachment:
        kind, file_id = ("photo", message.photo[-1].file_id) if message.photo else ("document", message.document.file_id)
        draft.update(text=message.caption_html or "", kind=kind, file_id=file_id)
    else:
        draft.update(text=message.text_html, kind=None, file_id=None)
    if draft.get("preset"):
        return await chosen(update, context, Audience(draft["audience"]), draft["group_id"], draft.get("title"))
    if not await may_coordinate(update, context):
        return ConversationHandler.END
    return await ask_audience(update, context)


async def change_text(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    return await ask_content(update, context, edit=True)


async def unsupported(update: Update, context: BotContext) -> str:
    await respond(update, html(context.t("I can send text, photos and documents. Please send one of those, "
                                         "or leave with /cancel.")))
    return COMPOSE


async def ask_audience(update: Update, context: BotContext) -> str:
    """The audiences beyond one's own group: its callers let only coordinators here."""
    t = context.t
    async with context.db.begin() as session:
        sizes = {a: await broadcasts.audience_size(session, a, author_id=update.effective_user.id)
                 for a in (Audience.MEMBERS, Audience.NEWS)}
    rows = [[(t("All members ({count})", count=sizes[Audience.MEMBERS]), PICK.data(audience="members"))],
            [(t("News subscribers ({count})", count=sizes[Audience.NEWS]), PICK.data(audience="news"))],
            [(t("A group…"), STEP.data(action="groups")),
             (t("Those coming to a meeting…"), STEP.data(action="meetings"))],
            [(t("« Change text"), STEP.data(action="text")), (t("Cancel"), STEP.data(action="cancel"))]]
    await respond(update, html(t("Who should get it?")), keyboard(rows), edit=update.callback_query is not None)
    return AUDIENCE


@coordinators_only
async def back_to_audience(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    return await ask_audience(update, context)


@coordinators_only
async def ask_group(update: Update, context: BotContext) -> str:
    t = context.t
    await acknowledge(update)
    async with context.db.begin() as session:
        active = await groups.listing(session)
    # The members /groups shows, from the same rows: the author, if in the group, sees the preview
    # instead of getting a copy, which the review's count of recipients says.
    rows = [[(t("{title} ({count})", title=g.name[:50], count=g.members), PICK_GROUP.data(group=g.id))]
            for g in active]
    rows.append([(t("« Back"), STEP.data(action="audience")), (t("Cancel"), STEP.data(action="cancel"))])
    text = t("Which group? Its members get it.") if active else t("There are no groups yet.")
    await respond(update, html(text), keyboard(rows), edit=True)
    return AUDIENCE


@coordinators_only
async def ask_meeting(update: Update, context: BotContext) -> str:
    t, zone = context.t, context.settings.timezone
    await acknowledge(update)
    async with context.db.begin() as session:
        upcoming, _ = await meetings.upcoming(session, context.now(), limit=MEETINGS_SHOWN)
        coming = {m.id: await broadcasts.audience_size(session, Audience.MEETING, m.id,
                                                       author_id=update.effective_user.id) for m in upcoming}
    rows = [[(t("{date}: {title} ({count})", date=format_datetime(m.starts_at, zone, context.language, date_only=True),
               title=m.title[:40], count=coming[m.id]), PICK_MEETING.data(meeting=m.id))] for m in upcoming]
    rows.append([(t("« Back"), STEP.data(action="audience")), (t("Cancel"), STEP.data(action="cancel"))])
    text = t("Which meeting? Those who said they will come get it.") if upcoming else t(
        "No meetings are planned at the moment.")
    await respond(update, html(text), keyboard(rows), edit=True)
    return AUDIENCE


@coordinators_only
async def audience_picked(update: Update, context: BotContext) -> str:
    fields = context.match.groupdict()
    if "meeting" in fields:
        async with context.db.begin() as session:
            meeting = await meetings.get(session, int(fields["meeting"]))
        return await chosen(update, context, Audience.MEETING, int(fields["meeting"]), meeting.title if meeting else None)
    if "group" in fields:
        async with context.db.begin() as session:
            group = await groups.get(session, int(fields["group"]))
        return await chosen(update, context, Audience.GROUP, int(fields["group"]), group.name if group else None)
    return await chosen(update, context, Audience(fields["audience"]), None, None)


async def chosen(update: Update, context: BotContext, audience: Audience, ref: int | None, title: str | None) -> str:
    """The audience is known: check it reaches someone, then show the announcement as they will see it."""
    async with context.db.begin() as session:
        size = await broadcasts.audience_size(session, audience, ref, author_id=update.effective_user.id)
    draft = _draft(context)
    if size == 0:
        problem = context.t("Nobody can be reached in this audience. Please choose another.")
        if draft.get("preset"):
            await respond(update, html(context.t("Nobody in this group can be reached. Nothing was sent.")))
            context.user_data.pop(_DRAFT, None)
            return ConversationHandler.END
        await acknowledge(update, problem, alert=True)
        return AUDIENCE
    await acknowledge(update)
    draft.update(audience=audience.value, size=size, title=title,
                 meeting_id=ref if audience is Audience.MEETING else None,
                 group_id=ref if audience is Audience.GROUP else None)
    draft.setdefault("ack", False)
    # The preview is the announcement itself, exactly as recipients will see it.
    await send_content(context.bot, update.effective_chat.id, draft_content(draft, context), own_send=False)
    return await review(update, context, edit=False)


def _review_text(context: BotContext, draft: dict) -> str:
    t = context.t
    ack = t("with an “Acknowledged” button") if draft.get("ack") else t("without an “Acknowledged” button")
    return "\n".join([
        bold(t("Above is the preview.")),
        html(t("Audience: {audience}", audience=audience_name(t, Audience(draft["audience"]), draft.get("title")))),
        html(t.plural("About {count} recipient now; they are chosen when it is sent.",
                      "About {count} recipients now; they are chosen when it is sent.", draft["size"])),
        html(ack),
    ])


async def review(update: Update, context: BotContext, *, edit: bool = True) -> str:
    t = context.t
    draft = _draft(context)
    rows = [
        [(t("Send now"), STEP.data(action="now")), (t("Send later…"), STEP.data(action="later"))],
        [(t("Send a test to me"), STEP.data(action="test")),
         (t("Remove “Acknowledged” button") if draft.get("ack") else t("Add “Acknowledged” button"), STEP.data(action="ack"))],
        [(t("« Change audience"), STEP.data(action="audience")), (t("Cancel"), STEP.data(action="cancel"))]
        if not draft.get("preset") else [(t("Cancel"), STEP.data(action="cancel"))],
    ]
    await respond(update, _review_text(context, draft), keyboard(rows), edit=edit)
    return REVIEW


async def review_pressed(update: Update, context: BotContext) -> str:
    t = context.t
    action = context.match["action"]
    draft = _draft(context)
    if "size" not in draft:
        # A stale button from a draft that is gone: start the flow over rather than guess.
        await acknowledge(update, t("This draft is no longer there. Please start again with /broadcast."), alert=True)
        return ConversationHandler.END
    if not await allowed(update, context):
        return ConversationHandler.END
    if action == "ack":
        draft["ack"] = not draft.get("ack")
        await acknowledge(update)
        await send_content(context.bot, update.effective_chat.id, draft_content(draft, context), own_send=False)
        return await review(update, context, edit=False)
    if action == "test":
        await acknowledge(update, t("Sent to you as a test."))
        await send_content(context.bot, update.effective_chat.id, draft_content(draft, context, test=True),
                           own_send=False)
        return REVIEW
    if action == "audience":
        # Only coordinators choose the audience; a lead's announcement stays with their group.
        if not await may_coordinate(update, context):
            return REVIEW
        await acknowledge(update)
        return await ask_audience(update, context)
    if action == "later":
        await acknowledge(update)
        await respond(update, html(t("When should it go out? For example: 12.3.2027 18:00")),
                      keyboard([[(t("« Back"), STEP.data(action="back"))]]), edit=True)
        return SCHEDULE
    await acknowledge(update)
    draft.pop("send_at", None)
    return await confirm(update, context)


async def got_time(update: Update, context: BotContext) -> str:
    t = context.t
    try:
        when = parse_datetime(update.message.text, context.settings.timezone, context.now())
    except DateProblem as problem:
        await respond(update, html(problem.text(t)))
        return SCHEDULE
    _draft(context)["send_at"] = when.isoformat()
    return await confirm(update, context, edit=False)


async def confirm(update: Update, context: BotContext, *, edit: bool = True) -> str:
    t = context.t
    draft = _draft(context)
    count = draft["size"]
    if draft.get("send_at"):
        when = format_datetime(datetime.fromisoformat(draft["send_at"]), context.settings.timezone, context.language)
        question = t.plural("Send it on {date}? It goes to those in the audience then (about {count} recipient now).",
                            "Send it on {date}? It goes to those in the audience then (about {count} recipients now).",
                            count, date=when)
        label = t("Yes, schedule it")
    else:
        question = t.plural("Send it to {count} recipient now?", "Send it to {count} recipients now?", count)
        label = t("Yes, send it now")
    await respond(update, html(question), keyboard([[(label, STEP.data(action="send")),
                                                     (t("« Back"), STEP.data(action="back"))]]), edit=edit)
    return CONFIRM


async def back_to_review(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    if "audience" not in _draft(context):
        return await begin(update, context)
    return await review(update, context)


async def send(update: Update, context: BotContext) -> int:
    t = context.t
    draft = _draft(context)
    if "size" not in draft:
        await acknowledge(update, t("This draft is no longer there. Please start again with /broadcast."), alert=True)
        return ConversationHandler.END
    if not await allowed(update, context):
        context.user_data.pop(_DRAFT, None)
        return ConversationHandler.END
    await acknowledge(update)
    now = context.now()
    send_at = datetime.fromisoformat(draft["send_at"]) if draft.get("send_at") else now
    if send_at <= now and draft.get("send_at"):
        await respond(update, html(t("This moment has already passed. Please give a time in the future.")), edit=True)
        return SCHEDULE
    progress = update.callback_query.message
    async with context.db.begin() as session:
        broadcast = await broadcasts.create(
            session, author_id=update.effective_user.id, author_name=update.effective_user.full_name,
            audience=Audience(draft["audience"]), text=draft["text"], attachment_kind=draft.get("kind"),
            attachment_file_id=draft.get("file_id"), with_ack=bool(draft.get("ack")), send_at=send_at, now=now,
            meeting_id=draft.get("meeting_id"), group_id=draft.get("group_id"),
            progress_chat_id=update.effective_chat.id, progress_message_id=progress.message_id if progress else None,
            language=context.language)
        # Sent now to an audience that emptied since the preview. One scheduled chooses its recipients later.
        nobody = broadcast.status is not BroadcastStatus.SCHEDULED and broadcast.recipients == 0
        if nobody:
            await broadcasts.drop(session, broadcast)
    context.user_data.pop(_DRAFT, None)
    log.info("Broadcast %s by user %s to %s: %d recipients, at %s", broadcast.id, who(update.effective_user.id),
             broadcast.audience.value, broadcast.recipients, send_at.isoformat())
    if nobody:
        await respond(update, html(t("Nobody can be reached in this audience. Please choose another.")), edit=True)
        return ConversationHandler.END
    if draft.get("send_at"):
        when = format_datetime(send_at, context.settings.timezone, context.language)
        # /broadcasts is the coordinators' list; a group's lead finds their group's on its card.
        await respond(update, html(t("Scheduled for {date}. /broadcasts shows it; until then it can be edited, "
                                     "sent at once or cancelled there.", date=when)
                                   if context.role is Role.COORDINATOR else
                                   t("Scheduled for {date}. Until then it can be edited, sent at once or cancelled "
                                     "on the group's card in /groups, under “Scheduled announcements”.", date=when)),
                      edit=True)
    else:
        await respond(update, html(t("Sending… I will update this message as it goes.")), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


CONVERSATION = flow(
    "broadcast",
    entry_points=[
        CommandHandler("broadcast", begin),
        CallbackQueryHandler(begin, pattern=COORDINATOR_MENU.matching(item="broadcast")),
        CallbackQueryHandler(begin_for_group, pattern=FOR_GROUP.pattern),
    ],
    states={
        COMPOSE: [
            MessageHandler(TEXT | ((filters.PHOTO | filters.Document.ALL) & NEW), got_content),
            MessageHandler(ANY_MESSAGE, unsupported),
        ],
        AUDIENCE: [
            CallbackQueryHandler(audience_picked, pattern=PICK.pattern),
            CallbackQueryHandler(audience_picked, pattern=PICK_MEETING.pattern),
            CallbackQueryHandler(ask_meeting, pattern=STEP.matching(action="meetings")),
            CallbackQueryHandler(audience_picked, pattern=PICK_GROUP.pattern),
            CallbackQueryHandler(ask_group, pattern=STEP.matching(action="groups")),
            CallbackQueryHandler(back_to_audience, pattern=STEP.matching(action="audience")),
            CallbackQueryHandler(change_text, pattern=STEP.matching(action="text")),
        ],
        REVIEW: [CallbackQueryHandler(review_pressed, pattern=STEP.matching(action="now|later|test|ack|audience"))],
        SCHEDULE: [
            MessageHandler(TEXT, got_time),
            CallbackQueryHandler(back_to_review, pattern=STEP.matching(action="back")),
        ],
        CONFIRM: [
            CallbackQueryHandler(send, pattern=STEP.matching(action="send")),
            CallbackQueryHandler(back_to_review, pattern=STEP.matching(action="back")),
        ],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
)

HANDLERS = [CONVERSATION]
# The steps are open to members because a group's leads use them too; allowed() checks those that act.
REQUIRED_ROLES = {"/broadcast": Role.COORDINATOR, STEP.prefix: Role.MEMBER, FOR_GROUP.prefix: Role.MEMBER,
                  PICK.prefix: Role.COORDINATOR, PICK_MEETING.prefix: Role.COORDINATOR,
                  PICK_GROUP.prefix: Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("New announcement"), COORDINATOR_MENU.data(item="broadcast"), COORDINATORS, (3, 0))]
