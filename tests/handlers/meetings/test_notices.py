"""A meeting notice waiting in the outbox (Telegram's rate limit holds a big council's back) goes out
with the meeting as it is when it is sent, not as it was when it was queued; one for a meeting
cancelled meanwhile does not go out as if the meeting were on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.delivery import Withdrawn
from bot.i18n import translator
from bot.settings import load_settings
from handlers.meetings.overview import MeetingRenderer
from handlers.meetings.view import MeetingView
from storage import meetings
from storage.db import Database
from storage.models import Delivery, DeliveryKind
from storage.outbox import DueRow
from tests.harness import Harness, MakeHarness, buttons

COORD, MIA = 500, 2001
NOW = datetime.now(timezone.utc)
MARCH_12 = datetime(2027, 3, 12, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
async def h(db: Database, make_harness: MakeHarness) -> Harness:
    return await make_harness(db, members={MIA: "Mia Muster"}, seen_at=NOW, greeted=True)


async def queued(db: Database, dates: list[datetime]) -> int:
    """A meeting (a series with several dates) whose invitation waits in the outbox."""
    async with db.begin() as session:
        created = await meetings.create_series(
            session, title="KPR-Sitzung", dates=dates, place="Kreishaus Güstrow", agenda="", agenda_file_id=None,
            repetition={"kind": "weekly", "every": 1, "count": len(dates), "until": None} if len(dates) > 1 else None,
            created_by=COORD, now=NOW)
        await meetings.notify(session, created[0], {"event": "invite", "meeting": MeetingView.of(created[0]).to_payload(),
                                                    "group": None, "dates": len(dates)},
                              NOW, without_declined=False, leave_out=COORD)
    return created[0].id


async def edit(h: Harness, meeting_id: int, field: str, value: str) -> None:
    await h.press(COORD, f"mted:{meeting_id}", language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))[field], language="en")
    await h.send(COORD, value, language="en")
    await h.press(COORD, buttons(h.request.latest(COORD))["Save"], language="en")


async def test_an_invitation_still_waiting_goes_out_with_the_place_as_it_is_now(h: Harness, db: Database) -> None:
    meeting_id = await queued(db, [MARCH_12])
    await edit(h, meeting_id, "Place", "Rathaus Bützow")
    await edit(h, meeting_id, "Place", "Rathaus Schwaan")
    await h.deliver()
    sent = h.request.texts(MIA)
    invitation = next(m for m in h.request.sent(MIA) if "Einladung" in m["text"])
    assert "Rathaus Schwaan" in invitation["text"]
    assert "Kreishaus" not in invitation["text"] and "Bützow" not in invitation["text"]
    assert "Zusage" in buttons(invitation)
    # Both change notices name the place that holds now; none sends anyone to Bützow.
    changes = [text for text in sent if "geändert" in text]
    assert len(changes) == 2 and all("→ Rathaus Schwaan" in text for text in changes)
    assert any("Kreishaus Güstrow → Rathaus Schwaan" in text for text in changes)


async def test_an_invitation_still_waiting_goes_out_with_the_time_as_it_is_now(h: Harness, db: Database) -> None:
    meeting_id = await queued(db, [MARCH_12])
    await edit(h, meeting_id, "Date and time", "19.3.2027 17-19 Uhr")
    await h.deliver()
    invitation = next(text for text in h.request.texts(MIA) if "Einladung" in text)
    assert "Freitag, 19. März 2027, 17:00–19:00 Uhr" in invitation and "12. März" not in invitation


async def test_a_change_undone_before_its_notice_goes_out_is_not_sent(h: Harness, db: Database) -> None:
    meeting_id = await queued(db, [MARCH_12])
    await h.deliver()
    await edit(h, meeting_id, "Place", "Rathaus Bützow")
    async with db.begin() as session:  # put back by hand while the notice waits
        await meetings.edit(session, await meetings.get(session, meeting_id), NOW, place="Kreishaus Güstrow")
    await h.deliver()
    assert not [text for text in h.request.texts(MIA) if "geändert" in text]


async def test_the_invitation_to_a_meeting_cancelled_before_it_went_out_is_not_sent(h: Harness, db: Database) -> None:
    meeting_id = await queued(db, [NOW + timedelta(days=5)])
    await h.press(COORD, f"mtg:{meeting_id}:cancelone", language="en")
    await h.deliver()
    assert not [text for text in h.request.texts(MIA) if "Einladung" in text]
    cancellation = h.request.sent(MIA, method="sendDocument")
    assert len(cancellation) == 1 and "Abgesagt" in cancellation[0]["caption"]
    async with db.begin() as session:
        statuses = sorted(row.status.value for row in await session.scalars(
            select(Delivery).where(Delivery.chat_id == MIA)))
    assert statuses == ["cancelled", "sent"]


async def test_a_series_invitation_counts_the_dates_left_when_it_goes_out(h: Harness, db: Database) -> None:
    first = NOW + timedelta(days=5)
    meeting_id = await queued(db, [first + timedelta(weeks=n) for n in range(3)])
    await h.press(COORD, f"mtg:{meeting_id}:cancelone", language="en")
    await h.deliver()
    invitation = next(text for text in h.request.texts(MIA) if "Einladung" in text)
    assert "alle 2 Termine" in invitation
    assert "Zusage für alle Termine" in buttons(next(m for m in h.request.sent(MIA) if "Einladung" in m["text"]))


async def test_a_waiting_reminder_shows_the_new_place_and_is_dropped_once_the_meeting_moved_or_is_cancelled(
        h: Harness, db: Database) -> None:
    renderer = MeetingRenderer(load_settings(_env_file=None, bot_token="1:abc"), db,
                               clock=lambda: MARCH_12 - timedelta(days=1))
    async with db.begin() as session:
        meeting = (await meetings.create_series(
            session, title="KPR-Sitzung", dates=[MARCH_12], place="Kreishaus Güstrow", agenda="", agenda_file_id=None,
            repetition=None, created_by=COORD, now=NOW))[0]
    reminder = DueRow(1, MIA, DeliveryKind.REMINDER, None, {"meeting": MeetingView.of(meeting).to_payload()}, 1, "de")
    async with db.begin() as session:
        await meetings.edit(session, await meetings.get(session, meeting.id), NOW, place="Rathaus Bützow")
    text = (await renderer(reminder, translator("de"))).text
    assert "Rathaus Bützow" in text and "Kreishaus" not in text
    async with db.begin() as session:  # moved: the new time has reminders of its own
        await meetings.edit(session, await meetings.get(session, meeting.id), NOW,
                            starts_at=MARCH_12 + timedelta(hours=1), ends_at=MARCH_12 + timedelta(hours=3))
    with pytest.raises(Withdrawn):
        await renderer(reminder, translator("de"))
    async with db.begin() as session:
        await meetings.edit(session, await meetings.get(session, meeting.id), NOW,
                            starts_at=MARCH_12, ends_at=MARCH_12 + timedelta(hours=2))
        await meetings.cancel(session, [await meetings.get(session, meeting.id)], NOW)
    with pytest.raises(Withdrawn):
        await renderer(reminder, translator("de"))
