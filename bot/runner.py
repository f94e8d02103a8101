"""Runs the bot with long polling until SIGTERM or SIGINT, with the database migrated first."""
from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timezone

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot.app import build_application
from bot.content import Content
from bot.settings import Settings
from bot.context import Services
from handlers.broadcasts import PROGRESS_INTERVAL, report_progress
from handlers import privacy, reminders
from handlers.menu import publish_commands, publish_default_commands
from storage import users
from storage.db import Database
from storage.models import Role

log = logging.getLogger(__name__)


async def seed_coordinators(db: Database, coordinator_ids: tuple[int, ...]) -> None:
    now = datetime.now(timezone.utc)
    async with db.begin() as session:
        for user_id in coordinator_ids:
            if await users.ensure_coordinator(session, user_id, now):
                log.info("User %s is a coordinator (from COORDINATOR_IDS)", user_id)


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


async def serve(settings: Settings, content: Content) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        await seed_coordinators(db, settings.coordinator_ids)
        application = build_application(settings, db, content=content)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
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
            # Progress is derived from the outbox each time, so it needs no state across restarts.
            application.job_queue.run_repeating(report_progress, interval=PROGRESS_INTERVAL, first=1,
                                                name="broadcast-progress")
            # The first purge soon after the start, so a bot restarted daily still purges.
            application.job_queue.run_repeating(privacy.purge_old, interval=privacy.PURGE_EVERY, first=60,
                                                name="retention")
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            application.create_task(publish_start_commands(application, db, settings))
            log.info("kpr-bot is running as @%s", application.bot.username)
            await stop.wait()
            log.info("Stopping")
            await application.updater.stop()
            await services.sender.stop()
            await application.stop()
        finally:
            await application.shutdown()
        return 0
    finally:
        await db.dispose()
