"""Announcements: written in a form, previewed with the number of recipients, sent now or at a time,
through the same outbox as /broadcast (storage.broadcasts); the last ones with delivery and
acknowledgements. Group leads write to their groups."""
from __future__ import annotations

import html
import logging
from datetime import datetime

from aiohttp import web

from bot.i18n import N_
from bot.pseudonym import who
from bot.rules.announcements import MAX_TEXT, content_problem, sender_name
from bot.rules.dates import format_datetime
from bot.web.pages import console_of, now, refuse, render, visit
from storage import broadcasts, groups, permissions
from storage.console import access, overview
from storage.models import Audience, BroadcastStatus

log = logging.getLogger(__name__)

AUDIENCES = {Audience.MEMBERS.value: N_("All members of the council"),
             Audience.NEWS.value: N_("Everyone who gets the council's news")}


async def _choices(request: web.Request) -> list[tuple[str, str, str | None]]:
    """(value, untranslated label or group name, group name) of the audiences this person may write to."""
    user = visit().user
    async with console_of(request).db.begin() as session:
        found = [g for g in await groups.listing(session) if user.may_lead(g.id)]
    general = [(value, label, None) for value, label in AUDIENCES.items()] if user.coordinator else []
    return general + [(f"group:{g.id}", g.name, g.name) for g in found]


async def page(request: web.Request) -> web.Response:
    user = visit().user
    async with console_of(request).db.begin() as session:
        sent = await overview.announcements(session, 20, group_ids=None if user.coordinator else user.groups)
    return render(request, "announcements.html", sent=sent, choices=await _choices(request), draft={},
                  problem=None, max_text=MAX_TEXT)


class Draft:
    def __init__(self, form: dict, zone) -> None:  # type: ignore[no-untyped-def]
        self.form = form
        self.text = str(form.get("text", "")).replace("\r\n", "\n").strip()
        self.audience = str(form.get("audience", ""))
        self.ack = bool(form.get("ack"))
        self.when = str(form.get("when", "")).strip()
        self.zone = zone

    def target(self) -> tuple[Audience, int | None] | None:
        if self.audience.startswith("group:") and self.audience[6:].isdigit():
            return Audience.GROUP, int(self.audience[6:])
        if self.audience in AUDIENCES:
            return Audience(self.audience), None
        return None

    def send_at(self) -> datetime | None:
        """None: now; raises ValueError for a malformed time."""
        return datetime.fromisoformat(self.when).replace(tzinfo=self.zone) if self.when else None


async def _checked(request: web.Request) -> tuple[Draft, str | None, dict]:
    console, user = console_of(request), visit().user
    draft = Draft(dict(await request.post()), console.settings.timezone)
    target = draft.target()
    problem, values = content_problem(draft.text, with_attachment=False), {"max": MAX_TEXT}
    if problem is None and (target is None or (target[0] is not Audience.GROUP and not user.coordinator)
                            or (target[0] is Audience.GROUP and not user.may_lead(target[1]))):
        problem = N_("Please choose one of the audiences shown.")
    if problem is None:
        try:
            send_at = draft.send_at()
        except ValueError:
            send_at, problem = None, N_("Please give the time as a date and a time.")
        if send_at is not None and send_at <= now():
            problem = N_("This moment has already passed. Please give a time in the future.")
    return draft, problem, values


async def preview(request: web.Request) -> web.Response:
    draft, problem, values = await _checked(request)
    console, count, sender, date = console_of(request), 0, "", ""
    if problem is None:
        audience, ref = draft.target()  # type: ignore[misc]
        async with console.db.begin() as session:
            count = await broadcasts.audience_size(session, audience, ref, author_id=visit().user.id)
            group = await groups.get(session, ref) if audience is Audience.GROUP else None
        # Above the text as recipients see it: who sends it (bot.rules.announcements) and the day.
        language = visit().language
        sender = sender_name(console.live.content.council.in_(language), group.name if group else None)
        date = format_datetime(draft.send_at() or now(), console.settings.timezone, language, date_only=True)
    return render(request, "announcement_preview.html" if problem is None else "announcements.html",
                  status=200 if problem is None else 400, draft=draft.form, text=draft.text, count=count,
                  sender=sender, date=date, problem=problem, values=values, choices=await _choices(request),
                  sent=[], max_text=MAX_TEXT)


async def send(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    draft, problem, values = await _checked(request)
    if problem is not None:
        return refuse(request, problem, status=400, **values)
    audience, ref = draft.target()  # type: ignore[misc]
    async with console.db.begin() as session:
        if not await permissions.may_act(session, user.id, ref):  # asked again in the transaction of the send
            return refuse(request, N_("Only coordinators of the council and a group's leads may do this."))
        # The form's text is plain: escaped, it is the Telegram HTML the outbox sends.
        broadcast = await broadcasts.create(
            session, author_id=user.id, author_name=user.name, audience=audience, text=html.escape(draft.text,
                                                                                                  quote=False),
            attachment_kind=None, attachment_file_id=None, with_ack=draft.ack, send_at=draft.send_at() or moment,
            now=moment, group_id=ref if audience is Audience.GROUP else None, progress_chat_id=user.id,
            progress_message_id=None, language=visit().language)
        # Sent now to an audience that emptied since the preview; one scheduled chooses its recipients later.
        nobody = broadcast.status is not BroadcastStatus.SCHEDULED and broadcast.recipients == 0
        if nobody:
            await broadcasts.drop(session, broadcast)
        else:
            await access.record(session, user, moment, N_("sent announcement #{id} ({audience}) for {date}"),
                                id=broadcast.id, audience=draft.audience,
                                date=broadcast.send_at.astimezone(console.settings.timezone).strftime("%d.%m.%Y %H:%M"))
    if nobody:
        return refuse(request, N_("Nobody can be reached in this audience. Please choose another."), status=409)
    log.info("Broadcast %s by user %s from the web console: %d recipients", broadcast.id, who(user.id),
             broadcast.recipients)
    console.wake_sender()
    raise web.HTTPSeeOther(f"{console.base}/announcements")


ROUTES = [
    web.get("/announcements", page),
    web.post("/announcements/preview", preview),
    web.post("/announcements", send),
]
