"""The record of changes made in the console: who, when, what."""
from __future__ import annotations

import json

from aiohttp import web

from bot.i18n import Translator, translator
from bot.web.pages import console_of, refuse, render, visit
from bot.web.views.questions import COORDINATORS_ONLY
from storage.console import access


async def page(request: web.Request) -> web.Response:
    if not visit().user.coordinator:
        return refuse(request, COORDINATORS_ONLY)
    async with console_of(request).db.begin() as session:
        found = await access.changes(session, 200)
    t = translator(visit().language)
    return render(request, "changes.html", changes=[(change, said(t, change.what)) for change in found])


def said(t: Translator, what: str) -> str:
    """A recorded change in the reader's language."""
    recorded = json.loads(what)
    return t(recorded["message"], **recorded["values"])


ROUTES = [web.get("/changes", page)]
