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


# How long each kind of data is kept, in the order of storage.privacy.purge; {days} is RETENTION_DAYS.
KEPT = [
    N_("Eligibility checks: {days} days after they were begun."),
    N_("Deadline reminders: until the deadline has passed (/reminders stops them)."),
    N_("Questions to the council office with their replies: {days} days after the last change."),
    N_("Join requests: {days} days after the decision, or after the request if none was made."),
    N_("Answers to meetings, with the name and organisation of a deputy sent instead: {days} days after the "
       "meeting."),
    N_("Records of messages sent and of acknowledgements: {days} days; an announcement stays counted, without "
       "name or id."),
    N_("Unfinished steps: {days} days after the last change."),
    N_("The account of an applicant (Telegram id, name, language, role): deleted once they have not written to the "
       "bot for {days} days, or Telegram could not reach them for that long; kept while they get the news, wait "
       "for a decision on joining or for a deadline reminder."),
    N_("Members' data (account, the organisation they speak for, groups, waitlist places, settings): while they "
       "are members; afterwards as an applicant's."),
    N_("Meetings, groups and announcements set up for the council stay as its records; once their author's account "
       "is deleted, without the name. Invite links: {days} days after they expired."),
]


def notice(context: BotContext) -> list[str]:
    """The notice a public authority owes (GDPR Art. 13): who answers for the data, what is kept and how
    long; then on what legal basis, who receives it, and every right with how to use it. Two messages, as
    in one the German text would be at Telegram's limit of 4,096 characters."""
    t, about = context.t, context.content.privacy
    days = context.settings.retention_days
    lines = [bold(t("Privacy")), "", bold(t("Responsible")), html(about.controller.in_(t.language)),
             html(about.address), "", html(about.officer.in_(t.language))]  # names itself: "Datenschutzbeauftragte …"
    if about.email:
        lines.append(html(about.email))
    lines += ["", bold(t("What is stored, and why"))]
    for heading, text in STORED:
        lines.append(f"• <b>{html(t(heading))}</b>: {html(t(text))}")
    lines += ["", bold(t("How long"))]
    lines += [f"• {html(t(text, days=days))}" for text in KEPT]
    rights = [
        bold(t("Legal basis")),
        html(t("The bot serves the council's public tasks in crime prevention: Art. 6(1)(e) GDPR with the data "
               "protection law of Mecklenburg-Vorpommern (DSG M-V). Where the bot asks for your consent (before "
               "your check's answers go to the office with your question, and when you order the news), that "
               "consent is the basis (Art. 6(1)(a) GDPR); you can withdraw it at any time for the future.")),
        "", bold(t("Who receives data")),
        html(t("The council office and the council's coordination, as far as their tasks need it; a group's leads "
               "see their group. Telegram, which runs the messenger, carries every message to and from the bot and "
               "processes it on its own servers, also outside the European Union; its own privacy policy applies "
               "to that. Nothing is passed on to anyone else.")),
        "", bold(t("Your rights")),
        html(t("Access (Art. 15 GDPR): /mydata sends you everything stored about you, as a file you can take "
               "elsewhere (Art. 20). Erasure (Art. 17): /deleteme erases it at once; announcements you received "
               "stay counted, without your name or id. Rectification (Art. 16), restriction of processing "
               "(Art. 18) and objection to processing for the council's tasks on grounds of your particular "
               "situation (Art. 21): write to the council office (/ask) or to the data protection officer.")),
        html(t("You may lodge a complaint with the supervisory authority (Art. 77 GDPR):")),
        html(about.authority.in_(t.language)),
    ]
    return ["\n".join(lines), "\n".join(rights)]


async def show(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    for part in notice(context):
        await respond(update, part)


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
        told = sum([await groups.tell_if_leaderless(session, group_id, now) for group_id in erasure.led])
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
    if erasure.promoted or told:
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
