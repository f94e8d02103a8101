"""/news for everyone: news from the council switched on or off, and the last announcements read
again by those who get news (members those to all members, and a group's members the group's)."""
from __future__ import annotations

import dataclasses

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import EVERYONE, MenuEntry
from bot.i18n import N_
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.announcements import sender_name
from bot.rules.dates import format_datetime
from handlers.announcements.callbacks import NEWS, NEWS_PAST, NEWS_READ
from handlers.common.buttons import MENU
from handlers.common.outbox import send_content, sent_announcement
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html, snippet
from storage import broadcasts, users
from storage.models import Role

PAST_SHOWN = 10
PER_ROW = 5  # numbered buttons in a row
ONLY_WITH_NEWS = N_("The last announcements are for those who get news. /news on switches them on.")


async def news(update: Update, context: BotContext) -> None:
    argument = context.args[0].lower() if context.args else ""
    if argument in ("on", "an", "off", "aus"):
        await _set_news(update, context, argument in ("on", "an"))
        return
    await _start(update, context, users.wants_news(context.account))


async def _start(update: Update, context: BotContext, subscribed: bool, *, done: str | None = None,
                 edit: bool = False) -> None:
    t = context.t
    if subscribed:
        state = t("You get news from the council.")
        rows = [[(t("The last announcements"), NEWS_PAST.data(view="list"))],
                [(t("Stop news"), NEWS.data(wanted="off"))]]
    else:
        state = t("You do not get news from the council.")
        rows = [[(t("Get news"), NEWS.data(wanted="on"))]]
    await respond(update, html(done or state), keyboard(rows), edit=edit)


async def news_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await news(update, context)


async def news_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await _set_news(update, context, context.match["wanted"] == "on", edit=True)


async def _set_news(update: Update, context: BotContext, wanted: bool, *, edit: bool = False) -> None:
    t = context.t
    async with context.db.begin() as session:
        await users.set_news(session, update.effective_user.id, wanted)
    done = (t("Done: you will get news from the council. /news off stops them.") if wanted
            else t("Done: you will get no more news. /news on starts them again."))
    await _start(update, context, wanted, done=done, edit=edit)


def _is_member(context: BotContext) -> bool:
    return context.role in (Role.MEMBER, Role.COORDINATOR)


def _on_text(update: Update) -> bool:
    """Whether the pressed message can become another text (one with a photo or document cannot)."""
    return update.callback_query.message is not None and update.callback_query.message.text is not None


async def past_pressed(update: Update, context: BotContext) -> None:
    """The last announcements, or back to the start of /news. Whether the person gets news is read
    at this press (the gate reads the account anew for every update)."""
    t = context.t
    subscribed = users.wants_news(context.account)
    if context.match["view"] == "start":
        await acknowledge(update)
        await _start(update, context, subscribed, edit=_on_text(update))
        return
    if not subscribed:
        await acknowledge(update, t(ONLY_WITH_NEWS), alert=True)
        return
    await acknowledge(update)
    async with context.db.read() as session:
        letters = await broadcasts.news(session, update.effective_user.id, member=_is_member(context),
                                        limit=PAST_SHOWN)
    back = [(t("« Back"), NEWS_PAST.data(view="start"))]
    if not letters:
        await respond(update, html(t("There are no announcements for you yet.")), keyboard([back]),
                      edit=_on_text(update))
        return
    council = context.content.council.in_(context.language)
    lines = [bold(t("The last announcements"))]
    for n, letter in enumerate(letters, 1):
        when = format_datetime(letter.sent_at, context.settings.timezone, context.language, date_only=True)
        beginning = snippet(letter.text) or t("(a photo or document)")
        lines.append(f"\n<b>{n}.</b> {html(when)} – {html(sender_name(council, letter.group))}\n{html(beginning)}")
    numbers = [(str(n), NEWS_READ.data(broadcast=letter.id)) for n, letter in enumerate(letters, 1)]
    rows = [numbers[i:i + PER_ROW] for i in range(0, len(numbers), PER_ROW)] + [back]
    await respond(update, "\n".join(lines), keyboard(rows), edit=_on_text(update))


async def read_pressed(update: Update, context: BotContext) -> None:
    """One of the last announcements as it went out, without its "Acknowledged" button; only one
    this person may read now (a forged or old button shows nothing)."""
    t = context.t
    if not users.wants_news(context.account):
        await acknowledge(update, t(ONLY_WITH_NEWS), alert=True)
        return
    async with context.db.read() as session:
        letter = await broadcasts.news_letter(session, int(context.match["broadcast"]), update.effective_user.id,
                                              member=_is_member(context))
    if letter is None:
        await acknowledge(update, t("This announcement is not for you."), alert=True)
        return
    await acknowledge(update)
    back: InlineKeyboardMarkup = keyboard([[(t("« Back to the list"), NEWS_PAST.data(view="list"))]])
    content = dataclasses.replace(
        sent_announcement(letter, context.content.council, context.settings.timezone, t, ack=False), markup=back)
    if letter.attachment_kind is None and _on_text(update):
        await respond(update, content.text, back, edit=True)
    else:
        await send_content(context.bot, update.effective_chat.id, content, own_send=False)


HANDLERS = [
    CommandHandler("news", news),
    CallbackQueryHandler(news_pressed, pattern=NEWS.pattern),
    CallbackQueryHandler(past_pressed, pattern=NEWS_PAST.pattern),
    CallbackQueryHandler(read_pressed, pattern=NEWS_READ.pattern),
    CallbackQueryHandler(news_from_menu, pattern=MENU.matching(item="news")),
]
REQUIRED_ROLES: dict = {}
MENU_ENTRIES = [MenuEntry(N_("News on/off"), MENU.data(item="news"), EVERYONE, (5, 0))]
