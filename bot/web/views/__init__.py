"""The console's pages, one module per part; each declares its ROUTES."""
from __future__ import annotations

from aiohttp import web

from bot.web.views import announcements, auth, changes, content, dashboard, exports, meetings, members, questions


def routes() -> list[web.RouteDef]:
    return [route for module in (auth, dashboard, members, meetings, announcements, questions, content, exports,
                                 changes) for route in module.ROUTES]
