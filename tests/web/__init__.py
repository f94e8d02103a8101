"""Tests of the web console (bot/web): its safety and pages over HTTP, and in a real browser."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from aiohttp import web

from bot.web.server import build
from storage import groups, meetings
from storage.db import Database
from storage.models import Attendance, GroupKind
from tests.harness import Harness

COORD, LEAD, MEMBER, APPLICANT = 500, 2001, 2002, 3001
NOW = datetime.now(timezone.utc)
PEOPLE = {LEAD: "Lena Leitung", MEMBER: "Max Mitglied"}
NAMES = {COORD: "Katrin Vogel", APPLICANT: "Anna Antrag", **PEOPLE}


def console_app(h: Harness) -> web.Application:
    """The console on the harness's bot: the same content, database and outbox."""
    services = h.app.bot_data["services"]
    return build(h.db, services.settings, services.live, services.wake_sender, h.app.bot)


async def link(h: Harness, user_id: int) -> str | None:
    """What /web gives this person: the sign-in link, or None."""
    await h.send(user_id, "/web", language="en", name=NAMES[user_id])
    found = re.search(r"(http://\S+/login\?token=[\w-]+)", h.request.latest(user_id)["text"])
    return found.group(1) if found else None


async def a_group_led_by(db: Database, lead: int, name: str = "AG Schule") -> int:
    async with db.begin() as session:
        group = await groups.create(session, name=name, kind=GroupKind.WORKING_GROUP, description="", capacity=None,
                                    leads=[lead], created_by=COORD, now=NOW)
        return group.id


async def a_meeting(db: Database, group_id: int | None, title: str, starts_at: datetime) -> int:
    async with db.begin() as session:
        [meeting] = await meetings.create_series(session, title=title, dates=[starts_at], place="Kreishaus",
                                                 agenda="", agenda_file_id=None, repetition=None,
                                                 created_by=COORD, now=NOW, group_id=group_id)
        await meetings.answer(session, meeting.id, COORD, Attendance.YES, NOW)
        return meeting.id
