"""Handlers on a real Application: languages, roles, the join flow, invites, refusals and errors."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from bot.pseudonym import who
from bot.ptb.keyboards import keyboard
from bot.runner import seed_coordinators
from storage import invites, users
from storage.db import Database
from storage.models import Role
from tests.harness import Harness, buttons

COORD, ALICE, BOB = 500, 1001, 1002


async def role_of(db: Database, user_id: int) -> Role:
    async with db.begin() as session:
        return (await users.get(session, user_id)).role


async def test_start_speaks_the_users_language(h: Harness) -> None:
    await h.send(ALICE, "/start", language="de", name="Alice")
    await h.send(BOB, "/start", language="en", name="Bob")
    assert "Hallo, Alice!" in h.request.texts(ALICE)[-1]
    assert "Hello, Bob!" in h.request.texts(BOB)[-1]
    assert "Dem Rat beitreten" in buttons(h.request.sent(ALICE)[-1])
    assert "Join the council" in buttons(h.request.sent(BOB)[-1])


async def test_language_switch_is_remembered(h: Harness) -> None:
    await h.send(ALICE, "/language", language="de")
    assert set(buttons(h.request.sent(ALICE)[-1])) == {"Deutsch", "English"}
    await h.press(ALICE, "lang:en", language="de")
    # Telegram still says "de"; the stored choice wins from now on.
    await h.send(ALICE, "/help", language="de")
    assert "What I can do for you" in h.request.texts(ALICE)[-1]
    scoped = [c.params for c in h.request.calls if c.method == "setMyCommands"]
    assert scoped and scoped[-1]["scope"] == {"type": "chat", "chat_id": ALICE}


async def test_join_request_is_approved_by_a_coordinator(h: Harness, db: Database) -> None:
    await h.send(ALICE, "/join", name="Alice")
    assert "Schritt 1 von 2" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "A")  # too short
    assert "zu kurz" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "Alice Schmidt")
    await h.send(ALICE, "Polizeirevier Bad Doberan")
    summary = h.request.sent(ALICE)[-1]
    assert "Alice Schmidt" in summary["text"] and "Antrag senden" in buttons(summary)
    await h.press(ALICE, buttons(summary)["Antrag senden"])
    await h.deliver()
    notice = h.request.sent(COORD)[-1]
    assert "Alice Schmidt" in notice["text"] and "Polizeirevier Bad Doberan" in notice["text"]
    approve = buttons(notice)["Annehmen"]
    await h.press(COORD, approve, name="Chris")
    assert await role_of(db, ALICE) is Role.MEMBER
    await h.deliver()
    assert "Sie sind jetzt Mitglied" in h.request.texts(ALICE)[-1]
    edits = [c.params for c in h.request.calls if c.method == "editMessageText" and c.params["chat_id"] == COORD]
    assert any("Angenommen von Chris" in e["text"] for e in edits)
    # The same button pressed again is stale: nothing changes, the coordinator is told.
    await h.press(COORD, approve)
    assert "bereits entschieden" in h.answers()[-1]["text"]


async def test_approve_pressed_by_non_coordinator_is_refused_and_logged(
        h: Harness, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    await h.send(ALICE, "/join")
    await h.send(ALICE, "Alice Schmidt")
    await h.send(ALICE, "Schule am Markt")
    await h.press(ALICE, "join:send")
    await h.deliver()
    approve = buttons(h.request.sent(COORD)[-1])["Annehmen"]
    with caplog.at_level(logging.WARNING):
        await h.press(BOB, approve)  # a forged press by someone who never got the button
    assert "nur die Koordination" in h.answers()[-1]["text"]
    assert h.answers()[-1]["show_alert"] is True
    assert await role_of(db, ALICE) is Role.APPLICANT
    assert any("Refused" in r.message and who(BOB) in r.message and str(BOB) not in r.message for r in caplog.records)


async def test_demoted_coordinator_cannot_use_old_buttons(h: Harness, db: Database) -> None:
    await seed_coordinators(db, (600,))
    await h.send(ALICE, "/join")
    await h.send(ALICE, "Alice Schmidt")
    await h.send(ALICE, "Jugendamt")
    await h.press(ALICE, "join:send")
    await h.deliver()
    approve = buttons(h.request.sent(600)[-1])["Annehmen"]
    async with db.begin() as session:
        await users.set_role(session, 600, Role.MEMBER)
    await h.press(600, approve)
    assert "nur die Koordination" in h.answers()[-1]["text"]
    assert await role_of(db, ALICE) is Role.APPLICANT


async def test_invite_link_makes_members_until_used_up(h: Harness, db: Database) -> None:
    await h.send(COORD, "/invite")
    await h.press(COORD, buttons(h.request.sent(COORD)[-1])["Für eine Person"])
    text = h.request.sent(COORD, method="editMessageText")[-1]["text"]  # the chooser becomes the link
    assert "Gültig bis" in text and "Uhr" in text
    link = next(word for word in text.split() if word.startswith("https://t.me/kpr_test_bot?start=inv_"))
    payload = link.split("start=")[1]
    await h.send(ALICE, f"/start {payload}")
    assert "Willkommen" in h.request.texts(ALICE)[-2]  # then asked whom they represent
    assert await role_of(db, ALICE) is Role.MEMBER
    await h.send(BOB, f"/start {payload}", language="en")
    assert "no longer valid" in h.request.texts(BOB)[-1]
    assert await role_of(db, BOB) is Role.APPLICANT


async def test_invite_typed_count_is_checked(h: Harness) -> None:
    await h.send(COORD, "/invite 0")
    assert "von 1 bis 500" in h.request.texts(COORD)[-1]
    await h.send(COORD, "/invite 3")
    assert "bis zu 3 Personen" in h.request.texts(COORD)[-1]


async def test_applicant_cannot_invite_or_list_members(h: Harness) -> None:
    await h.send(ALICE, "/invite")
    await h.send(ALICE, "/members")
    assert all("nur die Koordination" in text for text in h.request.texts(ALICE)[-2:])


async def test_last_coordinator_cannot_step_down_but_can_promote(h: Harness, db: Database) -> None:
    await h.send(BOB, "/start")
    async with db.begin() as session:
        await users.set_role(session, BOB, Role.MEMBER)
    await h.press(COORD, f"role:{COORD}:member:1")
    assert "letzte koordinierende Person" in h.answers()[-1]["text"]
    assert await role_of(db, COORD) is Role.COORDINATOR
    await h.press(COORD, f"role:{BOB}:coordinator:0")  # asks first
    assert await role_of(db, BOB) is Role.MEMBER
    await h.press(COORD, f"role:{BOB}:coordinator:1")
    assert await role_of(db, BOB) is Role.COORDINATOR
    await h.deliver()
    assert "Koordination des Rates" in h.request.texts(BOB)[-1]


async def test_members_list_shows_requests_and_people(h: Harness, db: Database) -> None:
    await h.send(ALICE, "/join")
    await h.send(ALICE, "Alice Schmidt")
    await h.send(ALICE, "Stadt Güstrow")
    await h.press(ALICE, "join:send")
    await h.send(COORD, "/members")
    listing = h.request.sent(COORD)[-1]
    assert "1 offener Aufnahmeantrag" in listing["text"] and "Stadt Güstrow" in listing["text"]
    await h.press(COORD, buttons(listing)["Alice Schmidt annehmen"])
    assert await role_of(db, ALICE) is Role.MEMBER


async def test_forged_and_unknown_button_data_is_refused(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        # A coordinator, so that the role check passes and the data itself is what is checked.
        for forged in ("jr:abc:a", "nonsense", "role:1:king:1", "x" * 64):
            await h.press(COORD, forged)
    assert len(h.answers()) == 4
    assert all("nicht mehr gültig" in a["text"] for a in h.answers()), h.answers()
    assert sum("Unknown or stale button" in r.message for r in caplog.records) == 4


async def test_cancel_leaves_the_flow_and_free_text_gets_help(h: Harness) -> None:
    await h.send(ALICE, "/join")
    await h.send(ALICE, "/cancel")
    assert "Abgebrochen" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "Alice Schmidt")  # no longer in the flow
    assert "keine Antwort gefunden" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "/cancel")
    assert "nichts abzubrechen" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "/frobnicate")
    assert "Diesen Befehl kenne ich nicht" in h.request.texts(ALICE)[-1]


async def test_group_chat_points_to_private_chat(h: Harness, db: Database) -> None:
    group = {"id": -100500, "type": "supergroup", "title": "AG Schule"}
    await h.send(ALICE, "/start", chat=group)
    await h.send(ALICE, "hello everyone", chat=group)
    sent = h.request.sent(-100500)
    assert len(sent) == 1 and "privaten Chat: @kpr_test_bot" in sent[0]["text"]
    async with db.begin() as session:
        assert await users.get(session, ALICE) is None  # nothing personal stored from groups


async def test_telegram_error_in_handler_is_reported_and_the_bot_goes_on(h: Harness) -> None:
    h.request.fail("sendMessage", 400, "Bad Request: chat not found")
    await h.send(ALICE, "/help")
    assert len(h.errors) == 1 and "chat not found" in str(h.errors[0]).lower()
    h.errors.clear()
    assert "Entschuldigung" in h.request.texts(ALICE)[-1]
    await h.send(ALICE, "/help")
    assert "Was ich für Sie tun kann" in h.request.texts(ALICE)[-1]


async def test_a_pressed_menu_changes_in_place_and_pressing_it_twice_is_no_failure(h: Harness) -> None:
    await h.send(ALICE, "/funding", language="en")
    await h.press(ALICE, "fund:topics", language="en", message_id=7)
    [edit] = h.request.sent(ALICE, method="editMessageText")
    assert edit["message_id"] == 7 and edit["parse_mode"] == "HTML" and "« Back" in buttons(edit)
    # Telegram refuses an edit that changes nothing: the person pressed the same button again.
    h.request.fail("editMessageText", 400, "Bad Request: message is not modified")
    await h.press(ALICE, "fund:topics", language="en", message_id=7)
    assert h.answers()[-1]["callback_query_id"]  # the spinner stops
    assert len(h.request.sent(ALICE)) == 1  # and nothing else is sent


async def test_a_keyboard_shows_its_rows_of_buttons_and_no_buttons_means_no_keyboard(h: Harness) -> None:
    markup = keyboard([[("Zusage ✓", "rsvp:1:yes:note"), ("Absage", "rsvp:1:no:note")], [], [("Ä", "x")]])
    await h.app.bot.send_message(ALICE, "Text", reply_markup=markup)
    rows = h.request.sent(ALICE)[-1]["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in rows] == [
        [("Zusage ✓", "rsvp:1:yes:note"), ("Absage", "rsvp:1:no:note")], [("Ä", "x")]]  # the empty row left out
    assert keyboard([[], []]) is None  # no buttons: no keyboard at all


MAIN_MENUS = {
    "applicant": [["Funding", "Check my project", "Ask the office"], ["Join the council"],
                  ["News on/off", "Privacy"], ["Help", "Deutsch / English"]],
    "member": [["Funding", "Check my project", "Ask the office"], ["Meetings", "Groups", "Settings"],
               ["News on/off", "Privacy"], ["Help", "Deutsch / English"]],
    "coordinator": [["Funding", "Check my project", "Ask the office"], ["Meetings", "Groups", "Settings"],
                    ["New meeting", "New group", "Invite members"], ["New announcement", "Announcements"],
                    ["Inbox", "Statistics", "Members"], ["News on/off", "Privacy"], ["Help", "Deutsch / English"]],
}
# What each button of the main menu shows first.
MENU_LEADS_TO = {
    "Funding": "Funding for prevention projects",
    "Check my project": "Can your project be funded?",
    "Ask the office": "Write your question in one message.",
    "Join the council": "Step 1 of 2: what is your full name?",
    "Meetings": "No meetings are planned",
    "Groups": "Working groups and local councils",
    "Settings": "Meeting reminders: on",
    "Inbox": "No open questions.",
    "Statistics": "Use of the funding help",
    "New meeting": "What is the meeting called?",
    "New group": "What is the group called?",
    "New announcement": "Send me the announcement",
    "Announcements": "No announcements yet",
    "Invite members": "Who is the invite link for?",
    "Members": "2 people in the council",
    "News on/off": "news from the council.",
    "Privacy": "<b>Responsible</b>",
    "Help": "What I can do for you",
    "Deutsch / English": "Which language should I speak?",
}


def button_rows(params: dict) -> list[list[tuple[str, str]]]:
    markup = params.get("reply_markup") or {}
    rows = (json.loads(markup) if isinstance(markup, str) else markup).get("inline_keyboard", [])
    return [[(b["text"], b.get("callback_data")) for b in row] for row in rows]


@pytest.mark.parametrize("role", list(MAIN_MENUS))
async def test_the_main_menu_offers_each_role_its_buttons_and_each_leads_to_its_feature(
        role: str, db: Database, make_harness) -> None:  # type: ignore[no-untyped-def]
    person = {"applicant": ALICE, "member": BOB, "coordinator": COORD}[role]
    h = await make_harness(db, members={BOB: "Bob"}, language="en")
    await h.send(person, "/start", language="en")
    menu = button_rows(h.request.sent(person)[-1])
    assert [[label for label, _ in row] for row in menu] == MAIN_MENUS[role]
    for label, data in [button for row in menu for button in row]:
        before = len(h.request.calls)
        await h.press(person, data, language="en")
        shown = " ".join(str(c.params.get("text", "")) for c in h.request.calls[before:])
        assert MENU_LEADS_TO[label] in shown, (label, shown)
        # The button stops spinning: the press is answered.
        assert "answerCallbackQuery" in [c.method for c in h.request.calls[before:]], label
        await h.send(person, "/cancel", language="en")  # out of any flow the button began


async def test_invite_links_are_listed_revoked_with_a_question_and_say_whom_to_ask(h: Harness, db: Database) -> None:
    await h.send(COORD, "/start", name="Clara Koordination")
    await h.send(COORD, "/invite 3", name="Clara Koordination")
    link = next(word for word in h.request.texts(COORD)[-1].split() if word.startswith("https://t.me/"))
    await h.send(COORD, "/invite", name="Clara Koordination")
    screen = h.request.latest(COORD)
    assert "1 aktiver Einladungslink" in screen["text"]
    assert "für 3 Personen, noch 3 frei, gültig bis" in screen["text"] and "erstellt von Clara Koordination" in screen["text"]
    await h.press(COORD, buttons(screen)["Link 1 widerrufen"], name="Clara Koordination")
    assert "Diesen Einladungslink widerrufen" in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        assert len(await invites.active(session, datetime.now(timezone.utc))) == 1  # asked, not done
    await h.press(COORD, buttons(h.request.latest(COORD))["Ja, widerrufen"], name="Clara Koordination")
    assert "Widerrufen." in h.answers()[-1]["text"]
    assert "aktive" not in h.request.latest(COORD)["text"]
    await h.send(ALICE, f"/start {link.split('start=')[1]}")
    refused = h.request.texts(ALICE)[-1]
    assert "Er wurde widerrufen" in refused and "an Clara Koordination oder an die Geschäftsstelle" in refused
    assert await role_of(db, ALICE) is Role.APPLICANT


async def test_every_active_invite_link_can_be_revoked_page_by_page(h: Harness, db: Database) -> None:
    now = datetime.now(timezone.utc)
    async with db.begin() as session:
        # The oldest is listed last: link 12.
        for number in range(12):
            await invites.create(session, f"pagedcode{number:02d}", COORD, 2, now + timedelta(seconds=number),
                                 now + timedelta(days=14))
    await h.send(COORD, "/invite")
    first = h.request.latest(COORD)
    assert "12 aktive Einladungslinks" in first["text"] and "Seite 1 von 2" in first["text"]
    assert "Link 10 widerrufen" in buttons(first) and "Link 11 widerrufen" not in buttons(first)
    await h.press(COORD, buttons(first)["Weiter »"])
    second = h.request.latest(COORD)
    assert "Seite 2 von 2" in second["text"] and "« Vorherige" in buttons(second)
    await h.press(COORD, buttons(second)["Link 12 widerrufen"])
    await h.press(COORD, buttons(h.request.latest(COORD))["Ja, widerrufen"])
    assert "Widerrufen." in h.answers()[-1]["text"]
    async with db.begin() as session:
        left = {link.code for link in await invites.active(session, datetime.now(timezone.utc))}
    assert len(left) == 11 and "pagedcode00" not in left
    # Back on the page it was revoked from: one link left there.
    assert "11. " in h.request.latest(COORD)["text"] and "Link 12 widerrufen" not in buttons(h.request.latest(COORD))


async def test_an_invite_link_for_more_than_50_people_is_asked_about_first(h: Harness, db: Database) -> None:
    await h.send(COORD, "/invite 60")
    question = h.request.latest(COORD)
    assert "für 60 Personen macht 14 Tage lang alle" in question["text"]
    async with db.begin() as session:
        assert await invites.active(session, datetime.now(timezone.utc)) == []
    await h.press(COORD, buttons(question)["Ja, erstellen"])
    assert "bis zu 60 Personen" in h.request.latest(COORD)["text"]
    await h.press(COORD, "inv:400:0")  # a forged press without the question
    assert "für 400 Personen" in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        assert [link.max_uses for link in await invites.active(session, datetime.now(timezone.utc))] == [60]


async def test_an_expired_invite_link_says_so(h: Harness, db: Database) -> None:
    past = datetime.now(timezone.utc) - timedelta(days=20)
    async with db.begin() as session:
        await invites.create(session, "expiredcode1", COORD, 5, past, past + timedelta(days=14))
    await h.send(ALICE, "/start inv_expiredcode1")
    assert "Er ist abgelaufen" in h.request.texts(ALICE)[-1]
