"""Demo data for trying the bot: the council's people, three working groups and a local council, two
upcoming meetings with answers and a join request. Written through the storage layer, in one
transaction; whatever exists already (a person's id, a group's name, an upcoming meeting's title) is
left as it is, so loading twice adds nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import DEFAULT_FILE as CONTENT_FILE
from bot.content import load as load_content
from storage import groups, join_requests, meetings, users
from storage.db import Database
from storage.models import Attendance, Group, GroupKind, Meeting, MeetingStatus, Role, User

# The county's time: the demo meetings are at 17:00 and 15:00 there.
ZONE = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Person:
    id: int  # made up: these people have no Telegram account
    first_name: str
    last_name: str
    role: Role
    organisation: str | None = None  # whom they speak for in the council

    @property
    def name(self) -> str:
        # What the bot stores as the display name of a Telegram user with these names.
        return f"{self.first_name} {self.last_name}"


COORDINATOR = Person(900001, "Katrin", "Vogel", Role.COORDINATOR, "Geschäftsstelle des Präventionsrates")
MEMBER = Person(900002, "Jonas", "Krüger", Role.MEMBER, "Polizeirevier Güstrow")
_SABINE = Person(900003, "Sabine", "Lehmann", Role.MEMBER, "Stadt Teterow")
_MEHMET = Person(900004, "Mehmet", "Yılmaz", Role.MEMBER, "Jugendmigrationsdienst")
_PETRA = Person(900005, "Petra", "Schulz", Role.MEMBER, "Grundschule Bad Doberan")
_THOMAS = Person(900006, "Thomas", "Becker", Role.MEMBER, "Amt Laage")
_ULRIKE = Person(900007, "Ulrike", "Brandt", Role.MEMBER)
# An applicant whose request to join waits for a coordinator in /members.
_LENA = Person(900008, "Lena", "Hoffmann", Role.APPLICANT)
PEOPLE = (COORDINATOR, MEMBER, _SABINE, _MEHMET, _PETRA, _THOMAS, _ULRIKE, _LENA)
JOIN_REQUEST = (_LENA, "Sportverein Laage e. V.")


@dataclass(frozen=True)
class DemoGroup:
    name: str
    kind: GroupKind
    description: str
    capacity: int | None
    leads: tuple[Person, ...]
    members: tuple[Person, ...]


GROUPS = (
    DemoGroup("Sicherheit an Schulen", GroupKind.WORKING_GROUP,
              "Gewaltprävention, Mobbing und Medienkompetenz an den Schulen des Landkreises.",
              12, (_SABINE,), (MEMBER, _MEHMET)),
    DemoGroup("Häusliche Gewalt und Opferschutz", GroupKind.WORKING_GROUP,
              "Hilfe für Betroffene, das Netz der Beratungsstellen und der Aktionstag gegen Gewalt an Frauen.",
              None, (_ULRIKE,), (COORDINATOR, _PETRA)),
    # Full, so that joining it shows the waitlist.
    DemoGroup("Seniorensicherheit", GroupKind.WORKING_GROUP,
              "Enkeltrick, Betrug an der Haustür, sichere Wege: Vorträge in den Seniorentreffs.",
              3, (_THOMAS,), (_PETRA, _MEHMET)),
    DemoGroup("Präventionsrat Güstrow", GroupKind.LOCAL_COUNCIL,
              "Der lokale Präventionsrat der Barlachstadt Güstrow: Stadt, Polizei, Schulen und Vereine vor Ort.",
              None, (MEMBER,), (_PETRA,)),
)


@dataclass(frozen=True)
class DemoMeeting:
    title: str
    days_ahead: int  # at least this many days from now, on `weekday`
    weekday: int  # Monday 0
    at: time
    place: str
    agenda: str
    group: str | None  # the name of the group it is for; None: the whole council
    answers: tuple[tuple[Person, Attendance], ...]


MEETINGS = (
    DemoMeeting("Sitzung des Kommunalen Präventionsrates", 10, 2, time(17),
                "Kreishaus Güstrow, Am Wall 3–5, Sitzungssaal",
                "1. Begrüßung\n2. Bericht der Geschäftsstelle\n3. Anträge auf Kleinstprojekte\n4. Verschiedenes", None,
                ((COORDINATOR, Attendance.YES), (_SABINE, Attendance.YES), (_ULRIKE, Attendance.YES),
                 (_MEHMET, Attendance.MAYBE), (_THOMAS, Attendance.NO))),
    DemoMeeting("AG Sicherheit an Schulen: Arbeitstreffen", 17, 1, time(15),
                "Online, der Link kommt vorher per Nachricht",
                "Planung der Projektwoche gegen Mobbing", "Sicherheit an Schulen",
                ((_SABINE, Attendance.YES), (MEMBER, Attendance.YES), (_MEHMET, Attendance.NO))),
)


@dataclass(frozen=True)
class Loaded:
    """One piece of the demo data, and whether this run added it (False: it was there already)."""

    kind: str
    name: str
    added: bool
    detail: str = ""


def _meeting_time(meeting: DemoMeeting, now: datetime) -> datetime:
    """The first `weekday` at least `days_ahead` days after `now`, at the meeting's local time."""
    day = now.astimezone(ZONE).date() + timedelta(days=meeting.days_ahead)
    day += timedelta(days=(meeting.weekday - day.weekday()) % 7)
    return datetime.combine(day, meeting.at, ZONE)


async def load(db: Database, now: datetime) -> list[Loaded]:
    """Writes the demo data into a migrated database; returns what was added and what was there."""
    async with db.begin() as session:
        loaded = [await _person(session, person, now) for person in PEOPLE]
        new_people = {person.id for person, item in zip(PEOPLE, loaded) if item.added}
        loaded += [await _group(session, group, now) for group in GROUPS]
        loaded += [await _meeting(session, meeting, now) for meeting in MEETINGS]
        person, organisation = JOIN_REQUEST
        # Only for someone added now: a request decided in an earlier session must not come back.
        if person.id in new_people:
            await join_requests.open_request(session, person.id, person.name, organisation, now)
        loaded.append(Loaded("join request", person.name, person.id in new_people, organisation))
    return loaded


async def _person(session: AsyncSession, person: Person, now: datetime) -> Loaded:
    if await users.get(session, person.id) is not None:
        return Loaded(person.role.value, person.name, False, f"id {person.id}")
    # No language yet: the bot learns it when the person first writes, like a seeded coordinator's.
    session.add(User(id=person.id, display_name=person.name, language=None, role=person.role, first_seen=now,
                     organisation=person.organisation))
    await session.flush()
    return Loaded(person.role.value, person.name, True, f"id {person.id}")


async def _group(session: AsyncSession, demo: DemoGroup, now: datetime) -> Loaded:
    kind = demo.kind.value.replace("_", " ")
    group = await groups.create(session, name=demo.name, kind=demo.kind, description=demo.description,
                                capacity=demo.capacity, leads=[p.id for p in demo.leads], created_by=COORDINATOR.id,
                                now=now)
    if group is None:
        return Loaded(kind, demo.name, False)
    for person in demo.members:
        await groups.add_by_hand(session, group.id, person.id, now)
    places = "no limit" if demo.capacity is None else f"{demo.capacity} places"
    return Loaded(kind, demo.name, True, f"{len(demo.leads) + len(demo.members)} members, {places}")


async def _meeting(session: AsyncSession, demo: DemoMeeting, now: datetime) -> Loaded:
    existing = await session.scalar(select(Meeting.id).where(
        Meeting.title == demo.title, Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now))
    if existing is not None:
        return Loaded("meeting", demo.title, False)
    group_id = None
    if demo.group is not None:
        group_id = await session.scalar(select(Group.id).where(Group.name == demo.group))
    starts_at = _meeting_time(demo, now)
    [meeting] = await meetings.create_series(
        session, title=demo.title, dates=[starts_at], place=demo.place, agenda=demo.agenda, agenda_file_id=None,
        repetition=None, created_by=COORDINATOR.id, now=now, group_id=group_id)
    for person, attendance in demo.answers:
        await meetings.answer(session, meeting.id, person.id, attendance, now)
    return Loaded("meeting", demo.title, True,
                  f"{starts_at:%Y-%m-%d %H:%M} {ZONE.key}, {len(demo.answers)} answers")


async def load_and_report(database_url: str, content_file: Path | None) -> int:
    """`kpr-bot demo-data`: migrates, loads the demo data and prints each piece, added or there already."""
    db = Database(database_url)
    try:
        await db.migrate()
        loaded = await load(db, datetime.now(timezone.utc))
    finally:
        await db.dispose()
    for item in loaded:
        detail = f" ({item.detail})" if item.detail else ""
        print(f"{'added' if item.added else 'exists':7} {item.kind} {item.name}{detail}")
    faq = load_content(content_file).faq
    print(f"{'-':7} FAQ: {len(faq)} entries, from the content file {content_file or CONTENT_FILE} "
          "(the bot reads it at start: nothing to add to the database)")
    added = sum(item.added for item in loaded)
    print(f"{added} of {len(loaded)} added." if added else "Nothing added: the demo data was there already.")
    return 0
