"""/members: coordinators see join requests and members, approve or decline, and change roles."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import COORDINATORS, MenuEntry, publish_commands
from bot.i18n import N_, Translator, translator
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, USER_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.membership import ROLE_CHANGE_REFUSALS, ROLE_NAMES, listed
from handlers.common.buttons import COORDINATOR_MENU, ORGANISATION, page_row
from handlers.common.outbox import Content
from handlers.common.permissions import coordinators_only, refuse
from handlers.common.respond import acknowledge, best_effort, respond
from handlers.common.text import bold, html
from storage import groups, join_requests, permissions, users
from storage.models import DeliveryKind, RequestStatus, Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

PAGE_SIZE = 8
# Approve ("a") at once; Decline ("d") asks first and offers to give a reason (handlers.membership.decline).
DECIDE = Callback("jr", request=ROW_ID, verdict="a|d")
PAGE = Callback("mems", page=r"\d{1,5}")
CARD = Callback("mem", user=USER_ID, page=r"\d{1,5}")
ROLE = Callback("role", user=USER_ID, role="applicant|member|coordinator", confirmed="0|1")


async def show_page(update: Update, context: BotContext, page: int, *, edit: bool = False) -> None:
    t = context.t
    async with context.db.begin() as session:
        pending = await join_requests.all_pending(session)
        people, total = await users.page_of_members(session, page * PAGE_SIZE, PAGE_SIZE)
    lines = [bold(t.plural("{count} open join request", "{count} open join requests", len(pending)))]
    rows = []
    for request in pending[:PAGE_SIZE]:
        lines.append(f"• {html(listed(request.name, request.organisation))}")
        rows.append([(t("Approve {name}", name=request.name[:30]), DECIDE.data(request=request.id, verdict="a")),
                     (t("Decline"), DECIDE.data(request=request.id, verdict="d"))])
    lines += ["", bold(t.plural("{count} person in the council", "{count} people in the council", total))]
    for person in people:
        lines.append(f"• {html(listed(person.display_name, person.organisation))} – {html(t(ROLE_NAMES[person.role]))}")
        rows.append([(person.display_name[:40], CARD.data(user=person.id, page=page))])
    pages = max(1, -(-total // PAGE_SIZE))
    rows.append(page_row(t, page, page + 1 < pages, lambda n: PAGE.data(page=n), back=N_("« Back")))
    if pages > 1:
        lines.append(html(t("Page {page} of {pages}", page=page + 1, pages=pages)))
    await respond(update, "\n".join(lines), keyboard(rows), edit=edit)


@coordinators_only
async def members_command(update: Update, context: BotContext) -> None:
    await show_page(update, context, page=0)


@coordinators_only
async def members_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show_page(update, context, page=0)


@coordinators_only
async def page_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show_page(update, context, page=int(context.match["page"]), edit=True)


@coordinators_only
async def card_pressed(update: Update, context: BotContext) -> None:
    await show_card(update, context, int(context.match["user"]), int(context.match["page"]), edit=True)


async def show_card(update: Update, context: BotContext, user_id: int, page: int, *, edit: bool,
                    answered: bool = False) -> None:
    """A person's card in /members: name, organisation, role, and what a coordinator can change.
    `answered`: the press was answered already, and Telegram takes one answer to a press only."""
    t = context.t
    async with context.db.begin() as session:
        person = await users.get(session, user_id)
    if person is None:
        await gone(update, context, answered=answered)
        return
    if not answered:
        await acknowledge(update)
    text = "\n".join([bold(person.display_name),
                      html(t("Organisation: {organisation}", organisation=person.organisation or t("not known"))),
                      html(t("Role: {role}", role=t(ROLE_NAMES[person.role])))])
    actions = {
        Role.COORDINATOR: t("Make coordinator"),
        Role.MEMBER: t("Make member"),
        Role.APPLICANT: t("Remove from the council"),
    }
    rows = [[(label, ROLE.data(user=person.id, role=role.value, confirmed=0))]
            for role, label in actions.items() if role is not person.role]
    if person.role.at_least(Role.MEMBER):
        rows.append([(t("Change organisation"), ORGANISATION.data(user=person.id))])
    rows.append([(t("« Back"), PAGE.data(page=page))])
    await respond(update, text, keyboard(rows), edit=edit)


async def gone(update: Update, context: BotContext, *, answered: bool = False) -> None:
    """That the person is not there any more (erased meanwhile): on the press, or as a message."""
    text = context.t("This person is no longer known to the bot.")
    if update.callback_query is not None and not answered:
        await acknowledge(update, text, alert=True)
    else:
        await respond(update, html(text))


async def role_pressed(update: Update, context: BotContext) -> None:
    t, now = context.t, context.now()
    target_id, new_role = int(context.match["user"]), Role(context.match["role"])
    confirmed = context.match["confirmed"] == "1"
    async with context.db.begin() as session:
        # Checked in the transaction of the change, under the lock on the coordinators' rows: a role is
        # the key to everything else, and a coordinator being demoted at this moment must not act.
        await users.lock_coordinators(session)
        allowed = await permissions.may_act(session, update.effective_user.id)
        target = await users.get(session, target_id) if allowed else None
        change = None if target is None else await users.change_role(
            session, target_id, new_role, check_only=not confirmed)
        if confirmed and change is users.RoleChange.CHANGED:
            await users.tell_new_role(session, target_id, new_role, now)
            if new_role is Role.APPLICANT:
                # A lead acts only while in the council: their groups may be left without one, which the
                # coordinators hear as when the last lead leaves (the one who did it knows).
                for group_id in await groups.end_leads(session, target_id):
                    await groups.tell_if_leaderless(session, group_id, now, but=update.effective_user.id)
        # Asked before someone is taken out of the council: which leads that ends.
        led = await groups.led_by(session, target_id) \
            if not confirmed and change is users.RoleChange.CHANGED and new_role is Role.APPLICANT else []
    if not allowed:
        await refuse(update, context)
        return
    if target is None or change is users.RoleChange.UNKNOWN:
        await acknowledge(update, t("This person is no longer known to the bot."), alert=True)
        return
    problem = ROLE_CHANGE_REFUSALS.get(change)
    if problem is not None:
        await acknowledge(update, t(problem, name=target.display_name), alert=True)
        return
    await acknowledge(update)
    role_name = t(ROLE_NAMES[new_role])
    if not confirmed:
        question = html(t("Give {name} the role {role}?", name=target.display_name, role=role_name))
        if led:
            question += "\n" + html(t("{name} will then no longer lead: {groups}.", name=target.display_name,
                                       groups=", ".join(group.name for group in led)))
        await respond(update, question, keyboard([[
            (t("Yes, change it"), ROLE.data(user=target_id, role=new_role.value, confirmed=1)),
            (t("No"), CARD.data(user=target_id, page=0)),
        ]]), edit=True)
        return
    log.info("User %s gave user %s the role %s", who(update.effective_user.id), who(target_id), new_role.value)
    context.services.wake_sender()
    await respond(update, html(t("{name} now has the role {role}.", name=target.display_name, role=role_name)), edit=True)
    await update_commands(update, context, target_id, target.language, new_role)


async def update_commands(update: Update, context: BotContext, user_id: int, language: str | None,
                          role: Role) -> None:
    """Gives the person the command menu of their new role: a setting of their chat, not a message,
    so not the outbox's; best effort, since the commands work without it."""
    language = language or context.settings.default_language
    await best_effort(publish_commands(context.bot, role=role, language=language, chat_id=user_id), update)


_ROLE_NEWS = {
    Role.COORDINATOR: N_("You are now a coordinator of the council. /help shows your new commands."),
    Role.MEMBER: N_("You are now a member of the council. /help shows what you can do."),
    Role.APPLICANT: N_("You are no longer a member of the council. You can still ask me about funding."),
}
_DECLINED = N_("Your request to join the council was not approved. "
               "If you have questions, please contact the council office.")


async def render_news(row: DueRow, t: Translator) -> Content:
    """What the delivery engine sends a person about their place in the council: a new role, or the
    coordinators' decision on their request to join (approved: they are a member now)."""
    payload = row.payload or {}
    if row.kind is DeliveryKind.ROLE:
        return Content(html(t(_ROLE_NEWS[Role(payload["role"])])))
    if payload["approved"]:
        return Content(html(t(_ROLE_NEWS[Role.MEMBER])))
    text = html(t(_DECLINED))
    if payload.get("reason"):
        text += "\n\n" + html(t("The coordinators' reason: {reason}", reason=payload["reason"]))
    return Content(text)


async def approve_pressed(update: Update, context: BotContext) -> None:
    """Approve, on a request or in /members; Decline is a flow of its own (handlers.membership.decline)."""
    await decide(update, context, int(context.match["request"]), approve=True)


async def decide(update: Update, context: BotContext, request_id: int, *, approve: bool,
                 reason: str | None = None) -> bool:
    """Decides a request, tells the applicant (with the reason for a decline, if one was given) and
    closes every coordinator's copy; False when it was decided already or the person may not."""
    t = context.t
    now = context.now()
    coordinator_id = update.effective_user.id
    async with context.db.begin() as session:
        allowed = await permissions.may_act(session, coordinator_id)  # in the transaction of the decision
        request = await join_requests.get(session, request_id) if allowed else None
        decided = request is not None and await join_requests.decide(
            session, request_id, RequestStatus.APPROVED if approve else RequestStatus.DECLINED, coordinator_id, now)
        applicant = await users.get(session, request.user_id) if decided else None
        if applicant is not None:
            if approve and applicant.role is Role.APPLICANT:
                await users.set_role(session, applicant.id, Role.MEMBER)
            if approve:
                # What they named when asking to join: lists for the council show it from now on.
                await users.set_organisation(session, applicant.id, request.organisation[:200])
            await join_requests.tell_decision(session, request, approve, now, reason=reason)
        copies = await join_requests.close_copies(session, request_id) if decided else []
    if not allowed:
        await refuse(update, context)
        return False
    if not decided:
        await acknowledge(update, t("This request has already been decided."), alert=True)
        return False
    await acknowledge(update, t("Done."))
    log.info("Join request %s %s by coordinator %s", request_id, "approved" if approve else "declined", who(coordinator_id))
    context.services.wake_sender()
    await _close_copies(update, context, copies, request.name, approve, update.effective_user.full_name)
    pressed = update.callback_query.message if update.callback_query else None
    if approve and pressed and not any(c.message_id == pressed.message_id and c.chat_id == update.effective_chat.id
                                       for c in copies):
        # Pressed in /members rather than on the request's own message: refresh the list.
        await show_page(update, context, page=0, edit=True)
    if applicant is not None and approve:
        await update_commands(update, context, applicant.id, applicant.language, Role.MEMBER)
    return True


async def _close_copies(update: Update, context: BotContext, copies: list[join_requests.SentCopy], name: str,
                        approved: bool, by: str) -> None:
    """Replaces the buttons on every coordinator's copy of the request with who decided it: changes to
    messages sent before, each best effort (a copy deleted meanwhile changes nothing)."""
    for copy in copies:
        t = translator(copy.language or context.settings.default_language)
        verdict = t("Approved by {by}.", by=by) if approved else t("Declined by {by}.", by=by)
        await best_effort(context.bot.edit_message_text(
            f"{bold(t('Join request'))}: {html(name)}\n\n{html(verdict)}",
            chat_id=copy.chat_id, message_id=copy.message_id, parse_mode="HTML"), update)


HANDLERS = [
    CommandHandler("members", members_command),
    CallbackQueryHandler(page_pressed, pattern=PAGE.pattern),
    CallbackQueryHandler(card_pressed, pattern=CARD.pattern),
    CallbackQueryHandler(role_pressed, pattern=ROLE.pattern),
    CallbackQueryHandler(approve_pressed, pattern=DECIDE.matching(verdict="a")),
    CallbackQueryHandler(members_from_menu, pattern=COORDINATOR_MENU.matching(item="members")),
]
REQUIRED_ROLES = {
    "/members": Role.COORDINATOR,
    DECIDE.prefix: Role.COORDINATOR,
    PAGE.prefix: Role.COORDINATOR,
    CARD.prefix: Role.COORDINATOR,
    ROLE.prefix: Role.COORDINATOR,
}
MENU_ENTRIES = [MenuEntry(N_("Members"), COORDINATOR_MENU.data(item="members"), COORDINATORS, (4, 2))]
