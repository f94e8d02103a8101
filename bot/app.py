"""Builds the Application: one place for wiring, handler groups and the request set-up."""
from __future__ import annotations

import functools

from telegram.request import BaseRequest
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot import pseudonym
from bot.content import Content
from bot.content import load as load_content
from bot.delivery import DeliveryEngine
from bot.live_content import LiveContent
from bot.ptb.context import BotContext, Services
from bot.ptb.incoming import SkippingBot
from bot.ptb.persistence import DatabasePersistence, SharedFlush
from bot.ptb.ratelimit import SharedRateLimiter
from bot.ptb.transport import AiohttpTransport
from bot.ptb.updates import PerChatUpdateProcessor
from bot.rules.flood import FloodGuard
from bot.settings import Settings
from handlers import announcements, funding, groups, meetings, membership, privacy, start, web
from handlers.announcements.sent import ReportRenderer
from handlers.common import errors
from handlers.common.flows import for_application
from handlers.common.gate import Gate
from handlers.common.outbox import BroadcastRenderer, OutboxSender
from handlers.funding.ask import QuestionRenderer
from handlers.funding.deadlines import DeadlineRenderer
from handlers.groups.overview import render_notice as group_notice
from handlers.meetings.overview import MeetingRenderer
from handlers.membership.join import render_request as join_request
from handlers.membership.members import render_news as membership_news
from handlers.start import fallback
from storage.db import Database
from storage.models import DeliveryKind

# The features' handlers take disjoint commands and buttons; the fallback's catch-alls come after
# all of them.
FEATURES = [membership, announcements, meetings, groups, funding, privacy, web, start]
GATE_GROUP, FEATURE_GROUP = -1, 0


def file_url(api_url: str) -> str:
    return api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url


def build_application(settings: Settings, db: Database, request: BaseRequest | None = None,
                      content: Content | None = None) -> Application:
    """The bot's Application; `request` replaces the HTTP transport (handler tests pass a fake).
    The content file is read and checked here unless given (ContentError when it is faulty)."""
    content = content or load_content(settings.content_file)
    pseudonym.use_token(settings.token)  # the key of the names people have in the logs
    processor = PerChatUpdateProcessor(settings.max_concurrent_updates, settings.update_deadline)
    # Long polling holds its own connection, so replies never wait behind it.
    bot = SkippingBot(settings.token, base_url=settings.bot_api_url, base_file_url=file_url(settings.bot_api_url),
                      request=request or AiohttpTransport(),
                      get_updates_request=request or AiohttpTransport(connection_pool_size=1),
                      rate_limiter=SharedRateLimiter(own_rate=settings.broadcast_rate))
    application = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .persistence(DatabasePersistence(db))
        .concurrent_updates(processor)
        .build()
    )
    # Store a flow's new state right after each update, not once a minute (see bot.ptb.persistence).
    processor.after_update = SharedFlush(application.update_persistence, settings.update_deadline)
    processor.on_given_up = functools.partial(errors.tell_given_up, application)
    live = LiveContent(content)
    meeting_messages, questions = MeetingRenderer(settings, db), QuestionRenderer(live, settings.timezone)
    renderers = {DeliveryKind.BROADCAST: BroadcastRenderer(db, live, settings.timezone), DeliveryKind.REMINDER: meeting_messages,
                 DeliveryKind.MEETING: meeting_messages, DeliveryKind.GROUP: group_notice,
                 DeliveryKind.QUESTION: questions, DeliveryKind.REPLY: questions,
                 DeliveryKind.ROLE: membership_news, DeliveryKind.JOIN_DECISION: membership_news,
                 DeliveryKind.JOIN_REQUEST: join_request, DeliveryKind.REPORT: ReportRenderer(db),
                 DeliveryKind.DEADLINE: DeadlineRenderer(content, settings.timezone)}
    sender = DeliveryEngine(db, OutboxSender(application.bot, settings.default_language, renderers))
    menu = tuple(entry for feature in FEATURES for entry in getattr(feature, "MENU_ENTRIES", ()))
    application.bot_data["services"] = Services(db=db, settings=settings, live=live,
                                                sender=sender, menu=menu)

    requirements: dict = {}
    for feature in [*FEATURES, fallback]:
        requirements.update(feature.REQUIRED_ROLES)
    without_account = frozenset().union(*(getattr(feature, "WITHOUT_ACCOUNT", ()) for feature in FEATURES))
    gate = Gate(requirements, without_account, FloodGuard(limit=settings.flood_limit))
    application.add_handler(gate.handler(), group=GATE_GROUP)
    application.add_handlers(for_application([h for feature in [*FEATURES, fallback] for h in feature.HANDLERS],
                                             application), group=FEATURE_GROUP)
    application.add_error_handler(errors.on_error)
    return application
