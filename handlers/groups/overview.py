"""/groups: the working groups and local councils. Members join, leave and wait for a place; leads
and coordinators see the members (as messages and CSV), send the group an announcement, change or
cancel the group's scheduled ones, and plan its meetings; coordinators archive and restore groups and add or remove people by hand."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import MEMBERS, MenuEntry
from bot.i18n import N_, NP_, Translator
from bot.pseudonym import who
from bot.ptb.callbacks import ROW_ID, USER_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.dates import format_datetime
from bot.rules.groups import Joined, places_left
from bot.rules.membership import listed
from bot.rules.spreadsheet import filename, xlsx_bytes
from handlers.announcements.callbacks import DETAILS as ANNOUNCEMENT
from handlers.announcements.compose import FOR_GROUP as ANNOUNCE
from handlers.common.buttons import COORDINATOR_MENU, MEMBER_MENU, page_row
from handlers.common.outbox import Content
from handlers.common.permissions import coordinators_only, may_coordinate, may_lead
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html, snippet
from handlers.meetings.overview import split_lines
from handlers.meetings.plan import FROM_GROUP as PLAN_MEETING
from storage import groups as store
from storage import broadcasts, users
from storage.groups import GroupPerson
from storage.models import Group, GroupKind, GroupStatus, Role
from storage.outbox import DueRow

log = logging.getLogger(__name__)

LIST = Callback("grs", which="all|mine|archived")
CARD = Callback("grc", group=ROW_ID)
ACT = Callback("gr", group=ROW_ID, action="join|leave|leaveok|members|xlsx|scheduled")
ADMIN = Callback("gra", group=ROW_ID, action="archive|archiveok|restore")
# People picked from a list: added, removed or made lead by a coordinator.
PICK = Callback("grp", group=ROW_ID, action="add|remove|lead", page=r"\d{1,4}")
PERSON = Callback("grpu", group=ROW_ID, user=USER_ID, action="add|remove|removeok|lead|unlead")
# The edit flow (handlers.groups.edit) starts from this button on the card.
EDIT = Callback("gre", group=ROW_ID)
PAGE_SIZE = 8

KIND_NAMES = {GroupKind.WORKING_GROUP: N_("working group"), GroupKind.LOCAL_COUNCIL: N_("local prevention council")}
NOTICES = {
    "promoted": N_("A place came free in “{group}”: you were next on the waitlist and are a member now."),
    "added": N_("A coordinator added you to “{group}”."),
    "removed": N_("A coordinator took you out of “{group}”."),
    "archived": N_("“{group}” has been archived. It takes no sign-ups for now; your membership is kept."),
    "restored": N_("“{group}” is active again."),
    "lead": N_("A coordinator made you a lead of “{group}”: you see its members, can write to it and plan its "
               "meetings."),
    "unlead": N_("A coordinator ended your lead of “{group}”. You stay a member of the group."),
    "leaderless": N_("“{group}” has no lead any more. Please choose a new lead on the group's card."),
}


# After these the group's card has nothing for its reader but a Join button: the list of their groups.
_TO_THE_LIST = {"removed"}


async def render_notice(row: DueRow, t: Translator) -> Content:
    """A group's news with a button to its card (what the reader may do there is asked when pressed);
    to "My groups" after being taken out, and for news queued before it carried the group's id."""
    payload = row.payload or {}
    notice = NOTICES[payload["event"]]
    button = (t("Open the group"), CARD.data(group=payload["group_id"])) \
        if payload.get("group_id") and payload["event"] not in _TO_THE_LIST else (t("Groups"), LIST.data(which="mine"))
    return Content(html(t(notice, group=payload["group"])), keyboard([[button]]))


def _answer(t: Translator, given: Joined, place: int | None) -> str:
    return {
        Joined.MEMBER: t("Welcome: you are a member of the group now."),
        Joined.WAITING: t("The group is full: you are number {place} on the waitlist. You will be told when "
                          "a place comes free.", place=place),
        Joined.ALREADY: t("You are in this group, or on its waitlist, already."),
        Joined.CLOSED: t("This group is archived or no longer exists."),
    }[given]


async def overview(update: Update, context: BotContext, which: str = "all", *, edit: bool = False) -> None:
    t, user_id = context.t, update.effective_user.id
    coordinator = context.role is Role.COORDINATOR
    async with context.db.begin() as session:
        found = await store.listing(session, archived=which == "archived")
        mine = await store.memberships_of(session, user_id)
    if which == "mine":
        found = [g for g in found if g.id in mine]
    titles = {"all": t("Working groups and local councils"), "mine": t("My groups"),
              "archived": t("Archived groups")}
    lines = [bold(titles[which])]
    if not found:
        lines.append(html(t("None yet.") if which != "mine" else t("You are not in any group yet.")))
    rows = []
    for group in found:
        state = mine.get(group.id)
        mark = "⭐ " if state and state.lead else "✅ " if state and state.status is GroupStatus.MEMBER else \
            "⏳ " if state else ""
        rows.append([(mark + group.name[:50], CARD.data(group=group.id))])
        lines.append(f"• {html(group.name)} – {html(t(KIND_NAMES[group.kind]))}, {html(_places(t, group))}")
    navigation = [(t("All groups"), LIST.data(which="all")) if which != "all" else
                  (t("My groups"), LIST.data(which="mine"))]
    if coordinator and which != "archived":
        navigation.append((t("Archived groups"), LIST.data(which="archived")))
    rows.append(navigation)
    if coordinator:
        rows.append([(t("New group"), COORDINATOR_MENU.data(item="newgroup"))])
    await respond(update, "\n".join(lines), keyboard(rows), edit=edit)


def _places(t: Translator, group: Group) -> str:
    members = t.plural("{count} member", "{count} members", group.members)
    left = places_left(group.capacity, group.members)
    if left is None:
        return members
    return members + ", " + t.plural("{count} place left", "{count} places left", left)


async def card(update: Update, context: BotContext, group_id: int, *, edit: bool = True,
               note: str | None = None) -> None:
    t, user_id = context.t, update.effective_user.id
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
        people = await store.people(session, group_id) if group else []
        scheduled = len(await broadcasts.scheduled_to_group(session, group_id)) if group else 0
    if group is None:
        await acknowledge(update, t("This group is archived or no longer exists."), alert=True)
        return
    coordinator = context.role is Role.COORDINATOR
    mine = next((person for person in people if person.user_id == user_id), None)
    waiting = [person for person in people if person.status is GroupStatus.WAITING]
    leads = [person.name for person in people if person.lead and person.status is GroupStatus.MEMBER]
    lines = [bold(group.name) + " · " + html(t(KIND_NAMES[group.kind]))]
    if group.description:
        lines.append(html(group.description))
    lines.append("👥 " + html(_places(t, group)))
    if waiting:
        lines.append("⏳ " + html(t.plural("{count} on the waitlist", "{count} on the waitlist", len(waiting))))
    if leads:
        lines.append(html(t("Led by {names}", names=", ".join(leads))))
    if group.archived_at:
        lines.append("🗄 " + html(t("This group is archived.")))
    if mine is None:
        lines.append(html(t("You are not in this group.")))
    elif mine.status is GroupStatus.WAITING:
        lines.append(html(t("You are number {place} on the waitlist.", place=mine.place)))
    else:
        lines.append(html(t("You lead this group.") if mine.lead else t("You are a member of this group.")))
    if note:
        lines += ["", html(note)]
    rows = []
    if not group.archived_at:
        if mine is None:
            full = places_left(group.capacity, group.members) == 0
            rows.append([(t("Join the waitlist") if full else t("Join"), ACT.data(group=group.id, action="join"))])
        else:
            leave = t("Leave the waitlist") if mine.status is GroupStatus.WAITING else t("Leave the group")
            rows.append([(leave, ACT.data(group=group.id, action="leave"))])
    if coordinator or (mine is not None and mine.lead):
        rows.append([(t("Members"), ACT.data(group=group.id, action="members"))])
        if not group.archived_at:
            rows.append([(t("Announcement to the group"), ANNOUNCE.data(group=group.id)),
                         (t("Meeting of the group"), PLAN_MEETING.data(group=group.id))])
        if scheduled:
            # Leads cannot open /broadcasts (all of the council's): their group's planned ones are here.
            rows.append([(t("Scheduled announcements ({count})", count=scheduled),
                          ACT.data(group=group.id, action="scheduled"))])
    if coordinator:
        rows.append([(t("Edit"), EDIT.data(group=group.id)), (t("Leads"), PICK.data(group=group.id, action="lead", page=0))])
        rows.append([(t("Add someone"), PICK.data(group=group.id, action="add", page=0)),
                     (t("Remove someone"), PICK.data(group=group.id, action="remove", page=0))])
        rows.append([(t("Restore"), ADMIN.data(group=group.id, action="restore")) if group.archived_at else
                     (t("Archive"), ADMIN.data(group=group.id, action="archive"))])
    rows.append([(t("« All groups"), LIST.data(which="all"))])
    await respond(update, "\n".join(lines), keyboard(rows), edit=edit)


async def groups_command(update: Update, context: BotContext) -> None:
    await overview(update, context)


async def list_pressed(update: Update, context: BotContext) -> None:
    which = context.match["which"]
    if which == "archived" and not await may_coordinate(update, context):
        return
    await acknowledge(update)
    await overview(update, context, which, edit=True)


async def card_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await card(update, context, int(context.match["group"]))


async def act_pressed(update: Update, context: BotContext) -> None:
    t, now, user_id = context.t, context.now(), update.effective_user.id
    group_id, action = int(context.match["group"]), context.match["action"]
    if action == "join":
        async with context.db.begin() as session:
            given = await store.join(session, group_id, user_id, now)
            me = next((person for person in await store.people(session, group_id) if person.user_id == user_id), None)
        place = me.place if me is not None else None
        log.info("User %s pressed Join on group %s: %s", who(user_id), group_id, given.value)
        await acknowledge(update, _answer(t, given, place), alert=given is not Joined.MEMBER)
        if given is not Joined.CLOSED:
            await card(update, context, group_id)
        return
    if action == "leave":
        async with context.db.begin() as session:
            group = await store.get(session, group_id)
            row = await store.membership(session, group_id, user_id)
        if group is None or row is None:
            await acknowledge(update, t("You are not in this group."), alert=True)
            return
        await acknowledge(update)
        question = (t("Leave the waitlist of “{group}”?", group=group.name) if row.status is GroupStatus.WAITING
                    else t("Leave “{group}”? If it is full, your place goes to the next on the waitlist.",
                           group=group.name))
        await respond(update, html(question), keyboard([[(t("Yes, leave"), ACT.data(group=group_id, action="leaveok")),
                                                         (t("No"), CARD.data(group=group_id))]]), edit=True)
        return
    if action == "leaveok":
        async with context.db.begin() as session:
            led = await store.is_lead(session, group_id, user_id)
            was, promoted = await store.leave(session, group_id, user_id)
            group = await store.get(session, group_id)
            if promoted and group is not None:
                await store.send_notice(session, group, "promoted", promoted, now)
            told = await store.tell_if_leaderless(session, group_id, now) if led else 0
        if was is None:
            await acknowledge(update, t("You are not in this group."), alert=True)
            return
        log.info("User %s left group %s (%s); promoted %s", who(user_id), group_id, was.value, promoted)
        await acknowledge(update, t("Done: you are no longer in the group."))
        await card(update, context, group_id)
        if promoted or told:
            context.services.wake_sender()
        return
    # The member list and its spreadsheet: for the group's leads and for coordinators, checked now.
    if not await may_lead(update, context, group_id):
        return
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
        people = await store.people(session, group_id) if group else []
    if group is None:
        await acknowledge(update, t("This group is archived or no longer exists."), alert=True)
        return
    await acknowledge(update)
    if action == "scheduled":
        await show_scheduled(update, context, group)
        return
    if action == "members":
        for part in member_messages(t, group, people):
            await respond(update, part)
        await respond(update, html(t("The list as a table:")),
                      keyboard([[(t("Download as a spreadsheet"), ACT.data(group=group_id, action="xlsx"))]]))
    else:
        # Telegram ids only for coordinators, who may need them to find someone; a lead gets names.
        header, rows = member_table(t, people, with_ids=context.role is Role.COORDINATOR)
        await update.effective_chat.send_document(xlsx_bytes(group.name, header, rows, context.settings.timezone),
                                                  filename=filename(group.name))


async def show_scheduled(update: Update, context: BotContext, group: Group) -> None:
    """The group's announcements waiting for their time, each opening its card (new text, send now, cancel)."""
    t = context.t
    async with context.db.begin() as session:
        planned = await broadcasts.scheduled_to_group(session, group.id)
    if not planned:
        await respond(update, html(t("No announcements to “{group}” are scheduled.", group=group.name)),
                      keyboard([[(t("« Back"), CARD.data(group=group.id))]]), edit=True)
        return
    lines = [bold(t("Scheduled announcements to “{group}”", group=group.name))]
    rows = []
    for b in planned:
        when = format_datetime(b.send_at, context.settings.timezone, context.language)
        lines.append(f"\n<b>#{b.id}</b> {html(when)}\n{html(snippet(b.text))}")
        rows.append([(t("Details #{id}", id=b.id), ANNOUNCEMENT.data(broadcast=b.id))])
    rows.append([(t("« Back"), CARD.data(group=group.id))])
    await respond(update, "\n".join(lines), keyboard(rows), edit=True)


def member_table(t: Translator, people: list[GroupPerson], *, with_ids: bool) -> tuple[list[str], list[list]]:
    """The header and rows of a group's export, in the reader's language: leads, members, the waitlist."""
    header = [t("Name"), t("Organisation"), t("In the group as"), t("Since")]
    rows = [[person.name, person.organisation,
             t("lead") if person.lead else t("member") if person.status is GroupStatus.MEMBER
             else t("waitlist, number {place}", place=person.place), person.joined_at] for person in people]
    if with_ids:
        header.append(t("Telegram ID"))
        for row, person in zip(rows, people):
            row.append(person.user_id)
    return header, rows


def member_messages(t: Translator, group: Group, people: list[GroupPerson]) -> list[str]:
    """Names by leads, members and the waitlist (numbered: its order is who gets the next place),
    split into messages below Telegram's limit."""
    members = [person for person in people if person.status is GroupStatus.MEMBER]
    waiting = [person for person in people if person.status is GroupStatus.WAITING]
    lines = [bold(group.name)]
    for words, names in ((NP_("{count} lead", "{count} leads"), [_listed(p) for p in members if p.lead]),
                         (NP_("{count} member", "{count} members"), [_listed(p) for p in members if not p.lead])):
        lines += ["", bold(t.plural(*words, len(names)))] + [f"• {html(name)}" for name in names]
    lines += ["", bold(t.plural("{count} on the waitlist", "{count} on the waitlist", len(waiting)))]
    lines += [f"{person.place}. {html(_listed(person))}" for person in waiting]
    return split_lines(lines)


def _listed(person: GroupPerson) -> str:
    return listed(person.name, person.organisation)


@coordinators_only
async def admin_pressed(update: Update, context: BotContext) -> None:
    t, now = context.t, context.now()
    group_id, action = int(context.match["group"]), context.match["action"]
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
    if group is None:
        await acknowledge(update, t("This group is archived or no longer exists."), alert=True)
        return
    if action == "archive":
        await acknowledge(update)
        await respond(update, html(t("Archive “{group}”? Its members are told; it takes no sign-ups until it is "
                                     "restored.", group=group.name)),
                      keyboard([[(t("Yes, archive it"), ADMIN.data(group=group_id, action="archiveok")),
                                 (t("No"), CARD.data(group=group_id))]]), edit=True)
        return
    archive = action == "archiveok"
    async with context.db.begin() as session:
        changed = await store.set_archived(session, group_id, now if archive else None)
        if changed:
            await store.send_notice(session, group, "archived" if archive else "restored", None, now)
    if not changed:
        await acknowledge(update, t("Nothing to do: it was so already."), alert=True)
        return
    log.info("User %s %s group %s", who(update.effective_user.id), "archived" if archive else "restored", group_id)
    await acknowledge(update, t("Done."))
    await card(update, context, group_id)
    context.services.wake_sender()


@coordinators_only
async def pick_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await show_pick(update, context, int(context.match["group"]), context.match["action"], int(context.match["page"]))


async def show_pick(update: Update, context: BotContext, group_id: int, action: str, page: int) -> None:
    """A page of people to add, remove, or make lead."""
    t = context.t
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
        people = await store.people(session, group_id)
        council = await users.with_role(session, Role.MEMBER) + await users.with_role(session, Role.COORDINATOR)
    if group is None:
        await respond(update, html(t("This group is archived or no longer exists.")), edit=True)
        return
    inside = {person.user_id for person in people if person.status is GroupStatus.MEMBER}
    if action == "add":
        choices = sorted(((u.id, u.display_name, "add") for u in council if u.id not in inside), key=lambda c: c[1])
        question = t("Whom do you add to “{group}”?", group=group.name)
    elif action == "remove":
        choices = [(p.user_id, p.name + (" ⏳" if p.status is GroupStatus.WAITING else ""), "remove") for p in people]
        question = t("Whom do you take out of “{group}”?", group=group.name)
    else:
        choices = [(p.user_id, ("⭐ " if p.lead else "") + p.name, "unlead" if p.lead else "lead")
                   for p in people if p.status is GroupStatus.MEMBER]
        question = t("Tap a member to make them lead, or a lead (⭐) to end that.")
    shown = choices[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = [[(name[:40], PERSON.data(group=group_id, user=uid, action=act))] for uid, name, act in shown]
    navigation = page_row(t, page, (page + 1) * PAGE_SIZE < len(choices),
                          lambda n: PICK.data(group=group_id, action=action, page=n), back=N_("« Back"))
    rows += [navigation, [(t("Done"), CARD.data(group=group_id))]]
    text = question if choices else t("Nobody to choose.")
    await respond(update, html(text), keyboard(rows), edit=True)


@coordinators_only
async def person_pressed(update: Update, context: BotContext) -> None:
    t, now = context.t, context.now()
    group_id, user_id, action = int(context.match["group"]), int(context.match["user"]), context.match["action"]
    async with context.db.begin() as session:
        group = await store.get(session, group_id)
        person = await users.get(session, user_id)
    if group is None or person is None:
        await acknowledge(update, t("This group or person is no longer known."), alert=True)
        return
    if action == "remove":
        await acknowledge(update)
        await respond(update, html(t("Take {name} out of “{group}”? They are told.", name=person.display_name,
                                     group=group.name)),
                      keyboard([[(t("Yes, take them out"), PERSON.data(group=group_id, user=user_id, action="removeok")),
                                 (t("No"), CARD.data(group=group_id))]]), edit=True)
        return
    note = None
    async with context.db.begin() as session:
        if action == "add":
            if not person.role.at_least(Role.MEMBER):
                note = t("{name} is not in the council.", name=person.display_name)
            else:
                given = await store.add_by_hand(session, group_id, user_id, now)
                note = {Joined.MEMBER: t("{name} is in the group now.", name=person.display_name),
                        Joined.ALREADY: t("{name} is in the group already.", name=person.display_name),
                        Joined.WAITING: t("The group is full ({count} places). Raise the capacity first.",
                                          count=group.capacity or 0),
                        Joined.CLOSED: t("This group is archived or no longer exists.")}[given]
                if given is Joined.MEMBER:
                    await store.send_notice(session, group, "added", [user_id], now)
        elif action == "removeok":
            led = await store.is_lead(session, group_id, user_id)
            was, promoted = await store.leave(session, group_id, user_id)
            if was is None:
                note = t("{name} is not in this group.", name=person.display_name)
            else:
                note = t("{name} is no longer in the group.", name=person.display_name)
                await store.send_notice(session, group, "removed", [user_id], now)
                if promoted:
                    await store.send_notice(session, group, "promoted", promoted, now)
                if led:
                    await store.tell_if_leaderless(session, group_id, now, but=update.effective_user.id)
        else:
            lead = action == "lead"
            if await store.is_lead(session, group_id, user_id) is lead:
                note = t("{name} leads the group already.", name=person.display_name) if lead else \
                    t("{name} does not lead the group.", name=person.display_name)
            elif not await store.set_lead(session, group_id, user_id, lead):
                note = t("Only a member of the group can lead it.")
            else:
                await store.send_notice(session, group, action, [user_id], now)
                if not lead:
                    await store.tell_if_leaderless(session, group_id, now, but=update.effective_user.id)
    await acknowledge(update, t("Done.") if note is None else None)
    log.info("User %s: %s user %s in group %s", who(update.effective_user.id), action, who(user_id), group_id)
    context.services.wake_sender()
    if action in ("lead", "unlead") and note is None:
        await show_pick(update, context, group_id, "lead", 0)
        return
    await card(update, context, group_id, note=note)


async def groups_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await overview(update, context)


HANDLERS = [
    CommandHandler("groups", groups_command),
    CallbackQueryHandler(list_pressed, pattern=LIST.pattern),
    CallbackQueryHandler(card_pressed, pattern=CARD.pattern),
    CallbackQueryHandler(act_pressed, pattern=ACT.pattern),
    CallbackQueryHandler(admin_pressed, pattern=ADMIN.pattern),
    CallbackQueryHandler(pick_pressed, pattern=PICK.pattern),
    CallbackQueryHandler(person_pressed, pattern=PERSON.pattern),
    CallbackQueryHandler(groups_from_menu, pattern=MEMBER_MENU.matching(item="groups")),
]
# Members and lists for a group's leads too: handlers.common.permissions.may_lead() checks each press.
REQUIRED_ROLES = {
    "/groups": Role.MEMBER,
    LIST.prefix: Role.MEMBER,
    CARD.prefix: Role.MEMBER,
    ACT.prefix: Role.MEMBER,
    ADMIN.prefix: Role.COORDINATOR,
    PICK.prefix: Role.COORDINATOR,
    PERSON.prefix: Role.COORDINATOR,
    EDIT.prefix: Role.COORDINATOR,
}
MENU_ENTRIES = [MenuEntry(N_("Groups"), MEMBER_MENU.data(item="groups"), MEMBERS, (1, 1))]
