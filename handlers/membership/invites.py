"""/invite: coordinators create deep links that make new members at once; accepting them via /start.
Who joins by a link without having asked to join is asked whom they speak for, which they may skip:
for a prevention council, who speaks for the police, a school or a town is the key fact."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.commands import COORDINATORS, MenuEntry, publish_commands
from bot.i18n import N_
from bot.pseudonym import who
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules import invites as rules
from bot.rules.dates import format_datetime
from bot.rules.membership import ORGANISATION_LIMITS
from handlers.common.buttons import COORDINATOR_MENU, main_menu, page_row
from handlers.common.flows import TEXT, draft, flow, text_answer
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, remove_buttons, respond
from handlers.common.text import bold, html
from storage import invites, join_requests, users
from storage.models import RequestStatus, Role

log = logging.getLogger(__name__)

USES = Callback("inv", uses=r"\d{1,3}", confirmed="0|1")
REVOKE = Callback("invr", code=r"[A-Za-z0-9_-]{8,32}", confirmed="0|1", page=r"\d{1,3}")
PAGE = Callback("invp", page=r"\d{1,3}")  # the list of active links, ten to a page
_USE_LABELS = (N_("For one person"), N_("For 5 people"), N_("For 20 people"))
_LINKS_SHOWN = 10
ORGANISATION = "organisation"  # the new member's step: whom they speak for
SKIP = Callback("invo", action="skip")
_DRAFT = "invited"


@coordinators_only
async def choose_uses(update: Update, context: BotContext) -> None:
    t = context.t
    if context.args:
        # `/invite 10` skips the question for those who type.
        if len(context.args) == 1 and context.args[0].isdigit() and 1 <= int(context.args[0]) <= rules.MAX_USES:
            await _create_or_ask(update, context, int(context.args[0]), confirmed=False)
        else:
            await respond(update, html(t("Please give the number of people as a number from 1 to {max}, e.g. /invite 5.",
                                         max=rules.MAX_USES)))
        return
    await acknowledge(update)
    await show_choice(update, context)


async def show_choice(update: Update, context: BotContext, *, edit: bool = False, page: int = 0) -> None:
    """The question for whom a new link is, and the links that still make members, each revocable:
    ten to a page, so that every one the heading counts can be revoked."""
    t = context.t
    async with context.db.begin() as session:
        links = await invites.active(session, context.now())
    pages = max(1, -(-len(links) // _LINKS_SHOWN))
    page = min(page, pages - 1)  # links may have gone since the page was shown
    first = page * _LINKS_SHOWN
    lines = [html(t("Who is the invite link for? It is valid for 14 days."))]
    rows = [[(t(label), USES.data(uses=n, confirmed=0)) for n, label in zip(rules.USE_CHOICES, _USE_LABELS)]]
    if links:
        lines += ["", bold(t.plural("{count} active invite link", "{count} active invite links", len(links)))]
    for number, link in enumerate(links[first:first + _LINKS_SHOWN], start=first + 1):
        lines.append(f"{number}. " + html(_describe(context, link)))
        rows.append([(t("Revoke link {number}", number=number), REVOKE.data(code=link.code, confirmed=0, page=page))])
    rows.append(page_row(t, page, page + 1 < pages, lambda n: PAGE.data(page=n)))
    if pages > 1:
        lines.append(html(t("Page {page} of {pages}", page=page + 1, pages=pages)))
    await respond(update, "\n".join(lines), keyboard(rows), edit=edit)


def _describe(context: BotContext, link: invites.ActiveInvite) -> str:
    t = context.t
    until = format_datetime(link.expires_at, context.settings.timezone, context.language)
    return t.plural("for {count} person, {left} left, valid until {date}, made by {name}",
                    "for {count} people, {left} left, valid until {date}, made by {name}", link.max_uses,
                    left=link.uses_left, date=until, name=link.made_by or t("someone no longer in the bot"))


@coordinators_only
async def page_chosen(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show_choice(update, context, edit=True, page=int(context.match["page"]))


@coordinators_only
async def uses_chosen(update: Update, context: BotContext) -> None:
    uses = int(context.match["uses"])
    if not 1 <= uses <= rules.MAX_USES:
        await acknowledge(update, context.t("This button is no longer valid."), alert=True)
        return
    await acknowledge(update)
    await _create_or_ask(update, context, uses, confirmed=context.match["confirmed"] == "1", edit=True)


async def _create_or_ask(update: Update, context: BotContext, uses: int, *, confirmed: bool,
                         edit: bool = False) -> None:
    """A link for many people is asked about first: whoever gets it is a member, forwarded or not."""
    t = context.t
    if uses > rules.LARGE and not confirmed:
        await respond(update, html(t(
            "An invite link for {count} people makes anyone who opens it a member at once, for 14 days, also when "
            "it is passed on. Create it?", count=uses)),
            keyboard([[(t("Yes, create it"), USES.data(uses=uses, confirmed=1)),
                       (t("No"), COORDINATOR_MENU.data(item="invite"))]]), edit=edit)
        return
    await create(update, context, uses, edit=edit)


@coordinators_only
async def revoke_pressed(update: Update, context: BotContext) -> None:
    t, code, now, page = context.t, context.match["code"], context.now(), int(context.match["page"])
    if context.match["confirmed"] == "0":
        async with context.db.begin() as session:
            link = next((link for link in await invites.active(session, now) if link.code == code), None)
        if link is None:
            await acknowledge(update, t("This invite link is no longer active."), alert=True)
            await show_choice(update, context, edit=True, page=page)
            return
        await acknowledge(update)
        await respond(update, html(t("Revoke this invite link ({link})? Nobody can join with it any more; whoever "
                                     "opens it is told whom to ask.", link=_describe(context, link))),
                      keyboard([[(t("Yes, revoke it"), REVOKE.data(code=code, confirmed=1, page=page)),
                                 (t("No"), PAGE.data(page=page))]]), edit=True)
        return
    async with context.db.begin() as session:
        revoked = await invites.revoke(session, code, now)
    if revoked:
        log.info("User %s revoked an invite link", who(update.effective_user.id))
    await acknowledge(update, t("Revoked.") if revoked else t("This invite link is no longer active."))
    await show_choice(update, context, edit=True, page=page)


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


_REFUSALS = {
    invites.Refusal.REVOKED: N_("This invite link is no longer valid: it has been revoked."),
    invites.Refusal.EXPIRED: N_("This invite link is no longer valid: it has expired."),
    invites.Refusal.USED_UP: N_("This invite link is no longer valid: it has been used up."),
    invites.Refusal.UNKNOWN: N_("This invite link is no longer valid."),
}


async def accept(update: Update, context: BotContext) -> str | int:
    """/start with an invite code: makes the user a member if the code still has uses."""
    t = context.t
    code = rules.code_from_payload(context.args[0])
    if code is None:
        await respond(update, html(t("I do not know this link. Use /start to see what I can do.")))
        return ConversationHandler.END
    if context.role.at_least(Role.MEMBER):
        await respond(update, html(t("You are already a member of the council.")))
        return ConversationHandler.END
    now = context.now()
    user_id = update.effective_user.id
    async with context.db.begin() as session:
        accepted = await invites.take_use(session, code, now)
        organisation = None
        if accepted:
            await users.set_role(session, user_id, Role.MEMBER)
            pending = await join_requests.pending_for(session, user_id)
            if pending is not None:
                await join_requests.decide(session, pending.id, RequestStatus.APPROVED, user_id, now)
                await users.set_organisation(session, user_id, pending.organisation[:200])
            person = await users.get(session, user_id)
            organisation = person.organisation if person is not None else None
    if not accepted:
        async with context.db.begin() as session:
            why, made_by = await invites.why_refused(session, code, now)
        log.info("Invite link refused for user %s: %s", who(user_id), why.value)
        ask = (t("For a new link, please ask {name} or the council office ({office}), or ask to join with /join.",
                 name=made_by, office=context.content.contact.office.in_(t.language)) if made_by else
               t("For a new link, please ask the council office ({office}), or ask to join with /join.",
                 office=context.content.contact.office.in_(t.language)))
        await respond(update, html(t(_REFUSALS[why]) + " " + ask))
        return ConversationHandler.END
    context.account.role = Role.MEMBER
    await respond(update, bold(t("Welcome to the prevention council!")) + "\n\n" + html(
        t("You are now a member. You will get meeting notices and news here.")), main_menu(context))
    await publish_commands(context.bot, role=Role.MEMBER, language=context.language, chat_id=update.effective_chat.id)
    if organisation:  # named in a join request, or kept from an earlier membership
        return ConversationHandler.END
    shown = await respond(update, "\n".join([
        html(t("Which organisation, school, authority or town do you represent?")),
        html(t("It is shown beside your name in the council's lists. You can also skip this and add it later "
               "in your settings.")),
    ]), keyboard([[(t("Skip"), SKIP.data(action="skip"))]]))
    context.user_data[_DRAFT] = {"shown": shown}
    return ORGANISATION


async def organisation_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    organisation = await text_answer(update, context, ORGANISATION_LIMITS)
    if organisation is None:
        return ORGANISATION
    async with context.db.begin() as session:
        await users.set_organisation(session, update.effective_user.id, organisation)
    await remove_buttons(update, draft(context, _DRAFT).get("shown"))
    context.user_data.pop(_DRAFT, None)
    log.info("User %s named their organisation on joining by an invite link", who(update.effective_user.id))
    await respond(update, "\n".join([html(t("Saved.")),
                                     html(t("Organisation: {organisation}", organisation=organisation))]),
                  main_menu(context))
    return ConversationHandler.END


WELCOME = flow(
    "invited",
    entry_points=[CommandHandler("start", accept, has_args=True)],
    states={ORGANISATION: [MessageHandler(TEXT, organisation_typed)]},
    # Skipping is leaving the question: /cancel does the same.
    cancel_button=SKIP.matching(action="skip"),
    draft_key=_DRAFT,
    cancelled=N_("No organisation saved. You can add it later in your settings."),
    unexpected=N_("Please answer with a short text or use the buttons, or leave with /cancel."),
)


HANDLERS = [
    CommandHandler("invite", choose_uses),
    WELCOME,
    CallbackQueryHandler(uses_chosen, pattern=USES.pattern),
    CallbackQueryHandler(revoke_pressed, pattern=REVOKE.pattern),
    CallbackQueryHandler(page_chosen, pattern=PAGE.pattern),
    CallbackQueryHandler(choose_uses, pattern=COORDINATOR_MENU.matching(item="invite")),
]
REQUIRED_ROLES = {"/invite": Role.COORDINATOR, USES.prefix: Role.COORDINATOR, REVOKE.prefix: Role.COORDINATOR,
                  PAGE.prefix: Role.COORDINATOR, SKIP.prefix: Role.MEMBER}
MENU_ENTRIES = [MenuEntry(N_("Invite members"), COORDINATOR_MENU.data(item="invite"), COORDINATORS, (2, 2))]
