"""The console's aiohttp application on the bot's event loop: every request but the sign-in's needs a
session, whose person's role is asked of the database at that moment; every POST carries the
session's CSRF token; pages are Jinja2 templates shipped in the package (bot.web.pages)."""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.i18n import N_
from bot.live_content import LiveContent
from bot.settings import Settings
from bot.web.pages import (
    CONSOLE, COOKIE, FORM_EXPIRED, HERE, OPEN_PATHS, VISIT, Console, Visit, console_of, now, refuse, templates,
)
from bot.web.signin import SESSION_IDLE, digest, same
from bot.web.views import routes
from storage.console import access
from storage.db import Database

log = logging.getLogger(__name__)
SIGNED_OUT = N_("You are not signed in (any more). To sign in, send /web to the bot.")
FAILED = N_("Sorry, something went wrong on our side. Please try again in a moment.")
NOT_FOUND = N_("This page does not exist. Please use the links of the console.")
CANNOT_DO = N_("The console cannot do this. Please use its links and buttons.")
# Telegram's web client shows a Mini App in a frame of its own page.
FRAME_ANCESTORS = "'self' https://web.telegram.org"


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    # A connection's requests share one task and its context: each starts as nobody's.
    VISIT.set(Visit(console_of(request).settings.default_language))
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        # aiohttp's own error pages are English text: the console says it in the reader's language.
        response = refuse(request, NOT_FOUND if error.status == 404 else CANNOT_DO, status=error.status)
        if "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
    except Exception:  # noqa: BLE001 - a page that fails must not take the bot's process with it
        # The path only: a query may hold a sign-in token.
        log.exception("The web console failed on %s %s", request.method, request.path)
        response = refuse(request, FAILED, status=500)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-ancestors {FRAME_ANCESTORS}; form-action 'self'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The sign-in link's token must not travel on to another site in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def signed_in(request: web.Request, handler: Any) -> web.StreamResponse:
    """Finds the session and asks the database who its person is now; sends anyone else to sign in."""
    console = console_of(request)
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    cookie = request.cookies.get(COOKIE, "")
    moment = now()
    user = None
    if cookie:
        async with console.db.begin() as session:
            found = await access.touch_session(session, digest(cookie), moment, moment - SESSION_IDLE)
            user = await access.console_user(session, found.user_id) if found else None
            if found is not None and user is None:
                # A coordinator demoted, a lead no longer leading: their session ends with the role.
                await access.end_session(session, digest(cookie))
    if user is None:
        if request.method != "GET":
            return refuse(request, SIGNED_OUT)
        raise web.HTTPSeeOther(f"{console.base}/signin")
    VISIT.set(Visit(found.language, user, found.csrf, digest(cookie)))
    if request.method == "POST":
        form = await request.post()
        if not same(str(form.get("csrf", "")), found.csrf):
            log.warning("Refused a console POST to %s without the session's CSRF token", request.path)
            return refuse(request, FORM_EXPIRED)
    return await handler(request)


def build(db: Database, settings: Settings, live: LiveContent, wake_sender: Any, bot: Any = None) -> web.Application:
    app = web.Application(middlewares=[headers, signed_in], client_max_size=2**20)
    app[CONSOLE] = Console(db, settings, live, wake_sender, templates(settings.timezone), bot)
    app.add_routes(routes())
    app.router.add_static("/static/", HERE / "static")
    return app


class ConsoleServer:
    """Started beside the bot by `kpr-bot run` (bot.runner) when WEB_PORT is not 0."""

    def __init__(self, app: web.Application, settings: Settings) -> None:
        self.settings = settings
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self) -> bool:
        """False, logged, when the address is taken: the bot runs on without its console."""
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.web_listen, self.settings.web_port)
        try:
            await site.start()
        except OSError as error:
            log.error("The web console cannot listen on %s:%s (%s); the bot runs without it",
                      self.settings.web_listen, self.settings.web_port, error)
            await self.runner.cleanup()
            return False
        log.info("Web console on %s:%s, reached as %s", self.settings.web_listen, self.settings.web_port,
                 self.settings.web_url)
        return True

    async def stop(self) -> None:
        await self.runner.cleanup()
