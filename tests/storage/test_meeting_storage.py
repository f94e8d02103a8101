"""Meetings in the database: who a reminder is for, that a reminder is dealt with once however often
it is asked for, and that a cancellation takes its pending reminders with it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.rules.reminders import Decision, Reminder
from storage import meetings, reminders, users
from storage.db import Database
from storage.models import Attendance, Delivery, DeliveryKind, DeliveryStatus, Meeting, ReminderRun, Role

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
START = NOW + timedelta(days=3)


async def people(db: Database) -> dict[str, int]:
    cast = {"coord": 1, "yes": 2, "no": 3, "maybe": 4, "silent": 5, "off": 6, "no_1d": 7, "applicant": 8, "blocked": 9}
    async with db.begin() as session:
        for name, uid in cast.items():
            await users.ensure(session, uid, name, "de", NOW)
            if name != "applicant":
                await users.set_role(session, uid, Role.COORDINATOR if name == "coord" else Role.MEMBER)
        await users.mark_unreachable(session, [cast["blocked"]], NOW)
        await reminders.set_enabled(session, cast["off"], False)
        await reminders.set_offset(session, cast["no_1d"], timedelta(days=1), False)
    return cast


async def a_meeting(db: Database, start: datetime = START) -> Meeting:
    async with db.begin() as session:
        created = await meetings.create_series(session, title="KPR-Sitzung", dates=[start], place="Kreishaus",
                                               agenda="", agenda_file_id=None, repetition=None, created_by=1, now=NOW)
    return created[0]


async def rows(db: Database, **where: object) -> list[tuple[int, str]]:
    async with db.begin() as session:
        query = select(Delivery.chat_id, Delivery.status).order_by(Delivery.chat_id)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        return [(chat, status.value) for chat, status in (await session.execute(query)).all()]


async def test_a_reminder_goes_to_those_who_want_it_and_only_once(db: Database) -> None:
    cast = await people(db)
    meeting = await a_meeting(db)
    async with db.begin() as session:
        await meetings.answer(session, meeting.id, cast["yes"], Attendance.YES, NOW)
        await meetings.answer(session, meeting.id, cast["no"], Attendance.NO, NOW)
        await meetings.answer(session, meeting.id, cast["maybe"], Attendance.MAYBE, NOW)
    day_before = Reminder(meeting.id, START, timedelta(days=1))
    async with db.begin() as session:
        written = await reminders.deal_with(session, day_before, Decision.SEND, NOW, {"meeting": {}})
    # Not who declined, turned reminders off, or this one off; not applicants; not who blocked the bot.
    expected = sorted([cast["coord"], cast["yes"], cast["maybe"], cast["silent"]])
    assert written == 4
    assert [chat for chat, _ in await rows(db, kind=DeliveryKind.REMINDER)] == expected
    # Asked again (a second job, a restart): nothing more.
    async with db.begin() as session:
        assert await reminders.deal_with(session, day_before, Decision.SEND, NOW, {"meeting": {}}) is None
    assert len(await rows(db, kind=DeliveryKind.REMINDER)) == 4
    async with db.begin() as session:
        assert await reminders.dealt_with(session, NOW) == {Reminder(meeting.id, START, timedelta(days=1))}


async def test_a_missed_reminder_is_recorded_as_skipped_and_never_sent(db: Database) -> None:
    await people(db)
    meeting = await a_meeting(db)
    week_before = Reminder(meeting.id, START, timedelta(days=7))
    async with db.begin() as session:
        await reminders.deal_with(session, week_before, Decision.SKIP, NOW, {"meeting": {}})
        run = await session.get(ReminderRun, (meeting.id, START, 7 * 86_400))
    assert run.decision == "skipped" and run.recipients == 6  # no one has declined yet
    assert {status for _, status in await rows(db, kind=DeliveryKind.REMINDER)} == {"skipped"}


async def test_moving_a_meeting_makes_new_reminders_and_cancelling_drops_pending_ones(db: Database) -> None:
    await people(db)
    meeting = await a_meeting(db)
    async with db.begin() as session:
        await reminders.deal_with(session, Reminder(meeting.id, START, timedelta(days=1)), Decision.SEND, NOW, {})
        fresh = await meetings.get(session, meeting.id)
        await meetings.edit(session, fresh, NOW, starts_at=START + timedelta(days=1))
    moved = Reminder(meeting.id, START + timedelta(days=1), timedelta(days=1))
    async with db.begin() as session:
        assert await reminders.deal_with(session, moved, Decision.SEND, NOW, {}) == 5  # a new date, new keys
        fresh = await meetings.get(session, meeting.id)
        assert fresh.sequence == 1
        assert [m.id for m in await meetings.cancel(session, [fresh], NOW)] == [meeting.id]
        assert fresh.sequence == 2
        assert await meetings.cancel(session, [fresh], NOW) == []  # a second coordinator, a moment later
    assert {status for _, status in await rows(db, kind=DeliveryKind.REMINDER)} == {"cancelled"}


async def test_attendance_lists_the_audience_and_everyone_who_answered(db: Database) -> None:
    cast = await people(db)
    meeting = await a_meeting(db)
    async with db.begin() as session:
        await meetings.answer(session, meeting.id, cast["yes"], Attendance.MAYBE, NOW)
        await meetings.answer(session, meeting.id, cast["yes"], Attendance.YES, NOW)  # changed their mind
        await meetings.answer(session, meeting.id, cast["no"], Attendance.NO, NOW)
        listed = {person.user_id: person.answer for person in await meetings.attendance_list(session, meeting.id)}
        counts = (await meetings.counts(session, [meeting.id]))[meeting.id]
    assert listed[cast["yes"]] is Attendance.YES and listed[cast["no"]] is Attendance.NO
    assert listed[cast["silent"]] is None and cast["applicant"] not in listed
    assert counts == {Attendance.YES: 1, Attendance.NO: 1, Attendance.MAYBE: 0}


async def test_notices_skip_those_who_declined_and_the_author(db: Database) -> None:
    cast = await people(db)
    meeting = await a_meeting(db)
    async with db.begin() as session:
        await meetings.answer(session, meeting.id, cast["no"], Attendance.NO, NOW)
        told = await meetings.notify(session, meeting, {"event": "changed"}, NOW, without_declined=True,
                                     leave_out=cast["coord"])
        count = await session.scalar(select(func.count()).select_from(Delivery)
                                     .where(Delivery.kind == DeliveryKind.MEETING))
    assert told == count == 5  # yes, maybe, silent, off, no_1d: reminders off still get notices
    assert (cast["no"], "pending") not in await rows(db, kind=DeliveryKind.MEETING)
    assert {status for _, status in await rows(db, kind=DeliveryKind.MEETING)} == {DeliveryStatus.PENDING.value}


async def test_meetings_planned_before_they_had_an_end_last_two_hours(db: Database) -> None:
    """Migration 0013 gives the meetings there are the end their calendar files gave them."""
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config

    def migrate(connection, revision: str) -> None:  # type: ignore[no-untyped-def]
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.upgrade if revision == "head" else command.downgrade)(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(migrate, "0012")
        await connection.execute(text(
            "INSERT INTO meetings (title, starts_at, place, agenda, status, sequence, created_at, updated_at) "
            "VALUES ('KPR-Sitzung', :start, 'Kreishaus', '', 'scheduled', 0, :now, :now)"),
            {"start": START.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else START, "now": NOW})
        await connection.run_sync(migrate, "head")
    async with db.begin() as session:
        meeting = (await session.scalars(select(Meeting))).one()
    assert (meeting.starts_at, meeting.ends_at) == (START, START + timedelta(hours=2))


async def test_a_series_is_one_entry_of_the_upcoming_ones_and_its_dates_come_together(db: Database) -> None:
    cast = await people(db)
    single = await a_meeting(db, START + timedelta(days=1))
    async with db.begin() as session:
        series = await meetings.create_series(
            session, title="AG Schule", dates=[START + timedelta(weeks=n) for n in range(-1, 3)], place="Rathaus",
            agenda="", agenda_file_id=None, repetition={"kind": "weekly"}, created_by=1, now=NOW,
            duration=timedelta(minutes=90))
        await meetings.cancel(session, [series[2]], NOW)  # a date cancelled leaves the others
    later = await a_meeting(db, START + timedelta(weeks=5))
    now = START - timedelta(days=2)  # the series' first date has passed
    async with db.begin() as session:
        entries, total = await meetings.upcoming_entries(session, now, limit=2, for_user=cast["yes"])
        rest, _ = await meetings.upcoming_entries(session, now, limit=2, offset=2)
        dates = await meetings.series_dates(session, series[0].id, now)
    assert total == 3  # the series once, by its next date
    assert [[m.id for m in entry] for entry in entries] == [[series[1].id, series[3].id], [single.id]]
    assert [[m.id for m in entry] for entry in rest] == [[later.id]]
    assert [m.id for m in dates] == [series[1].id, series[3].id]
    assert dates[0].ends_at - dates[0].starts_at == timedelta(minutes=90)


async def test_a_deputy_is_kept_with_the_answer_no_until_another_answer(db: Database) -> None:
    cast = await people(db)
    meeting = await a_meeting(db)
    async with db.begin() as session:
        await meetings.answer(session, meeting.id, cast["no"], Attendance.NO, NOW,
                              meetings.Deputy("Hans Beispiel", "Polizeirevier"))
        await meetings.answer(session, meeting.id, cast["yes"], Attendance.NO, NOW, meetings.Deputy("Eva Ohne"))
        await meetings.answer(session, meeting.id, cast["yes"], Attendance.YES, NOW)
        deputies = await meetings.deputies_of(session, cast["no"], [meeting.id])
        gone = await meetings.deputies_of(session, cast["yes"], [meeting.id])
        listed = {a.user_id: a.deputy for a in await meetings.attendance_list(session, meeting.id)}
    assert deputies == {meeting.id: meetings.Deputy("Hans Beispiel", "Polizeirevier")} and gone == {}
    assert listed[cast["no"]] == meetings.Deputy("Hans Beispiel", "Polizeirevier") and listed[cast["yes"]] is None
