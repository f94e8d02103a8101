"""Settings: valid values load; each malformed one names its variable; the CLI exits with 2."""
from __future__ import annotations

import logging
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.logs import RedactSecrets
from bot.settings import SettingsError, load_settings

GOOD = {"BOT_TOKEN": "123456:ABC-def_ghi"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env in the way
    for name in ("BOT_TOKEN", "BOT_API_URL", "DATABASE_URL", "COORDINATOR_IDS", "BOT_TIMEZONE",
                 "DEFAULT_LANGUAGE", "LOG_LEVEL", "BROADCAST_RATE", "REMINDER_OFFSETS", "REMINDER_GRACE",
                 "CONTENT_FILE", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_TIMEOUT", "WEBHOOK_MAX_CONNECTIONS", "WEB_PORT", "WEB_LISTEN", "WEB_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD["BOT_TOKEN"])
    monkeypatch.setenv("COORDINATOR_IDS", " 11, 22 ,33")
    settings = load_settings()
    assert settings.coordinator_ids == (11, 22, 33)
    assert settings.database_url == "sqlite+aiosqlite:///data/kpr-bot.db"
    assert settings.bot_timezone == "Europe/Berlin" and settings.default_language == "de"
    assert settings.bot_api_url == "https://api.telegram.org/bot"
    assert settings.broadcast_rate == 25
    assert settings.reminder_offsets == (timedelta(days=7), timedelta(days=1), timedelta(hours=2))
    assert settings.reminder_grace == timedelta(hours=6)
    assert settings.meeting_duration == timedelta(hours=2)
    monkeypatch.setenv("REMINDER_OFFSETS", "1h30m, 10m")
    assert load_settings().reminder_offsets == (timedelta(minutes=90), timedelta(minutes=10))
    assert "ABC-def" not in repr(settings)
    # The web console: on by default, on this computer only.
    assert (settings.web_listen, settings.web_port, settings.web_url) == ("127.0.0.1", 8080, "http://127.0.0.1:8080")
    assert not settings.web_secure
    monkeypatch.setenv("WEB_URL", "https://kpr.example.org/console/")
    assert load_settings().web_url == "https://kpr.example.org/console" and load_settings().web_secure


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN must look like"),
        ("COORDINATOR_IDS", "12,abc", "COORDINATOR_IDS must be comma-separated numeric"),
        ("BOT_TIMEZONE", "Europe/Atlantis", "BOT_TIMEZONE unknown time zone"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE must be one of de, en"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must start with"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be DEBUG"),
        ("BOT_API_URL", "ftp://x", "BOT_API_URL must be an http"),
        ("BROADCAST_RATE", "31", "BROADCAST_RATE must be less than or equal to 30"),
        ("BROADCAST_RATE", "0", "BROADCAST_RATE must be greater than 0"),
        ("BROADCAST_RATE", "fast", "BROADCAST_RATE must be a valid number"),
        ("REMINDER_OFFSETS", "7d,soon", "REMINDER_OFFSETS must be durations like 7d,1d,2h"),
        ("REMINDER_OFFSETS", "1d,2d,3d,4d,5d,6d", "REMINDER_OFFSETS may name at most 5"),
        ("REMINDER_GRACE", "0h", "REMINDER_GRACE must be a duration like 6h"),
        ("MEETING_DURATION", "lang", "MEETING_DURATION must be a duration like 2h"),
        ("MEETING_DURATION", "2d", "MEETING_DURATION must be from 15m to 24h"),
        ("WEBHOOK_TIMEOUT", "0", "WEBHOOK_TIMEOUT must be greater than or equal to 1"),
        ("WEBHOOK_MAX_CONNECTIONS", "5000", "WEBHOOK_MAX_CONNECTIONS must be less than or equal to 1000"),
        ("WEB_PORT", "70000", "WEB_PORT must be less than or equal to 65535"),
        ("WEB_URL", "kpr.example.org", "WEB_URL must be the console's address"),
    ],
)
def test_malformed_value_names_the_variable(monkeypatch, variable, value, expected) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD["BOT_TOKEN"])
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings()


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=777:FROM-dotenv\nDEFAULT_LANGUAGE=en\n")
    settings = load_settings()
    assert settings.token == "777:FROM-dotenv" and settings.default_language == "en"


def test_missing_token() -> None:
    with pytest.raises(SettingsError, match="BOT_TOKEN is required"):
        load_settings()


@pytest.mark.e2e
def test_cli_exits_2_with_one_line_and_no_secret(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_TOKEN": "123456:SECRETSECRETSECRET", "BOT_TIMEZONE": "Nowhere/Else"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == ["kpr-bot: configuration error: BOT_TIMEZONE unknown time zone 'Nowhere/Else' (e.g. Europe/Berlin)"]
    assert "SECRET" not in result.stderr


@pytest.mark.e2e
def test_cli_token_shape_error_does_not_echo_the_value(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_TOKEN": "SECRETSECRET"}
    result = subprocess.run([sys.executable, "-m", "bot", "check-config"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr and "SECRETSECRET" not in result.stderr


def test_every_secret_is_kept_out_of_log_lines() -> None:
    settings = load_settings(bot_token="4242:Token-Part-ABCDEFGHIJKLMNOPQRSTUV",
                             webhook_secret="Webhook-Secret-0123456789",
                             database_url="postgresql+asyncpg://kpr:Db-Pass-4711@db:5432/kpr")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s %s %s", None, None)
    record.args = ("posting with Token-Part-ABCDEFGHIJKLMNOPQRSTUV", "header Webhook-Secret-0123456789",
                   "connecting as kpr:Db-Pass-4711@db")
    RedactSecrets(settings.secrets).filter(record)
    line = record.getMessage()
    assert line.count("[secret]") == 3
    for secret in ("Token-Part", "Webhook-Secret", "Db-Pass"):
        assert secret not in line
