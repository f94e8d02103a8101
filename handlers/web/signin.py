"""/web: a one-time link into the web console for coordinators and group leads; and, where the
console is served over https, the console as a Mini App behind the chat's menu button."""
from __future__ import annotations

import logging

from telegram import MenuButtonWebApp, Update, WebAppInfo
from telegram.ext import CommandHandler

from bot.pseudonym import who
from bot.ptb.context import BotContext
from bot.web.signin import LINK_VALID, digest, new_token
from handlers.common.respond import best_effort, respond
from handlers.common.text import bold, html
from storage.console import access
from storage.models import Role

log = logging.getLogger(__name__)


async def web_command(update: Update, context: BotContext) -> None:
    t, now, settings = context.t, context.now(), context.settings
    if not settings.web_port:
        await respond(update, html(t("The web console is turned off on this server.")))
        return
    token = new_token()
    async with context.db.begin() as session:
        # Asked of the database now, like every request the console serves.
        user = await access.console_user(session, update.effective_user.id)
        if user is not None:
            await access.add_login(session, user.id, digest(token), now, now + LINK_VALID)
    if user is None:
        await respond(update, html(t("The web console is for the council's coordinators and the leads of its "
                                     "groups. Everything you can do is here in the chat: /help shows it.")))
        return
    log.info("User %s asked for a link to the web console", who(user.id))
    minutes = int(LINK_VALID.total_seconds() // 60)
    await respond(update, "\n".join([
        bold(t("Your link to the web console")),
        html(f"{settings.web_url}/login?token={token}"),
        "",
        html(t("Open it within {minutes} minutes; it works once. Do not pass it on: it signs you in.",
               minutes=minutes)),
    ]))
    if settings.web_secure:
        # Telegram opens only https pages as a Mini App; the console then signs in by initData.
        button = MenuButtonWebApp(t("Console"), WebAppInfo(f"{settings.web_url}/signin"))
        await best_effort(context.bot.set_chat_menu_button(update.effective_chat.id, button), update)


HANDLERS = [CommandHandler("web", web_command)]
# Members pass the gate: whether they lead a group is asked when they ask.
REQUIRED_ROLES = {"/web": Role.MEMBER}
