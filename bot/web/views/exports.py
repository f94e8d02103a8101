"""The lists to download, in one place: members, a group's members, a meeting's attendance. Each is a
table handed to `table_file`, the one seam where the file format is chosen."""
from __future__ import annotations

from aiohttp import web

from bot.i18n import translator
from bot.rules.csvfile import csv_bytes
from bot.web.pages import console_of, now, refuse, render, visit
from bot.web.views.meetings import ANSWERS, NOT_YOURS
from bot.web.views.members import ROLE_NAMES
from storage import groups, meetings
from storage.console import overview


def table_file(name: str, header: list[str], rows: list[list[object]]) -> web.Response:
    """A table as a download. CSV for now (UTF-8 with BOM, formulas defused: bot.rules.csvfile); the
    bot's .xlsx writer takes this place once it is there, for every list at once."""
    return web.Response(body=csv_bytes(header, rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


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
    return table_file("members", [t("Name"), t("Organisation"), t("Role"), t("Groups")],
                      [[p.name, p.organisation, t(ROLE_NAMES[p.role]), ", ".join(p.groups)] for p in people])


async def group_list(request: web.Request) -> web.Response:
    user, t = visit().user, translator(visit().language)
    group_id = int(request.match_info["id"])
    if not user.may_lead(group_id):
        return refuse(request, NOT_YOURS)
    async with console_of(request).db.begin() as session:
        people = await groups.people(session, group_id)
    return table_file(f"group-{group_id}", [t("Name"), t("Lead"), t("Waitlist place")],
                      [[p.name, t("yes") if p.lead else "", p.place or ""] for p in people])


async def attendance_list(request: web.Request) -> web.Response:
    user, t = visit().user, translator(visit().language)
    async with console_of(request).db.begin() as session:
        meeting = await meetings.get(session, int(request.match_info["id"]))
        if meeting is None or not user.may_lead(meeting.group_id):
            return refuse(request, NOT_YOURS)
        people = await meetings.attendance_list(session, meeting.id)
    return table_file(f"attendance-{meeting.id}", [t("Name"), t("Answer")],
                      [[p.name, t(ANSWERS[p.answer])] for p in people])


ROUTES = [
    web.get("/exports", page),
    web.get("/exports/members", members_list),
    web.get("/exports/groups/{id:\\d+}", group_list),
    web.get("/exports/meetings/{id:\\d+}", attendance_list),
]
