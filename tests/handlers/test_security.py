"""Security on a real Application (issue 7, "Security"): button data forged to act on someone else's
data, malformed button data, stale buttons and flows after a demotion, group chats and the anonymous
group admin, and a scan of log records and sent messages for the bot token.

Every refusal is checked the way a user would notice it: one short notice on the pressed button (or a
short reply), nothing else shown, and the database exactly as before."""
from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from telegram.error import NetworkError

from bot.delivery import MAX_NETWORK_ATTEMPTS, classify
from bot.i18n import translator
from bot.logs import OWN_PACKAGES, QUIET_LIBRARIES, setup_logging
from bot.pseudonym import who
from bot.runner import seed_coordinators
from bot.settings import SettingsError, load_settings
from handlers.announcements.sent import progress_text
from storage import broadcasts, funding, groups, join_requests, meetings, users
from storage.db import Database
from storage.models import (
    Audience,
    Base,
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
    GroupKind,
    Role,
)
from tests.harness import BOT_USER, TOKEN, Harness, MakeHarness, buttons
from tests.handlers.conftest import both_databases

COORD, LEAD, MEMBER, OUTSIDER = 500, 2001, 2002, 2003
APPLICANT, STRANGER, JOINER = 3001, 3002, 3003
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: whoever it stands for, nobody we know
NAMES = {COORD: "Clara Coordinator", LEAD: "Lea Lead", MEMBER: "Max Member", OUTSIDER: "Olga Outsider",
         APPLICANT: "Anna Applicant", STRANGER: "Stefan Stranger", JOINER: "Jana Joiner", ANONYMOUS_ADMIN: "Group"}
ROLES = {COORD: Role.COORDINATOR, LEAD: Role.MEMBER, MEMBER: Role.MEMBER, OUTSIDER: Role.MEMBER,
         APPLICANT: Role.APPLICANT, STRANGER: Role.APPLICANT, JOINER: Role.APPLICANT}
GROUP_CHAT = {"id": -100123, "type": "supergroup", "title": "x"}
NOW = datetime.now(timezone.utc)

COORDINATORS_ONLY = "Only coordinators of the council may do this."
MEMBERS_ONLY = "Only members of the council may do this."
LEADS_ONLY = "Only coordinators of the council and a group's leads may do this."
NOT_YOURS = "This meeting is not one of yours."
NOT_VALID = "This button is no longer valid."
SECRETS = (TOKEN, TOKEN.split(":", 1)[1])
# A user's own place in a flow and its draft: rewritten by every update, and nobody else's data.
VOLATILE_TABLES = {"conversation_states", "flow_data"}


@dataclass
class World:
    """What the fixture stored, by id, to fill into button data."""

    group: int  # "AG Schule": LEAD leads it, MEMBER is a member of it
    other_group: int  # "Präventionsrat Güstrow": none of our people in it
    group_meeting: int  # of `group`, upcoming, with an agenda file
    other_meeting: int  # of `other_group`, upcoming
    council_meeting: int  # of the whole council, upcoming
    announcement: int  # to `group` with "Acknowledged"; done, delivered to LEAD only (MEMBER's failed)
    scheduled: int  # to all members, planned for tomorrow
    question: int  # APPLICANT's open question to the council office
    check: int  # APPLICANT's finished eligibility check
    request: int  # JOINER's pending join request

    def fill(self, template: str) -> str:
        return template.format(**asdict(self), coord=COORD, lead=LEAD, member=MEMBER, outsider=OUTSIDER,
                               applicant=APPLICANT)


async def build_world(db: Database) -> World:
    await seed_coordinators(db, (COORD,))
    async with db.begin() as session:
        for uid, role in ROLES.items():
            await users.ensure(session, uid, NAMES[uid], "en", NOW)
            await users.set_role(session, uid, role)
    async with db.begin() as session:
        group = (await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                     capacity=None, leads=[LEAD], created_by=COORD, now=NOW)).id
        other_group = (await groups.create(session, name="Präventionsrat Güstrow", kind=GroupKind.LOCAL_COUNCIL,
                                           description="", capacity=None, leads=[], created_by=COORD, now=NOW)).id
    async with db.begin() as session:
        await groups.join(session, group, MEMBER, NOW)

    async def meeting(title: str, group_id: int | None, agenda_file: str | None = None) -> int:
        async with db.begin() as session:
            return (await meetings.create_series(
                session, title=title, dates=[NOW + timedelta(days=3)], place="Kreishaus", agenda="",
                agenda_file_id=agenda_file, repetition=None, created_by=COORD, now=NOW, group_id=group_id))[0].id

    group_meeting = await meeting("AG-Treffen", group, "doc-agenda")
    other_meeting = await meeting("Ortsrat", other_group)
    council_meeting = await meeting("KPR-Sitzung", None)

    async with db.begin() as session:
        announcement = (await broadcasts.create(
            session, author_id=COORD, author_name=NAMES[COORD], audience=Audience.GROUP, text="Bitte bestätigen",
            attachment_kind=None, attachment_file_id=None, with_ack=True, send_at=NOW, now=NOW,
            progress_chat_id=COORD, progress_message_id=None, language="en", group_id=group)).id
        scheduled = (await broadcasts.create(
            session, author_id=COORD, author_name=NAMES[COORD], audience=Audience.MEMBERS, text="Morgen",
            attachment_kind=None, attachment_file_id=None, with_ack=True, send_at=NOW + timedelta(days=1),
            now=NOW, progress_chat_id=COORD, progress_message_id=None, language="en")).id
    async with db.begin() as session:
        for chat_id, status in ((LEAD, DeliveryStatus.SENT), (MEMBER, DeliveryStatus.FAILED)):
            await session.execute(update(Delivery).where(Delivery.broadcast_id == announcement,
                                                         Delivery.chat_id == chat_id)
                                  .values(status=status, sent_at=NOW))
        await session.execute(update(Broadcast).where(Broadcast.id == announcement).values(
            status=BroadcastStatus.DONE, started_at=NOW, finished_at=NOW, reported_at=NOW))

    async with db.begin() as session:
        question = (await funding.ask(session, APPLICANT, "Gibt es Vordrucke?", None, NOW)).id
        check = await funding.start_check(session, APPLICANT, NOW)
        await funding.finish_check(session, check, {"applicant": "association", "area": "county", "topic": "youth",
                                                    "begun": "yes"}, "youth", "not_eligible", "not_eligible", NOW)
        request = (await join_requests.open_request(session, JOINER, NAMES[JOINER], "Verein Sicheres Güstrow",
                                                    NOW)).id
    return World(group, other_group, group_meeting, other_meeting, council_meeting, announcement, scheduled,
                 question, check, request)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@pytest.fixture
async def h(db: Database, world: World, make_harness: MakeHarness) -> Harness:
    return await make_harness(db)


# ---- helpers ----


async def snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table but the volatile ones, comparable before and after."""
    async with db.begin() as session:
        return {table.name: sorted(repr(tuple(row)) for row in (await session.execute(select(table))).all())
                for table in Base.metadata.sorted_tables if table.name not in VOLATILE_TABLES}


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    return {name: {"gone": sorted(set(rows) - set(after[name])), "new": sorted(set(after[name]) - set(rows))}
            for name, rows in before.items() if rows != after[name]}


async def press(h: Harness, user_id: int, data: str) -> None:
    await h.press(user_id, data, language="en", name=NAMES.get(user_id, "Test"))


async def send(h: Harness, user_id: int, text: str, chat: dict | None = None) -> None:
    await h.send(user_id, text, language="en", name=NAMES.get(user_id, "Test"), chat=chat)


async def press_label(h: Harness, user_id: int, label: str) -> None:
    """Presses the button on the user's latest message whose label starts with `label`."""
    shown = buttons(h.request.latest(user_id))
    matching = [data for text, data in shown.items() if text.startswith(label)]
    assert matching, f"no button {label!r} among {list(shown)}"
    await press(h, user_id, matching[0])


def calls_since(h: Harness, start: int) -> list[tuple[str, Any]]:
    return [(c.method, c.params.get("text")) for c in h.request.calls[start:]]


async def assert_refused(h: Harness, user_id: int, data: str, expected: str | None = None) -> str:
    """Presses `data`; the only thing the user sees is one short notice on the button, and the
    database is as it was. Returns the notice."""
    before = await snapshot(h.db)
    start = len(h.request.calls)
    await press(h, user_id, data)
    seen = calls_since(h, start)
    assert [method for method, _ in seen] == ["answerCallbackQuery"], f"{data!r} by {user_id} showed {seen}"
    notice = seen[0][1] or ""
    assert 0 < len(notice) <= 200, f"{data!r} by {user_id}: no short notice but {notice!r}"
    if expected is not None:
        assert expected in notice, f"{data!r} by {user_id}: {notice!r}"
    after = await snapshot(h.db)
    assert after == before, f"{data!r} by {user_id} changed the database: {changes(before, after)}"
    assert not h.errors, f"{data!r} by {user_id} raised {h.errors!r}"
    return notice


async def press_in_group(h: Harness, user_id: int, data: str) -> None:
    # The harness presses in private chats only; a button under a message in a group looks like this.
    await h._feed({"callback_query": {
        "id": f"group-{time.monotonic_ns()}", "chat_instance": "group", "data": data,
        "from": {"id": user_id, "is_bot": False, "first_name": NAMES.get(user_id, "Test"), "language_code": "en"},
        "message": {"message_id": 1, "date": int(time.time()), "chat": GROUP_CHAT, "from": BOT_USER, "text": "…"}}})


# ---- 1. forged button data acting on someone else's data ----

# Sections of one shape: (who presses, button data, what the notice says). A section is one test, to
# keep the database set-up (the slow part) few; each presses well below the flood limit per person.
FORGED = {
    "member-presses-coordinators-buttons-on-requests-roles-broadcasts-questions": [
        (MEMBER, "jr:{request}:a", COORDINATORS_ONLY),
        (MEMBER, "jr:{request}:d", COORDINATORS_ONLY),
        (MEMBER, "role:{member}:coordinator:1", COORDINATORS_ONLY),  # making oneself coordinator
        (MEMBER, "role:{coord}:applicant:1", COORDINATORS_ONLY),
        (MEMBER, "mem:{applicant}:0", COORDINATORS_ONLY),
        (MEMBER, "mems:0", COORDINATORS_ONLY),
        (MEMBER, "bcd:{announcement}", LEADS_ONLY),  # to a group: its leads may open it
        (MEMBER, "bcx:{scheduled}:1", COORDINATORS_ONLY),
        (LEAD, "bcx:{scheduled}:1", COORDINATORS_ONLY),  # to all members: not a lead's
        (LEAD, "bcn:{scheduled}:1", COORDINATORS_ONLY),
        (MEMBER, "bcr:{announcement}:1", COORDINATORS_ONLY),
        (MEMBER, "qrep:{question}", COORDINATORS_ONLY),
        (MEMBER, "qdone:{question}", COORDINATORS_ONLY),
    ],
    "member-and-lead-press-coordinators-buttons-on-groups-and-meetings": [
        (MEMBER, "inv:5:0", COORDINATORS_ONLY),
        (MEMBER, "cmenu:members", COORDINATORS_ONLY),
        (MEMBER, "nma:{group}", COORDINATORS_ONLY),
        (MEMBER, "bcg:{group}", COORDINATORS_ONLY),
        (MEMBER, "bcm:{council_meeting}", COORDINATORS_ONLY),
        (MEMBER, "gre:{group}", COORDINATORS_ONLY),
        (MEMBER, "geds:{group}:name", COORDINATORS_ONLY),
        (MEMBER, "ngl:{member}:0", COORDINATORS_ONLY),
        # A lead, on the very group they lead.
        (LEAD, "gra:{group}:archiveok", COORDINATORS_ONLY),
        (LEAD, "grp:{group}:add:0", COORDINATORS_ONLY),
        (LEAD, "grpu:{group}:{outsider}:add", COORDINATORS_ONLY),
        (LEAD, "grpu:{group}:{member}:lead", COORDINATORS_ONLY),
        (LEAD, "grpu:{group}:{member}:removeok", COORDINATORS_ONLY),
    ],
    "applicant-presses-members-buttons": [
        (APPLICANT, "grc:{group}", MEMBERS_ONLY),
        (APPLICANT, "gr:{group}:join", MEMBERS_ONLY),
        (APPLICANT, "gr:{group}:members", MEMBERS_ONLY),
        (APPLICANT, "rsvp:{council_meeting}:yes:note", MEMBERS_ONLY),
        (APPLICANT, "ical:{council_meeting}", MEMBERS_ONLY),
        (APPLICANT, "agd:{group_meeting}", MEMBERS_ONLY),
        (APPLICANT, "mtg:{council_meeting}:attendance", MEMBERS_ONLY),
        (APPLICANT, "mtgs:0:next", MEMBERS_ONLY),
        (APPLICANT, "mmenu:meetings", MEMBERS_ONLY),
        (APPLICANT, "rem:0", MEMBERS_ONLY),
        (APPLICANT, "bcgl:{group}", MEMBERS_ONLY),
        (APPLICANT, "nmg:{group}", MEMBERS_ONLY),
        (APPLICANT, "mted:{council_meeting}", MEMBERS_ONLY),
        (APPLICANT, "mtmin:{council_meeting}", MEMBERS_ONLY),
    ],
    "leads-actions-by-someone-not-leading-that-group": [
        (MEMBER, "gr:{group}:members", LEADS_ONLY),  # in the group, not its lead
        (MEMBER, "gr:{group}:xlsx", LEADS_ONLY),
        (MEMBER, "bcgl:{group}", LEADS_ONLY),
        (MEMBER, "nmg:{group}", LEADS_ONLY),
        (MEMBER, "mtg:{group_meeting}:attendance", LEADS_ONLY),
        (MEMBER, "mted:{group_meeting}", LEADS_ONLY),
        (LEAD, "gr:{other_group}:members", LEADS_ONLY),
        (LEAD, "gr:{other_group}:xlsx", LEADS_ONLY),
        (LEAD, "bcgl:{other_group}", LEADS_ONLY),
        (LEAD, "nmg:{other_group}", LEADS_ONLY),
        (LEAD, "mtg:{other_meeting}:attendance", LEADS_ONLY),
        (LEAD, "mtg:{other_meeting}:xlsx", LEADS_ONLY),
        (LEAD, "mtg:{other_meeting}:cancelone", LEADS_ONLY),
        (LEAD, "mtg:{council_meeting}:cancelall", LEADS_ONLY),
        (LEAD, "mted:{other_meeting}", LEADS_ONLY),
        (LEAD, "mtmin:{other_meeting}", LEADS_ONLY),
    ],
    "someone-elses-check-meeting-or-membership": [
        (STRANGER, "chkr:{check}:summary", NOT_VALID),
        (STRANGER, "chkr:{check}:ask", NOT_VALID),
        (STRANGER, "askc:{check}:1", NOT_VALID),
        (STRANGER, "askc:{check}:0", NOT_VALID),
        (MEMBER, "chkr:{check}:summary", NOT_VALID),
        # A group's meeting, pressed by someone not in the group.
        (OUTSIDER, "rsvp:{group_meeting}:yes:card", NOT_YOURS),
        (OUTSIDER, "rsvp:{group_meeting}:no:note", NOT_YOURS),
        (OUTSIDER, "ical:{group_meeting}", NOT_YOURS),
        (OUTSIDER, "agd:{group_meeting}", NOT_YOURS),
        (LEAD, "rsvp:{other_meeting}:maybe:note", NOT_YOURS),
        # Leaving is always one's own: the group's id cannot take someone else out.
        (OUTSIDER, "gr:{group}:leaveok", "You are not in this group."),
    ],
    "acknowledging-a-broadcast-never-delivered-to-the-one-pressing": [
        (OUTSIDER, "ack:{announcement}", NOT_VALID),
        (MEMBER, "ack:{announcement}", NOT_VALID),  # its delivery to him failed
        (COORD, "ack:{announcement}", NOT_VALID),
        (APPLICANT, "ack:{announcement}", NOT_VALID),
        (OUTSIDER, "ack:{scheduled}", NOT_VALID),  # not sent to anyone yet
    ],
    "new-buttons-on-someone-elses-check-reminder-meeting-organisation-or-announcement": [
        (STRANGER, "chkb:{check}", NOT_VALID),  # « Back from another's result
        (STRANGER, "chkr:{check}:remind", NOT_VALID),
        (MEMBER, "chkb:{check}", NOT_VALID),
        (STRANGER, "ddl:999999", "stopped already"),
        (OUTSIDER, "mdep:{group_meeting}", NOT_YOURS),  # a deputy for a meeting of a group one is not in
        (MEMBER, "mdep:999999", "cancelled"),
        (MEMBER, "org:{outsider}", COORDINATORS_ONLY),  # someone else's organisation
        (APPLICANT, "org:{applicant}", MEMBERS_ONLY),
        (OUTSIDER, "newsr:{announcement}", "not for you"),  # a group's announcement, not one's group
        (OUTSIDER, "newsr:999999", "not for you"),
        (STRANGER, "newsr:{announcement}", "for those who get news"),
    ],
    "made-up-ids": [
        (LEAD, "gr:999999:members", LEADS_ONLY),
        (LEAD, "gr:999999:xlsx", LEADS_ONLY),
        (LEAD, "mtg:999999:attendance", "This meeting does not exist."),
        (LEAD, "mted:999999", "cancelled"),
        (MEMBER, "rsvp:999999:yes:note", "cancelled"),
        (MEMBER, "bcgl:999999", "no longer exists"),
        (MEMBER, "nmg:999999", "no longer exists"),
        (MEMBER, "jr:999999:a", COORDINATORS_ONLY),
        (STRANGER, "chkr:999999:summary", NOT_VALID),
        (STRANGER, "askc:999999:1", NOT_VALID),
        (OUTSIDER, "ack:999999", NOT_VALID),
    ],
}


@pytest.mark.parametrize("cases", FORGED.values(), ids=FORGED.keys())
async def test_forged_button_data_is_refused_and_changes_nothing(h: Harness, world: World,
                                                                 cases: list[tuple[int, str, str]]) -> None:
    for presser, template, expected in cases:
        await assert_refused(h, presser, world.fill(template), expected)


# ---- 2. malformed button data ----

MALFORMED = [
    pytest.param([""], id="empty"),
    pytest.param([":", "::::", "x" * 64, "ü" * 32, "💥" * 16, "\x00" * 64, "jr:" + "9" * 61], id="junk-up-to-64-bytes"),
    pytest.param(["zzz:1", "admin:grant:500", "JR:1:a", " jr:1:a"], id="unknown-prefix"),
    pytest.param(["jr:1", "jr:1:a:extra", "jr::a", "rsvp:1:yes", "rsvp:1:yes:note:more", "gr:1", "grpu:1:2",
                  "role:2002:member"], id="wrong-field-count"),
    pytest.param(["jr:abc:a", "gr:one:members", "rsvp:-1:yes:note", "mem:2002:x", "ack:1e3", "chkr:0x1:summary",
                  "role:2002:king:1", "jr:1:maybe", "grpu:1:2002:delete"], id="wrong-field-values"),
    pytest.param(["jr:99999999999999999999:a", "rsvp:99999999999999999999:yes:note",
                  "role:99999999999999999999:member:1", "ack:99999999999999999999", "gr:99999999999999999999:xlsx",
                  "mem:99999999999999999999:0"], id="huge-numbers"),
]


@pytest.mark.parametrize("data", MALFORMED)
async def test_malformed_button_data_gets_a_notice_and_a_warning(h: Harness, caplog: pytest.LogCaptureFixture,
                                                                 data: list[str]) -> None:
    # Pressed by a coordinator, so that no missing right stops them before the handlers see them.
    for pressed in data:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            await assert_refused(h, COORD, pressed)
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any(who(COORD) in message for message in warnings), f"no warning about {pressed!r}: {warnings}"


# Longer than the database's integers can hold: users' ids are 64-bit, other ids (meetings, groups,
# requests, broadcasts, checks) 32-bit on PostgreSQL. The patterns take no such number.
BEYOND_INT64 = "9999999999999999999"  # 19 digits
BEYOND_INT32 = "999999999999"  # 12 digits
TOO_BIG = [
    pytest.param("mem:" + BEYOND_INT64 + ":0", id="member-card-int64"),
    pytest.param("role:" + BEYOND_INT64 + ":member:1", id="role-int64"),
    pytest.param("grpu:{group}:" + BEYOND_INT64 + ":add", id="group-person-int64"),
    pytest.param("rsvp:" + BEYOND_INT32 + ":yes:note", id="rsvp-int32"),
    pytest.param("jr:" + BEYOND_INT32 + ":a", id="join-request-int32"),
    pytest.param("ack:" + BEYOND_INT32, id="ack-int32"),
    pytest.param("gr:" + BEYOND_INT32 + ":members", id="group-members-int32"),
    pytest.param("chkr:" + BEYOND_INT32 + ":summary", id="check-int32"),
    pytest.param("bcd:" + BEYOND_INT32, id="broadcast-details-int32"),
    pytest.param("rsvp:2147483648:yes:note", id="rsvp-just-beyond-int32"),
]


@both_databases
@pytest.mark.parametrize("template", TOO_BIG)
async def test_ids_beyond_the_database_s_integers_get_a_notice(h: Harness, world: World, template: str) -> None:
    await assert_refused(h, COORD, world.fill(template))


# ---- 3. stale buttons and flows after a demotion ----


async def set_role(db: Database, user_id: int, role: Role) -> None:
    async with db.begin() as session:
        await users.set_role(session, user_id, role)


@pytest.mark.parametrize("demoted_to", [Role.MEMBER, Role.APPLICANT])
async def test_a_demoted_coordinator_s_old_members_buttons_do_nothing(h: Harness, db: Database, world: World,
                                                                      demoted_to: Role) -> None:
    await send(h, COORD, "/members")
    old = buttons(h.request.latest(COORD))
    assert {f"Approve {NAMES[JOINER]}", "Decline", NAMES[MEMBER]} <= set(old)
    await press(h, COORD, old[NAMES[MEMBER]])  # the person's card, with the role buttons
    old_card = buttons(h.request.latest(COORD))
    assert "Make coordinator" in old_card
    await set_role(db, COORD, demoted_to)
    for data in (old[f"Approve {NAMES[JOINER]}"], old["Decline"], old[NAMES[MEMBER]], old_card["Make coordinator"],
                 old_card["Remove from the council"]):
        await assert_refused(h, COORD, data, COORDINATORS_ONLY)


@pytest.mark.parametrize("demoted_to", [Role.MEMBER, Role.APPLICANT])
async def test_a_demoted_coordinator_s_old_broadcast_buttons_do_nothing(h: Harness, db: Database, world: World,
                                                                        demoted_to: Role) -> None:
    await send(h, COORD, "/broadcasts")
    listing = buttons(h.request.latest(COORD))
    await press(h, COORD, listing[f"Details #{world.scheduled}"])
    cancel = buttons(h.request.latest(COORD))["Cancel this announcement"]
    await press(h, COORD, cancel)
    cancel_confirmed = buttons(h.request.latest(COORD))["Yes, cancel it"]
    await press(h, COORD, listing[f"Details #{world.announcement}"])
    remind = buttons(h.request.latest(COORD))["Remind those who have not acknowledged"]
    await press(h, COORD, remind)
    remind_confirmed = buttons(h.request.latest(COORD))["Yes, remind them"]
    await set_role(db, COORD, demoted_to)
    for data in (listing[f"Details #{world.scheduled}"], cancel, cancel_confirmed, remind, remind_confirmed):
        # An announcement's card is open to members (a group's leads), so an applicant is refused as a non-member.
        expected = MEMBERS_ONLY if demoted_to is Role.APPLICANT and data not in (remind, remind_confirmed) \
            else COORDINATORS_ONLY
        await assert_refused(h, COORD, data, expected)


@pytest.mark.parametrize(("demotion", "refusal"), [("lead flag removed", LEADS_ONLY),
                                                   ("out of the council", MEMBERS_ONLY)])
async def test_a_former_lead_s_old_group_buttons_do_nothing(h: Harness, db: Database, world: World, demotion: str,
                                                            refusal: str) -> None:
    await press(h, LEAD, f"grc:{world.group}")
    card = buttons(h.request.latest(LEAD))
    await press(h, LEAD, card["Members"])
    csv = buttons(h.request.latest(LEAD))["Download as a spreadsheet"]
    async with db.begin() as session:
        if demotion == "lead flag removed":
            assert await groups.set_lead(session, world.group, LEAD, False)
        else:
            await users.set_role(session, LEAD, Role.APPLICANT)
    for data in (card["Members"], csv, card["Announcement to the group"], card["Meeting of the group"]):
        await assert_refused(h, LEAD, data, refusal)


# A flow begun with the right, continued after losing it: the last step must be refused.
# Steps: "/command", "data:<callback data>", "press:<label>", "type:<text>".
INTERRUPTED_FLOWS = [
    pytest.param(["/broadcast", "type:Sitzung am Freitag", "press:All members", "press:Send now"],
                 "press:Yes, send it now", id="broadcast-send"),
    pytest.param(["data:mted:{council_meeting}", "press:Place", "type:Rathaus Güstrow"], "press:Save",
                 id="edit-meeting-save"),
    pytest.param(["data:qrep:{question}", "type:Ja, auf der Website."], "press:Send", id="reply-send"),
    pytest.param(["data:bce:{scheduled}"], "type:Morgen um 10 Uhr", id="scheduled-announcement-new-text"),
    pytest.param(["data:gre:{group}", "press:Name"], "type:AG Umbenannt", id="edit-group-typed-name",
                 ),
    pytest.param(["data:gre:{group}", "press:Number of places"], "type:5", id="edit-group-typed-capacity",
                 ),
]


async def step(h: Harness, world: World, user_id: int, how: str) -> None:
    kind, _, value = how.partition(":")
    if how.startswith("/"):
        await send(h, user_id, how)
    elif kind == "data":
        await press(h, user_id, world.fill(value))
    elif kind == "press":
        await press_label(h, user_id, value)
    else:
        await send(h, user_id, value)


@pytest.mark.parametrize(("steps", "last"), INTERRUPTED_FLOWS)
async def test_a_flow_begun_as_coordinator_stops_when_the_role_is_gone(h: Harness, db: Database, world: World,
                                                                       steps: list[str], last: str) -> None:
    for how in steps:
        await step(h, world, COORD, how)
    await set_role(db, COORD, Role.MEMBER)
    before, start = await snapshot(db), len(h.request.calls)
    await step(h, world, COORD, last)
    seen = calls_since(h, start)
    after = await snapshot(db)
    assert after == before, f"{last!r} after the demotion changed the database: {changes(before, after)}"
    assert any(text and "may do this" in text for _, text in seen), f"no refusal shown: {seen}"


# ---- 4. group chats and the anonymous group admin ----


@pytest.mark.parametrize("command", ["/start", "/help", "/start@kpr_test_bot", "/help@kpr_test_bot"])
@pytest.mark.parametrize("sender", [COORD, APPLICANT, 4242])  # 4242: someone the bot has never seen
async def test_in_a_group_start_and_help_point_to_the_private_chat(h: Harness, db: Database, command: str,
                                                                   sender: int) -> None:
    before, start = await snapshot(db), len(h.request.calls)
    await send(h, sender, command, chat=GROUP_CHAT)
    sent = h.request.calls[start:]
    assert [c.method for c in sent] == ["sendMessage"], calls_since(h, start)
    assert int(sent[0].params["chat_id"]) == GROUP_CHAT["id"]
    assert "private chat" in sent[0].params["text"] and "@kpr_test_bot" in sent[0].params["text"]
    assert "reply_markup" not in sent[0].params  # no menu, nothing personal
    assert await snapshot(db) == before


IGNORED_IN_GROUPS = ["/members", "/broadcast", "/broadcasts", "/inbox", "/stats", "/invite", "/newmeeting",
                     "/newgroup", "/groups", "/meetings", "/settings", "/join", "/check", "/ask", "/funding",
                     "/news off", "/cancel", "/mydata", "/deleteme", "/privacy", "/nonsense",
                     "Wann ist die nächste Sitzung?", "hallo"]


@pytest.mark.parametrize("text", IGNORED_IN_GROUPS)
async def test_in_a_group_a_coordinator_gets_nothing_else(h: Harness, db: Database, text: str) -> None:
    before, start = await snapshot(db), len(h.request.calls)
    await send(h, COORD, text, chat=GROUP_CHAT)
    assert calls_since(h, start) == []
    assert await snapshot(db) == before


async def test_a_coordinator_s_button_pressed_in_a_group_does_nothing(h: Harness, db: Database, world: World) -> None:
    before, start = await snapshot(db), len(h.request.calls)
    for data in (f"jr:{world.request}:a", f"role:{MEMBER}:coordinator:1", f"bcx:{world.scheduled}:1",
                 f"gra:{world.group}:archiveok"):
        await press_in_group(h, COORD, data)
    assert {method for method, _ in calls_since(h, start)} == {"answerCallbackQuery"}
    assert await snapshot(db) == before


@pytest.mark.e2e
def test_the_anonymous_admin_can_never_be_made_a_coordinator(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="anonymous group admins"):
        load_settings(_env_file=None, bot_token=TOKEN, coordinator_ids=f"{COORD},{ANONYMOUS_ADMIN}")
    cli = subprocess.run([sys.executable, "-m", "bot", "coordinators", "add", str(ANONYMOUS_ADMIN)],
                         env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2 and "anonymous group admins" in cli.stderr


async def test_the_database_refuses_the_anonymous_admin(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.begin() as session:
            await users.ensure_coordinator(session, ANONYMOUS_ADMIN, NOW)


@pytest.mark.parametrize("chat", [GROUP_CHAT, None], ids=["group", "private"])
async def test_the_anonymous_admin_gets_no_coordinator_functions(h: Harness, db: Database, world: World,
                                                                 chat: dict | None) -> None:
    before, start = await snapshot(db), len(h.request.calls)
    for command in ("/members", "/broadcasts", "/inbox", "/stats", "/invite", "/newmeeting", "/broadcast"):
        await send(h, ANONYMOUS_ADMIN, command, chat=chat)
    for data in (f"jr:{world.request}:a", f"role:{MEMBER}:coordinator:1", f"bcx:{world.scheduled}:1",
                 f"qdone:{world.question}", f"gra:{world.group}:archiveok", "cmenu:members"):
        if chat is None:
            await press(h, ANONYMOUS_ADMIN, data)
        else:
            await press_in_group(h, ANONYMOUS_ADMIN, data)
    shown = calls_since(h, start)
    assert {method for method, _ in shown} <= {"answerCallbackQuery"}, shown
    assert await snapshot(db) == before
    assert not h.errors


# ---- 5. no secret in logs or messages ----


@contextlib.contextmanager
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The bot's own logging set-up (bot.logs, as `kpr-bot run` calls it) at DEBUG, with pytest's
    capturing handler behind it, so that caplog sees each record as the bot's handler left it."""
    root = logging.getLogger()
    quieted = (*OWN_PACKAGES, *QUIET_LIBRARIES)
    saved = (root.handlers[:], root.level, {name: logging.getLogger(name).level for name in quieted})
    setup_logging("DEBUG", [TOKEN])
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def bot_api_url(method: str) -> str:
    return f"https://api.telegram.org/bot{TOKEN}/{method}"


def break_connection_once(h: Harness, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """The next `method` call fails as a broken connection does: python-telegram-bot turns the
    transport's exception, which names the URL (and so the token), into a NetworkError."""
    original = h.request.do_request

    async def do_request(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/" + method):
            monkeypatch.setattr(h.request, "do_request", original)
            raise OSError(f"Connection reset by peer while posting to {url}")
        return await original(url, *args, **kwargs)

    monkeypatch.setattr(h.request, "do_request", do_request)


async def test_the_token_appears_in_no_log_record_and_no_message(h: Harness, world: World,
                                                                 caplog: pytest.LogCaptureFixture,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with production_logging(caplog):
        await send(h, MEMBER, "/start")
        await press(h, MEMBER, "zzz:forged")  # a warning with the pressed data
        break_connection_once(h, monkeypatch, "sendMessage")
        await send(h, COORD, "/help")  # fails with the URL in the error, then the apology goes out
        h.request.fail("editMessageText", 400, f"Bad Request: message can't be edited ({bot_api_url('edit')})")
        await press(h, MEMBER, "grs:all")  # fails with a BadRequest that quotes the URL
        await send(h, APPLICANT, "/check")
        await send(h, OUTSIDER, "Wie viel Geld gibt es?")
    written = capsys.readouterr().err  # what the bot's own handler wrote

    assert len(h.errors) == 2 and any(TOKEN in str(error) for error in h.errors), h.errors  # the test's premise
    h.errors.clear()
    # Captured as the bot logs at DEBUG: its own loggers at DEBUG, libraries at INFO (bot.logs).
    assert caplog.records, "nothing captured"
    assert "Error while handling update" in written and "Error while handling update" in caplog.text
    for secret in SECRETS:
        assert secret not in written, "the token is in the log output"
        assert secret not in caplog.text, "the token is in a formatted log record"
        leaking = [r.name for r in caplog.records if secret in r.getMessage()]
        assert not leaking, f"the token is in log records of {leaking}"
        shown = [c.method for c in h.request.calls if secret in json.dumps(c.params, default=str)]
        assert not shown, f"the token is in messages sent: {shown}"
    assert len(h.request.texts(COORD)) == 1  # the failed /help, answered with an apology


async def test_a_failed_delivery_s_reason_carries_no_token(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    break_connection_once(h, monkeypatch, "sendMessage")
    with pytest.raises(NetworkError) as caught:
        await h.app.bot.send_message(MEMBER, "Hallo")
    reason = classify(caught.value, MAX_NETWORK_ATTEMPTS).error or ""
    counts = Counter({DeliveryStatus.SENT: 0, DeliveryStatus.UNREACHABLE: 0, DeliveryStatus.FAILED: 1,
                      DeliveryStatus.PENDING: 0})
    report = progress_text(translator("en"), counts, final=True, late=False, reasons=Counter({reason: 1}))
    assert "network" in reason
    for secret in SECRETS:
        assert secret not in reason and secret not in report
