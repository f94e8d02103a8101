"""The handlers' context: database, settings, translator and the acting user, no globals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from telegram.ext import Application, CallbackContext, ExtBot

from bot.commands import MenuEntry
from bot.content import Content
from bot.delivery import DeliveryEngine
from bot.live_content import LiveContent
from bot.i18n import Translator, translator
from bot.rules.faq import Faq
from bot.settings import Settings
from storage.db import Database
from storage.models import Role, User
from storage.users import Account


@dataclass(frozen=True)
class Services:
    db: Database
    settings: Settings
    live: LiveContent  # the content, replaced as a whole when the web console saves a version
    sender: DeliveryEngine | None = None
    menu: tuple[MenuEntry, ...] = ()  # the main menu's buttons, from all features

    @property
    def content(self) -> Content:
        return self.live.content

    @property
    def faq(self) -> Faq:
        return self.live.faq

    def wake_sender(self) -> None:
        """New outbox rows are due now."""
        if self.sender is not None:
            self.sender.wake()


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Filled by the gate (handlers.common.gate) for every update before any feature handler runs."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.account: Account | User | None = None
        self.language: str | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def t(self) -> Translator:
        return translator(self.language or self.settings.default_language)

    @property
    def role(self) -> Role:
        return self.account.role if self.account else Role.APPLICANT

    def now(self) -> datetime:
        return datetime.now(timezone.utc)
