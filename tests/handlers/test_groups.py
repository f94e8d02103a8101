"""Groups on a real Application: setting one up, joining, the waitlist, leaving with confirmation,
leads' lists and their limits, archiving, adding and removing by hand, and every bad input."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from storage import groups, users
from storage.db import Database
from storage.models import Delivery, DeliveryKind, Group, GroupKind, GroupStatus, Role
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA, MAX, ADA, APPLICANT = 500, 2001, 2002, 2003, 3001
NOW = datetime.now(timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster", MAX: "Max Mustermann", ADA: "Ada Lovelace"},
                              language="en", seen_at=NOW, greeted=True)


def screen(h: Harness, user_id: int) -> dict:
    return h.request.latest(user_id)


async def press(h: Harness, user_id: int, label: str) -> None:
    await h.press(user_id, buttons(screen(h, user_id))[label], language="en")


async def a_group(db: Database, capacity: int | None, leads: list[int] = ()) -> int:  # type: ignore[assignment]
    async with db.begin() as session:
        group = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP,
                                    description="Sicherheit in Schulen", capacity=capacity, leads=list(leads),
                                    created_by=COORD, now=NOW)
        return group.id


async def test_setting_up_a_group_with_leads(h: Harness, db: Database) -> None:
    await h.send(COORD, "/newgroup", language="en")
    await h.send(COORD, "AG", language="en")
    assert "at least 3 characters" in screen(h, COORD)["text"]
    await h.send(COORD, "AG Sicherheit in Schulen", language="en")
    await press(h, COORD, "working group")
    await h.send(COORD, "Wir beraten Schulen zu Sicherheitskonzepten.", language="en")
    for typed in ("0", "zwölf", "1001"):
        await h.send(COORD, typed, language="en")
        assert "from 1 to 1000" in screen(h, COORD)["text"], typed
    await h.send(COORD, "1", language="en")
    await press(h, COORD, "Ada Lovelace")
    await press(h, COORD, "Max Mustermann")
    await press(h, COORD, "Done")
    assert "more leads than places" in h.answers()[-1]["text"]
    await press(h, COORD, "⭐ Max Mustermann")  # not him after all
    await press(h, COORD, "Done")
    preview = screen(h, COORD)
    assert "Places: 1" in preview["text"] and "Led by Ada Lovelace" in preview["text"]
    await press(h, COORD, "Create the group")
    card = screen(h, COORD)
    assert "AG Sicherheit in Schulen" in card["text"] and "1 member, 0 places left" in card["text"]
    async with db.begin() as session:
        group = (await session.scalars(select(Group))).one()
        assert await groups.is_lead(session, group.id, ADA)
    # Ada is told, as when a lead is chosen for a group that exists.
    await h.deliver()
    assert "A coordinator made you a lead of “AG Sicherheit in Schulen”" in h.request.texts(ADA)[-1]
    await h.send(COORD, "/newgroup", language="en")
    await h.send(COORD, "ag sicherheit in schulen", language="en")
    assert "a group of that name already" in screen(h, COORD)["text"]


async def test_join_waitlist_leave_and_promotion(h: Harness, db: Database) -> None:
    group_id = await a_group(db, capacity=1)
    await h.send(MIA, "/groups", language="en")
    await press(h, MIA, "AG Schule")
    assert "You are not in this group." in screen(h, MIA)["text"]
    await press(h, MIA, "Join")
    assert "Welcome" in h.answers()[-1]["text"]
    await h.press(MAX, f"grc:{group_id}", language="en")
    await press(h, MAX, "Join the waitlist")
    assert "number 1 on the waitlist" in h.answers()[-1]["text"]
    await h.press(MAX, f"gr:{group_id}:join", language="en")  # twice
    assert "already" in h.answers()[-1]["text"]
    await h.press(ADA, f"gr:{group_id}:leaveok", language="en")  # not in it
    assert "not in this group" in h.answers()[-1]["text"]
    await press(h, MIA, "Leave the group")
    assert "your place goes to the next" in screen(h, MIA)["text"]
    await press(h, MIA, "Yes, leave")
    async with db.begin() as session:
        listed = {person.user_id: person.status for person in await groups.people(session, group_id)}
        told = list(await session.execute(select(Delivery.chat_id, Delivery.payload)
                                          .where(Delivery.kind == DeliveryKind.GROUP)))
    assert listed == {MAX: GroupStatus.MEMBER}
    assert told == [(MAX, {"event": "promoted", "group": "AG Schule", "group_id": group_id})]


async def test_leads_see_members_and_may_not_act_on_other_groups(h: Harness, db: Database) -> None:
    school = await a_group(db, capacity=None, leads=[MIA])
    async with db.begin() as session:
        other = (await groups.create(session, name="Präventionsrat Güstrow", kind=GroupKind.LOCAL_COUNCIL,
                                     description="", capacity=None, leads=[], created_by=COORD, now=NOW)).id
        await groups.join(session, school, MAX, NOW)
    await h.press(MIA, f"grc:{school}", language="en")
    card = screen(h, MIA)
    assert {"Members", "Announcement to the group", "Meeting of the group"} <= set(buttons(card))
    assert "Archive" not in buttons(card)
    await press(h, MIA, "Members")
    listing = "\n".join(h.request.texts(MIA)[-3:])
    # Mia's name is what Telegram gave when she pressed ("Test" in these tests).
    assert "1 lead</b>\n• Test" in listing and "1 member</b>\n• Max Mustermann" in listing
    for data in (f"gr:{other}:members", f"gr:{other}:xlsx", f"bcgl:{other}", f"nmg:{other}"):
        await h.press(MIA, data, language="en")
        assert "a group's leads may do this" in h.answers()[-1]["text"], data
    for data in (f"gra:{school}:archiveok", f"grp:{school}:add:0", f"grpu:{school}:{ADA}:add", f"gre:{school}"):
        await h.press(MIA, data, language="en")
        assert "Only coordinators" in h.answers()[-1]["text"], data


async def test_archive_restore_and_add_remove_by_hand(h: Harness, db: Database) -> None:
    group_id = await a_group(db, capacity=2)
    await h.press(COORD, f"grpu:{group_id}:{MIA}:add", language="en")
    await h.press(COORD, f"grpu:{group_id}:{APPLICANT}:add", language="en")  # unknown to the bot
    assert "no longer known" in h.answers()[-1]["text"]
    await h.press(COORD, f"grpu:{group_id}:{MAX}:add", language="en")
    await h.press(COORD, f"grpu:{group_id}:{ADA}:add", language="en")
    assert "The group is full (2 places)" in screen(h, COORD)["text"]
    await h.press(COORD, f"gra:{group_id}:archive", language="en")
    assert "Its members are told" in screen(h, COORD)["text"]
    await press(h, COORD, "Yes, archive it")
    await h.press(ADA, f"gr:{group_id}:join", language="en")
    assert "archived" in h.answers()[-1]["text"]
    await h.press(COORD, f"gra:{group_id}:restore", language="en")
    await h.press(COORD, f"grpu:{group_id}:{MIA}:removeok", language="en")
    async with db.begin() as session:
        events = [(chat, p["event"]) for chat, p in await session.execute(
            select(Delivery.chat_id, Delivery.payload).where(Delivery.kind == DeliveryKind.GROUP).order_by(Delivery.id))]
        members = {person.user_id for person in await groups.people(session, group_id)}
    assert events == [(MIA, "added"), (MAX, "added"), (MIA, "archived"), (MAX, "archived"),
                      (MIA, "restored"), (MAX, "restored"), (MIA, "removed")]
    assert members == {MAX}


async def test_capacity_below_the_members_is_refused_with_the_count(h: Harness, db: Database) -> None:
    group_id = await a_group(db, capacity=3)
    async with db.begin() as session:
        for uid in (MIA, MAX, ADA):
            await groups.join(session, group_id, uid, NOW)
    await h.press(COORD, f"gre:{group_id}", language="en")
    await press(h, COORD, "Number of places")
    await h.send(COORD, "2", language="en")
    assert "has 3 members already" in screen(h, COORD)["text"]
    await h.send(COORD, "5", language="en")
    assert "Saved." in screen(h, COORD)["text"] and "3 members, 2 places left" in screen(h, COORD)["text"]
    await h.press(APPLICANT, f"grc:{group_id}", language="en")
    assert "Only members" in h.answers()[-1]["text"]
    await h.press(MIA, "grc:999999", language="en")  # a forged group id
    assert "no longer exists" in h.answers()[-1]["text"]


async def test_leads_are_told_when_made_or_unmade_and_coordinators_when_the_last_lead_goes(
        db: Database, make_harness: MakeHarness) -> None:
    h = await make_harness(db, coordinators=(COORD, 501), members={MIA: "Mia Muster", MAX: "Max Mustermann"},
                           language="en", seen_at=NOW, greeted=True)
    group_id = await a_group(db, capacity=None)
    for user_id, name in ((MIA, "Mia Muster"), (MAX, "Max Mustermann")):
        await h.press(user_id, f"gr:{group_id}:join", language="en", name=name)
    await h.press(COORD, f"grp:{group_id}:lead:0", language="en")
    await press(h, COORD, "Mia Muster")
    await h.deliver()
    assert "A coordinator made you a lead of “AG Schule”" in h.request.texts(MIA)[-1]
    await h.press(COORD, f"grpu:{group_id}:{MIA}:lead", language="en")  # pressed twice: told once
    await h.deliver()
    assert sum("made you a lead" in text for text in h.request.texts(MIA)) == 1
    assert "Mia Muster leads the group already." in screen(h, COORD)["text"]

    await h.press(COORD, f"grpu:{group_id}:{MIA}:unlead", language="en")
    await h.deliver()
    assert "ended your lead of “AG Schule”. You stay a member" in h.request.texts(MIA)[-1]
    # The group has no lead now: the other coordinator is told (in German, theirs); the one who did it knows.
    news = h.request.sent(501)[-1]
    assert "„AG Schule“ hat keine Leitung mehr" in news["text"] and "Gruppe öffnen" in buttons(news)
    assert not any("no lead any more" in text for text in h.request.texts(COORD))

    # A lead who leaves: every coordinator is told, in their language; a member who leaves: nobody.
    await h.press(COORD, f"grpu:{group_id}:{MAX}:lead", language="en")
    before = len(h.request.sent(501))
    await h.press(MIA, f"gr:{group_id}:leaveok", language="en", name="Mia Muster")
    await h.deliver()
    assert len(h.request.sent(501)) == before
    await h.press(MAX, f"gr:{group_id}:leaveok", language="en", name="Max Mustermann")
    await h.deliver()
    assert "no lead any more" in h.request.texts(COORD)[-1]
    assert "keine Leitung mehr" in h.request.texts(501)[-1]


async def test_the_notice_of_a_new_lead_opens_the_groups_card_as_it_is_when_pressed(h: Harness, db: Database) -> None:
    group_id = await a_group(db, capacity=None)
    await h.press(MIA, f"gr:{group_id}:join", language="en", name="Mia Muster")
    await h.press(COORD, f"grpu:{group_id}:{MIA}:lead", language="en")
    await h.deliver()
    notice = h.request.sent(MIA)[-1]
    assert "made you a lead of “AG Schule”" in notice["text"]
    assert list(buttons(notice)) == ["Open the group"]
    await h.press(MIA, buttons(notice)["Open the group"], language="en", name="Mia Muster")
    card = screen(h, MIA)
    assert "AG Schule" in card["text"] and "You lead this group." in card["text"] and "Members" in buttons(card)
    # Pressed again after the lead ended: the card says what holds now, without the lead's buttons.
    await h.press(COORD, f"grpu:{group_id}:{MIA}:unlead", language="en")
    await h.press(MIA, buttons(notice)["Open the group"], language="en", name="Mia Muster")
    card = screen(h, MIA)
    assert "You are a member of this group." in card["text"] and "Members" not in buttons(card)
    # And refused to someone no longer in the council.
    async with db.begin() as session:
        await users.set_role(session, MIA, Role.APPLICANT)
    await h.press(MIA, buttons(notice)["Open the group"], language="en", name="Mia Muster")
    assert "members of the council" in h.answers()[-1]["text"]


async def test_coordinators_are_told_when_a_lead_taken_out_of_the_council_leaves_a_group_without_a_lead(
        db: Database, make_harness: MakeHarness) -> None:
    h = await make_harness(db, coordinators=(COORD, 501), members={MIA: "Mia Muster", MAX: "Max Mustermann"},
                           language="en", seen_at=NOW, greeted=True)
    async with db.begin() as session:
        alone = await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                    capacity=None, leads=[MIA], created_by=COORD, now=NOW)
        await groups.join(session, alone.id, MAX, NOW)
        shared = await groups.create(session, name="AG Sport", kind=GroupKind.WORKING_GROUP, description="",
                                     capacity=None, leads=[MIA, MAX], created_by=COORD, now=NOW)
    await h.press(COORD, f"mem:{MIA}:0", language="en")
    await press(h, COORD, "Remove from the council")
    assert "Mia Muster will then no longer lead: AG Schule, AG Sport." in screen(h, COORD)["text"]
    await press(h, COORD, "Yes, change it")
    await h.deliver()
    news = [text for text in h.request.texts(501) if "keine Leitung mehr" in text]
    assert news == ["„AG Schule“ hat keine Leitung mehr. Bitte bestimmen Sie auf der Karte der Gruppe eine neue "
                    "Leitung."]  # AG Sport keeps Max
    assert not any("no lead any more" in text for text in h.request.texts(COORD))  # who did it knows
    await h.press(COORD, f"grc:{alone.id}", language="en")
    assert "Led by" not in screen(h, COORD)["text"]
    await h.press(COORD, f"grc:{shared.id}", language="en")
    assert "Led by Max Mustermann" in screen(h, COORD)["text"]


async def test_every_step_of_newgroup_has_back_and_keeps_the_answers(h: Harness, db: Database) -> None:
    await h.send(COORD, "/newgroup", language="en")
    await h.send(COORD, "AG Sicherheit in Schulen", language="en")
    await press(h, COORD, "local prevention council")
    await h.send(COORD, "Wir beraten Schulen.", language="en")
    await press(h, COORD, "No limit")
    await press(h, COORD, "Done")  # no leads
    # Back through every step to the first, then forward again with other answers.
    for question in ("Who leads the group?", "How many places", "A short description",
                     "What kind of group is it?", "Now: AG Sicherheit in Schulen"):
        await press(h, COORD, "« Back")
        assert question in screen(h, COORD)["text"], question
    assert "« Back" not in buttons(screen(h, COORD))  # the first step: only Cancel
    await h.send(COORD, "AG Schulwege", language="en")
    await press(h, COORD, "working group")
    await press(h, COORD, "No description")
    await h.send(COORD, "12", language="en")
    await press(h, COORD, "Done")
    preview = screen(h, COORD)["text"]
    assert "AG Schulwege" in preview and "working group" in preview and "Places: 12" in preview
    await press(h, COORD, "Create the group")
    async with db.begin() as session:
        assert [group.name for group in await groups.listing(session)] == ["AG Schulwege"]


async def test_broadcast_offers_a_group_with_the_members_groups_shows(h: Harness, db: Database) -> None:
    group_id = await a_group(db, capacity=None, leads=[COORD])  # the coordinator leads it
    for user_id in (MIA, MAX):
        await h.press(user_id, f"gr:{group_id}:join", language="en")
    await h.send(COORD, "/groups", language="en")
    assert "AG Schule – working group, 3 members" in screen(h, COORD)["text"]
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Treffen am Montag", language="en")
    await press(h, COORD, "A group…")
    assert "AG Schule (3)" in buttons(screen(h, COORD))  # it offered "(2)": the author was not counted
