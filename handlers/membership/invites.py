"""/invite: coordinators create deep links that make new members at once; accepting them via /start."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import COORDINATORS, MenuEntry, publish_commands
from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules import invites as rules
from bot.rules.dates import format_datetime
from handlers.common.buttons import COORDINATOR_MENU, main_menu
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import invites, join_requests, users
from storage.models import RequestStatus, Role

log = logging.getLogger(__name__)

USES = Callback("inv", uses=r"\d{1,3}")
_USE_LABELS = (N_("For one person"), N_("For 5 people"), N_("For 20 people"))


@coordinators_only
async def choose_uses(update: Update, context: BotContext) -> None:
    t = context.t
    if context.args:
        # `/invite 10` skips the question for those who type.
        if len(context.args) == 1 and context.args[0].isdigit() and 1 <= int(context.args[0]) <= rules.MAX_USES:
            await create(update, context, int(context.args[0]))
        else:
            await respond(update, html(t("Please give the number of people as a number from 1 to {max}, e.g. /invite 5.",
                                         max=rules.MAX_USES)))
        return
    await acknowledge(update)
    buttons = [(t(label), USES.data(uses=n)) for n, label in zip(rules.USE_CHOICES, _USE_LABELS)]
    await respond(update, html(t("Who is the invite link for? It is valid for 14 days.")), keyboard([buttons]))


@coordinators_only
async def uses_chosen(update: Update, context: BotContext) -> None:
    uses = int(context.match["uses"])
    if not 1 <= uses <= rules.MAX_USES:
        await acknowledge(update, context.t("This button is no longer valid."), alert=True)
        return
    await acknowledge(update)
    await create(update, context, uses, edit=True)


async def create(update: Update, context: BotContext, uses: int, *, edit: bool = False) -> None:
    t = context.t
    now = context.now()
    code = rules.new_code()
    async with context.db.begin() as session:
        invite = await invites.create(session, code, update.effective_user.id, uses, now, now + rules.VALIDITY)
    link = rules.deep_link(context.bot.username, invite.code)
    expires = format_datetime(invite.expires_at, context.settings.timezone, context.language)
    text = "\n\n".join([
        bold(t("Invite link")),
        html(link),
        html(t.plural("It makes one person a member at once.", "It makes up to {count} people members at once.", uses)),
        html(t("Valid until {date}. Forward it only to the people it is meant for.", date=expires)),
    ])
    await respond(update, text, edit=edit)


async def accept(update: Update, context: BotContext) -> None:
    """/start with an invite code: makes the user a member if the code still has uses."""
    t = context.t
    code = rules.code_from_payload(context.args[0])
    if code is None:
        await respond(update, html(t("I do not know this link. Use /start to see what I can do.")))
        return
    if context.role.at_least(Role.MEMBER):
        await respond(update, html(t("You are already a member of the council.")))
        return
    now = context.now()
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        accepted = await invites.take_use(session, code, now)
        if accepted:
            await users.set_role(session, user_id, Role.MEMBER)
            pending = await join_requests.pending_for(session, user_id)
            if pending is not None:
                await join_requests.decide(session, pending.id, RequestStatus.APPROVED, user_id, now)
    if not accepted:
        log.info("Invite link refused for user %s: used up, expired or unknown", who(user_id))
        await respond(update, html(t(
            "This invite link is no longer valid: it has been used up or has expired. "
            "Ask the council office for a new one, or ask to join with /join."
        )))
        return
    context.account.role = Role.MEMBER
    await respond(update, bold(t("Welcome to the prevention council!")) + "\n\n" + html(
        t("You are now a member. You will get meeting notices and news here.")), main_menu(context))
    await publish_commands(context.bot, role=Role.MEMBER, language=context.language, chat_id=update.effective_chat.id)


HANDLERS = [
    CommandHandler("invite", choose_uses),
    CommandHandler("start", accept, has_args=True),
    CallbackQueryHandler(uses_chosen, pattern=USES.pattern),
    CallbackQueryHandler(choose_uses, pattern=COORDINATOR_MENU.matching(item="invite")),
]
REQUIRED_ROLES = {"/invite": Role.COORDINATOR, USES.prefix: Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("Invite members"), COORDINATOR_MENU.data(item="invite"), COORDINATORS, (4, 0))]
