"""/broadcast, /broadcasts and /news on a real Application: every bad input gets a clear answer and
changes nothing; only coordinators get anywhere."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.rules.announcements import content_problem, telegram_length
from bot.rules.dates import format_datetime
from storage import users
from storage.db import Database
from storage.models import Broadcast, Delivery, Role
from tests.harness import Harness, MakeHarness, buttons

COORD, MEMBER, APPLICANT = 500, 2001, 3001
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
ZONE = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MEMBER: "Mia Member"}, seen_at=NOW, greeted=True)


async def count(db: Database, model: type) -> int:
    async with db.begin() as session:
        return await session.scalar(select(func.count()).select_from(model))


def last(h: Harness, user_id: int) -> dict:
    return h.request.sent(user_id)[-1]


async def to_review(h: Harness, text: str = "Sitzung am Freitag") -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, text, language="en")
    await h.press(COORD, buttons(last(h, COORD))["All members (1)"], language="en")


def test_content_rules() -> None:
    assert content_problem("Hallo", with_attachment=False) is None
    assert "empty" in content_problem(" \n ", with_attachment=False)
    assert content_problem("", with_attachment=True) is None  # a photo needs no caption
    # Telegram's 4096 and 1024, less the room kept for the sender and the date above the text.
    assert content_problem("x" * 3896, with_attachment=False) is None
    assert "too long" in content_problem("x" * 3897, with_attachment=False)
    # Telegram counts UTF-16 code units: an emoji is two.
    assert telegram_length("🙂") == 2
    assert "too long" in content_problem("🙂" * 1949, with_attachment=False)
    assert "caption" in content_problem("x" * 825, with_attachment=True)


async def test_empty_too_long_and_unsupported_content_is_refused(h: Harness, db: Database) -> None:
    await h.send(COORD, "/broadcast", language="en")
    assert "New announcement" in last(h, COORD)["text"]
    await h.send(COORD, "   ", language="en")
    assert "The announcement is empty" in last(h, COORD)["text"]
    await h.send(COORD, "x" * 3897, language="en")
    assert "at most 3896 characters" in last(h, COORD)["text"]
    await h.send_media(COORD, "photo", caption="y" * 825, language="en")
    assert "at most 824 characters" in last(h, COORD)["text"]
    await h.send_media(COORD, "sticker", language="en")
    assert "I can send text, photos and documents" in last(h, COORD)["text"]
    # Still in the first step: a good text goes on to the audience.
    await h.send(COORD, "Sitzung am Freitag", language="en")
    assert "Who should get it?" in last(h, COORD)["text"]
    assert await count(db, Broadcast) == 0


async def test_photo_preview_is_what_recipients_get_and_cancel_sends_nothing(h: Harness, db: Database) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send_media(COORD, "photo", caption="Plakat zur Aktionswoche", language="en")
    await h.press(COORD, buttons(last(h, COORD))["All members (1)"], language="en")
    preview = h.request.sent(COORD, method="sendPhoto")[-1]
    assert preview["photo"].startswith("photo-")
    # Above the caption: the council as the sender (from the content file) and the day, in the author's language.
    assert preview["caption"] == ("<b>Crime prevention council of the Landkreis Rostock (KPR)</b>\n"
                                  f"Announcement of {format_datetime(datetime.now(timezone.utc), ZONE, 'en', date_only=True)}"
                                  "\n\nPlakat zur Aktionswoche")
    review = last(h, COORD)
    assert "Above is the preview." in review["text"] and "1 recipient" in review["text"]
    await h.press(COORD, buttons(review)["Send a test to me"], language="en")
    test_copy = h.request.sent(COORD, method="sendPhoto")[-1]
    assert test_copy["caption"] == "<b>TEST – only you got this copy.</b>\n" + preview["caption"]
    await h.press(COORD, buttons(review)["Add “Acknowledged” button"], language="en")
    with_button = h.request.sent(COORD, method="sendPhoto")[-1]
    assert buttons(with_button) == {"Acknowledged": "ack:0"}
    await h.send(COORD, "/cancel", language="en")
    assert "Cancelled. Nothing was sent." in last(h, COORD)["text"]
    assert await count(db, Broadcast) == 0 and await count(db, Delivery) == 0
    assert not h.request.sent(MEMBER, method="sendPhoto")


async def test_dates_that_are_not_dates_or_past_are_refused(h: Harness, db: Database) -> None:
    await to_review(h)
    await h.press(COORD, buttons(last(h, COORD))["Send later…"], language="en")
    for typed, answer in [("gestern", "like this: 12.3.2027 18:00"),
                          ("31.02.2027 10:00", "This date does not exist"),
                          ("1.1.2020 10:00", "already passed")]:
        await h.send(COORD, typed, language="en")
        assert answer in last(h, COORD)["text"], typed
    year = datetime.now(timezone.utc).year + 1
    await h.send(COORD, f"1.1.{year} 10:00", language="en")
    question = last(h, COORD)
    assert f"1 January {year}, 10:00" in question["text"]
    await h.press(COORD, buttons(question)["Yes, schedule it"], language="en")
    async with db.begin() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
    assert broadcast.send_at == datetime(year, 1, 1, 9, 0, tzinfo=timezone.utc)  # 10:00 in Berlin
    assert await count(db, Delivery) == 0  # its recipients are chosen when it is sent


async def test_an_audience_without_recipients_is_refused(h: Harness, db: Database) -> None:
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Nur für Abonnenten", language="en")
    choice = last(h, COORD)
    assert "News subscribers (1)" in buttons(choice)  # the member; the author is left out
    await h.send(MEMBER, "/news off")
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Nur für Abonnenten", language="en")
    await h.press(COORD, buttons(last(h, COORD))["News subscribers (0)"], language="en")
    assert h.answers()[-1]["show_alert"] and "Nobody can be reached" in h.answers()[-1]["text"]
    assert await count(db, Broadcast) == 0


async def test_only_coordinators_get_anywhere(h: Harness, db: Database) -> None:
    # Mia chose German; the applicant writes in English. A member outside any announcement flow who
    # presses one of its steps is told the button is not valid; the gate refuses the rest.
    for user_id, refusals in ((MEMBER, ("nur die Koordination", "nicht mehr")),
                              (APPLICANT, ("Only coordinators", "Only members"))):
        await h.send(user_id, "/broadcast", language="en")
        assert refusals[0] in last(h, user_id)["text"]
        for data in ("bcs:now", "bcs:send", "bcp:members", "bcg:1", "bcgl:1", "bcx:1:1", "bcr:1:1", "bcd:1"):
            await h.press(user_id, data, language="en")
            answer = h.answers()[-1]
            assert answer["show_alert"] and any(r in answer["text"] for r in refusals), data
        refusal = refusals[0]
        await h.send(user_id, "/broadcasts", language="en")
        assert refusal in last(h, user_id)["text"]
    assert await count(db, Broadcast) == 0


async def test_stale_buttons_after_sending_change_nothing(h: Harness, db: Database) -> None:
    await to_review(h)
    await h.press(COORD, "bcs:now", language="en")
    await h.press(COORD, "bcs:send", language="en")
    assert "Sending…" in h.request.sent(COORD, method="editMessageText")[-1]["text"]
    assert await count(db, Broadcast) == 1
    # The same confirmation pressed again (a double tap, or an old message): no second broadcast.
    await h.press(COORD, "bcs:send", language="en")
    assert "no longer valid" in h.answers()[-1]["text"]
    assert await count(db, Broadcast) == 1 and await count(db, Delivery) == 1


async def test_news_can_be_switched_by_command_and_button(h: Harness, db: Database) -> None:
    await h.send(APPLICANT, "/news", language="en")
    assert "You do not get news" in last(h, APPLICANT)["text"]  # applicants: off by default
    await h.press(APPLICANT, buttons(last(h, APPLICANT))["Get news"], language="en")
    await h.send(MEMBER, "/news aus")
    assert "keine Neuigkeiten mehr" in last(h, MEMBER)["text"]
    async with db.begin() as session:
        assert users.wants_news(await users.get(session, APPLICANT)) is True
        assert users.wants_news(await users.get(session, MEMBER)) is False


async def test_an_announcement_to_those_coming_to_a_meeting(h: Harness, db: Database) -> None:
    from storage import meetings
    from storage.models import Attendance

    async with db.begin() as session:
        await users.ensure(session, 2002, "Max", "de", NOW)
        await users.set_role(session, 2002, Role.MEMBER)
        meeting = (await meetings.create_series(
            session, title="KPR-Sitzung", dates=[datetime(2099, 3, 1, 17, tzinfo=timezone.utc)], place="Kreishaus",
            agenda="", agenda_file_id=None, repetition=None, created_by=COORD, now=NOW))[0]
        await meetings.answer(session, meeting.id, MEMBER, Attendance.YES, NOW)
        await meetings.answer(session, meeting.id, 2002, Attendance.NO, NOW)
    await h.send(COORD, "/broadcast", language="en")
    await h.send(COORD, "Bitte bringt die Unterlagen mit.", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Those coming to a meeting…"], language="en")
    choice = h.request.latest(COORD)
    assert "Which meeting?" in choice["text"]
    await h.press(COORD, buttons(choice)["Sunday, 1 March 2099: KPR-Sitzung (1)"], language="en")
    review = last(h, COORD)
    assert "Audience: everyone coming to “KPR-Sitzung”" in review["text"] and "1 recipient" in review["text"]
    await h.press(COORD, "bcs:now", language="en")
    await h.press(COORD, "bcs:send", language="en")
    async with db.begin() as session:
        assert list(await session.scalars(select(Delivery.chat_id))) == [MEMBER]
        assert (await session.scalars(select(Broadcast))).one().meeting_id == meeting.id
