"""A question typed outside any flow, answered from the FAQ (bot.rules.faq): the answer with its source;
two entries about as likely offered as buttons; a greeting or thanks answered with the menu; and
what the FAQ does not cover passed on to the council office (/ask)."""
from __future__ import annotations

from telegram import Update

from bot.content import FaqEntry
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.faq import Kind
from handlers.common.buttons import MENU, main_menu
from handlers.common.respond import acknowledge, respond
from handlers.common.text import html

CHOICE = Callback("faq", key=r"[a-z][a-z0-9_]{0,31}")


def answer_text(context: BotContext, entry: FaqEntry) -> str:
    t = context.t
    source = context.content.sources[entry.source].title
    return (html(entry.answer.in_(t.language)) + "\n\n<i>" + html(t("Source: {title}", title=source)) + "</i>\n"
            + html(t("Not what you wanted to know? /ask sends your question to the council office.")))


async def typed_question(update: Update, context: BotContext) -> None:
    t = context.t
    reply = context.services.faq.match(update.message.text or "")
    if reply.kind is Kind.ANSWER:
        await respond(update, answer_text(context, reply.entries[0]))
    elif reply.kind is Kind.CHOICE:
        # The entries' own first question names each of them, in the reader's language.
        rows = [[(getattr(entry, t.language)[0], CHOICE.data(key=entry.key))] for entry in reply.entries]
        rows.append([(t("Neither: ask the council office"), MENU.data(item="ask"))])
        await respond(update, html(t("Which of these would you like to know?")), keyboard(rows))
    elif reply.kind is Kind.GREETING:
        await respond(update, html(t("Hello! Ask me about funding in your own words, for example “By when do I have "
                                     "to apply?”, or choose from the menu.")), main_menu(context))
    elif reply.kind is Kind.THANKS:
        await respond(update, html(t("You are welcome! If there is anything else, just ask, or choose from the "
                                     "menu.")), main_menu(context))
    else:
        await respond(update, html(t("I did not find an answer to that. You can send your question to the council "
                                     "office with /ask, or choose from the menu.")), main_menu(context))


async def chosen(update: Update, context: BotContext) -> None:
    """One of two entries offered: its answer in place of the question which."""
    entry = context.services.faq.entry(context.match["key"])
    if entry is None:  # the content changed since the buttons were sent, or the data was forged
        await acknowledge(update, context.t("This button is no longer valid. Please use /start."), alert=True)
        return
    await acknowledge(update)
    await respond(update, answer_text(context, entry), edit=True)
