"""The lists to download, in one place: members, a group's members, a meeting's attendance, each an
.xlsx file made by the bot's own spreadsheet writer."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from bot.i18n import translator
from bot.rules.spreadsheet import XLSX_TYPE, filename, xlsx_bytes
from bot.web.pages import console_of, now, refuse, render, visit
from bot.web.views.meetings import ANSWERS, NOT_YOURS
from bot.web.views.members import ROLE_NAMES
from storage import groups, meetings
from storage.console import overview


def table_file(title: str, header: list[str], rows: list[list[object]], zone: ZoneInfo) -> web.Response:
    """A table as an .xlsx download, made as the bot makes its lists (bot.rules.spreadsheet)."""
    return web.Response(body=xlsx_bytes(title, header, rows, zone), content_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{filename(title)}"'})


async def page(request: web.Request) -> web.Response:
    console, user = console_of(request), visit().user
    async with console.db.begin() as session:
        found = [g for g in await groups.listing(session) if user.may_lead(g.id)]
        recent = await overview.meetings(session, until=now(), group_ids=None if user.coordinator else user.groups,
                                         limit=20, latest_first=True)
        upcoming = await overview.meetings(session, since=now(), group_ids=None if user.coordinator else user.groups,
                                           limit=20)
    return render(request, "exports.html", groups=found, meetings=upcoming + recent)


async def members_list(request: web.Request) -> web.Response:
    user, t = visit().user, translator(visit().language)
    if not user.coordinator:
        return refuse(request, NOT_YOURS)
    async with console_of(request).db.begin() as session:
        people = await overview.people(session)
    return table_file(t("Members"), [t("Name"), t("Organisation"), t("Role"), t("Groups")],
                      [[p.name, p.organisation, t(ROLE_NAMES[p.role]), ", ".join(p.groups)] for p in people],
                      console_of(request).settings.timezone)


async def group_list(request: web.Request) -> web.Response:
    user, t = visit().user, translator(visit().language)
    group_id = int(request.match_info["id"])
    if not user.may_lead(group_id):
        return refuse(request, NOT_YOURS)
    async with console_of(request).db.begin() as session:
        group = await groups.get(session, group_id)
        people = await groups.people(session, group_id)
    if group is None:
        raise web.HTTPNotFound()
    return table_file(group.name, [t("Name"), t("Lead"), t("Waitlist place")],
                      [[p.name, t("yes") if p.lead else None, p.place] for p in people],
                      console_of(request).settings.timezone)


async def attendance_list(request: web.Request) -> web.Response:
    user, t = visit().user, translator(visit().language)
    async with console_of(request).db.begin() as session:
        meeting = await meetings.get(session, int(request.match_info["id"]))
        if meeting is None or not user.may_lead(meeting.group_id):
            return refuse(request, NOT_YOURS)
        people = await meetings.attendance_list(session, meeting.id)
    return table_file(f"{meeting.title} {meeting.starts_at.astimezone(console_of(request).settings.timezone):%Y-%m-%d}",
                      [t("Name"), t("Answer")], [[p.name, t(ANSWERS[p.answer])] for p in people],
                      console_of(request).settings.timezone)


ROUTES = [
    web.get("/exports", page),
    web.get("/exports/members", members_list),
    web.get("/exports/groups/{id:\\d+}", group_list),
    web.get("/exports/meetings/{id:\\d+}", attendance_list),
]
