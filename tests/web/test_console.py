"""The web console over HTTP on the bot's own Application: who gets a sign-in link, sessions and their
cookie, nothing without one, CSRF, the role asked at every request, the Mini App's initData, and that
what is done in the console reaches people through the bot."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.pages import COOKIE
from bot.web.server import build
from storage import funding, join_requests, users
from storage.db import Database
from storage.models import Role
from tests.harness import TOKEN, Harness, MakeHarness
from tests.web import APPLICANT, COORD, LEAD, MEMBER, NOW, PEOPLE, a_group_led_by, console_app, link


@pytest.fixture
async def h(sqlite_db: Database, make_harness: MakeHarness) -> Harness:
    harness = await make_harness(sqlite_db, members=PEOPLE, language="en", greeted=True)
    await a_group_led_by(sqlite_db, LEAD)
    return harness


@pytest.fixture
async def client(h: Harness) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(console_app(h))) as browser:
        yield browser


async def sign_in(client: TestClient, url: str):  # type: ignore[no-untyped-def]
    """Loads the link's page and presses "Sign in", as a person does."""
    path = urlsplit(url)
    page = await client.get(f"{path.path}?{path.query}")
    form = dict(re.findall(r'name="(form_token|token)" value="([^"]*)"', await page.text()))
    return await client.post("/login", data=form, allow_redirects=False)


async def csrf(client: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', await (await client.get(path)).text()).group(1)


async def test_coordinators_and_leads_get_a_link_members_and_applicants_do_not(h: Harness) -> None:
    assert await link(h, COORD) is not None
    assert "works once" in h.request.latest(COORD)["text"]
    assert await link(h, LEAD) is not None
    assert await link(h, MEMBER) is None
    assert "for the council's coordinators and the leads of its groups" in h.request.latest(MEMBER)["text"]
    await h.send(APPLICANT, "/start", language="en")
    assert await link(h, APPLICANT) is None


async def test_a_link_signs_in_once_with_a_strict_http_only_cookie(h: Harness, client: TestClient) -> None:
    url = await link(h, COORD)
    signed_in = await sign_in(client, url)
    assert signed_in.status == 303
    cookie = signed_in.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith(COOKIE))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Secure" not in session
    assert "Overview" in await (await client.get("/")).text()
    client.session.cookie_jar.clear()
    again = await sign_in(client, url)
    assert again.status == 403 and "bereits verwendet" in await again.text()  # German without a session


async def test_a_visitor_without_a_session_sees_only_the_sign_in_page(h: Harness, client: TestClient) -> None:
    for path in ("/", "/members", "/content", "/content.toml", "/exports/members", "/questions", "/changes"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/signin", path
    assert (await client.post("/content/faq", data={"faq.0.answer.de": "x"})).status == 403
    page = await (await client.get("/signin")).text()
    assert "send /web to the bot" in page.lower() or "/web" in page
    assert "Lena" not in page


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    response = await client.post(f"/members/{MEMBER}/role", data={"role": "coordinator"})
    assert response.status == 403
    wrong = await client.post(f"/members/{MEMBER}/role", data={"role": "coordinator", "csrf": "guess"})
    assert wrong.status == 403
    async with h.db.begin() as session:
        assert (await users.get(session, MEMBER)).role is Role.MEMBER
    token = await csrf(client, "/members")
    assert (await client.post(f"/members/{MEMBER}/role", data={"role": "coordinator", "csrf": token})).status == 200
    async with h.db.begin() as session:
        assert (await users.get(session, MEMBER)).role is Role.COORDINATOR
    menu = h.request.sent(method="setMyCommands")[-1]
    assert str(MEMBER) in str(menu["scope"]) and "/web" not in str(menu) and "web" in str(menu["commands"])
    assert f"gave {PEOPLE[MEMBER]} the role coordinator" in await (await client.get("/changes")).text()


async def test_the_role_is_asked_at_every_request(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    assert (await client.get("/content", allow_redirects=False)).status == 200
    async with h.db.begin() as session:
        await users.set_role(session, COORD, Role.MEMBER)
    assert (await client.get("/content", allow_redirects=False)).status == 303
    async with h.db.begin() as session:
        await users.set_role(session, COORD, Role.COORDINATOR)
    # The session ended with the role: becoming a coordinator again needs a new link.
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_lead_sees_their_groups_and_not_the_coordinators_pages(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, LEAD))
    page = await (await client.get("/members")).text()
    assert PEOPLE[LEAD] in page and PEOPLE[MEMBER] not in page and "Approve" not in page
    for path in ("/content", "/questions", "/changes", "/exports/members"):
        assert (await client.get(path)).status == 403, path
    token = await csrf(client)
    assert (await client.post(f"/members/{MEMBER}/role", data={"role": "coordinator", "csrf": token})).status == 403


def init_data(user_id: int, signed_at: float, token: str = TOKEN) -> str:
    fields = {"auth_date": str(int(signed_at)), "query_id": "q1",
              "user": json.dumps({"id": user_id, "first_name": "Katrin"})}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()})


async def test_a_mini_app_signs_in_by_telegrams_signed_init_data_over_https(h: Harness) -> None:
    settings = h.app.bot_data["services"].settings.model_copy(update={"web_url": "https://kpr.example.org"})
    services = h.app.bot_data["services"]
    async with TestClient(TestServer(build(h.db, settings, services.live, services.wake_sender))) as client:
        async def open_with(data: str):  # type: ignore[no-untyped-def]
            return await post_init_data(client, data)

        assert (await open_with(init_data(COORD, time.time() - 3 * 3600))).status == 403  # too old
        assert (await open_with(init_data(COORD, time.time(), token="1:another-bot"))).status == 403
        assert (await open_with(init_data(COORD, time.time()).replace("Katrin", "Mallory"))).status == 403
        assert (await open_with(init_data(MEMBER, time.time()))).status == 403
        signed_in = await open_with(init_data(COORD, time.time()))
        assert signed_in.status == 303 and "Secure" in signed_in.headers["Set-Cookie"]


async def post_init_data(client: TestClient, data: str):  # type: ignore[no-untyped-def]
    """What the sign-in page's script does inside Telegram (its cookie is Secure over https: sent by hand)."""
    client.session.cookie_jar.clear()
    page = await client.get("/signin")
    form_token = page.cookies["kpr_signin"].value
    return await client.post("/miniapp", data={"form_token": form_token, "init_data": data},
                             headers={"Cookie": f"kpr_signin={form_token}"}, allow_redirects=False)


async def test_a_mini_app_is_refused_where_the_console_is_not_on_https(h: Harness, client: TestClient) -> None:
    assert (await post_init_data(client, init_data(COORD, time.time()))).status == 403


async def test_a_reply_written_in_the_console_reaches_the_asker_through_the_bot(h: Harness, client: TestClient) -> None:
    async with h.db.begin() as session:
        await users.ensure(session, APPLICANT, "Anna Antrag", "de", NOW)
        question = await funding.ask(session, APPLICANT, "Wie viel Eigenanteil brauche ich?", None, NOW)
    await sign_in(client, await link(h, COORD))
    assert "Wie viel Eigenanteil" in await (await client.get("/questions")).text()
    token = await csrf(client, "/questions")
    await client.post(f"/questions/{question.id}/reply", data={"text": "20 % der Kosten.", "csrf": token})
    await h.deliver()
    assert "20 % der Kosten." in h.request.latest(APPLICANT)["text"]


async def test_a_request_approved_in_the_console_makes_a_member_who_is_told(h: Harness, client: TestClient) -> None:
    async with h.db.begin() as session:
        await users.ensure(session, APPLICANT, "Anna Antrag", "en", NOW)
        request = await join_requests.open_request(session, APPLICANT, "Anna Antrag", "Jugendhilfe e.V.", NOW)
    await sign_in(client, await link(h, COORD))
    assert "Jugendhilfe e.V." in await (await client.get("/members")).text()
    token = await csrf(client, "/members")
    await client.post(f"/members/requests/{request.id}", data={"verdict": "approve", "csrf": token})
    async with h.db.begin() as session:
        assert (await users.get(session, APPLICANT)).role is Role.MEMBER
    await h.deliver()
    assert "You are now a member of the council" in h.request.latest(APPLICANT)["text"]


async def test_an_announcement_from_the_console_goes_through_the_outbox(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    token = await csrf(client, "/announcements")
    form = {"text": "Sitzung <verschoben> auf Mai", "audience": "members", "csrf": token}
    preview = await (await client.post("/announcements/preview", data=form)).text()
    assert "This goes to 2 people." in preview and "Sitzung &lt;verschoben&gt; auf Mai" in preview
    assert "Crime prevention council of the Landkreis Rostock" in preview and "Announcement of " in preview
    assert (await client.post("/announcements", data=form)).status == 200
    await h.deliver()
    for person in (LEAD, MEMBER):
        assert h.request.latest(person)["text"].endswith("\n\nSitzung &lt;verschoben&gt; auf Mai")
    page = await (await client.get("/announcements")).text()
    assert "2 / 2" in page


async def test_every_page_shows_for_a_coordinator_and_for_a_lead(h: Harness) -> None:
    coordinator_pages = ("/", "/members", "/meetings", "/announcements", "/questions", "/content", "/content/faq",
                         "/content/rules", "/content/topics", "/content/contact", "/content/privacy", "/exports",
                         "/changes", "/exports/members")
    lead_pages = ("/", "/members", "/meetings", "/announcements", "/exports")
    for person, pages in ((COORD, coordinator_pages), (LEAD, lead_pages)):
        async with TestClient(TestServer(console_app(h))) as client:
            await sign_in(client, await link(h, person))
            for path in pages:
                response = await client.get(path)
                assert response.status == 200, (person, path, await response.text())


async def test_what_the_console_keeps_of_a_person_is_in_their_data_and_goes_with_it(
        h: Harness, client: TestClient) -> None:
    from storage import privacy
    from storage.console import access, versions

    await sign_in(client, await link(h, COORD))
    token = await csrf(client, "/members")
    await client.post(f"/members/{MEMBER}/role", data={"role": "coordinator", "csrf": token})
    async with h.db.begin() as session:
        await versions.add(session, "x = 1", origin=versions.CONSOLE, now=NOW, author_id=COORD, author_name="Katrin")
        data = await privacy.export(session, COORD)
    assert data["console_sessions"] and data["console_sign_in_links"][0]["used_at"]
    assert "the role {role}" in data["console_changes"][0]["what"] and "Max Mitglied" in data["console_changes"][0]["what"]
    assert data["content_versions_written"]
    async with h.db.begin() as session:
        assert (await privacy.erase(session, COORD)).outcome is privacy.Erased.DONE
    async with h.db.begin() as session:
        assert await privacy.export(session, COORD) is None
        [change] = await access.changes(session)
        assert change.author_name == "" and change.user_id is None
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_a_scheduled_announcement_waits_for_its_time(h: Harness, client: TestClient) -> None:
    from datetime import timedelta

    from storage.console import overview

    await sign_in(client, await link(h, COORD))
    token = await csrf(client, "/announcements")
    when = (NOW + timedelta(days=2)).astimezone(h.app.bot_data["services"].settings.timezone)
    form = {"text": "Erinnerung", "audience": "members", "when": when.strftime("%Y-%m-%dT%H:%M"), "csrf": token}
    assert (await client.post("/announcements", data=form)).status == 200
    async with h.db.begin() as session:
        [sent] = await overview.announcements(session)
    assert sent.status == "scheduled" and sent.text == "Erinnerung"
    past = {**form, "when": (when - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")}
    refused = await client.post("/announcements", data=past)
    assert refused.status == 400 and "already passed" in await refused.text()


def form_of(page: str, action: str) -> dict[str, str]:
    """What a browser would post from the form with this action: its fields as they are filled in."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.fields: dict[str, str] = {}
            self.inside = False
            self.textarea: str | None = None

        def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
            a = dict(attrs)
            if tag == "form":
                self.inside = a.get("action", "").endswith(action)
            elif self.inside and tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
                self.fields[a["name"]] = a.get("value") or ""
            elif self.inside and tag == "textarea":
                self.textarea = a["name"]
                self.fields[self.textarea] = ""

        def handle_endtag(self, tag: str) -> None:
            self.textarea = None if tag == "textarea" else self.textarea
            self.inside = self.inside and tag != "form"

        def handle_data(self, data: str) -> None:
            if self.textarea:
                self.fields[self.textarea] += data.removeprefix("\n") if not self.fields[self.textarea] else data

    parser = Form()
    parser.feed(page)
    return parser.fields


async def test_a_faq_entry_added_and_one_removed_in_the_console(h: Harness, client: TestClient) -> None:
    entries = len(h.app.bot_data["services"].content.faq)
    await sign_in(client, await link(h, COORD))
    page = await (await client.get("/content/faq?add=faq")).text()
    form = form_of(page, "/content/faq")
    new = f"faq.{entries}"
    assert form["added"] == "faq" and form[f"{new}.answer.de"] == "" and f"faq.{entries + 1}.source" not in form
    form.update({f"{new}.key": "forms", f"{new}.de": "Wo kann ich am Kreishaus parken?\nParkplatz Kreishaus",
                 f"{new}.en": "Where can I park at the county hall?",
                 f"{new}.answer.de": "Hinter dem Kreishaus.", f"{new}.answer.en": "Behind the county hall.",
                 f"{new}.source": "county", "remove:faq.1": "1"})
    removed = h.app.bot_data["services"].content.faq[1]
    saved = await client.post("/content/faq", data=form)
    assert saved.status == 200 and "version 2" in (await saved.text()).lower(), await saved.text()
    await h.send(APPLICANT, "Wo kann ich am Kreishaus parken?", name="Anna")
    assert "Hinter dem Kreishaus." in h.request.latest(APPLICANT)["text"]
    faq = h.app.bot_data["services"].content.faq
    assert len(faq) == entries and removed.key not in [entry.key for entry in faq]
    version = await (await client.get("/content/versions/2")).text()
    assert "Wo kann ich am Kreishaus parken?" in version and removed.de[0] in version



async def test_the_language_switch_stays_in_the_console(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    token = await csrf(client, "/members")
    switched = await client.post("/language", data={"language": "de", "back": "/members", "csrf": token},
                                 allow_redirects=False)
    assert switched.headers["Location"] == "/members"
    assert "Mitglieder des Präventionsrates" in await (await client.get("/members")).text()
    for elsewhere in ("//evil.example", "/\\evil.example", "https://evil.example"):
        away = await client.post("/language", data={"language": "en", "back": elsewhere, "csrf": token},
                                 allow_redirects=False)
        assert away.headers["Location"] == "/", elsewhere


async def test_over_https_web_also_puts_the_console_behind_the_menu_button(h: Harness) -> None:
    import dataclasses

    services = h.app.bot_data["services"]
    settings = services.settings.model_copy(update={"web_url": "https://kpr.example.org/console"})
    h.app.bot_data["services"] = dataclasses.replace(services, settings=settings)
    assert (await link(h, COORD)) is None  # not an http link
    assert "https://kpr.example.org/console/login?token=" in h.request.latest(COORD)["text"]
    [button] = h.request.sent(COORD, method="setChatMenuButton")
    assert "https://kpr.example.org/console/signin" in str(button["menu_button"])


async def test_web_says_so_when_the_console_is_turned_off(h: Harness) -> None:
    import dataclasses

    services = h.app.bot_data["services"]
    h.app.bot_data["services"] = dataclasses.replace(services, settings=services.settings.model_copy(
        update={"web_port": 0}))
    assert await link(h, COORD) is None
    assert "turned off" in h.request.latest(COORD)["text"]


async def test_the_lists_download_as_spreadsheets(h: Harness, client: TestClient) -> None:
    import io

    from openpyxl import load_workbook

    from tests.web import a_meeting

    group = await a_group_led_by(h.db, COORD, name="AG Prävention")
    meeting = await a_meeting(h.db, group, "AG Prävention: Start", NOW)
    await sign_in(client, await link(h, COORD))
    for path, expected in (("/exports/members", PEOPLE[LEAD]), (f"/exports/groups/{group}", "Katrin Vogel"),
                           (f"/exports/meetings/{meeting}", "Coming")):
        response = await client.get(path)
        assert response.status == 200 and ".xlsx" in response.headers["Content-Disposition"], path
        sheet = load_workbook(io.BytesIO(await response.read())).active
        assert expected in [cell.value for row in sheet.iter_rows() for cell in row], path


async def test_a_page_that_fails_says_so_and_the_console_goes_on(h: Harness, client: TestClient,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    from storage.console import overview

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database said no")

    await sign_in(client, await link(h, COORD))
    monkeypatch.setattr(overview, "people", broken)
    failed = await client.get("/members?token=secret-looking")
    assert failed.status == 500 and "went wrong" in await failed.text()
    assert "secret-looking" not in caplog.text and "/members" in caplog.text
    assert (await client.get("/meetings")).status == 200


@pytest.mark.e2e
def test_a_bot_without_its_console_loads_no_web_stack() -> None:
    import subprocess
    import sys

    code = ("import sys, bot.cli, bot.runner; "
            "print([m for m in ('jinja2', 'bot.web.server', 'bot.web.pages', 'aiohttp.web') if m in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


async def test_the_councils_name_changed_in_the_console_heads_the_next_announcement(
        h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    form = form_of(await (await client.get("/content/rules")).text(), "/content/rules")
    form["council.en"] = "Prevention council of the county (new name)"
    assert "version 2" in (await (await client.post("/content/rules", data=form)).text()).lower()
    token = await csrf(client, "/announcements")
    await client.post("/announcements", data={"text": "Hallo", "audience": "members", "csrf": token})
    await h.deliver()
    assert h.request.latest(LEAD)["text"].startswith("<b>Prevention council of the county (new name)</b>")


async def test_an_invalid_edit_is_refused_in_the_readers_language_and_changes_nothing(
        h: Harness, client: TestClient) -> None:
    from storage.console import versions

    await sign_in(client, await link(h, COORD))
    content = h.app.bot_data["services"].content
    said = {}
    for language in ("de", "en"):
        await client.post("/language", data={"language": language, "back": "/", "csrf": await csrf(client)})
        rules = form_of(await (await client.get("/content/rules")).text(), "/content/rules")
        refused = await client.post("/content/rules", data={**rules, "programmes.micro.ceiling.value": "0"})
        faq = form_of(await (await client.get("/content/faq")).text(), "/content/faq")
        twice = await client.post("/content/faq", data={**faq, "faq.1.key": faq["faq.0.key"]})
        not_a_day = await client.post("/content/rules", data={**rules, "programmes.micro.ceiling.checked": "bald"})
        assert (refused.status, twice.status, not_a_day.status) == (400, 400, 400)
        said[language] = [await response.text() for response in (refused, twice, not_a_day)]
    de, en = said["de"], said["en"]
    assert ("Nicht gespeichert, nichts geändert: Förderprogramme › micro › Höchstbetrag je Projekt › Wert: "
            "Der Wert muss größer als 0 sein.") in de[0]
    assert f"Fragen und Antworten: Der Schlüssel &#39;{faq['faq.0.key']}&#39; kommt zweimal vor." in de[1]
    assert "„bald“ ist kein Datum (JJJJ-MM-TT)." in de[2]
    assert "Not saved, nothing changed: Funding programmes › micro › Most per project › Value: must be greater " \
           "than 0" in en[0]
    assert f"Questions and answers: the key &#39;{faq['faq.0.key']}&#39; is used twice" in en[1]
    assert "“bald” is not a date (YYYY-MM-DD)" in en[2]
    assert h.app.bot_data["services"].content is content and content.micro.ceiling.value == 600
    async with h.db.begin() as session:
        assert len(await versions.listing(session)) == 1


async def test_the_consoles_own_pages_speak_german_on_german_pages(h: Harness, client: TestClient) -> None:
    await sign_in(client, await link(h, COORD))
    await client.post("/language", data={"language": "de", "back": "/", "csrf": await csrf(client)})
    missing = await client.get("/content/nowhere")
    assert missing.status == 404 and "Diese Seite gibt es nicht." in await missing.text()
    form = await (await client.get("/content/rules")).text()
    assert "<legend>Förderprogramme › micro › Höchstbetrag je Projekt</legend>" in form
    assert '<label for="programmes.micro.ceiling.checked">Geprüft am</label>' in form
    assert '<label for="council.en">Englisch</label>' in form
    fields = form_of(form, "/content/rules")
    await client.post("/content/rules", data={**fields, "council.en": "Prevention council (new name)"})
    await client.post("/content/versions/1/revert", data={"csrf": await csrf(client)})
    versions = await (await client.get("/content")).text()
    assert "<td>Förderregeln</td>" in versions and "<td>Zurück zu Fassung 1</td>" in versions
    assert "hat „Förderregeln“ der Inhalte geändert: Fassung 2" in await (await client.get("/changes")).text()
