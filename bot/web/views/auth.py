"""Signing in (the one-time link from /web, or a Mini App's initData), the language, signing out."""
from __future__ import annotations

import logging
import re

from aiohttp import web

from bot.i18n import N_
from bot.pseudonym import who
from bot.settings import LANGUAGES
from bot.web.pages import COOKIE, FORM_EXPIRED, console_of, now, refuse, render, visit
from bot.web.signin import SESSION_IDLE, digest, mini_app_user, new_token, same
from storage.console import access

log = logging.getLogger(__name__)

# Ties the sign-in form to the browser that loaded it (there is no session yet to hold a CSRF token).
SIGNIN_COOKIE = "kpr_signin"
LINK_REFUSED = N_("This link has been used already or is no longer valid. Send /web to the bot for a new one.")


def _cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Strict",
                        secure=console_of(request).settings.web_secure, path=console_of(request).base or "/")


async def signin_page(request: web.Request) -> web.Response:
    form_token = new_token()
    response = render(request, "signin.html", token=request.query.get("token", ""), form_token=form_token,
                      mini_app=console_of(request).settings.web_secure)
    _cookie(request, response, SIGNIN_COOKIE, form_token, 600)
    return response


async def _start_session(request: web.Request, user_id: int | None) -> web.StreamResponse:
    console = console_of(request)
    async with console.db.begin() as session:
        user = await access.console_user(session, user_id) if user_id is not None else None
        if user is not None:
            cookie, moment = new_token(), now()
            await access.add_session(session, digest(cookie), user.id, new_token(),
                                     user.language or console.settings.default_language, moment,
                                     moment - SESSION_IDLE)
    if user is None:
        return refuse(request, LINK_REFUSED)
    log.info("User %s signed in to the web console", who(user.id))
    response = web.HTTPSeeOther(f"{console.base}/")
    _cookie(request, response, COOKIE, cookie, int(SESSION_IDLE.total_seconds()))
    response.del_cookie(SIGNIN_COOKIE, path=console.base or "/")
    raise response


async def _signin_form(request: web.Request) -> dict | None:
    form = await request.post()
    if not same(str(form.get("form_token", "")), request.cookies.get(SIGNIN_COOKIE, "") or "-"):
        return None
    return dict(form)


async def login(request: web.Request) -> web.StreamResponse:
    """The link's token, posted from the sign-in page (a GET never spends it: link previews fetch pages)."""
    form = await _signin_form(request)
    if form is None:
        return refuse(request, FORM_EXPIRED)
    async with console_of(request).db.begin() as session:
        user_id = await access.use_login(session, digest(str(form.get("token", ""))), now())
    return await _start_session(request, user_id)


async def mini_app(request: web.Request) -> web.StreamResponse:
    form = await _signin_form(request)
    if form is None:
        return refuse(request, FORM_EXPIRED)
    console = console_of(request)
    user_id = mini_app_user(str(form.get("init_data", "")), console.settings.token, now()) \
        if console.settings.web_secure else None
    return await _start_session(request, user_id)


async def logout(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    async with console.db.begin() as session:
        await access.end_session(session, visit().session_hash)
    response = web.HTTPSeeOther(f"{console.base}/signin")
    response.del_cookie(COOKIE, path=console.base or "/")
    raise response


async def language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    chosen = str(form.get("language", ""))
    if chosen in LANGUAGES:
        async with console_of(request).db.begin() as session:
            await access.set_session_language(session, visit().session_hash, chosen)
    back = str(form.get("back", "/"))
    # Back to the page it was pressed on: a path of the console only, never another site.
    raise web.HTTPSeeOther(console_of(request).base + (back if re.fullmatch(r"/[A-Za-z0-9/_.-]*", back)
                                                         and not back.startswith("//") else "/"))


ROUTES = [
    web.get("/signin", signin_page),
    web.get("/login", signin_page),
    web.post("/login", login),
    web.post("/miniapp", mini_app),
    web.post("/logout", logout),
    web.post("/language", language),
]
