"""Settings read once from the environment (and a .env file), validated at start."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from sqlalchemy.engine import make_url

from bot.rules.durations import parse_duration, parse_durations
from storage.db import DEFAULT_TIMEOUT as DEFAULT_DATABASE_TIMEOUT
from storage.models import ANONYMOUS_ADMIN_ID
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("de", "en")
MAX_REMINDER_OFFSETS = 5
MAX_MEETING_DURATION = timedelta(hours=24)  # longer is a typo, or a conference the bot does not plan
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class DatabaseSettings(BaseSettings):
    """What the maintenance commands (migrate, coordinators) need: no token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/kpr-bot.db"
    log_level: str = "INFO"
    # Seconds one wait on the database may take (a statement, a new connection, SQLite's write lock).
    database_timeout: float = Field(default=DEFAULT_DATABASE_TIMEOUT, ge=1, le=300)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def secrets(self) -> list[str]:
        """The database password, to be kept out of log lines and messages."""
        return [make_url(self.database_url).password or ""]


class ContentSettings(BaseSettings):
    """What `kpr-bot content check` needs: which content file."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # The council office's editable content (funding rules, contact, FAQ); None: the one shipped.
    content_file: Path | None = None


class Settings(DatabaseSettings, ContentSettings):
    bot_token: SecretStr
    bot_api_url: str = "https://api.telegram.org/bot"
    coordinator_ids: Annotated[tuple[int, ...], NoDecode] = ()
    bot_timezone: str = "Europe/Berlin"
    default_language: str = "de"
    # Announcements and reminders per second; Telegram allows about 30 in all.
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    # How long before a meeting reminders go out, and how late a missed one may still go out.
    reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = parse_durations("7d,1d,2h")
    reminder_grace: Annotated[timedelta, NoDecode] = timedelta(hours=6)
    # How long before an application deadline an applicant who asked for it is reminded.
    deadline_reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = parse_durations("14d,3d")
    # How long a meeting lasts when its time is given without an end ("18:00" rather than "18-20 Uhr").
    meeting_duration: Annotated[timedelta, NoDecode] = timedelta(hours=2)
    # How long eligibility checks, questions, the outbox's rows and unreachable applicants are kept.
    retention_days: int = Field(default=365, ge=30, le=3650)
    # Someone sending more updates than this within 10 seconds is throttled (bot.rules.flood).
    flood_limit: int = Field(default=20, ge=5, le=100_000)
    # Seconds one update may take; then it is given up, so that the chat's next update is handled.
    update_deadline: float = Field(default=30.0, ge=1, le=600)
    # Webhook mode (`kpr-bot run --webhook`): the public address Telegram posts to, where the bot
    # listens locally, and the secret Telegram must send with every update.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # Seconds a connection to the webhook may take to send a request's headers, or its body, or
    # stay open without a request; and how many may be open at once (bot.ptb.webhook).
    webhook_timeout: float = Field(default=10.0, ge=1, le=300)
    webhook_max_connections: int = Field(default=100, ge=10, le=1000)
    # The web console of the council office (bot.web): where it listens (0: off) and the public
    # address its sign-in links name.
    web_listen: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_url: str = "http://127.0.0.1:8080"
    # Not in the README's table on purpose: they tune the burst behaviour and tests set them.
    max_concurrent_updates: int = Field(default=256, ge=1, le=4096)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value().strip()):
            # Never echo the value: it is a secret even when malformed.
            raise ValueError("must look like 123456789:ABCdef... (digits, a colon, letters)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("bot_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None  # an empty line in .env means "not set"
        parsed = urlsplit(value)
        # Telegram posts only to https; plain http is for a local test against a fake Bot API.
        local = parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parsed.scheme == "https" or local) or not parsed.hostname:
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @field_validator("web_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
            raise ValueError("must be the console's address, like https://kpr.example.org/console")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _WEBHOOK_SECRET.match(value.get_secret_value()):
            # Telegram allows 1 to 256 of these characters; fewer than 16 would be guessable.
            raise ValueError("must be 16 to 256 characters A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            return tuple(int(v) for v in value)
        parts = [p.strip() for p in str(value or "").split(",") if p.strip()]
        bad = [p for p in parts if not re.fullmatch(r"\d{1,15}", p)]
        if bad:
            raise ValueError(f"must be comma-separated numeric Telegram user ids, not {bad[0]!r}")
        if str(ANONYMOUS_ADMIN_ID) in parts:
            raise ValueError(f"{ANONYMOUS_ADMIN_ID} is Telegram's stand-in for anonymous group admins, not a person")
        return tuple(int(p) for p in parts)

    @field_validator("reminder_offsets", "deadline_reminder_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> tuple[timedelta, ...]:
        if isinstance(value, tuple):
            return value
        try:
            offsets = parse_durations(str(value))
        except ValueError as error:
            raise ValueError(f"must be durations like 7d,1d,2h or 1h30m: {error}") from None
        if len(offsets) > MAX_REMINDER_OFFSETS:
            raise ValueError(f"may name at most {MAX_REMINDER_OFFSETS} reminders")
        return offsets

    @field_validator("reminder_grace", mode="before")
    @classmethod
    def _grace(cls, value: object) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as error:
            raise ValueError(f"must be a duration like 6h or 30m: {error}") from None

    @field_validator("meeting_duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        duration = value if isinstance(value, timedelta) else None
        if duration is None:
            try:
                duration = parse_duration(str(value))
            except ValueError as error:
                raise ValueError(f"must be a duration like 2h or 1h30m: {error}") from None
        if not timedelta(minutes=15) <= duration <= MAX_MEETING_DURATION:
            raise ValueError("must be from 15m to 24h")
        return duration

    @field_validator("bot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Berlin)") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}, not {value!r}")
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def web_secure(self) -> bool:
        """The console is reached over https: its cookie is Secure, and Telegram may open it as a Mini App."""
        return self.web_url.startswith("https://")

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value()

    @property
    def secrets(self) -> list[str]:
        """What must never appear in a log line: the token, the webhook secret, the database password."""
        webhook = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        # The part after the colon on its own too: it is the secret half of the token.
        return [self.token, self.token.partition(":")[2], webhook, *super().secrets]

    def require_webhook(self) -> None:
        """Raises SettingsError unless webhook mode has what it needs."""
        for variable, value in (("WEBHOOK_URL", self.webhook_url), ("WEBHOOK_SECRET", self.webhook_secret)):
            if value is None:
                raise SettingsError(f"{variable} is required for --webhook but not set")


def load_settings(**overrides: object) -> Settings:
    """Reads the settings or raises SettingsError naming the first wrong variable."""
    return _load(Settings, overrides)


def load_database_settings(**overrides: object) -> DatabaseSettings:
    return _load(DatabaseSettings, overrides)


def load_content_settings(**overrides: object) -> ContentSettings:
    return _load(ContentSettings, overrides)


def _load(kind: type[BaseSettings], overrides: dict):  # type: ignore[no-untyped-def]
    try:
        return kind(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise SettingsError(f"{variable} is required but not set") from None
        message = str(first["msg"]).removeprefix("Value error, ")
        # pydantic's own checks say "Input should be ..."; ours say "must ...".
        message = message.replace("Input should be", "must be", 1)
        raise SettingsError(f"{variable} {message}") from None
