"""/privacy (what the bot keeps, why, how long, who answers for it), /mydata (all of it as a JSON
file), /deleteme (all of it erased after a confirmation), and the daily retention purge. Asking and
erasing create no account for someone the bot does not know (see the gate's `without_account`)."""
from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.commands import EVERYONE, MenuEntry
from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from handlers.common.buttons import MENU
from handlers.common.flows import flow
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import groups, privacy

log = logging.getLogger(__name__)

CONFIRM = "confirm"
STEP = Callback("del", action="yes|cancel")
PURGE_EVERY = timedelta(days=1)

# What the bot keeps and why: (heading, text) in the order the notice shows them.
STORED = [
    (N_("Who you are to the bot"), N_("Your Telegram id, your name as Telegram shows it, your language, your role "
                                     "and when you first wrote: to answer you in your language and to know what "
                                     "you may do.")),
    (N_("Council work"), N_("Join requests, your groups and waitlist places, your answers to meetings, your "
                            "reminder and news settings: for the council's meetings and working groups.")),
    (N_("Funding help"), N_("Your eligibility checks, your questions to the council office and its replies: to "
                            "advise you. Your answers go to the office only if you agree, and when you agreed is "
                            "stored.")),
    (N_("Messages the bot sends on its own"), N_("Announcements, reminders and replies, each with Telegram's answer: "
                                                 "so that none is lost and none is sent twice.")),
]


def notice(context: BotContext) -> str:
    t, about = context.t, context.content.privacy
    days = context.settings.retention_days
    lines = [bold(t("Privacy")), "", bold(t("Responsible")), html(about.controller.in_(t.language)),
             html(about.address), html(about.contact.in_(t.language))]
    if about.email:
        lines.append(html(about.email))
    lines += ["", bold(t("What is stored, and why"))]
    for heading, text in STORED:
        lines.append(f"• <b>{html(t(heading))}</b>: {html(t(text))}")
    lines += [
        html(t("The legal basis is the council's public task (GDPR Art. 6(1)(e)); the funding help answers your "
               "request (Art. 6(1)(b)). Nothing is passed on; Telegram carries the messages.")),
        "", bold(t("How long")),
        html(t("Eligibility checks, questions with their replies, the records of messages sent and of "
               "acknowledgements, unfinished steps, join requests (once decided, or when never decided) and answers "
               "to past meetings are deleted after {days} days; so is the account of an applicant who has not written "
               "to the bot for that long (unless they get the news) or whom Telegram could not reach for that long. "
               "Membership data is kept while you are a member.", days=days)),
        html(t("A deadline reminder you asked for (the programme and its deadline) is kept until the deadline has "
               "passed; /reminders lists your reminders and stops them.")),
        "", bold(t("Your rights")),
        html(t("/mydata sends you everything stored about you. /deleteme erases it at once; announcements you "
               "received stay counted, without your name or id. To correct something, ask the council office "
               "(/ask). You may complain to: {authority}.", authority=about.authority.in_(t.language))),
    ]
    return "\n".join(lines)


async def show(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await respond(update, notice(context))


async def my_data(update: Update, context: BotContext) -> None:
    t, user_id = context.t, update.effective_user.id
    async with context.db.begin() as session:
        data = await privacy.export(session, user_id)
    if data is None:
        await respond(update, html(t("Nothing is stored about you.")))
        return
    log.info("User %s asked for their data", who(user_id))
    await update.effective_chat.send_document(
        privacy.to_json(data), filename=t("my-data.json"),
        caption=html(t("Everything the bot stores about you, as of now. /deleteme erases it.")))


async def begin(update: Update, context: BotContext) -> str | int:
    t = context.t
    async with context.db.begin() as session:
        data = await privacy.export(session, update.effective_user.id)
    if data is None:
        await respond(update, html(t("Nothing is stored about you.")))
        return ConversationHandler.END
    await respond(update, bold(t("Erase all your data?")) + "\n\n" + html(t(
        "Your account, your groups and waitlist places, your meeting answers, your eligibility checks and your "
        "questions go at once and cannot be brought back. You leave the council; to come back you would ask "
        "again. Announcements you received stay counted, without your name or id.")),
        keyboard([[(t("Yes, erase everything"), STEP.data(action="yes"))],
                  [(t("Cancel"), STEP.data(action="cancel"))]]))
    return CONFIRM


async def confirmed(update: Update, context: BotContext) -> int:
    t, user_id, now = context.t, update.effective_user.id, context.now()
    async with context.db.begin() as session:
        erasure = await privacy.erase(session, user_id)
        for group_id, promoted in erasure.promoted.items():
            group = await groups.get(session, group_id)
            if group is not None:
                await groups.send_notice(session, group, "promoted", promoted, now)
    if erasure.outcome is privacy.Erased.LAST_COORDINATOR:
        await acknowledge(update, t("You are the last coordinator: make someone else coordinator first (/members)."),
                          alert=True)
        return ConversationHandler.END
    await acknowledge(update)
    # What PTB holds in memory for them goes too, and is not written back after this update.
    context.application.drop_user_data(user_id)
    log.info("User %s erased their data (%s)", who(user_id), erasure.outcome.value)
    await _leave_no_trace(context)
    await respond(update, html(t("Done: everything stored about you has been erased. If you write to me again, I "
                                 "start afresh.")), edit=True)
    if erasure.promoted:
        context.services.wake_sender()
    return ConversationHandler.END


async def purge_old(context: BotContext) -> None:
    """The daily retention job."""
    cutoff = context.now() - timedelta(days=context.settings.retention_days)
    async with context.db.begin() as session:
        purged = await privacy.purge(session, cutoff, context.now().astimezone(context.settings.timezone).date())
    for user_id in purged.answers_gone:
        context.application.drop_user_data(user_id)  # else the next update would store them again
    log.info("Retention (%d days): %s", context.settings.retention_days, purged)
    await _leave_no_trace(context)


async def _leave_no_trace(context: BotContext) -> None:
    if not await privacy.leave_no_trace(context.db):
        log.warning("The database's write-ahead log could not be emptied now (another process was using the "
                    "database); what was erased stays in it until its next checkpoint")


CONVERSATION = flow(
    "deleteme",
    entry_points=[CommandHandler("deleteme", begin)],
    states={CONFIRM: [CallbackQueryHandler(confirmed, pattern=STEP.matching(action="yes"))]},
    cancel_button=STEP.matching(action="cancel"),
    draft_key="deleteme",
    cancelled=N_("Cancelled. Nothing was erased."),
)

HANDLERS = [CONVERSATION, CommandHandler("privacy", show), CommandHandler("mydata", my_data),
            CallbackQueryHandler(show, pattern=MENU.matching(item="privacy"))]
REQUIRED_ROLES: dict = {}
WITHOUT_ACCOUNT = frozenset({"/privacy", "/mydata", "/deleteme", STEP.prefix})
MENU_ENTRIES = [MenuEntry(N_("Privacy"), MENU.data(item="privacy"), EVERYONE, (5, 1))]
