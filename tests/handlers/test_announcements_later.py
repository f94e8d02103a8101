"""After an announcement is written: a scheduled one gets a new text or goes out at once, and /news
shows the last ones to those who get news, each only to whom it was for."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from storage import broadcasts, groups, users
from storage.db import Database
from storage.models import Audience, Broadcast, BroadcastStatus, Delivery, GroupKind
from tests.harness import Harness, MakeHarness, buttons

COORD, MEMBER, OTHER, APPLICANT = 500, 2001, 2002, 3001
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
COUNCIL_EN = "Crime prevention council of the Landkreis Rostock (KPR)"


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MEMBER: "Mia Member", OTHER: "Otto Other"}, language="en", seen_at=NOW,
                              greeted=True)


async def schedule(h: Harness, db: Database, text: str) -> int:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, text, language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["All members (2)"], language="en")
    await h.press(COORD, "bcs:later", language="en")
    await h.send(COORD, f"1.1.{datetime.now(timezone.utc).year + 1} 10:00", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Yes, schedule it"], language="en")
    assert "Scheduled for" in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        return (await session.scalars(select(Broadcast.id))).one()


async def test_a_scheduled_announcement_gets_a_new_text_then_goes_out_at_once(h: Harness, db: Database) -> None:
    broadcast_id = await schedule(h, db, "Sitzung am Freitag")
    await h.send(COORD, "/broadcasts", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))[f"Details #{broadcast_id}"], language="en")
    card = buttons(h.request.latest(COORD))
    assert {"Edit the text", "Send it now", "Cancel this announcement"} <= set(card)

    await h.press(COORD, card["Edit the text"], language="en")
    assert f"Send me the new text of announcement #{broadcast_id}" in h.request.latest(COORD)["text"]
    await h.send(COORD, "x" * 3897, language="en")
    assert "at most 3896 characters" in h.request.latest(COORD)["text"]
    await h.send(COORD, "Sitzung am Freitag, jetzt im Kreishaus", language="en")
    preview, saved = h.request.sent(COORD)[-2:]
    assert preview["text"].startswith(f"<b>{COUNCIL_EN}</b>\nAnnouncement of ")  # of the day it goes out
    assert " 1 January " in preview["text"].split("\n")[1]
    assert preview["text"].endswith("\n\nSitzung am Freitag, jetzt im Kreishaus")
    assert f"Saved. Announcement #{broadcast_id} goes out with this text on " in saved["text"]
    assert buttons(saved) == {"« Back to the announcement": f"bcd:{broadcast_id}"}

    await h.press(COORD, card["Send it now"], language="en")
    question = h.request.latest(COORD)
    assert f"Send announcement #{broadcast_id} now? It goes to 2 recipients." in question["text"]
    async with db.begin() as session:  # nothing happens before the confirmation
        assert (await broadcasts.get(session, broadcast_id)).status is BroadcastStatus.SCHEDULED
    await h.press(COORD, buttons(question)["Yes, send it now"], language="en")
    assert "Sending…" in h.request.latest(COORD)["text"]
    async with db.begin() as session:
        b = await broadcasts.get(session, broadcast_id)
        assert b.status is BroadcastStatus.SENDING and b.text == "Sitzung am Freitag, jetzt im Kreishaus"
        assert sorted(await session.scalars(select(Delivery.chat_id))) == [MEMBER, OTHER]

    # Once it is going out: neither a new text, nor a second start, nor a cancellation.
    for data in (card["Edit the text"], f"bcn:{broadcast_id}:1", f"bcx:{broadcast_id}:1"):
        await h.press(COORD, data, language="en")
        assert "Too late" in h.answers()[-1]["text"], data
    async with db.begin() as session:
        assert len(list(await session.scalars(select(Delivery)))) == 2


async def test_only_coordinators_edit_or_send_early(h: Harness, db: Database) -> None:
    broadcast_id = await schedule(h, db, "Sitzung am Freitag")
    for data in (f"bce:{broadcast_id}", f"bcn:{broadcast_id}:0", f"bcn:{broadcast_id}:1"):
        await h.press(MEMBER, data, language="en")
        answer = h.answers()[-1]
        assert answer["show_alert"] and "Only coordinators" in answer["text"], data
    async with db.begin() as session:
        b = await broadcasts.get(session, broadcast_id)
        assert b.status is BroadcastStatus.SCHEDULED and b.text == "Sitzung am Freitag"


async def sent(db: Database, text: str, audience: Audience, at: datetime, group_id: int | None = None) -> int:
    async with db.begin() as session:
        return (await broadcasts.create(
            session, author_id=COORD, author_name="Chris", audience=audience, text=text, attachment_kind=None,
            attachment_file_id=None, with_ack=True, send_at=at, now=at, progress_chat_id=COORD,
            progress_message_id=None, language="en", group_id=group_id)).id


async def test_news_shows_the_last_ten_announcements_to_whom_they_were_for(h: Harness, db: Database) -> None:
    async with db.begin() as session:
        school = (await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                      capacity=None, leads=[MEMBER], created_by=COORD, now=NOW)).id
        town = (await groups.create(session, name="Präventionsrat Güstrow", kind=GroupKind.LOCAL_COUNCIL,
                                    description="", capacity=None, leads=[OTHER], created_by=COORD, now=NOW)).id
    for n in range(9):
        await sent(db, f"Newsletter {n}", Audience.NEWS, NOW + timedelta(minutes=n))
    members_only = await sent(db, "An alle Mitglieder", Audience.MEMBERS, NOW + timedelta(hours=1))
    await sent(db, "An die AG Schule", Audience.GROUP, NOW + timedelta(hours=2), school)
    await sent(db, "An den Ortsrat", Audience.GROUP, NOW + timedelta(hours=3), town)
    async with db.begin() as session:  # neither a scheduled one nor a reminder is shown
        await broadcasts.create(
            session, author_id=COORD, author_name="Chris", audience=Audience.NEWS, text="Noch nicht", with_ack=False,
            attachment_kind=None, attachment_file_id=None, send_at=NOW + timedelta(days=9), now=NOW,
            progress_chat_id=COORD, progress_message_id=None, language="en")

    await h.send(MEMBER, "/news", language="en")
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["The last announcements"], language="en")
    listing = h.request.latest(MEMBER)
    shown = [line for line in listing["text"].split("\n") if line and not line.startswith("<")]
    # Newest first, ten of them: the group's under the group's name, the council's under its name.
    assert shown[:3] == ["An die AG Schule", "An alle Mitglieder", "Newsletter 8"] and len(shown) == 10
    assert "– AG Schule" in listing["text"] and f"– {COUNCIL_EN}" in listing["text"]
    assert "Ortsrat" not in listing["text"] and "Noch nicht" not in listing["text"]
    assert buttons(listing)["« Back"] == "newsp:start"
    await h.press(MEMBER, buttons(listing)["2"], language="en")
    read = h.request.latest(MEMBER)
    assert read["text"].startswith(f"<b>{COUNCIL_EN}</b>\nAnnouncement of Sunday, 22 November 2026")
    assert read["text"].endswith("\n\nAn alle Mitglieder")
    assert buttons(read) == {"« Back to the list": "newsp:list"}  # no "Acknowledged" here
    await h.press(MEMBER, "newsp:start", language="en")
    assert "You get news" in h.request.latest(MEMBER)["text"]

    # Someone outside the council who just switched news on reads those to all subscribers only.
    await h.send(APPLICANT, "/news", language="en")
    assert "The last announcements" not in buttons(h.request.latest(APPLICANT))
    await h.press(APPLICANT, "newsp:list", language="en")
    assert h.answers()[-1]["show_alert"] and "for those who get news" in h.answers()[-1]["text"]
    await h.press(APPLICANT, buttons(h.request.latest(APPLICANT))["Get news"], language="en")
    await h.press(APPLICANT, buttons(h.request.latest(APPLICANT))["The last announcements"], language="en")
    listing = h.request.latest(APPLICANT)["text"]
    assert "Newsletter 8" in listing and "Mitglieder" not in listing and "AG Schule" not in listing
    await h.press(APPLICANT, f"newsr:{members_only}", language="en")  # a forged button
    assert h.answers()[-1]["show_alert"] and "not for you" in h.answers()[-1]["text"]

    # A member who switches news off cannot read them either.
    await h.send(OTHER, "/news off", language="en")
    await h.press(OTHER, f"newsr:{members_only}", language="en")
    assert "for those who get news" in h.answers()[-1]["text"]
    async with db.begin() as session:
        assert users.wants_news(await users.get(session, OTHER)) is False
        assert len(list(await session.scalars(select(Broadcast)))) == 13


# A group's lead and the scheduled announcements to their group


async def planned(db: Database, text: str, audience: Audience, group_id: int | None = None) -> int:
    now = datetime.now(timezone.utc)
    async with db.begin() as session:
        return (await broadcasts.create(
            session, author_id=COORD, author_name="Chris", audience=audience, text=text, attachment_kind=None,
            attachment_file_id=None, with_ack=False, send_at=now + timedelta(days=3), now=now,
            progress_chat_id=COORD, progress_message_id=None, language="en", group_id=group_id)).id


async def two_groups(db: Database) -> tuple[int, int]:
    """AG Schule led by MEMBER, the local council led by OTHER."""
    async with db.begin() as session:
        school = (await groups.create(session, name="AG Schule", kind=GroupKind.WORKING_GROUP, description="",
                                      capacity=None, leads=[MEMBER], created_by=COORD, now=NOW)).id
        town = (await groups.create(session, name="Präventionsrat Güstrow", kind=GroupKind.LOCAL_COUNCIL,
                                    description="", capacity=None, leads=[OTHER], created_by=COORD, now=NOW)).id
    return school, town


async def test_a_lead_edits_sends_and_cancels_the_scheduled_announcements_to_their_group(
        h: Harness, db: Database) -> None:
    school, town = await two_groups(db)
    first = await planned(db, "Treffen der AG am Montag", Audience.GROUP, school)
    second = await planned(db, "Material für die AG", Audience.GROUP, school)
    await planned(db, "An den Ortsrat", Audience.GROUP, town)
    await planned(db, "An alle Mitglieder", Audience.MEMBERS)

    await h.press(MEMBER, f"grc:{town}", language="en")  # not their group: nothing of its planned ones
    assert not any(label.startswith("Scheduled announcements") for label in buttons(h.request.latest(MEMBER)))
    await h.press(MEMBER, f"grc:{school}", language="en")
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Scheduled announcements (2)"], language="en")
    listing = h.request.latest(MEMBER)
    assert "Treffen der AG" in listing["text"] and "Material für die AG" in listing["text"]
    assert "Ortsrat" not in listing["text"] and "An alle" not in listing["text"]

    await h.press(MEMBER, buttons(listing)[f"Details #{first}"], language="en")
    card = buttons(h.request.latest(MEMBER))
    assert {"Edit the text", "Send it now", "Cancel this announcement"} <= set(card)
    await h.press(MEMBER, card["Edit the text"], language="en")
    await h.send(MEMBER, "Treffen der AG am Dienstag", language="en")
    assert f"Saved. Announcement #{first} goes out" in h.request.latest(MEMBER)["text"]
    await h.press(MEMBER, card["Cancel this announcement"], language="en")
    async with db.begin() as session:  # asked first
        assert (await broadcasts.get(session, first)).status is BroadcastStatus.SCHEDULED
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Yes, cancel it"], language="en")
    assert f"Announcement #{first} is cancelled" in h.request.latest(MEMBER)["text"]

    await h.press(MEMBER, buttons(listing)[f"Details #{second}"], language="en")
    await h.press(MEMBER, buttons(h.request.latest(MEMBER))["Send it now"], language="en")
    question = h.request.latest(MEMBER)
    assert f"Send announcement #{second} now? It goes to 1 recipient." in question["text"]
    await h.press(MEMBER, buttons(question)["Yes, send it now"], language="en")
    assert "Sending…" in h.request.latest(MEMBER)["text"]
    async with db.begin() as session:
        done, sending = await broadcasts.get(session, first), await broadcasts.get(session, second)
        assert (done.status, done.text) == (BroadcastStatus.CANCELLED, "Treffen der AG am Dienstag")
        assert sending.status is BroadcastStatus.SENDING


async def test_a_lead_cannot_see_or_touch_other_groups_or_council_wide_announcements(
        h: Harness, db: Database) -> None:
    school, town = await two_groups(db)
    theirs = await planned(db, "An den Ortsrat", Audience.GROUP, town)
    council = await planned(db, "An alle Mitglieder", Audience.MEMBERS)
    for broadcast_id in (theirs, council):
        for data in (f"bcd:{broadcast_id}", f"bce:{broadcast_id}", f"bcn:{broadcast_id}:0", f"bcn:{broadcast_id}:1",
                     f"bcx:{broadcast_id}:0", f"bcx:{broadcast_id}:1"):
            await h.press(MEMBER, data, language="en")
            answer = h.answers()[-1]
            assert answer["show_alert"] and "Only coordinators" in answer["text"], data
    assert not any("An den Ortsrat" in text or "An alle" in text for text in h.request.texts(MEMBER))
    await h.press(MEMBER, f"gr:{town}:scheduled", language="en")
    assert "Only coordinators" in h.answers()[-1]["text"]
    async with db.begin() as session:
        for broadcast_id, text in ((theirs, "An den Ortsrat"), (council, "An alle Mitglieder")):
            b = await broadcasts.get(session, broadcast_id)
            assert (b.status, b.text) == (BroadcastStatus.SCHEDULED, text)


async def test_a_lead_unmade_after_pressing_edit_changes_nothing(h: Harness, db: Database) -> None:
    school, _ = await two_groups(db)
    mine = await planned(db, "Treffen der AG am Montag", Audience.GROUP, school)
    await h.press(MEMBER, f"bce:{mine}", language="en")
    assert f"Send me the new text of announcement #{mine}" in h.request.latest(MEMBER)["text"]
    async with db.begin() as session:
        await groups.set_lead(session, school, MEMBER, False)
    await h.send(MEMBER, "Treffen fällt aus", language="en")
    assert "Only coordinators" in h.request.texts(MEMBER)[-1]
    async with db.begin() as session:
        assert (await broadcasts.get(session, mine)).text == "Treffen der AG am Montag"
