"""Runs the bot (long polling or webhook) until SIGTERM or SIGINT, on a database that `kpr-bot run`
(bot.cli) has checked, locked for this process and migrated."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from datetime import datetime, timezone

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot import live_content
from bot.app import build_application
from bot.commands import publish_commands, publish_default_commands
from bot.content import Content
from bot.pseudonym import who
from bot.ptb.context import Services
from bot.ptb.webhook import WebhookLimits, WebhookServer
from bot.settings import Settings
from handlers.announcements.sent import PROGRESS_INTERVAL, report_progress
from handlers.funding import deadlines
from handlers.meetings import reminders
from handlers.privacy import rights as privacy
from storage import users
from storage.db import Database
from storage.models import Role

log = logging.getLogger(__name__)

EXIT_CONFLICT = 4  # another process gets updates with this token (Telegram's 409)
# Sends still unanswered after this many seconds of a stop go back to the outbox, so that a stop
# (SIGTERM) ends well within the 10 seconds that Docker and systemd wait before they kill.
SEND_GRACE = 4.0
STOP_DEADLINE = 9.0  # seconds from SIGTERM to the end of the process, whatever still waits
EXIT_STOP_OVERDUE = 5  # the stop was cut short at STOP_DEADLINE


async def seed_coordinators(db: Database, coordinator_ids: tuple[int, ...]) -> None:
    """Ids in COORDINATOR_IDS the bot has not seen there before become coordinators (once only)."""
    now = datetime.now(timezone.utc)
    async with db.begin() as session:
        for user_id in coordinator_ids:
            if await users.seed_coordinator(session, user_id, now):
                log.info("User %s is a coordinator (from COORDINATOR_IDS)", who(user_id))


async def publish_start_commands(application: Application, db: Database, settings: Settings) -> None:
    """Command menus per language, and per chat for coordinators, whose menu differs most (members'
    menus are set when their role changes; doing all of them at every start would use up the
    shared message budget for seconds)."""
    await publish_default_commands(application.bot, settings.default_language)
    async with db.begin() as session:
        coordinators = [(u.id, u.language) for u in await users.with_role(session, Role.COORDINATOR)]
    for user_id, language in coordinators:
        await publish_commands(application.bot, role=Role.COORDINATOR, chat_id=user_id,
                               language=language or settings.default_language)


async def _connect(application: Application, stop: asyncio.Event, api_url: str) -> bool:
    """Initialises the application (getMe first), trying again while the Bot API cannot be
    reached: a service that starts before the network should wait for it, not die.
    False when asked to stop meanwhile."""
    delay = 1.0
    while True:
        try:
            await application.initialize()
            return True
        except (NetworkError, TimedOut) as error:
            log.error("Cannot reach the Telegram Bot API at %s (%s); trying again in %.0f s", api_url, error, delay)
        try:
            await asyncio.wait_for(stop.wait(), delay)
            return False
        except TimeoutError:
            delay = min(delay * 2, 60.0)


async def serve(settings: Settings, content: Content, db: Database, *, webhook: bool = False) -> int:
    """Runs until SIGTERM or SIGINT; returns the process's exit code."""
    await seed_coordinators(db, settings.coordinator_ids)
    content = await live_content.newest(db, settings.content_file, content)
    return await _serve(settings, content, db, webhook)


async def _serve(settings: Settings, content: Content, db: Database, webhook: bool) -> int:
    application = build_application(settings, db, content=content)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    conflict = False

    def on_polling_error(error: TelegramError) -> None:
        # PTB would retry a 409 for ever, and two pollers would take turns stealing each other's
        # updates; one clear line and a stop is better.
        nonlocal conflict
        if isinstance(error, Conflict):
            if not conflict:
                log.error("Telegram answered 409 Conflict (%s): another process is getting updates with this "
                          "bot token. Stopping; stop the other process, then start this one again.", error)
            conflict = True
            stop.set()
        else:
            log.warning("Getting updates failed (%s); trying again", error)

    try:
        if not await _connect(application, stop, settings.bot_api_url):
            return 0
    except InvalidToken:
        log.error("Telegram rejected BOT_TOKEN: check the token BotFather gave you")
        return 2
    try:
        await application.start()
        services: Services = application.bot_data["services"]
        services.sender.start()
        await reminders.rebuild(application)
        await deadlines.rebuild(application)
        # Progress is derived from the outbox each time, so it needs no state across restarts.
        application.job_queue.run_repeating(report_progress, interval=PROGRESS_INTERVAL, first=1,
                                            name="broadcast-progress")
        # The first purge soon after the start, so a bot restarted daily still purges.
        application.job_queue.run_repeating(privacy.purge_old, interval=privacy.PURGE_EVERY, first=60,
                                            name="retention")
        if webhook:
            stop_receiving = (await _start_webhook(application, settings)).stop
        else:
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES,
                                                    error_callback=on_polling_error)
            stop_receiving = application.updater.stop
        console = await _start_console(application, settings) if settings.web_port else None
        menus = application.create_task(publish_start_commands(application, db, settings))
        log.info("kpr-bot is running as @%s (%s)", application.bot.username, "webhook" if webhook else "long polling")
        await stop.wait()
        log.info("Stopping")
        _exit_at_the_latest(STOP_DEADLINE)
        # The menus are set again at the next start; a 429 can hold them back for a minute, and
        # application.stop() would wait for them.
        menus.cancel()
        # Updates first, so nothing new starts; then the sends in flight are answered or handed
        # back to the outbox (bot.delivery), then handlers still running finish, or are given up
        # when they take as long as the sends may.
        application.update_processor.give_up_within(SEND_GRACE)  # type: ignore[attr-defined]
        await stop_receiving()
        if console is not None:
            await console.stop()
        await services.sender.stop(grace=SEND_GRACE)
        await application.stop()
    finally:
        await application.shutdown()
    return EXIT_CONFLICT if conflict else 0


def _exit_at_the_latest(seconds: float) -> None:
    """Ends the process after `seconds` if the orderly stop has not by then: a reply held back by a
    429 (retry_after can be a minute) or a Telegram call that hangs until its timeout would keep
    it waiting beyond what Docker and systemd allow before they kill. A thread, because it must
    fire even when the event loop is stuck; ending this way is as safe as a SIGKILL, which the
    outbox is built for (at most the sends in flight go out twice)."""
    def end() -> None:
        log.warning("Stopping took longer than %.0f s; ending now (unsent messages stay in the outbox)", seconds)
        logging.shutdown()
        os._exit(EXIT_STOP_OVERDUE)

    timer = threading.Timer(seconds, end)
    timer.daemon = True  # a process that stopped in time ends without waiting for it
    timer.start()


async def _start_console(application: Application, settings: Settings):  # type: ignore[no-untyped-def]
    """The web console (bot.web) on this event loop; None when its address is taken. Its web stack is
    imported here, so a bot without the console never loads it."""
    from bot.web.server import ConsoleServer, build

    services: Services = application.bot_data["services"]
    server = ConsoleServer(build(services.db, settings, services.live, services.wake_sender, application.bot), settings)
    return server if await server.start() else None


async def _start_webhook(application: Application, settings: Settings) -> WebhookServer:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    server = WebhookServer(application, url=settings.webhook_url, secret=settings.webhook_secret.get_secret_value(),
                           listen=settings.webhook_listen, port=settings.webhook_port,
                           limits=WebhookLimits(timeout=settings.webhook_timeout,
                                                max_connections=settings.webhook_max_connections))
    await server.start()
    log.info("Listening for updates on %s:%s, published as %s", settings.webhook_listen, settings.webhook_port,
             settings.webhook_url)
    return server
