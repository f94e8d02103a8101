"""The record of changes made in the console: who, when, what."""
from __future__ import annotations

from aiohttp import web

from bot.web.pages import console_of, refuse, render, visit
from bot.web.views.questions import COORDINATORS_ONLY
from storage.console import access


async def page(request: web.Request) -> web.Response:
    if not visit().user.coordinator:
        return refuse(request, COORDINATORS_ONLY)
    async with console_of(request).db.begin() as session:
        found = await access.changes(session, 200)
    return render(request, "changes.html", changes=found)


ROUTES = [web.get("/changes", page)]
