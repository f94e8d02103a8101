"""The `kpr-bot` command: run, migrate, coordinators, check-config."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.content import DEFAULT_FILE as DEFAULT_CONTENT
from bot.content import Content, ContentError
from bot.content import load as load_content
from bot.logs import RedactSecrets, setup_logging
from bot.rules.durations import format_duration
from bot.settings import Settings, SettingsError, load_content_settings, load_database_settings, load_settings
from storage.db import Database
from storage.lock import AlreadyRunning, single_sender
from storage.migrate import is_current

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0  # seconds; a health check that hangs is as bad as one that fails
MIGRATED = "Database is up to date."  # what `kpr-bot migrate` says once it is done
EXIT_ALREADY_RUNNING = 3  # another process sends for this database
EXIT_DATABASE_UNUSABLE = 6  # a read-only database file or folder, or a server that does not answer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpr-bot",
        description="Telegram bot of a crime prevention council; the council, its area and its funding rules "
        "come from the content file (CONTENT_FILE). "
        "Settings come from environment variables or a .env file (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="migrate the database, then run the bot (long polling, or --webhook)",
        description="Migrates the database, then runs the bot until stopped (SIGTERM or Ctrl-C). Exit codes: 2 a "
                    "setting is wrong, 3 another kpr-bot runs against the same database, 4 another process gets "
                    "updates with the same token (Telegram's 409 Conflict), 5 the stop took longer than 9 s and "
                    "was cut short, 6 the database cannot be used (its file or folder is read-only, or its "
                    "server does not answer).")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates on WEBHOOK_LISTEN:WEBHOOK_PORT, published as WEBHOOK_URL "
                          "(needs WEBHOOK_URL and WEBHOOK_SECRET)")
    commands.add_parser("health", help="exit 0 when the database is reachable and its schema is current",
                        description="For container and service health checks (needs only DATABASE_URL): exit code "
                                    "0 and 'ok' when the database answers and all migrations are applied, else 1 "
                                    "and one line saying what is wrong.")
    commands.add_parser("migrate", help="bring the database schema up to date",
                        description="Applies all database migrations (needs only DATABASE_URL).")
    commands.add_parser("check-config", help="validate the settings and print them (without secrets)",
                        description="Validates every setting; exit code 2 and one line naming the wrong one.")
    trying = commands.add_parser(
        "try", help="chat with the bot in the terminal: no token, no internet, demo data",
        description="Starts the bot against a fake Telegram on this computer with a throw-away database full of "
                    "demo data, and opens a chat with it here. Numbers press buttons; /as switches who you are; "
                    "/quit or Ctrl-D ends.")
    trying.add_argument("--as", dest="persona", choices=("applicant", "member", "coordinator"), default="applicant",
                        help="who you are at first (default: applicant)")
    trying.add_argument("--lang", choices=("de", "en"), default="de", help="your language (default: de)")
    trying.add_argument("--files", type=Path, default=Path("kpr-bot-try-files"), metavar="DIR",
                        help="where files the bot sends are saved (default: ./kpr-bot-try-files)")
    commands.add_parser("demo-data", help="fill the database with demo data (for trying, not for production)",
                        description="Adds demo people, working groups, a local council, two upcoming meetings with "
                                    "answers and a join request to DATABASE_URL, and prints what it added. What "
                                    "exists already is left as it is, so running it twice adds nothing.")
    content = commands.add_parser("content", help="check the content file (funding rules, contact, FAQ)",
                                  description="The council office's editable content file.")
    content_actions = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    checker = content_actions.add_parser(
        "check", help="validate the content file without starting the bot",
        description="Validates CONTENT_FILE (or the file given, or the one shipped); exit code 2 and one line "
                    "naming the file, the key or line, and what is wrong.")
    checker.add_argument("file", nargs="?", type=Path, help="the file to check (default: CONTENT_FILE)")
    coordinators = commands.add_parser("coordinators", help="add, remove or list coordinators",
                                       description="Manages coordinators in the database (needs only DATABASE_URL).")
    actions = coordinators.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("add", "make a Telegram user id a coordinator"),
                         ("remove", "make a coordinator an ordinary member")):
        sub = actions.add_parser(action, help=text, description=text.capitalize() + ".")
        sub.add_argument("user_id", type=int, metavar="ID", help="numeric Telegram user id")
    actions.add_parser("list", help="list the coordinators", description="Lists the coordinators.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            settings = load_settings()
            if args.webhook:
                settings.require_webhook()
            setup_logging(settings.log_level, settings.secrets)
            return asyncio.run(run(settings, load_content(settings.content_file), webhook=args.webhook))
        if args.command == "try":
            from bot.tryout.session import try_bot

            # The console's own output only: the migration tool's lines would clutter the chat.
            setup_logging("WARNING", [])
            return asyncio.run(try_bot(args.persona, args.lang, args.files,
                                       interactive=sys.stdin.isatty() and sys.stdout.isatty()))
        if args.command == "content":
            return _check_content(args.file or load_content_settings().content_file)
        if args.command == "check-config":
            settings = load_settings()
            print(f"BOT_TOKEN       ok (bot id {settings.token.split(':')[0]})")
            print(f"BOT_API_URL     {settings.bot_api_url}")
            print(f"DATABASE_URL    {_hide_password(settings.database_url)}")
            print(f"COORDINATOR_IDS {', '.join(map(str, settings.coordinator_ids)) or '(none)'}")
            print(f"BOT_TIMEZONE    {settings.bot_timezone}")
            print(f"DEFAULT_LANGUAGE {settings.default_language}")
            print(f"LOG_LEVEL       {settings.log_level}")
            print(f"BROADCAST_RATE  {settings.broadcast_rate:g} messages/s")
            print(f"REMINDER_OFFSETS {','.join(map(format_duration, settings.reminder_offsets))}")
            print(f"REMINDER_GRACE  {format_duration(settings.reminder_grace)}")
            print(f"MEETING_DURATION {format_duration(settings.meeting_duration)}")
            print(f"UPDATE_DEADLINE {settings.update_deadline:g} s")
            print(f"DATABASE_TIMEOUT {settings.database_timeout:g} s")
            print(f"WEB_PORT        {settings.web_port or 'off'}" + (
                f" on {settings.web_listen}, reached as {settings.web_url}" if settings.web_port else ""))
            return 0
        database = load_database_settings()
        # A health check prints one line, not the migration tool's chatter.
        setup_logging("WARNING" if args.command == "health" else database.log_level, database.secrets)
        if args.command == "migrate":
            return asyncio.run(_migrate(database.database_url, database.database_timeout))
        if args.command == "demo-data":
            from bot.tryout.demo import load_and_report

            return asyncio.run(load_and_report(database.database_url, load_content_settings().content_file))
        if args.command == "health":
            return asyncio.run(_health(database.database_url, database.secrets))
        return asyncio.run(_coordinators(database.database_url, database.database_timeout, args.action,
                                         getattr(args, "user_id", None)))
    except SettingsError as error:
        print(f"kpr-bot: configuration error: {error}", file=sys.stderr)
        return 2
    except ContentError as error:
        print(f"kpr-bot: content error: {error}", file=sys.stderr)
        return 2


async def run(settings: Settings, content: Content, *, webhook: bool = False) -> int:
    """`kpr-bot run`: the database checked, locked for this process and migrated, then the bot
    until SIGTERM or SIGINT (bot.runner); returns the process's exit code."""
    db = Database(settings.database_url, timeout=settings.database_timeout)
    try:
        problem = await db.why_unusable()
        if problem is not None:
            log.error("Not starting: %s", problem)
            return EXIT_DATABASE_UNUSABLE
        # The lock comes before the migrations, so two starts never migrate at the same time either.
        async with single_sender(db):
            # The migrations run in a process of their own (`kpr-bot migrate`): Alembic, which the bot
            # needs for nothing else, leaves with it instead of staying in this one's memory for good.
            # Meanwhile this process imports the bot, which takes most of a start's time; the
            # migration is waited for even if that fails, so that none goes on without the lock.
            migration = None if await is_current(db.engine) else await _start_migration(settings)
            try:
                from bot.runner import serve
            finally:
                migrated = migration is None or await _finished(migration)
            if not migrated:
                log.error("Not starting: migrating the database failed (the lines above say why)")
                return 1
            return await serve(settings, content, db, webhook=webhook)
    except AlreadyRunning as error:
        log.error("Not starting: %s. Stop it first: only one process may send for a database.", error)
        return EXIT_ALREADY_RUNNING
    finally:
        await db.dispose()


async def _start_migration(settings: Settings) -> asyncio.subprocess.Process:
    """`kpr-bot migrate` for this process's database, its log lines in this process's output, and
    with this process's code: not a `bot` the working directory may hold (-P), but the one from the
    folder this module came from, added to the path unless it is there anyway (an installed package:
    site-packages ahead of the standard library could shadow parts of it)."""
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATABASE_TIMEOUT": str(settings.database_timeout),
           "LOG_LEVEL": settings.log_level}
    path = [p for p in (None if root in sys.path[1:] else root, os.environ.get("PYTHONPATH")) if p]
    if path:
        env["PYTHONPATH"] = os.pathsep.join(path)
    return await asyncio.create_subprocess_exec(sys.executable, "-P", "-m", "bot", "migrate", env=env,
                                                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)


async def _finished(migration: asyncio.subprocess.Process) -> bool:
    """Whether `kpr-bot migrate` succeeded: it says so once it has committed and closed its
    connections. Its interpreter takes a good while longer to wind down, which is not waited for."""
    assert migration.stdout is not None
    async for line in migration.stdout:
        if line.decode(errors="replace").strip() == MIGRATED:
            return True
    await migration.wait()
    return False


def _check_content(path: Path | None) -> int:
    content = load_content(path)
    assumptions = [f"{key}.{name}" for key, programme in content.programmes.items()
                   for name in type(programme).model_fields
                   if getattr(getattr(programme, name), "assumption", False)]
    print(f"{path or DEFAULT_CONTENT}: ok")
    print(f"  {len(content.programmes)} programmes, {len(content.topics)} topics, {len(content.sources)} sources, "
          f"{len(content.faq)} FAQ entries")
    print(f"  shown as to be confirmed by the council office: {', '.join(assumptions) or 'none'}")
    placeholders = " ".join(f"{{{name}}}" for name in content.placeholders())
    print(f"  placeholders texts can use: {placeholders}")
    # A figure written out is no fault (the text may mean another 600 €), but it will not follow its rule.
    for warning in content.written_figures():
        print(f"  warning: {warning}")
    return 0


def _hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _migrate(url: str, timeout: float) -> int:
    db = Database(url, timeout)
    try:
        await db.migrate()
    finally:
        await db.dispose()
    print(MIGRATED, flush=True)
    return 0


async def _health(url: str, secrets: list[str]) -> int:
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() == "sqlite" and path and path != ":memory:" and not Path(path).exists():
        # Opening it would create an empty database and call that unhealthy for the wrong reason.
        print(f"unhealthy: the database file {path} does not exist; run `kpr-bot migrate`", file=sys.stderr)
        return 1
    db = Database(url, timeout=HEALTH_TIMEOUT)
    try:
        problem = await db.why_unusable()
        if problem is None:
            current = await asyncio.wait_for(is_current(db.engine), HEALTH_TIMEOUT)
    except Exception as error:  # any failure to reach the database is "unhealthy", said in one line
        details = str(error).strip().splitlines()
        problem = f"the database does not answer ({type(error).__name__}: {details[0] if details else 'no details'})"
    finally:
        await db.dispose()
    if problem is not None:
        print(f"unhealthy: {RedactSecrets(secrets).clean(problem)}", file=sys.stderr)
        return 1
    if not current:
        print("unhealthy: the database schema is not current; run `kpr-bot migrate`", file=sys.stderr)
        return 1
    print("ok")
    return 0


async def _coordinators(url: str, timeout: float, action: str, user_id: int | None) -> int:
    from storage import users
    from storage.models import ANONYMOUS_ADMIN_ID, Role

    db = Database(url, timeout)
    try:
        await db.migrate()
        async with db.begin() as session:
            if action == "list":
                for user in await users.with_role(session, Role.COORDINATOR):
                    print(f"{user.id}\t{user.display_name}")
                return 0
            assert user_id is not None
            if user_id == ANONYMOUS_ADMIN_ID:
                print(f"{user_id} is Telegram's stand-in for anonymous group admins, not a person.", file=sys.stderr)
                return 2
            if action == "add":
                changed = await users.ensure_coordinator(session, user_id, datetime.now(timezone.utc))
                print(f"{user_id} is {'now' if changed else 'already'} a coordinator.")
                return 0
            user = await users.get(session, user_id)
            if user is None or user.role is not Role.COORDINATOR:
                print(f"{user_id} is not a coordinator.", file=sys.stderr)
                return 1
            if await users.change_role(session, user_id, Role.MEMBER) is users.RoleChange.LAST_COORDINATOR:
                print(f"{user_id} is the last coordinator; add another one first.", file=sys.stderr)
                return 1
        print(f"{user_id} is now a member.")
        return 0
    finally:
        await db.dispose()
