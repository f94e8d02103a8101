"""Calendar files (.ics) for meetings: one stable UID per meeting, SEQUENCE raised by every edit,
a cancellation as METHOD:CANCEL, and the bot's time zone spelled out (VTIMEZONE) so calendars
show the local time the council meant."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Event

PRODUCT = "-//kpr-bot//kpr-bot//DE"  # the software, not the council: any council runs it


@dataclass(frozen=True)
class CalendarEntry:
    meeting_id: int
    title: str
    starts_at: datetime  # aware
    ends_at: datetime
    place: str
    description: str
    sequence: int
    cancelled: bool = False


def uid(meeting_id: int) -> str:
    return f"meeting-{meeting_id}@kpr-bot"


def ics(entries: list[CalendarEntry], zone: ZoneInfo, now: datetime) -> bytes:
    """One file for one meeting, or for several (a series cancelled at once)."""
    # Imported on the first file asked for: a bot that sends none keeps icalendar out of its memory.
    from icalendar import Calendar, Timezone

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if entries[0].cancelled else "PUBLISH")
    years = sorted({entry.starts_at.astimezone(zone).year for entry in entries})
    # The zone's rules around the meetings only: a calendar needs no history back to 1970.
    calendar.add_component(Timezone.from_tzid(zone.key, first_date=date(years[0] - 1, 1, 1),
                                              last_date=date(years[-1] + 2, 1, 1)))
    for entry in entries:
        calendar.add_component(_event(entry, zone, now))
    return calendar.to_ical()


def _event(entry: CalendarEntry, zone: ZoneInfo, now: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid(entry.meeting_id))
    event.add("sequence", entry.sequence)
    event.add("dtstamp", now)
    start = entry.starts_at.astimezone(zone)
    event.add("dtstart", start)
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", entry.title)
    if entry.place:
        event.add("location", entry.place)
    if entry.description:
        event.add("description", entry.description)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return event


def filename(entry: CalendarEntry) -> str:
    return f"kpr-sitzung-{entry.meeting_id}{'-abgesagt' if entry.cancelled else ''}.ics"
