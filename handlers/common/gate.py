"""The gate: runs first for every update, loads the user from the database and refuses what their role does not allow."""
from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.i18n import pick_language
from bot.pseudonym import who
from bot.ptb.callbacks import prefix_of
from bot.ptb.context import BotContext
from bot.rules.flood import FloodGuard, Verdict
from handlers.common.respond import acknowledge, best_effort, refuse
from storage import users
from storage.models import ANONYMOUS_ADMIN_ID, Role

log = logging.getLogger(__name__)


def command_of(update: Update) -> str | None:
    message = update.effective_message
    if update.callback_query is not None or message is None or not message.text:
        return None
    words = message.text.split(maxsplit=1)
    if not words or not words[0].startswith("/"):
        return None  # free text, also text of nothing but spaces
    return words[0][1:].split("@", 1)[0].lower()


class Gate:
    """`requirements` maps command names and callback prefixes to the least role they need;
    `without_account` names those that must not create an account for a person the bot does not know
    (asking what is stored about you, or erasing it, stores nothing)."""

    def __init__(self, requirements: dict[str, Role], without_account: frozenset[str] = frozenset(),
                 flood: FloodGuard | None = None) -> None:
        self.requirements = requirements
        self.without_account = without_account
        self.flood = flood or FloodGuard()

    def handler(self) -> TypeHandler:
        return TypeHandler(Update, self.check)

    async def check(self, update: Update, context: BotContext) -> None:
        """Lets the update on to the features, or stops it. The decision never waits on telling the
        user (every notice is best effort), and whatever fails while deciding stops the update."""
        try:
            admitted = await self._admit(update, context)
        except Exception:  # noqa: BLE001 - an undecided update is a refused one
            log.exception("The gate could not decide on update %s; refused", update.update_id)
            await self._apologise(update, context)
            admitted = False
        if not admitted:
            raise ApplicationHandlerStop

    async def _admit(self, update: Update, context: BotContext) -> bool:
        sender = update.effective_user
        chat = update.effective_chat
        # Before any other work: a flood must cost as little as possible.
        verdict = self.flood.check(sender.id, time.monotonic()) if sender is not None else Verdict.ALLOW
        if verdict is not Verdict.ALLOW:
            await self._slow_down(update, context, verdict)
            return False
        if sender is None or sender.is_bot or sender.id == ANONYMOUS_ADMIN_ID:
            await self._outside_private_chat(update, context)
            return False
        if chat is not None and chat.type != chat.PRIVATE:
            await self._outside_private_chat(update, context)
            return False
        if update.edited_message is not None and command_of(update) is not None:
            # An edit of an old message is no new command: editing one to /deleteme must not erase.
            return False

        if update.callback_query is not None and not update.callback_query.data:
            # PTB lets empty data match any pattern; Telegram never sends it, so it is forged.
            log.warning("Empty button data from user %s", who(sender.id))
            context.language = pick_language(None, sender.language_code, context.settings.default_language)
            await refuse(update, context.t("This button is no longer valid. Please use /start."))
            return False

        first_language = pick_language(None, sender.language_code, context.settings.default_language)
        if self._key(update) in self.without_account:
            account = await users.account(context.db, sender.id) or users.Account(
                id=sender.id, display_name=sender.full_name, language=None, role=Role.APPLICANT)
        else:
            account = await users.current_account(context.db, sender.id, sender.full_name, first_language,
                                                   context.now())
        context.account = account
        context.language = pick_language(account.language, sender.language_code, context.settings.default_language)

        needed = self._needed_role(update)
        if needed is not None and not account.role.at_least(needed):
            what = command_of(update) or (update.callback_query.data if update.callback_query else "?")
            log.warning("Refused %r for user %s (role %s, needs %s)", what, who(sender.id), account.role.value, needed.value)
            t = context.t
            await refuse(update, t("Only coordinators of the council may do this.") if needed is Role.COORDINATOR
                         else t("Only members of the council may do this. Use /join to ask to become one."))
            return False
        return True

    def _needed_role(self, update: Update) -> Role | None:
        key = self._key(update)
        return self.requirements.get(key) if key else None

    @staticmethod
    def _key(update: Update) -> str | None:
        """The callback prefix or "/command" the update is about, if any."""
        if update.callback_query is not None:
            return prefix_of(update.callback_query.data)
        command = command_of(update)
        return f"/{command}" if command else None

    async def _slow_down(self, update: Update, context: BotContext, verdict: Verdict) -> None:
        if verdict is not Verdict.WARN:
            return  # answering, or logging, every dropped update would be the flood all over again
        log.warning("Throttling user %s: more than %d updates in %g s; further ones are dropped until "
                    "they slow down", who(update.effective_user.id), self.flood.limit, self.flood.window)
        context.language = pick_language(None, update.effective_user.language_code, context.settings.default_language)
        notice = context.t("You are sending a lot at once. Please wait a few seconds; then I will answer again.")
        await refuse(update, notice)

    async def _outside_private_chat(self, update: Update, context: BotContext) -> None:
        # In groups the bot only points to the private chat: nothing personal belongs there.
        if command_of(update) in ("start", "help") and update.effective_message is not None:
            language = pick_language(None, getattr(update.effective_user, "language_code", None),
                                     context.settings.default_language)
            context.language = language
            await best_effort(update.effective_message.reply_text(
                context.t("Please write to me in a private chat: @{username}", username=context.bot.username)
            ), update)
        elif update.callback_query is not None:
            await best_effort(acknowledge(update), update)

    @staticmethod
    async def _apologise(update: Update, context: BotContext) -> None:
        """In the language Telegram gives: the account, with the language chosen in it, is what failed."""
        sender = update.effective_user
        context.language = pick_language(None, sender.language_code if sender else None,
                                         context.settings.default_language)
        await refuse(update, context.t("Sorry, something went wrong on my side. Please try again in a moment."))
