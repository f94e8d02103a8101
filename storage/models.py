"""Typed SQLAlchemy models: the database is the truth for roles, invites, requests and flows."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Role is a rule of the bot (bot.rules.roles); the database stores it, and storage gives it on.
from bot.rules.roles import Role
from storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


def _enum(enum_type: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so SQLite and PostgreSQL hold the same values.
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


# Telegram's stand-in for an anonymous group admin: whoever it is, it is nobody the bot may know. The
# database refuses it, so no audience, count or role check can ever include it.
ANONYMOUS_ADMIN_ID = 1087968824


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"id <> {ANONYMOUS_ADMIN_ID}", name="not_anonymous_admin"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(5))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.APPLICANT)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    # None: the role's default (members and coordinators get news, applicants do not).
    news: Mapped[bool | None] = mapped_column(Boolean)
    # Set when Telegram says the user blocked the bot; cleared when they write again.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # None: on. Which offsets someone does not want is in reminder_opt_outs.
    reminders: Mapped[bool | None] = mapped_column(Boolean)
    # The day (no more precise) someone last wrote to the bot, so that an applicant who went quiet
    # can be erased after RETENTION_DAYS; None: not since this was recorded (count from first_seen).
    last_seen: Mapped[date | None] = mapped_column(Date)
    # Whom the person speaks for in the council (police, a school, a town): from their request to
    # join, changed by them (/settings) or a coordinator (/members). None: not known.
    organisation: Mapped[str | None] = mapped_column(String(200))


class CoordinatorSeed(Base):
    """An id of COORDINATOR_IDS the bot has made a coordinator: once, so that a demotion in the bot
    sticks across restarts. Goes with the person's account when it is erased."""

    __tablename__ = "coordinator_seeds"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when a coordinator revokes the link: it takes no more uses, and who opens it is told whom to ask.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class JoinRequest(Base):
    __tablename__ = "join_requests"
    __table_args__ = (
        # At most one open request per person, enforced by the database, not by a read first.
        Index(
            "uq_join_requests_one_pending",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConversationState(Base):
    """Where a user stands in a multi-step flow, written as soon as it changes."""

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[object] = mapped_column(JSON)


class FlowData(Base):
    """Answers a user gave so far in a flow (PTB's user_data), so a restart loses nothing."""

    __tablename__ = "flow_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Audience(str, enum.Enum):
    MEMBERS = "members"
    NEWS = "news"
    NOT_ACKNOWLEDGED = "not_acknowledged"  # a reminder to those who have not acknowledged yet
    MEETING = "meeting"  # those who said they will come to a meeting
    GROUP = "group"  # the members of a working group or local council


class BroadcastStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An announcement and its audit record: who sent what, to whom, when. Kept after the fact."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML
    attachment_kind: Mapped[str | None] = mapped_column(String(10))  # "photo" or "document"
    attachment_file_id: Mapped[str | None] = mapped_column(String(200))
    with_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_of: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL", name="fk_broadcasts_meeting_id"))  # Audience.MEETING
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL", name="fk_broadcasts_group_id"))  # Audience.GROUP
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus, "broadcast_status"))
    recipients: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the author got the final report; a report lost to a crash is sent at the next start.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The coordinator's message that shows progress, edited while sending.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_language: Mapped[str | None] = mapped_column(String(5))


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # a reminder whose time passed while the bot was down: recorded, never sent


class DeliveryKind(str, enum.Enum):
    """What a row carries; the sender renders each kind in the recipient's language."""

    BROADCAST = "broadcast"  # a coordinator's announcement (broadcast_id)
    REMINDER = "reminder"  # a meeting reminder with its RSVP buttons (payload: the meeting)
    MEETING = "meeting"  # an invitation, change, cancellation or minutes of a meeting (payload)
    GROUP = "group"  # news of a group: a place came free, it was archived or restored (payload)
    QUESTION = "question"  # an applicant's question, to each coordinator (payload)
    REPLY = "reply"  # the council office's reply, to the applicant (payload)
    ROLE = "role"  # a person's new role, to them (payload)
    JOIN_REQUEST = "join_request"  # a request to join, to each coordinator with Approve / Decline (payload)
    JOIN_DECISION = "join_decision"  # the coordinators' decision on a request, to the applicant (payload)
    REPORT = "report"  # who an announcement did not reach, to its author (payload: the broadcast)
    DEADLINE = "deadline"  # a reminder of an application deadline, to the applicant (payload: the reminder)


class Delivery(Base):
    """One message the bot sends on its own to one chat: the outbox, written before any send."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id", name="uq_deliveries_broadcast_chat"),
        UniqueConstraint("dedupe_key", name="uq_deliveries_dedupe_key"),
        Index("ix_deliveries_due", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DeliveryKind] = mapped_column(_enum(DeliveryKind, "delivery_kind"), default=DeliveryKind.BROADCAST)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE", name="fk_deliveries_meeting_id"), index=True)
    # The request a row is about (JOIN_REQUEST, JOIN_DECISION): its copies go with it, and their
    # message ids say which messages to update once it is decided.
    join_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("join_requests.id", ondelete="CASCADE", name="fk_deliveries_join_request_id"), index=True)
    # What the row shows, for kinds that are not a broadcast: taken when the row is written.
    payload: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # A row that must exist at most once, such as one reminder to one person.
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    # None: the recipient erased their data (/deleteme); an announcement's row stays for its counts.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))


class Acknowledgement(Base):
    __tablename__ = "acknowledgements"

    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Meeting(Base):
    """One meeting; a repeated meeting is one row per date, tied together by series_id."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # As typed ("18-20 Uhr"), or the beginning plus MEETING_DURATION: in cards and calendar files.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(Text)
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_file_id: Mapped[str | None] = mapped_column(String(200))
    repetition: Mapped[dict | None] = mapped_column(JSON)  # the series' rule, for display
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus, "meeting_status"))
    # Raised by every edit that a calendar must pick up (SEQUENCE in the .ics file).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes_file_id: Mapped[str | None] = mapped_column(String(200))
    minutes_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None: the whole council; else the members of this group.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL", name="fk_meetings_group_id"), index=True)


class Attendance(str, enum.Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Rsvp(Base):
    __tablename__ = "rsvps"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    answer: Mapped[Attendance] = mapped_column(_enum(Attendance, "attendance"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who comes instead, with an answer "no" ("Absage, ich schicke eine Vertretung"); as typed.
    deputy_name: Mapped[str | None] = mapped_column(String(200))
    deputy_organisation: Mapped[str | None] = mapped_column(String(200))


class ReminderRun(Base):
    """A reminder of one meeting date at one offset has been dealt with: sent, sent late or skipped.
    Its rows in the outbox say to whom; this row says it is done, also when nobody was due one."""

    __tablename__ = "reminder_runs"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer)


class ReminderOptOut(Base):
    """An offset someone does not want reminders at (/settings)."""

    __tablename__ = "reminder_opt_outs"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)


class GroupKind(str, enum.Enum):
    WORKING_GROUP = "working_group"  # Arbeitsgruppe
    LOCAL_COUNCIL = "local_council"  # lokaler Präventionsrat of a town


class Group(Base):
    """A working group or a local council: people belong to it, some lead it."""

    __tablename__ = "groups"
    __table_args__ = (
        # Enforced by the database: a place is taken by UPDATE ... WHERE members < capacity.
        CheckConstraint("capacity IS NULL OR members <= capacity", name="ck_groups_within_capacity"),
        CheckConstraint("members >= 0", name="ck_groups_members_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind, "group_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    members: Mapped[int] = mapped_column(Integer, default=0)  # places taken, kept in SQL with the rows
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupStatus(str, enum.Enum):
    MEMBER = "member"
    WAITING = "waiting"


class GroupMember(Base):
    """Someone in a group, or on its waitlist; the id orders the waitlist by sign-up."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_group_members_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[GroupStatus] = mapped_column(_enum(GroupStatus, "group_status"))
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EligibilityCheck(Base):
    """One run of /check: the answers and the verdicts, for the applicant's summary and for /stats."""

    __tablename__ = "eligibility_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answers: Mapped[dict] = mapped_column(JSON)
    topic: Mapped[str | None] = mapped_column(String(20))
    micro: Mapped[str | None] = mapped_column(String(20))  # the verdict per programme
    lfk: Mapped[str | None] = mapped_column(String(20))


class DeadlineReminder(Base):
    """An applicant asked from a check's result to be reminded of a programme's application deadline.
    `reminded_seconds` is the shortest lead time dealt with so far (sent, or passed when it was set):
    only shorter ones are still to come, so none goes out twice, also across restarts."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (UniqueConstraint("user_id", "programme", "deadline", name="uq_deadline_reminders_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme: Mapped[str] = mapped_column(String(10))  # "micro" or "lfk"
    deadline: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_seconds: Mapped[int | None] = mapped_column(Integer)


class QuestionStatus(str, enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    DONE = "done"


class Question(Base):
    """A question to the council office (/ask), with the check's answers if the applicant agreed."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[QuestionStatus] = mapped_column(_enum(QuestionStatus, "question_status"), index=True)
    shared_check: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # answers and result, with consent
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when they agreed to share them
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebLogin(Base):
    """A one-time sign-in link to the web console (/web): only a hash of its token is kept, so a copy
    of the database signs nobody in; used once, within its few minutes."""

    __tablename__ = "web_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser of the web console: its cookie's value only as a hash, with the token its
    forms must carry (CSRF) and when it was last used (it ends after some hours without a request)."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebChange(Base):
    """Something changed through the web console: who, when, what; shown in the console. Kept as the
    council's record; an erased person's entries stay without their name."""

    __tablename__ = "web_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)  # JSON: the message (untranslated) and its values


class ContentVersion(Base):
    """One version of the content file (funding rules, FAQ, contact, privacy) as TOML text: the file the
    bot was started with ("file") or a change made in the web console ("console"). The newest is what
    the bot says; every one is kept for the history, the diff and a revert."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
