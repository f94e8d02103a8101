"""A meeting as messages show it, and as an outbox row's payload keeps it: by the meetings feature,
its flows, its reminders and the delivery engine's meeting messages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Meeting


@dataclass(frozen=True)
class MeetingView:
    """What a message shows of a meeting; kept in an outbox row's payload as it was when queued."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: str
    repetition: dict | None
    sequence: int
    agenda_file_id: str | None = None  # the agenda as a document, where it was given as one

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingView:
        return cls(meeting.id, meeting.title, meeting.starts_at, meeting.ends_at, meeting.place, meeting.agenda,
                   meeting.repetition, meeting.sequence, meeting.agenda_file_id)

    def to_payload(self) -> dict:
        return {"id": self.id, "title": self.title, "starts_at": self.starts_at.isoformat(),
                "ends_at": self.ends_at.isoformat(), "place": self.place,
                "agenda": self.agenda, "repetition": self.repetition, "sequence": self.sequence,
                "agenda_file_id": self.agenda_file_id}

    @classmethod
    def from_payload(cls, data: dict) -> MeetingView:
        starts_at = datetime.fromisoformat(data["starts_at"])
        # A row queued before meetings had an end: the two hours calendar files gave every meeting.
        ends_at = datetime.fromisoformat(data["ends_at"]) if data.get("ends_at") else starts_at + timedelta(hours=2)
        return cls(data["id"], data["title"], starts_at, ends_at, data["place"],
                   data["agenda"], data.get("repetition"), data.get("sequence", 0), data.get("agenda_file_id"))
