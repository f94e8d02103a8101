"""What every page of the console works with: the console's parts, who is asking (the visit), and
rendering a template shipped in the package, or a refusal that says why."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.content import place_words
from bot.i18n import N_, translator
from bot.live_content import LiveContent
from bot.settings import Settings
from storage.console import access
from storage.db import Database

HERE = Path(__file__).parent
COOKIE = "kpr_console"
# Reachable without a session: the sign-in page and what it needs.
FORM_EXPIRED = N_("This form has expired. Please load the page again and repeat.")
OPEN_PATHS = ("/signin", "/login", "/miniapp", "/static/")


@dataclass(frozen=True)
class Console:
    """What the pages work with."""

    db: Database
    settings: Settings
    live: LiveContent
    wake_sender: Any  # () -> None: new outbox rows are due
    templates: jinja2.Environment
    bot: Any = None  # the bot, for a person's command menu after a role change (a setting, not a message)

    @property
    def base(self) -> str:
        """The path the console lives under behind a proxy (WEB_URL's path), for links."""
        return urlsplit(self.settings.web_url).path.rstrip("/")


CONSOLE = web.AppKey("console", Console)


@dataclass(frozen=True)
class Visit:
    """Who is asking, as the middleware found out for this request (a context variable: aiohttp runs
    the middleware and the page in one task)."""

    language: str
    user: access.ConsoleUser | None = None
    csrf: str = ""
    session_hash: str = ""


VISIT: ContextVar[Visit] = ContextVar("console_visit")


def visit() -> Visit:
    return VISIT.get()


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def now() -> datetime:
    return datetime.now(timezone.utc)


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    console, seen = console_of(request), visit()
    t = translator(seen.language)
    page = console.templates.get_template(template).render(
        t=t, plural=t.plural, language=seen.language, user=seen.user, csrf=seen.csrf,
        base=console.base, path=request.path, **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def refuse(request: web.Request, message: str, status: int = 403, **values: Any) -> web.Response:
    """A page that says why nothing was done (`message` an N_() marker: it is translated here)."""
    return render(request, "refused.html", status=status, message=message, values=values)


def templates(zone: ZoneInfo) -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                     autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    environment.filters["local"] = lambda moment: moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else ""
    # A place in the content ("faq.2.answer") named in the reader's language.
    environment.filters["place"] = lambda path, t: " › ".join(t(word) for word in place_words(path))
    return environment
