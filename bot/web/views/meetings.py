"""Meetings with their answers; one meeting's attendance by name, and its list to download. Group
leads see their groups' meetings."""
from __future__ import annotations

from aiohttp import web

from bot.i18n import N_
from bot.web.pages import console_of, now, refuse, render, visit
from storage import meetings as stored
from storage.console import overview
from storage.models import Attendance

ANSWERS = {Attendance.YES: N_("Coming"), Attendance.MAYBE: N_("Maybe"), Attendance.NO: N_("Not coming"),
           None: N_("No answer yet")}
NOT_YOURS = N_("Only coordinators of the council and a group's leads may do this.")


async def listing(request: web.Request) -> web.Response:
    console, user, moment = console_of(request), visit().user, now()
    mine = None if user.coordinator else user.groups
    async with console.db.begin() as session:
        upcoming = await overview.meetings(session, since=moment, group_ids=mine, limit=100)
        past = await overview.meetings(session, until=moment, group_ids=mine, limit=30, latest_first=True)
    return render(request, "meetings.html", upcoming=upcoming, past=past, answers=ANSWERS)


async def attendance(request: web.Request) -> web.Response:
    console, user = console_of(request), visit().user
    async with console.db.begin() as session:
        meeting = await stored.get(session, int(request.match_info["id"]))
        if meeting is None or not user.may_lead(meeting.group_id):
            return refuse(request, NOT_YOURS, status=404 if meeting is None else 403)
        people = await stored.attendance_list(session, meeting.id)
    return render(request, "meeting.html", meeting=meeting, people=people, answers=ANSWERS)


ROUTES = [
    web.get("/meetings", listing),
    web.get("/meetings/{id:\\d+}", attendance),
]
