"""Questions to the council office: answered here, the reply reaching the asker through the bot's
outbox as a reply from /inbox does; marked done. Coordinators only."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.i18n import N_
from bot.pseudonym import who
from bot.web.pages import console_of, now, refuse, render, visit
from storage import funding, outbox, permissions, users
from storage.console import access
from storage.models import DeliveryKind

log = logging.getLogger(__name__)

COORDINATORS_ONLY = N_("Only coordinators of the council may do this.")
DONE_ALREADY = N_("This question is done already.")


async def page(request: web.Request) -> web.Response:
    if not visit().user.coordinator:
        return refuse(request, COORDINATORS_ONLY)
    async with console_of(request).db.begin() as session:
        waiting = await funding.inbox(session, 100)
        replies = {entry.question.id: await funding.replies_to(session, entry.question.id) for entry in waiting}
    return render(request, "questions.html", waiting=waiting, replies=replies)


async def reply(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    text = str((await request.post()).get("text", "")).replace("\r\n", "\n").strip()
    question_id = int(request.match_info["id"])
    if not text:
        return refuse(request, N_("The reply is empty. Please write it first."), status=400)
    async with console.db.begin() as session:
        allowed = await permissions.may_act(session, user.id)
        question = await funding.get(session, question_id) if allowed else None
        sent = question is not None and await funding.reply(session, question_id, user.id, user.name, text, moment)
        if sent:
            await outbox.enqueue(session, DeliveryKind.REPLY, users.just(question.user_id), now=moment,
                                 payload={"question": question.text, "text": text})
            await access.record(session, user, moment, N_("replied to question #{id}"), id=question_id)
    if not allowed:
        return refuse(request, COORDINATORS_ONLY)
    if not sent:
        return refuse(request, DONE_ALREADY, status=409)
    log.info("User %s replied to question %s in the web console", who(user.id), question_id)
    console.wake_sender()
    raise web.HTTPSeeOther(f"{console.base}/questions")


async def done(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    question_id = int(request.match_info["id"])
    async with console.db.begin() as session:
        allowed = await permissions.may_act(session, user.id)
        closed = allowed and await funding.close(session, question_id, moment)
        if closed:
            await access.record(session, user, moment, N_("marked question #{id} done"), id=question_id)
    if not allowed:
        return refuse(request, COORDINATORS_ONLY)
    if not closed:
        return refuse(request, DONE_ALREADY, status=409)
    raise web.HTTPSeeOther(f"{console.base}/questions")


ROUTES = [
    web.get("/questions", page),
    web.post("/questions/{id:\\d+}/reply", reply),
    web.post("/questions/{id:\\d+}/done", done),
]
