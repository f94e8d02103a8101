"""Members: organisation, role and groups; open requests approved or declined; roles changed. Group
leads see their groups' members only."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.commands import publish_commands
from bot.i18n import N_
from bot.pseudonym import who
from bot.web.pages import Console, console_of, now, refuse, render, visit
from storage import join_requests, permissions, users
from storage.console import access, overview
from storage.models import RequestStatus, Role

log = logging.getLogger(__name__)

ROLE_NAMES = {Role.APPLICANT: N_("Applicant"), Role.MEMBER: N_("Member"), Role.COORDINATOR: N_("Coordinator")}
COORDINATORS_ONLY = N_("Only coordinators of the council may do this.")
APPROVED = N_("approved the request to join of {name} ({organisation})")
DECLINED = N_("declined the request to join of {name} ({organisation})")
ROLE_GIVEN = N_("gave {name} the role {role}")
REFUSALS = {
    users.RoleChange.LAST_COORDINATOR: N_("{name} is the last coordinator; make someone else a coordinator first."),
    users.RoleChange.UNKNOWN: N_("This person is no longer known to the bot."),
    users.RoleChange.UNCHANGED: N_("{name} has this role already."),
}


async def _menu(console: Console, user_id: int, language: str | None, role: Role) -> None:
    """The person's command menu for their new role, as /members sets it (best effort: logged, not raised)."""
    if console.bot is not None:
        await publish_commands(console.bot, role=role, language=language or console.settings.default_language,
                               chat_id=user_id)


async def members(request: web.Request) -> web.Response:
    console, user = console_of(request), visit().user
    async with console.db.begin() as session:
        people = await overview.people(session, None if user.coordinator else user.groups)
        requests = await join_requests.all_pending(session) if user.coordinator else []
    return render(request, "members.html", people=people, requests=requests, role_names=ROLE_NAMES, roles=list(Role))


async def decide(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    form = await request.post()
    approve = form.get("verdict") == "approve"
    request_id = int(request.match_info["id"])
    applicant = None
    async with console.db.begin() as session:
        allowed = await permissions.may_act(session, user.id)  # in the transaction of the decision
        found = await join_requests.get(session, request_id) if allowed else None
        decided = found is not None and await join_requests.decide(
            session, request_id, RequestStatus.APPROVED if approve else RequestStatus.DECLINED, user.id, moment)
        if decided:
            applicant = await users.get(session, found.user_id)
            if approve and applicant is not None and applicant.role is Role.APPLICANT:
                await users.set_role(session, applicant.id, Role.MEMBER)
            await join_requests.tell_decision(session, found, approve, moment)
            await access.record(session, user, moment, APPROVED if approve else DECLINED, name=found.name,
                                organisation=found.organisation)
    if not allowed:
        return refuse(request, COORDINATORS_ONLY)
    if not decided:
        return refuse(request, N_("This request has already been decided."), status=409)
    log.info("Join request %s %s in the web console by %s", request_id, "approved" if approve else "declined",
             who(user.id))
    console.wake_sender()
    if approve and applicant is not None:
        await _menu(console, applicant.id, applicant.language, Role.MEMBER)
    raise web.HTTPSeeOther(f"{console.base}/members")


async def change_role(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    form = await request.post()
    target_id = int(request.match_info["id"])
    try:
        role = Role(str(form.get("role", "")))
    except ValueError:
        return refuse(request, N_("Please choose one of the roles shown."), status=400)
    async with console.db.begin() as session:
        await users.lock_coordinators(session)
        allowed = await permissions.may_act(session, user.id)
        target = await users.get(session, target_id) if allowed else None
        change = await users.change_role(session, target_id, role) if allowed else None
        if change is users.RoleChange.CHANGED:
            await users.tell_new_role(session, target_id, role, moment)
            await access.record(session, user, moment, ROLE_GIVEN, name=target.display_name, role=role.value)
    if not allowed:
        return refuse(request, COORDINATORS_ONLY)
    if change is not users.RoleChange.CHANGED:
        return refuse(request, REFUSALS[change], status=409, name=target.display_name if target else "")
    log.info("User %s gave user %s the role %s in the web console", who(user.id), who(target_id), role.value)
    console.wake_sender()
    await _menu(console, target_id, target.language, role)
    raise web.HTTPSeeOther(f"{console.base}/members")


ROUTES = [
    web.get("/members", members),
    web.post("/members/requests/{id:\\d+}", decide),
    web.post("/members/{id:\\d+}/role", change_role),
]
