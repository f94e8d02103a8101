"""The content (funding rules, FAQ, topics, contact, privacy) edited in forms: checked by the same
rules as `kpr-bot content check` (bot.content.parse), saved as a new version that the bot speaks from
at once; every version kept with who and when, its diff, a revert, and a download as TOML.
Coordinators only."""
from __future__ import annotations

import difflib
import logging
import tomllib

import tomli_w
from aiohttp import web

from bot.content import DEFAULT_FILE, ContentError, parse
from bot.i18n import N_, Translator, translator
from bot.pseudonym import who
from bot.web import content_form
from bot.web.pages import console_of, now, refuse, render, visit
from bot.web.views.questions import COORDINATORS_ONLY
from storage import permissions
from storage.console import access
from storage.console import versions as stored

log = logging.getLogger(__name__)

CHANGED_MEANWHILE = N_("Someone saved another version meanwhile. Please load the page again and repeat your change.")
INVALID = N_("Not saved, nothing changed: {reason}")
REVERTED = N_("Back to version {id}")
# How a revert's version is noted in the database (data, not shown as it is: see _note).
REVERT_NOTE = "revert to "


async def _newest(request: web.Request):  # type: ignore[no-untyped-def]
    """The newest version; the content file becomes the first where the database has none yet."""
    console = console_of(request)
    async with console.db.begin() as session:
        version = await stored.newest(session)
        if version is None:
            path = console.settings.content_file or DEFAULT_FILE
            version = await stored.add(session, path.read_text(encoding="utf-8"), origin=stored.FILE, now=now(),
                                       note=str(path))
    return version


def _coordinator(request: web.Request) -> bool:
    return visit().user.coordinator


def _note(t: Translator, data: dict):  # type: ignore[no-untyped-def]
    """What a version's note says, in the reader's language: the part changed, the version gone back to, or
    the content file's path."""
    def said(version) -> str:  # type: ignore[no-untyped-def]
        parts = content_form.sections(data)
        if version.note in parts:
            return t(parts[version.note][0])
        old = version.note.removeprefix(REVERT_NOTE)
        return t(REVERTED, id=old) if version.note.startswith(REVERT_NOTE) and old.isdigit() else version.note
    return said


async def overview(request: web.Request) -> web.Response:
    if not _coordinator(request):
        return refuse(request, COORDINATORS_ONLY)
    newest = await _newest(request)
    async with console_of(request).db.begin() as session:
        found = await stored.listing(session)
    data = tomllib.loads(newest.text)
    return render(request, "content.html", sections=content_form.sections(data), versions=found, newest=newest,
                  note=_note(translator(visit().language), data))


async def section(request: web.Request) -> web.Response:
    if not _coordinator(request):
        return refuse(request, COORDINATORS_ONLY)
    newest = await _newest(request)
    data = tomllib.loads(newest.text)
    added = request.query.getall("add", [])
    for path in added:
        data = content_form.add_entry(data, path)
    return _form(request, data, newest.id, added, saved=request.query.get("saved"))


def _form(request: web.Request, data: dict, version_id: int, added: list[str], problem: str | None = None,
          reason: str = "", saved: str | None = None) -> web.Response:
    key = request.match_info["section"]
    parts = content_form.sections(data)
    if key not in parts:
        raise web.HTTPNotFound()
    title, keys = parts[key]
    return render(request, "content_section.html", status=400 if problem else 200, key=key, title=title,
                  groups=content_form.groups(data, keys), version_id=version_id, added=" ".join(added),
                  problem=problem, reason=reason, saved=saved, lists=content_form.lists(data, keys))


async def save(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    if not user.coordinator:
        return refuse(request, COORDINATORS_ONLY)
    form = {key: str(value) for key, value in (await request.post()).items()}
    newest = await _newest(request)
    if str(newest.id) != form.get("version"):
        return refuse(request, CHANGED_MEANWHILE, status=409)
    data = tomllib.loads(newest.text)
    parts = content_form.sections(data)
    key = request.match_info["section"]
    if key not in parts:
        raise web.HTTPNotFound()
    keys = parts[key][1]
    added = form.get("added", "").split()
    try:
        changed = content_form.apply(data, keys, form)
        text = tomli_w.dumps(changed, multiline_strings=True)
        content = parse(text, "")
    except ContentError as error:
        # The form again, as it was sent where it could be read, with the reason in the reader's language.
        shown = data if isinstance(error, content_form.FormError) else changed
        log.info("Refused a content change in the web console: %s", error)
        return _form(request, shown, newest.id, [], INVALID, error.reason(translator(visit().language)))
    if text == newest.text or changed == data:
        raise web.HTTPSeeOther(f"{console.base}/content/{key}?saved=0")
    async with console.db.begin() as session:
        if not await permissions.may_act(session, user.id):
            return refuse(request, COORDINATORS_ONLY)
        version = await stored.add(session, text, origin=stored.CONSOLE, now=moment, author_id=user.id,
                                   author_name=user.name, note=f"{key}")
        await access.record(session, user, moment, N_("changed “{part}” of the content: version {id}"), part=key,
                            id=version.id)
    console.live.replace(content)  # what the bot says next
    log.info("User %s saved content version %s (%s)%s", who(user.id), version.id, key,
             f", {len(added)} entries added" if added else "")
    raise web.HTTPSeeOther(f"{console.base}/content/{key}?saved={version.id}")


async def version(request: web.Request) -> web.Response:
    if not _coordinator(request):
        return refuse(request, COORDINATORS_ONLY)
    async with console_of(request).db.begin() as session:
        found = await stored.get(session, int(request.match_info["id"]))
        previous = await stored.before(session, found.id) if found else None
    if found is None:
        raise web.HTTPNotFound()
    t = translator(visit().language)
    diff = list(difflib.unified_diff((previous.text if previous else "").splitlines(), found.text.splitlines(),
                                     t("Version {id}", id=previous.id) if previous else "",
                                     t("Version {id}", id=found.id), lineterm="", n=2))
    newest = await _newest(request)
    return render(request, "content_version.html", version=found, previous=previous, diff=diff, newest=newest,
                  note=_note(t, tomllib.loads(newest.text)))


async def revert(request: web.Request) -> web.StreamResponse:
    console, user, moment = console_of(request), visit().user, now()
    if not user.coordinator:
        return refuse(request, COORDINATORS_ONLY)
    async with console.db.begin() as session:
        found = await stored.get(session, int(request.match_info["id"]))
    if found is None:
        raise web.HTTPNotFound()
    try:
        content = parse(found.text, "")
    except ContentError as error:
        # Saved under older rules, which this release has tightened.
        return refuse(request, INVALID, status=400, reason=error.reason(translator(visit().language)))
    async with console.db.begin() as session:
        if not await permissions.may_act(session, user.id):
            return refuse(request, COORDINATORS_ONLY)
        version = await stored.add(session, found.text, origin=stored.CONSOLE, now=moment, author_id=user.id,
                                   author_name=user.name, note=f"{REVERT_NOTE}{found.id}")
        await access.record(session, user, moment, N_("went back to version {old} of the content: version {id}"),
                            old=found.id, id=version.id)
    console.live.replace(content)
    log.info("User %s reverted the content to version %s", who(user.id), found.id)
    raise web.HTTPSeeOther(f"{console.base}/content")


async def download(request: web.Request) -> web.StreamResponse:
    if not _coordinator(request):
        return refuse(request, COORDINATORS_ONLY)
    if "id" in request.match_info:
        async with console_of(request).db.begin() as session:
            found = await stored.get(session, int(request.match_info["id"]))
        if found is None:
            raise web.HTTPNotFound()
    else:
        found = await _newest(request)
    return web.Response(text=found.text, content_type="application/toml", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="kpr-{found.id}.toml"'})


ROUTES = [
    web.get("/content", overview),
    web.get("/content.toml", download),
    web.get("/content/versions/{id:\\d+}", version),
    web.get("/content/versions/{id:\\d+}.toml", download),
    web.post("/content/versions/{id:\\d+}/revert", revert),
    web.get("/content/{section:[a-z]+}", section),
    web.post("/content/{section:[a-z]+}", save),
]
