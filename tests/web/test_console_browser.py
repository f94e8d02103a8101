"""The web console in a real browser (Debian's chromium, headless, through its chromedriver), on the
bot's own Application: signing in through the link and only once, nothing without a session, a FAQ
answer changed in a form that is the bot's next answer, an invalid change refused with nothing
changed, a form without its CSRF token refused, a revert, every page as coordinator and as group lead,
and no error in the browser's console anywhere. One browser for the module."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from storage.console import versions
from storage.db import Database
from tests.harness import Harness, MakeHarness
from tests.web import APPLICANT, COORD, LEAD, NAMES, NOW, PEOPLE, a_group_led_by, a_meeting, console_app, link
from tests.web.browser import NEW_ANSWER, OLD_ANSWER, QUESTION, Browser

pytestmark = pytest.mark.e2e

@pytest.fixture
async def h(sqlite_db: Database, make_harness: MakeHarness) -> Harness:
    harness = await make_harness(sqlite_db, members=PEOPLE, greeted=True)
    group = await a_group_led_by(sqlite_db, LEAD)
    await a_meeting(sqlite_db, group, "AG Schule: Planung", NOW + timedelta(days=3))
    await a_meeting(sqlite_db, None, "Sitzung des Präventionsrates", NOW - timedelta(days=3))
    return harness


@pytest.fixture
async def browser(h: Harness, driver: Any) -> AsyncIterator[Browser]:
    runner = web.AppRunner(console_app(h))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    driver.delete_all_cookies()
    driver.get_log("browser")  # what earlier tests left
    visitor = Browser(driver, f"http://127.0.0.1:{port}")
    yield visitor
    errors = visitor.console_errors()
    await runner.cleanup()
    assert not errors, errors


async def sign_in(h: Harness, browser: Browser, user_id: int = COORD) -> None:
    url = await link(h, user_id)
    await browser.open(url.replace("http://127.0.0.1:8080", browser.base))
    await browser.click("#signin")
    assert browser.path == "/", await browser.text()


async def the_bot_answers(h: Harness, question: str = QUESTION) -> str:
    await h.send(APPLICANT, question, name=NAMES[APPLICANT])
    return h.request.latest(APPLICANT)["text"]


async def test_the_link_signs_in_once(h: Harness, browser: Browser) -> None:
    url = (await link(h, COORD)).replace("http://127.0.0.1:8080", browser.base)
    await browser.open(url)
    await browser.click("#signin")
    assert "Katrin Vogel" in await browser.text()
    await browser.click("header form[action$='/logout'] button")
    assert browser.path == "/signin"
    await browser.open(url)
    await browser.click("#signin")
    assert "used already" in await browser.text() or "bereits verwendet" in await browser.text()
    browser.refused(403)
    await browser.open("/")
    assert browser.path == "/signin"


async def test_a_visitor_without_a_session_sees_nothing_but_the_sign_in_page(h: Harness, browser: Browser) -> None:
    for path in ("/", "/members", "/content/faq", "/questions"):
        await browser.open(path)
        assert browser.path == "/signin"
        page = await browser.text()
        assert "/web" in page and PEOPLE[LEAD] not in page and OLD_ANSWER not in page


async def test_a_faq_answer_changed_in_the_browser_is_the_bots_next_answer(h: Harness, browser: Browser) -> None:
    assert OLD_ANSWER in await the_bot_answers(h)
    await sign_in(h, browser)
    await browser.open("/content/faq")
    await browser.fill("faq.0.answer.de", NEW_ANSWER)
    await browser.click("#save")
    assert "version 2" in (await browser.text()).lower()
    assert NEW_ANSWER in await the_bot_answers(h)
    await browser.open("/changes")
    assert "changed “Questions and answers (FAQ)” of the content: version 2" in await browser.text()


async def test_an_invalid_change_is_refused_with_the_reason_and_nothing_changes(h: Harness, browser: Browser) -> None:
    await sign_in(h, browser)
    await browser.open("/content/faq")
    await browser.fill("faq.0.answer.de", " ")
    await browser.click("#save")
    page = await browser.text()
    assert ("Fragen und Antworten › 1 › Antwort › Deutsch: Dieses Feld darf nicht leer sein." in page
            or "Questions and answers › 1 › Answer › German: must not be empty" in page)
    browser.refused(400)
    await browser.open("/content/rules")
    await browser.fill("programmes.micro.ceiling.value", "-5")
    await browser.click("#save")
    reason = await browser.text()
    assert "Höchstbetrag je Projekt › Wert" in reason or "Most per project › Value" in reason
    browser.refused(400)
    async with h.db.begin() as session:
        assert len(await versions.listing(session)) == 1
    assert OLD_ANSWER in await the_bot_answers(h)


async def test_a_form_without_its_csrf_token_is_refused(h: Harness, browser: Browser) -> None:
    await sign_in(h, browser)
    await browser.open("/content/faq")
    await browser.fill("faq.0.answer.de", NEW_ANSWER)
    await browser.script("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    await browser.click("#save")
    assert "expired" in await browser.text() or "abgelaufen" in await browser.text()
    browser.refused(403)
    assert OLD_ANSWER in await the_bot_answers(h)


async def test_a_revert_brings_back_what_the_bot_said(h: Harness, browser: Browser) -> None:
    await sign_in(h, browser)
    await browser.open("/content/faq")
    await browser.fill("faq.0.answer.de", NEW_ANSWER)
    await browser.click("#save")
    assert NEW_ANSWER in await the_bot_answers(h)
    await browser.open("/content/versions/2")
    assert NEW_ANSWER in await browser.script("return document.getElementById('diff').textContent")
    await browser.open("/content/versions/1")
    await browser.click("#revert")
    assert OLD_ANSWER in await the_bot_answers(h)
    await browser.open("/content")
    assert "Back to version 1" in await browser.text()


COORDINATOR_PAGES = ["/", "/members", "/meetings", "/announcements", "/questions", "/content", "/content/faq",
                     "/content/rules", "/content/topics", "/content/contact", "/content/privacy",
                     "/content/versions/1", "/exports", "/changes"]
LEAD_PAGES = ["/", "/members", "/meetings", "/announcements", "/exports"]


@pytest.mark.parametrize(("person", "pages"), [(COORD, COORDINATOR_PAGES), (LEAD, LEAD_PAGES)])
async def test_every_page_as_coordinator_and_as_group_lead(h: Harness, browser: Browser, person: int,
                                                           pages: list[str]) -> None:
    await sign_in(h, browser, person)
    links = await browser.script("return [...document.querySelectorAll('nav a')].map(a => a.pathname)")
    assert sorted(links) == sorted(p for p in pages if p.count("/") == 1)
    for path in pages:
        await browser.open(path)
        assert browser.path == path and "Nicht erledigt" not in await browser.text(), path
        assert await browser.script("return document.querySelector('h1').textContent"), path
    await browser.open("/meetings")
    await browser.click("main table a")  # a meeting's attendance
    assert PEOPLE[LEAD] in await browser.text()
    # Charts are drawn on the server and shown without any script (the lead's groups met not yet).
    await browser.open("/")
    charts = await browser.script("return document.querySelectorAll('svg.chart').length")
    assert charts == (1 if person == COORD else 0)
