"""Refusals that hold (issue 14): a refusal whose message Telegram does not take, a gate whose database
read fails, and handlers reached without the gate still let nobody do a coordinator's or a lead's
work; a lead's refusal in /broadcast is one plain answer; an edited message runs no command; a flood
is logged once.

"Refused" is checked the way a user would notice it: at most the refusal is attempted, nothing
else is shown, and the database is exactly as before."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import FEATURES, GATE_GROUP
from bot.pseudonym import who
from bot.ptb.updates import PerChatUpdateProcessor
from bot.rules.flood import FloodGuard
from bot.tryout.fake_telegram import FakeTelegram
from handlers.common import respond
from handlers.common.gate import Gate
from handlers.start import fallback
from storage import users
from storage.db import Database
from storage.models import Role
from tests.e2e import BotRunner
from tests.harness import Call, Harness, start_harness, MakeHarness
from tests.handlers.conftest import both_databases
from tests.handlers.test_security import (
    APPLICANT,
    COORD,
    INTERRUPTED_FLOWS,
    LEAD,
    MEMBER,
    NAMES,
    World,
    build_world,
    calls_since,
    changes,
    press,
    press_label,
    send,
    set_role,
    snapshot,
    step,
)

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
SHOWING = ("answerCallbackQuery", "sendMessage", "editMessageText")
SORRY = "Sorry, something went wrong"

REQUIREMENTS = {key: role for feature in [*FEATURES, fallback] for key, role in feature.REQUIRED_ROLES.items()}
COORDINATOR_COMMANDS = sorted(key for key, role in REQUIREMENTS.items()
                              if key.startswith("/") and role is Role.COORDINATOR)
# For each button prefix only coordinators may press, presses that would act if they got through.
COORDINATOR_BUTTONS = {
    "qrep": ["qrep:{question}"],
    "qreps": ["qreps:{question}:send"],
    "qdone": ["qdone:{question}"],
    "bcp": ["bcp:members"],
    "bcm": ["bcm:{council_meeting}"],
    "bcg": ["bcg:{group}"],
    "bcr": ["bcr:{announcement}:0", "bcr:{announcement}:1"],
    "geds": ["geds:{group}:name", "geds:{group}:unlimited"],
    "gra": ["gra:{group}:archive", "gra:{group}:archiveok"],
    "grp": ["grp:{group}:add:0"],
    "grpu": ["grpu:{group}:{outsider}:add", "grpu:{group}:{member}:lead", "grpu:{group}:{member}:removeok"],
    "gre": ["gre:{group}"],
    "inv": ["inv:5:0", "inv:60:1"],
    "invr": ["invr:abcdefgh12345678:0:0", "invr:abcdefgh12345678:1:0"],
    "invp": ["invp:1"],
    "jr": ["jr:{request}:a", "jr:{request}:d"],
    "jrd": ["jrd:{request}:noreason", "jrd:{request}:send"],
    "mems": ["mems:0"],
    "mem": ["mem:{applicant}:0"],
    "role": ["role:{member}:coordinator:1", "role:{member}:coordinator:0", "role:{coord}:applicant:1"],
    "cmenu": ["cmenu:invite", "cmenu:members", "cmenu:broadcast", "cmenu:broadcasts", "cmenu:newmeeting",
              "cmenu:newgroup", "cmenu:inbox", "cmenu:stats"],
    "ng": ["ng:create"],
    "ngk": ["ngk:working_group"],
    "ngl": ["ngl:{member}:0"],
    "ngp": ["ngp:0"],
    "nma": ["nma:{group}"],
}
# What only a group's leads (and coordinators) may do, pressed by a member who leads no group.
LEAD_BUTTONS = ["gr:{group}:members", "gr:{group}:xlsx", "bcgl:{group}", "nmg:{group}",
                "mtg:{group_meeting}:attendance", "mtg:{group_meeting}:xlsx", "mtg:{group_meeting}:cancelone",
                "mted:{group_meeting}", "mtmin:{group_meeting}",
                # An announcement's card and a scheduled one's changes: for a lead, their group's only.
                "bcd:{announcement}", "bcx:{scheduled}:0", "bcx:{scheduled}:1", "bce:{scheduled}",
                "bceb:{scheduled}", "bcn:{scheduled}:0", "bcn:{scheduled}:1"]
FAILURES = {
    "query-too-old": lambda h, method: h.request.fail(method, 400, TOO_OLD, times=None),
    "bad-gateway": lambda h, method: h.request.fail(method, 502, "Bad Gateway", times=None),
    "timeout": lambda h, method: h.request.time_out(method, times=None),
}


def test_every_coordinator_button_is_tried() -> None:
    prefixes = {key for key, role in REQUIREMENTS.items() if not key.startswith("/") and role is Role.COORDINATOR}
    assert prefixes == set(COORDINATOR_BUTTONS)
    assert {"/inbox", "/members", "/invite", "/broadcast", "/broadcasts", "/stats"} <= set(COORDINATOR_COMMANDS)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """The matrices below on SQLite alone: what they test lies above the database."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def world(sqlite_db: Database) -> World:
    return await build_world(sqlite_db)


@pytest.fixture
async def h(sqlite_db: Database, world: World, make_harness: MakeHarness) -> Harness:
    return await make_harness(sqlite_db, coordinators=())  # the world has its coordinators


def let_everything_through(h: Harness) -> None:
    """Replaces the gate by one that loads the account, as the gate does, and refuses nothing."""
    for handler in list(h.app.handlers[GATE_GROUP]):
        h.app.remove_handler(handler, GATE_GROUP)
    h.app.add_handler(Gate({}, flood=FloodGuard(limit=100_000)).handler(), GATE_GROUP)


async def attempt(h: Harness, user_id: int, what: str) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """Types a command or presses button data; returns the Bot API calls it made and what it changed."""
    before, start = await snapshot(h.db), len(h.request.calls)
    if what.startswith("/"):
        await send(h, user_id, what)
    else:
        await press(h, user_id, what)
    return calls_since(h, start), changes(before, await snapshot(h.db))


def everything_coordinators_do(world: World) -> list[str]:
    return [*COORDINATOR_COMMANDS, *(world.fill(data) for presses in COORDINATOR_BUTTONS.values() for data in presses)]


# ---- a refusal Telegram does not take still holds ----


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
async def test_a_refusal_that_cannot_be_shown_still_holds(h: Harness, world: World, failure: Any) -> None:
    for method in SHOWING:
        failure(h, method)
    for user_id in (MEMBER, APPLICANT):
        for what in everything_coordinators_do(world):
            seen, changed = await attempt(h, user_id, what)
            refusal = "sendMessage" if what.startswith("/") else "answerCallbackQuery"
            assert [method for method, _ in seen] == [refusal], f"{what!r} by {user_id} made {seen}"
            assert not changed, f"{what!r} by {user_id} changed the database: {changed}"
            assert not h.errors, f"{what!r} by {user_id} raised {h.errors!r}"


async def test_a_refusal_that_hangs_is_given_up_and_still_holds(h: Harness, world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    original = h.request.do_request

    async def never_answering(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/answerCallbackQuery"):
            h.request.calls.append(Call("answerCallbackQuery", {}))
            await asyncio.Event().wait()
        return await original(url, *args, **kwargs)

    monkeypatch.setattr(h.request, "do_request", never_answering)
    monkeypatch.setattr(respond, "NOTICE_WITHIN", 0.05)
    seen, changed = await asyncio.wait_for(attempt(h, MEMBER, world.fill("role:{member}:coordinator:1")), 5)
    assert [method for method, _ in seen] == ["answerCallbackQuery"] and not changed, (seen, changed)


async def test_an_update_being_given_up_says_nothing_more() -> None:
    """bot.ptb.updates gives an update up at its deadline and tells the person; whatever the abandoned
    handling fails with on its way out (a gate whose database read now times out) sends no second
    apology after that notice."""
    processor = PerChatUpdateProcessor(8, deadline=0.05)
    said: list[int] = []

    async def notice(update_id: int) -> None:
        said.append(update_id)

    async def handling(update: Update, *, stuck: bool) -> None:
        try:
            if stuck:
                await asyncio.Event().wait()  # a database that does not answer
        finally:
            # On the way out, as the gate does when its read fails: an apology, best effort.
            await respond.best_effort(notice(update.update_id), update)

    await processor.process_update(Update(1), handling(Update(1), stuck=True))
    await asyncio.sleep(0.05)  # the abandoned handling winds down
    await processor.process_update(Update(2), handling(Update(2), stuck=False))
    assert said == [2]


@both_databases
async def test_on_both_databases_a_refused_role_change_holds_when_telegram_fails(db: Database) -> None:
    world = await build_world(db)
    h = await start_harness(db)
    h.request.fail("answerCallbackQuery", 400, TOO_OLD, times=None)
    h.request.fail("sendMessage", 502, "Bad Gateway", times=None)
    for what in (world.fill("role:{member}:coordinator:1"), "/inbox"):
        seen, changed = await attempt(h, MEMBER, what)
        assert len(seen) == 1 and not changed, (what, seen, changed)
    await h.app.shutdown()
    assert not h.errors


async def test_when_the_gate_cannot_read_the_database_it_refuses(h: Harness, world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the database is away")

    monkeypatch.setattr(users, "current_account", unreachable)
    seen, changed = await attempt(h, MEMBER, "/inbox")
    assert [method for method, _ in seen] == ["sendMessage"] and SORRY in seen[0][1], seen  # in English, as Telegram says
    assert "Vordrucke" not in str(seen) and not changed
    seen, changed = await attempt(h, MEMBER, world.fill("role:{member}:coordinator:1"))
    assert [method for method, _ in seen] == ["answerCallbackQuery"] and SORRY in seen[0][1], seen
    assert not changed


async def test_an_update_whose_gate_failed_goes_no_further(h: Harness, world: World) -> None:
    async def broken_gate(update: object, context: object) -> None:
        raise RuntimeError("the gate broke")

    for handler in list(h.app.handlers[GATE_GROUP]):
        h.app.remove_handler(handler, GATE_GROUP)
    h.app.add_handler(TypeHandler(Update, broken_gate), GATE_GROUP)
    seen, changed = await attempt(h, MEMBER, "/inbox")
    assert [text for _, text in seen] == ["Sorry, something went wrong on my side. Please try again in a moment."]
    seen, changed = await attempt(h, MEMBER, world.fill("role:{member}:coordinator:1"))
    assert [method for method, _ in seen] == ["answerCallbackQuery", "sendMessage"] and not changed, seen
    assert [str(error) for error in h.errors] == ["the gate broke"] * 2
    h.errors.clear()


async def test_a_jobs_error_is_only_logged(h: Harness) -> None:
    stopped = await h.app.process_error(None, RuntimeError("a reminder job failed"))
    assert not stopped and [str(error) for error in h.errors] == ["a reminder job failed"]
    h.errors.clear()


# ---- defence in depth: handlers reached without the gate ----


async def test_without_the_gate_every_coordinator_and_lead_action_still_refuses(h: Harness, world: World) -> None:
    let_everything_through(h)
    cases = [(user_id, what) for user_id in (MEMBER, APPLICANT) for what in everything_coordinators_do(world)]
    cases += [(MEMBER, world.fill(data)) for data in LEAD_BUTTONS]  # MEMBER is in the group, not its lead
    cases += [(LEAD, world.fill(data)) for data in ("gr:{other_group}:members", "mtg:{other_meeting}:cancelone",
                                                    "mtg:{council_meeting}:cancelall")]
    for user_id, what in cases:
        seen, changed = await attempt(h, user_id, what)
        assert len(seen) == 1 and seen[0][0] in ("sendMessage", "answerCallbackQuery"), \
            f"{what!r} by {user_id} made {seen}"
        notice = seen[0][1] or ""
        assert "may do this" in notice or "no longer valid" in notice, f"{what!r} by {user_id}: {notice!r}"
        assert not changed, f"{what!r} by {user_id} changed the database: {changed}"


FLOWS_WITHOUT_THE_GATE = [
    *INTERRUPTED_FLOWS,
    pytest.param(["/newgroup", "type:AG Neu", "press:working group", "press:No description", "press:No limit",
                  "press:Done"], "press:Create the group", id="new-group-create"),
    pytest.param(["/newmeeting", "type:Sitzung", "type:12.3.2027 18:00", "press:Yes", "type:Rathaus",
                  "press:No agenda yet"], "press:The whole council", id="new-meeting-audience"),
    pytest.param(["/members", "press:" + NAMES[MEMBER], "press:Make coordinator"], "press:Yes, change it",
                 id="role-change-confirmed"),
    pytest.param(["data:gre:{group}", "press:Number of places"], "press:No limit", id="edit-group-unlimited"),
]


@pytest.mark.parametrize(("steps", "last"), FLOWS_WITHOUT_THE_GATE)
async def test_without_the_gate_a_flow_begun_as_coordinator_stops_when_the_role_is_gone(
        h: Harness, sqlite_db: Database, world: World, steps: list[str], last: str) -> None:
    for how in steps:
        await step(h, world, COORD, how)
    let_everything_through(h)
    await set_role(sqlite_db, COORD, Role.MEMBER)
    before, start = await snapshot(sqlite_db), len(h.request.calls)
    await step(h, world, COORD, last)
    seen = calls_since(h, start)
    after = await snapshot(sqlite_db)
    assert after == before, f"{last!r} after the demotion changed the database: {changes(before, after)}"
    assert len(seen) == 1 and "may do this" in (seen[0][1] or ""), f"no plain refusal: {seen}"


# ---- a lead's refusal in /broadcast ----


async def test_a_lead_pressing_a_coordinators_audience_gets_one_plain_refusal(h: Harness, world: World) -> None:
    await press(h, LEAD, world.fill("bcgl:{group}"))
    await send(h, LEAD, "Treffen am Montag fällt aus.")
    review = h.request.latest(LEAD)
    assert "the members of “AG Schule”" in review["text"]
    start = len(h.request.calls)
    await press(h, LEAD, "bcs:audience")  # "« Change audience", which only coordinators are shown
    seen = calls_since(h, start)
    assert seen == [("answerCallbackQuery", "Only coordinators of the council may do this.")], seen
    await press_label(h, LEAD, "Send now")  # the announcement to the group goes on as before
    assert "Send it to 1 recipient now?" in h.request.latest(LEAD)["text"]


# ---- edited messages ----


async def test_an_edited_message_runs_no_command(h: Harness, world: World) -> None:
    for user_id, command in ((MEMBER, "/deleteme"), (COORD, "/deleteme"), (COORD, "/members"), (COORD, "/inbox")):
        before, start = await snapshot(h.db), len(h.request.calls)
        await h.edit(user_id, 1, command, language="en")
        assert calls_since(h, start) == [], f"the edit to {command} by {user_id} was answered"
        assert await snapshot(h.db) == before
    await send(h, MEMBER, "/deleteme")  # typed anew, it works as ever
    assert "Erase all your data?" in h.request.latest(MEMBER)["text"]


# ---- flood ----


async def test_a_flood_is_logged_once(sqlite_db: Database, caplog: pytest.LogCaptureFixture) -> None:
    h = await start_harness(sqlite_db, flood_limit=20)
    with caplog.at_level(logging.WARNING):
        for n in range(100):
            await h.send(MEMBER, f"hallo {n}", language="en")
    await h.app.shutdown()
    flood_lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(flood_lines) == 1 and who(MEMBER) in flood_lines[0] and str(MEMBER) not in flood_lines[0], flood_lines


# ---- end to end ----


async def test_a_forged_role_button_pressed_while_telegram_refuses_answers_changes_no_role(
        tg: FakeTelegram, bot: BotRunner) -> None:
    bot.add_people([7201], role="member", language="en")
    mallory = tg.user(7201, "Mallory", language_code="en")
    await mallory.send("/start")
    greeting = await mallory.expect_message(contains="Hello, Mallory")
    tg.fail("answerCallbackQuery", 400, TOO_OLD, times=None)
    await mallory.press_data(greeting, "role:7201:coordinator:1")
    await tg.wait_for_call("answerCallbackQuery")
    # One chat's updates are handled in order: once /help is answered, the press has been handled.
    await mallory.send("/help")
    shown = [(await mallory.expect_message()).text]
    while "What I can do for you" not in shown[-1]:
        shown.append((await mallory.expect_message()).text)
    assert bot.query("select role from users where id = 7201") == [("member",)]
    assert "/members" not in shown[-1]
    assert shown[:-1] == [], f"the press showed {shown[:-1]}"
