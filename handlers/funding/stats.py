"""/stats for coordinators: how the eligibility check and the questions to the office are used.
Counts only: no names, no ids, no answers."""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import COORDINATORS, MenuEntry
from bot.i18n import N_
from bot.ptb.context import BotContext
from bot.rules.eligibility import Verdict
from bot.rules.explain import VERDICTS
from handlers.common.buttons import COORDINATOR_MENU
from handlers.common.permissions import coordinators_only
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import funding
from storage.models import Role


@coordinators_only
async def stats(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    t, content = context.t, context.content
    async with context.db.begin() as session:
        numbers = await funding.stats(session)
    lines = [bold(t("Use of the funding help")), "",
             html(t("Eligibility checks: {started} started, {finished} finished.", started=numbers["started"],
                    finished=numbers["finished"]))]
    for key in ("micro", "lfk"):
        outcomes = numbers["outcomes"][key]
        lines += ["", bold(content.programmes[key].name.in_(t.language))]
        lines += [html(f"{t(VERDICTS[verdict])}: {outcomes.get(verdict.value, 0)}") for verdict in Verdict]
    lines += ["", bold(t("Topics"))]
    names = {key: text.in_(t.language) for key, text in content.topics.items()}
    names.update({"other": t("Another crime-prevention topic"), "none": t("None of these")})
    lines += [html(f"{names.get(topic, topic)}: {count}") for topic, count in sorted(
        numbers["topics"].items(), key=lambda item: -item[1])] or [html(t("None yet."))]
    questions = numbers["questions"]
    lines += ["", bold(t("Questions to the council office")),
              html(t("{open} open, {answered} answered, {done} done", open=questions["open"],
                     answered=questions["answered"], done=questions["done"]))]
    await respond(update, "\n".join(lines))


HANDLERS = [CommandHandler("stats", stats),
            CallbackQueryHandler(stats, pattern=COORDINATOR_MENU.matching(item="stats"))]
REQUIRED_ROLES = {"/stats": Role.COORDINATOR}
MENU_ENTRIES = [MenuEntry(N_("Statistics"), COORDINATOR_MENU.data(item="stats"), COORDINATORS, (4, 1))]
