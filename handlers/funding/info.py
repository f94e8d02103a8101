"""/funding: what is funded, who can apply, how much, the next deadlines, which documents, how to apply
and whom to contact; each answer names its source."""
from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import EVERYONE, MenuEntry
from bot.content import Content, Programme, Sourced
from bot.i18n import N_, Translator
from bot.ptb.callbacks import Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.dates import Due, due_text
from bot.rules.explain import APPLICANT_NAMES, source_text
from bot.rules.money import format_money, percent
from handlers.common.buttons import MENU as MAIN_MENU
from handlers.common.respond import acknowledge, respond
from handlers.common.text import bold, html
from storage import deadlines

MENU = Callback("fund", item="menu|topics|who|amounts|deadlines|documents|apply")
PROGRAMMES = ("micro", "lfk")

ITEMS = [("topics", N_("What is funded")), ("who", N_("Who can apply")), ("amounts", N_("How much")),
         ("deadlines", N_("Deadlines")), ("documents", N_("Which documents")), ("apply", N_("How to apply, whom to ask"))]


def answer(item: str, t: Translator, content: Content, today: date) -> str:
    """The text for one menu item."""
    lines: list[str] = []

    def sourced(rule: Sourced) -> None:
        lines.append("<i>" + html(source_text(t, content, rule)) + "</i>")

    def heading(programme: Programme) -> None:
        lines.extend(["", bold(programme.name.in_(t.language))])

    micro, lfk = content.micro, content.lfk
    if item == "topics":
        lines.append(bold(t("What is funded")))
        lines += [f"• {html(content.topics[key].in_(t.language))}" for key in micro.topics.value if key in content.topics]
        sourced(micro.topics)
        lines += ["", html(t("The state council also funds other projects that directly or indirectly help prevent "
                             "crime in Mecklenburg-Vorpommern."))]
        sourced(lfk.topics)
    elif item == "who":
        lines.append(bold(t("Who can apply")))
        for programme in (micro, lfk):
            heading(programme)
            lines += [f"• {html(t(APPLICANT_NAMES[a]))}" for a in programme.applicants.value]
            sourced(programme.applicants)
        lines += ["", html(t("Companies are not named in either programme; projects must be in "
                             "Mecklenburg-Vorpommern, and micro projects {in_area}.",
                             in_area=content.names.in_area.in_(t.language)))]
    elif item == "amounts":
        lines.append(bold(t("How much")))
        if micro.ceiling:
            heading(micro)
            lines.append(html(t("Up to {amount} per project.", amount=format_money(micro.ceiling.value, t.language))))
            sourced(micro.ceiling)
        heading(lfk)
        if lfk.minimum:
            lines.append(html(t("As a rule at least {amount}.", amount=format_money(lfk.minimum.value, t.language))))
            sourced(lfk.minimum)
        if lfk.max_share:
            lines.append(html(t("At most {percent} % of the eligible total costs: at least {rest} % is your own share.",
                                percent=percent(lfk.max_share.value), rest=100 - percent(lfk.max_share.value))))
            sourced(lfk.max_share)
    elif item == "deadlines":
        lines.append(bold(t("Deadlines")))
        if micro.lead_time_weeks:
            heading(micro)
            lines.append(html(t("At least {weeks} weeks before the project starts.", weeks=micro.lead_time_weeks.value)))
            sourced(micro.lead_time_weeks)
        heading(lfk)
        for rule, text in ((lfk.deadline, N_("Next deadline: {date}, for projects starting in {year}.")),
                           (lfk.council_deadline, N_("For a prevention council's own application: {date}, for the "
                                                     "year {year}."))):
            if rule is not None:
                due = rule.next_from(today)
                lines.append(html(t(text, date=due_text(t, Due(due, today)), year=due.year + rule.years_before)))
                sourced(rule)
    elif item == "documents":
        lines.append(bold(t("Which documents")))
        for programme in (micro, lfk):
            heading(programme)
            for document in programme.documents:
                lines.append(f"☐ {html(document.text.in_(t.language))}")
                lines.append("   <i>" + html(t("Source: {title}", title=content.sources[document.source].title)) + "</i>")
    else:
        lines.append(bold(t("How to apply, whom to ask")))
        for programme in (micro, lfk):
            heading(programme)
            lines.append(html(programme.how_to_apply.in_(t.language)))
        contact = content.contact
        lines += ["", bold(contact.office.in_(t.language)), html(contact.address)]
        lines += [html(value) for value in (contact.email, contact.phone) if value]
        lines.append(html(contact.web))
        sourced(contact)
        lines += ["", html(t("/check looks at your project; /ask sends your question to the council office."))]
    return "\n".join(lines)


def menu_keyboard(t: Translator, has_reminders: bool = False) -> InlineKeyboardMarkup | None:
    rows = [[(t(label), MENU.data(item=item))] for item, label in ITEMS]
    if has_reminders:  # applicants find their deadline reminders where they came from: funding
        rows.append([(t("Deadline reminders"), MAIN_MENU.data(item="reminders"))])
    return keyboard(rows)


async def _menu_keyboard(update: Update, context: BotContext) -> InlineKeyboardMarkup | None:
    today = context.now().astimezone(context.settings.timezone).date()
    async with context.db.read() as session:
        has_reminders = bool(await deadlines.of_user(session, update.effective_user.id, today))
    return menu_keyboard(context.t, has_reminders)


async def funding_command(update: Update, context: BotContext) -> None:
    t = context.t
    intro = "\n\n".join([bold(t("Funding for prevention projects")),
                         html(context.content.micro.summary.in_(t.language)),
                         html(context.content.lfk.summary.in_(t.language)),
                         html(t("What would you like to know? /check looks at your own project."))])
    await respond(update, intro, await _menu_keyboard(update, context))


async def funding_from_menu(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    await funding_command(update, context)


async def menu_pressed(update: Update, context: BotContext) -> None:
    await acknowledge(update)
    item = context.match["item"]
    if item == "menu":
        await respond(update, bold(context.t("Funding for prevention projects")), await _menu_keyboard(update, context),
                      edit=True)
        return
    zone = context.settings.timezone
    text = answer(item, context.t, context.content, context.now().astimezone(zone).date())
    await respond(update, text, keyboard([[(context.t("« Back"), MENU.data(item="menu"))]]), edit=True)


HANDLERS = [
    CommandHandler("funding", funding_command),
    CallbackQueryHandler(menu_pressed, pattern=MENU.pattern),
    CallbackQueryHandler(funding_from_menu, pattern=MAIN_MENU.matching(item="funding")),
]
REQUIRED_ROLES: dict = {}
MENU_ENTRIES = [MenuEntry(N_("Funding"), MAIN_MENU.data(item="funding"), EVERYONE, (0, 0))]
