"""The record of changes made in the console: who, when, what."""
from __future__ import annotations

import json

from aiohttp import web

from bot.i18n import Translator, translator
from bot.web.content_form import OTHER, OTHER_TITLE, SECTIONS
from bot.web.pages import console_of, refuse, render, visit
from bot.web.views.announcements import AUDIENCES
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
    values = dict(recorded["values"])
    # The record keeps keys (a part of the content, an audience): the reader sees their names.
    part, audience = str(values.get("part", "")), str(values.get("audience", ""))
    if part in SECTIONS or part == OTHER:
        values["part"] = t(SECTIONS[part][0] if part in SECTIONS else OTHER_TITLE)
    if audience in AUDIENCES:
        values["audience"] = t(AUDIENCES[audience])
    elif audience.startswith("group:"):
        values["audience"] = t("Group: {group}", group=f"#{audience.removeprefix('group:')}")
    return t(recorded["message"], **values)


ROUTES = [web.get("/changes", page)]
