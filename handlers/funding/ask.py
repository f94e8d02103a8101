"""/ask: a line to the council office. An applicant writes a question (from a check's result with
their consent to share its answers, or on its own); coordinators get it with Reply and Done; a reply
reaches the applicant through the bot. /inbox lists the questions not done. Questions and replies go
through the delivery engine, so none is lost when Telegram or the bot is away."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.commands import COORDINATORS, EVERYONE, MenuEntry
from bot.content import Content as BotContent
from bot.live_content import LiveContent
from bot.i18n import N_, Translator
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.answers import clean_text_answer
from bot.rules.dates import format_datetime
from bot.rules.eligibility import Answers, Verdict
from bot.rules.explain import VERDICTS, answer_lines
from handlers.common.buttons import COORDINATOR_MENU, MENU
from handlers.common.flows import TEXT, draft, flow
from handlers.common.outbox import Content
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, replace_buttons, respond
from handlers.common.text import bold, html
from storage import funding, outbox, users
from storage.models import DeliveryKind, QuestionStatus, Reply, Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

QUESTION_LIMITS = (5, 2000)
QUESTIONS_PER_DAY = 5
REPLY_LIMITS = (2, 3000)
INBOX_SIZE = 10
WRITE, CONFIRM = "write", "confirm"
SHARE = Callback("askc", check=ROW_ID, share="0|1")  # from a check's result, with the consent given
STEP = Callback("asks", action="send|cancel")
REPLY = Callback("qrep", question=ROW_ID)
REPLY_STEP = Callback("qreps", question=ROW_ID, action="send|cancel")
DONE = Callback("qdone", question=ROW_ID)
AGAIN = Callback("askn", action="new")  # under a reply: another question
_DRAFT, _REPLY_DRAFT = "ask", "reply"


async def begin(update: Update, context: BotContext) -> str | int:
    await acknowledge(update)
    if await _too_many(update, context):
        return ConversationHandler.END
    context.user_data[_DRAFT] = {}
    return await _ask_for_text(update, context)


async def _too_many(update: Update, context: BotContext) -> bool:
    """At most QUESTIONS_PER_DAY from one person: the office is a few people, not a chat room."""
    async with context.db.begin() as session:
        asked = await funding.asked_since(session, update.effective_user.id, context.now() - timedelta(days=1))
    if asked < QUESTIONS_PER_DAY:
        return False
    await respond(update, html(context.t("You have sent {count} questions today. The council office answers them "
                                         "first; please wait for its reply.", count=asked)))
    return True


async def begin_from_check(update: Update, context: BotContext) -> str | int:
    t, share = context.t, context.match["share"] == "1"
    async with context.db.begin() as session:
        stored = await funding.get_check(session, int(context.match["check"]))
    if stored is None or stored.user_id != update.effective_user.id:
        await acknowledge(update, t("This button is no longer valid."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    if await _too_many(update, context):
        return ConversationHandler.END
    context.user_data[_DRAFT] = {"check": stored.id if share else None}
    if share:
        await respond(update, html(t("Your answers and the result go with your question.")), edit=True)
    return await _ask_for_text(update, context)


async def _ask_for_text(update: Update, context: BotContext) -> str:
    t = context.t
    await respond(update, bold(t("A question to the council office")) + "\n" + html(t(
        "Write your question in one message. The office answers here, usually within a few working days.")),
                  keyboard([[(t("Cancel"), STEP.data(action="cancel"))]]))
    return WRITE


async def got_text(update: Update, context: BotContext) -> str:
    t = context.t
    text, problem = clean_text_answer(update.message.text, QUESTION_LIMITS, keep_lines=True)
    if problem:
        await respond(update, html(t(problem, min=QUESTION_LIMITS[0], max=QUESTION_LIMITS[1])))
        return WRITE
    draft(context, _DRAFT)["text"] = text
    await respond(update, html(t("Send this question to the council office?")) + "\n\n<i>" + html(text) + "</i>",
                  keyboard([[(t("Send"), STEP.data(action="send")), (t("Cancel"), STEP.data(action="cancel"))]]))
    return CONFIRM


async def send(update: Update, context: BotContext) -> int:
    t, now, data = context.t, context.now(), draft(context, _DRAFT)
    if "text" not in data:
        await acknowledge(update, t("This draft is no longer there. Please start again with /ask."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    async with context.db.begin() as session:
        shared = None
        if data.get("check"):
            stored = await funding.get_check(session, data["check"])
            if stored is not None and stored.user_id == update.effective_user.id:
                shared = {"answers": stored.answers, "micro": stored.micro, "lfk": stored.lfk}
        question = await funding.ask(session, update.effective_user.id, data["text"], shared, now)
        told = await outbox.enqueue(session, DeliveryKind.QUESTION, users.reachable_coordinators(), now=now, payload={
            "question": question.id, "name": update.effective_user.full_name, "text": data["text"],
            "shared": shared, "language": context.language, "received": now.isoformat()})
    context.user_data.pop(_DRAFT, None)
    log.info("Question %s from user %s to %d coordinator(s), answers shared: %s", question.id,
             who(update.effective_user.id), told, shared is not None)
    await respond(update, html(t("Sent. The council office answers you here.")), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


LANGUAGE_NAMES = {"de": N_("German"), "en": N_("English")}


def question_text(t: Translator, content: BotContent, zone: ZoneInfo, question_id: int, name: str, text: str,
                  shared: dict | None, status: QuestionStatus | None = None, *, received: datetime | None = None,
                  language: str | None = None, replies: Sequence[Reply] = ()) -> str:
    lines = [bold(t("Question #{id} from {name}", id=question_id, name=name))]
    if received is not None:
        lines.append(html(t("Received {date}", date=format_datetime(received, zone, t.language))))
    if language in LANGUAGE_NAMES:
        lines.append(html(t("Language: {language}", language=t(LANGUAGE_NAMES[language]))))
    lines += ["", html(text)]
    if shared:
        lines += ["", html(t("Their eligibility check:"))]
        for key in ("micro", "lfk"):
            if shared.get(key):
                lines.append(html(f"{content.programmes[key].name.in_(t.language)}: {t(VERDICTS[Verdict(shared[key])])}"))
        answers = Answers.stored(shared.get("answers") or {})
        lines += ["<i>" + html(f"{label}: {value}") + "</i>" for label, value in answer_lines(t, content, answers, zone)]
    for reply in replies:
        # What the asker has read already, so that nobody answers twice or contradicts it unawares.
        lines += ["", bold(t("Reply sent {date} by {name}:", date=format_datetime(reply.created_at, zone, t.language),
                             name=reply.author_name)), "<i>" + html(reply.text) + "</i>"]
    if status is QuestionStatus.ANSWERED:
        lines += ["", html(t("Answered; not marked done yet."))]
    return "\n".join(lines)


def question_buttons(t: Translator, question_id: int) -> InlineKeyboardMarkup | None:
    return keyboard([[(t("Reply"), REPLY.data(question=question_id)),
                      (t("Mark done"), DONE.data(question=question_id))]])


class QuestionRenderer:
    """A question for a coordinator (with the shared answers in words), or a reply for the applicant."""

    def __init__(self, live: LiveContent, zone: ZoneInfo) -> None:
        self.live, self.zone = live, zone

    async def __call__(self, row: DueRow, t: Translator) -> Content:
        payload = row.payload or {}
        if row.kind is DeliveryKind.QUESTION:
            return Content(question_text(t, self.live.content, self.zone, payload["question"], payload["name"],
                                         payload["text"], payload.get("shared"),
                                         received=datetime.fromisoformat(payload["received"])
                                         if "received" in payload else None,
                                         language=payload.get("language")),
                           question_buttons(t, payload["question"]))
        excerpt = payload["question"] if len(payload["question"]) <= 200 else payload["question"][:200] + "…"
        return Content("✉️ " + bold(t("The council office answers your question")) + "\n<i>" + html(excerpt)
                       + "</i>\n\n" + html(payload["text"]),
                       keyboard([[(t("Ask another question"), AGAIN.data(action="new"))]]))


@coordinators_only
async def inbox(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    t = context.t
    async with context.db.begin() as session:
        waiting = await funding.inbox(session, INBOX_SIZE)
        count = await funding.not_done(session)
    if not waiting:
        await respond(update, html(t("No open questions.")))
        return
    heading = bold(t.plural("{count} question not done yet", "{count} questions not done yet", count))
    if count > len(waiting):
        heading += "\n" + html(t("The {shown} oldest are shown; mark them done to see the next.", shown=len(waiting)))
    await respond(update, heading)
    for entry in waiting:
        question = entry.question
        await respond(update, question_text(t, context.content, context.settings.timezone, question.id, entry.asker,
                                            question.text, question.shared_check, question.status,
                                            received=question.created_at, language=entry.language,
                                            replies=entry.replies),
                      question_buttons(t, question.id))


@coordinators_only
async def begin_reply(update: Update, context: BotContext) -> str | int:
    t, question_id = context.t, int(context.match["question"])
    async with context.db.begin() as session:
        question = await funding.get(session, question_id)
    if question is None or question.status is QuestionStatus.DONE:
        await acknowledge(update, t("This question is done already."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    context.user_data[_REPLY_DRAFT] = {"question": question_id}
    await respond(update, html(t("Your reply to question #{id}, in one message:", id=question_id)),
                  keyboard([[(t("Cancel"), REPLY_STEP.data(question=question_id, action="cancel"))]]))
    return WRITE


@coordinators_only
async def got_reply(update: Update, context: BotContext) -> str:
    t, data = context.t, draft(context, _REPLY_DRAFT)
    text, problem = clean_text_answer(update.message.text, REPLY_LIMITS, keep_lines=True)
    if problem:
        await respond(update, html(t(problem, min=REPLY_LIMITS[0], max=REPLY_LIMITS[1])))
        return WRITE
    data["text"] = text
    question_id = data["question"]
    await respond(update, html(t("Send this reply to the asker of question #{id}?", id=question_id)) + "\n\n<i>"
                  + html(text) + "</i>",
                  keyboard([[(t("Send"), REPLY_STEP.data(question=question_id, action="send")),
                             (t("Cancel"), REPLY_STEP.data(question=question_id, action="cancel"))]]))
    return CONFIRM


@coordinators_only
async def send_reply(update: Update, context: BotContext) -> int | str:
    t, now, data = context.t, context.now(), draft(context, _REPLY_DRAFT)
    question_id = int(context.match["question"])
    if data.get("question") != question_id or "text" not in data:
        await acknowledge(update, t("This button belongs to another reply. Please use the latest message."),
                          alert=True)
        return CONFIRM
    async with context.db.begin() as session:
        question = await funding.get(session, question_id)
        sent = question is not None and await funding.reply(session, question_id, update.effective_user.id,
                                                            update.effective_user.full_name, data["text"], now)
        if sent:
            await outbox.enqueue(session, DeliveryKind.REPLY, users.just(question.user_id), now=now,
                                 payload={"question": question.text, "text": data["text"]})
    context.user_data.pop(_REPLY_DRAFT, None)
    if not sent:
        await acknowledge(update, t("This question is done already."), alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    log.info("User %s replied to question %s", who(update.effective_user.id), question_id)
    await respond(update, html(t("Sent. Press “Mark done” on the question when nothing more is needed.")), edit=True)
    context.services.wake_sender()
    return ConversationHandler.END


@coordinators_only
async def done_pressed(update: Update, context: BotContext) -> None:
    t, question_id = context.t, int(context.match["question"])
    async with context.db.begin() as session:
        closed = await funding.close(session, question_id, context.now())
    await acknowledge(update, t("Marked done.") if closed else t("This question is done already."))
    if closed:
        log.info("User %s marked question %s done", who(update.effective_user.id), question_id)
    await replace_buttons(update, None)


CONVERSATION = flow(
    "ask",
    entry_points=[CommandHandler("ask", begin), CallbackQueryHandler(begin_from_check, pattern=SHARE.pattern),
                  CallbackQueryHandler(begin, pattern=AGAIN.pattern),
                  CallbackQueryHandler(begin, pattern=MENU.matching(item="ask"))],
    states={
        WRITE: [MessageHandler(TEXT, got_text)],
        CONFIRM: [CallbackQueryHandler(send, pattern=STEP.matching(action="send"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
)
REPLY_CONVERSATION = flow(
    "reply",
    entry_points=[CallbackQueryHandler(begin_reply, pattern=REPLY.pattern)],
    states={
        WRITE: [MessageHandler(TEXT, got_reply)],
        CONFIRM: [CallbackQueryHandler(send_reply, pattern=REPLY_STEP.matching(action="send"))],
    },
    cancel_button=REPLY_STEP.matching(action="cancel"),
    draft_key=_REPLY_DRAFT,
)

HANDLERS = [CONVERSATION, REPLY_CONVERSATION, CommandHandler("inbox", inbox),
            CallbackQueryHandler(inbox, pattern=COORDINATOR_MENU.matching(item="inbox")),
            CallbackQueryHandler(done_pressed, pattern=DONE.pattern)]
REQUIRED_ROLES = {"/inbox": Role.COORDINATOR, REPLY.prefix: Role.COORDINATOR, REPLY_STEP.prefix: Role.COORDINATOR,
                  DONE.prefix: Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("Ask the office"), MENU.data(item="ask"), EVERYONE, (0, 2)),
                MenuEntry(N_("Inbox"), COORDINATOR_MENU.data(item="inbox"), COORDINATORS, (4, 0))]
