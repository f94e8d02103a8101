"""/check: the eligibility check as a conversation. One question at a time, each with "Don't know"
and « Back (the earlier answers kept); questions that can no longer change the result are skipped.
The result explains itself (bot.rules.eligibility) and offers « Back to the last question, the council
office, a summary and a new start."""
from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.commands import EVERYONE, MenuEntry
from bot.content import Applicant, Area, Content
from bot.i18n import N_, Translator
from bot.ptb.callbacks import ROW_ID, Callback
from bot.ptb.context import BotContext
from bot.ptb.keyboards import keyboard
from bot.rules.dates import DateProblem, MonthStart, format_day, parse_start, relative_day, start_examples
from bot.rules.eligibility import NO_TOPIC, OTHER_TOPIC, UNKNOWN, Answers, Result, Verdict, check, current_form
from bot.rules.explain import (
    APPLICANT_NAMES, DISCLAIMER, SEAT_NAMES, VERDICTS, area_name, areas, documents_heading, largest_text,
    month_start_text, reason_text, start_text,
)
from bot.rules.money import AmountProblem, format_money, parse_amount
from bot.rules.reminders import applying
from handlers.common.buttons import MENU
from handlers.common.flows import TEXT, draft, flow
from handlers.common.respond import acknowledge, remove_buttons, respond
from handlers.common.text import bold, html
from handlers.funding.ask import SHARE
from handlers.funding.deadlines import offer_reminder
from handlers.funding.outline import send_outline
from handlers.meetings.overview import split_lines
from storage import funding

log = logging.getLogger(__name__)

ORDER = ("applicant", "place", "seat", "topic", "begun", "start", "total", "wanted")
TYPED = ("start", "total", "wanted")
ASKING = "asking"
ANSWER = Callback("chk", q="|".join(ORDER), a=r"[a-z_]{1,20}")
STEP = Callback("chks", action="back|restart|cancel")
# The result's buttons work after the conversation has ended: they carry the stored check.
AFTER = Callback("chkr", check=ROW_ID, action="summary|ask|remind")
REVISE = Callback("chkb", check=ROW_ID)  # « Back from the result: the check's last question again
_DRAFT = "check"
KEEP = "keep"  # a typed question's earlier answer, kept

QUESTIONS = {
    "applicant": N_("Who applies?"),
    "place": N_("Where does the project take place?"),
    "seat": N_("Where does the applicant have its seat (an individual: where you live)?"),
    "topic": N_("What is the project about?"),
    "begun": N_("Has the project already begun?"),
    "start": N_("When does the project start? For example {example_day} or {example_month}."),
    "total": N_("What are the total costs of the project in euros? For example 1,500."),
    "wanted": N_("How much funding do you want, in euros? For example 1,200."),
}
# Under the question, what helps to answer it.
HINTS = {
    "seat": N_("The seat or the project must be in Mecklenburg-Vorpommern; one of the two is enough."),
    "begun": N_("A project has begun once a contract for it is signed or an order placed. Planning it and asking "
                "for offers do not count."),
}


def _draft(context: BotContext) -> dict:
    return draft(context, _DRAFT)


def _options(question: str, content: Content, t: Translator) -> list[tuple[str, str]]:
    if question == "applicant":
        return [(t(label), kind.value) for kind, label in APPLICANT_NAMES.items()]
    if question == "place":
        return [(area_name(t, content, area), area.value) for area in areas(content)]
    if question == "seat":
        return [(t(SEAT_NAMES[True]), Area.STATE.value), (t(SEAT_NAMES[False]), Area.OUTSIDE.value)]
    if question == "topic":
        return [(text.in_(t.language), key) for key, text in content.topics.items()] + [
            (t("Another crime-prevention topic"), OTHER_TOPIC), (t("None of these"), NO_TOPIC)]
    if question == "begun":
        return [(t("Yes"), "yes"), (t("No"), "no")]
    return []


def _relevant(question: str, answers: Answers) -> bool:
    # The seat matters only where the project's place does not settle "in M-V" already.
    if question == "seat":
        return answers.place in (Area.OUTSIDE, None)
    # A prevention council applying for itself gets a fixed amount: costs and amounts change nothing.
    return not (question in ("total", "wanted") and answers.applicant is Applicant.COUNCIL)


def next_question(given: dict, after: str | None, content: Content, today: date) -> str | None:
    """The question after `after` that can still change the result; None when the result is due."""
    answers = Answers.stored(given)
    if check(answers, content, today).decided:
        return None
    return next((q for q in ORDER[ORDER.index(after) + 1 if after else 0:] if _relevant(q, answers)), None)


def path(given: dict, content: Content, today: date) -> list[str]:
    """The questions a check with these answers asked, in order: replayed to go back from its result."""
    asked: list[str] = []
    while True:
        so_far = {k: v for k, v in given.items() if k in asked or k == "start_month_only"}
        question = next_question(so_far, asked[-1] if asked else None, content, today)
        if question is None or question not in given:
            return asked
        asked.append(question)


async def begin(update: Update, context: BotContext) -> str | int:
    await acknowledge(update)
    async with context.db.begin() as session:
        check_id = await funding.start_check(session, update.effective_user.id, context.now())
    # "asked": the questions answered on the way here, for « Back; "answers" keeps every answer given,
    # also after going back, until an earlier answer changes.
    context.user_data[_DRAFT] = {"check": check_id, "answers": {}, "asked": []}
    await respond(update, bold(context.t("Can your project be funded?")) + "\n" + html(context.t(
        "A few questions, one at a time. “Don't know” is always a good answer: the result then says what depends "
        "on it.")))
    return await ask_next(update, context, after=None, edit=False)


async def ask_next(update: Update, context: BotContext, after: str | None, edit: bool = True,
                   note: str = "") -> str | int:
    """The next question after `after` that can still change the result, or the result; `edit`
    replaces the pressed message (the previous question) with it; `note` goes above it."""
    data = _draft(context)
    question = next_question(data["answers"], after, context.content, _today(context))
    if question is not None:
        return await ask(update, context, question, edit=edit, note=note)
    result = check(Answers.stored(data["answers"]), context.content, _today(context))
    return await show_result(update, context, result, edit=edit, note=note)


def _shown_answer(t: Translator, question: str, given: dict, zone: ZoneInfo) -> str:
    """A typed answer as the user gave it: the day or the month, or the amount."""
    answers = Answers.stored(given)
    if question == "start":
        return start_text(t, answers, zone)
    return format_money(answers.total if question == "total" else answers.wanted, t.language)  # type: ignore[arg-type]


async def ask(update: Update, context: BotContext, question: str, edit: bool = True, note: str = "") -> str:
    """The question, with the answer given to it before (when the user came back to it) marked."""
    t, data = context.t, _draft(context)
    marked = data["answers"].get(question)
    rows = [[(("● " if marked == value else "") + label, ANSWER.data(q=question, a=value))]
            for label, value in _options(question, context.content, t)]
    text = (html(note) + "\n\n" if note else "") + html(t("Question {number}", number=len(data["asked"]) + 1))
    text += "\n" + bold(t(QUESTIONS[question], **start_examples(_today(context), t.language)))
    if question in HINTS:
        text += "\n" + html(t(HINTS[question]))
    if question == "place" and context.content.neighbour is not None:
        text += "\n" + html(context.content.neighbour.note.in_(t.language))
    if question in TYPED and marked not in (None, UNKNOWN):
        kept = _shown_answer(t, question, data["answers"], context.settings.timezone)
        text += "\n" + html(t("Your answer so far: {answer}. Type a new one, or keep it.", answer=kept))
        rows.append([(t("Keep: {answer}", answer=kept), ANSWER.data(q=question, a=KEEP))])
    rows.append([(("● " if marked == UNKNOWN else "") + t("Don't know"), ANSWER.data(q=question, a=UNKNOWN))])
    navigation = [(t("Cancel"), STEP.data(action="cancel"))]
    if data["asked"]:
        navigation.insert(0, (t("« Back"), STEP.data(action="back")))
    rows.append(navigation)
    data["current"] = question
    shown = await respond(update, text, keyboard(rows), edit=edit and update.callback_query is not None)
    if shown is not None:
        data["shown"] = shown  # its buttons go once the question is answered by typing
    return ASKING


async def answered(update: Update, context: BotContext) -> str | int:
    data = _draft(context)
    question, value = context.match["q"], context.match["a"]
    if "answers" not in data or question != data.get("current"):
        await acknowledge(update, context.t("This button belongs to an earlier question. Please use the latest one."),
                          alert=True)
        return ASKING
    options = {v for _, v in _options(question, context.content, context.t)} | {UNKNOWN}
    if value == KEEP and question in TYPED and question in data["answers"]:
        value = data["answers"][question]
    elif value not in options:  # forged data
        await acknowledge(update, context.t("This button is no longer valid."), alert=True)
        return ASKING
    await acknowledge(update)
    return await _record(update, context, question, value, data["answers"].get("start_month_only", False))


async def typed(update: Update, context: BotContext) -> str | int:
    t, data = context.t, _draft(context)
    question = data.get("current")
    if question not in TYPED:
        await respond(update, html(t("Please use the buttons above, or leave with /cancel.")))
        return ASKING
    text, month_only, note = update.message.text, False, ""
    try:
        if question == "start":
            start, month_only = parse_start(text, _today(context))
            value = start.isoformat()
            if month_only:
                note = t("Start: {day}.", day=month_start_text(t, MonthStart(start)))
            elif relative_day(text, _today(context)) is not None:  # "heute" said as the day it is
                note = t("Start: {day}.", day=format_day(start, t.language))
        else:
            amount = parse_amount(text)
            total = Answers.stored(data["answers"]).total
            if question == "wanted" and total is not None and amount > total:
                await respond(update, html(t("The amount wanted cannot be more than the total costs ({total}). Please "
                                             "check it.", total=format_money(total, context.language))))
                return ASKING
            value = str(amount)
    except DateProblem as problem:
        await respond(update, html(problem.text(t, **start_examples(_today(context), t.language))))
        return ASKING
    except AmountProblem as problem:
        await respond(update, html(problem.text(t)))
        return ASKING
    await remove_buttons(update, data.pop("shown", None))
    return await _record(update, context, question, value, month_only, note)


async def _record(update: Update, context: BotContext, question: str, value: str, month_only: bool,
                  note: str = "") -> str | int:
    data = _draft(context)
    answers = data["answers"]
    if question == "start":
        value_now, value_before = (value, month_only), (answers.get("start"), answers.get("start_month_only", False))
    else:
        value_now, value_before = value, answers.get(question)
    if value_now != value_before:
        # A changed answer can change which later questions matter and what they mean: ask them afresh.
        for later in ORDER[ORDER.index(question) + 1:]:
            answers.pop(later, None)
    answers[question] = value
    if question == "start":
        answers["start_month_only"] = month_only
    data["asked"].append(question)
    return await ask_next(update, context, after=question, note=note)


async def back(update: Update, context: BotContext) -> str | int:
    await acknowledge(update)
    data = _draft(context)
    if not data.get("asked"):  # a Back button of an old message: the first question again
        return await ask_next(update, context, after=None)
    return await ask(update, context, data["asked"].pop())


def result_text(t: Translator, content: Content, result: Result, answers: Answers, zone: ZoneInfo) -> list[str]:
    lines = [bold(t("Your result"))]
    sources: list[str] = []  # numbered once at the end: many reasons rest on the same source
    for key, finding in result.findings.items():
        programme = content.programmes[key]
        lines += ["", bold(programme.name.in_(t.language)), html(t(VERDICTS[finding.verdict]))]
        for reason in finding.reasons:
            text, source = reason_text(t, content, key, reason, zone)
            if source not in sources:
                sources.append(source)
            lines.append(f"• {html(text)} [{sources.index(source) + 1}]")
        if finding.largest is not None and finding.verdict in (Verdict.ELIGIBLE, Verdict.DEPENDS):
            lines.append(html(largest_text(t, content, finding)))
        if finding.documents:
            lines.append(html(t(documents_heading(finding))))
            lines += [f"☐ {html(d.text.in_(t.language))}" for d in finding.documents]
    if result.between:
        lines += ["", html(t("Your amount lies between the two programmes: too much for a micro project, too little "
                             "for the state council. The council office can advise you."))]
    lines += ["", "<i>" + html(t(DISCLAIMER)) + "</i>"]
    lines += [""] + [f"<i>[{n}] {html(source)}</i>" for n, source in enumerate(sources, 1)]
    return split_lines(lines)


async def show_result(update: Update, context: BotContext, result: Result, edit: bool = True, note: str = "") -> int:
    t, data = context.t, _draft(context)
    answers = Answers.stored(data["answers"])
    parts = result_text(t, context.content, result, answers, context.settings.timezone)
    if note:
        parts[0] = html(note) + "\n\n" + parts[0]
    async with context.db.begin() as session:
        await funding.finish_check(session, data["check"], data["answers"], answers.topic,
                                   result.findings["micro"].verdict.value, result.findings["lfk"].verdict.value,
                                   context.now())
    log.info("Eligibility check %s: micro %s, lfk %s", data["check"], result.findings["micro"].verdict.value,
             result.findings["lfk"].verdict.value)
    check_id = data["check"]
    # After a button, the result takes the question's place: no stale answer buttons stay behind.
    edit = edit and update.callback_query is not None
    for n, part in enumerate(parts[:-1]):
        await respond(update, part, edit=edit and n == 0)
    rows = [[(t("« Back"), REVISE.data(check=check_id))],
            [(t("Ask the council office"), AFTER.data(check=check_id, action="ask"))],
            [(t("Project outline (Word)"), AFTER.data(check=check_id, action="summary")),
             (t("Start again"), STEP.data(action="restart"))]]
    if applying(result, _today(context)):
        rows.insert(2, [(t("Remind me of the deadline"), AFTER.data(check=check_id, action="remind"))])
    await respond(update, parts[-1], edit=edit and len(parts) == 1, markup=keyboard(rows))
    # Only now: had the result not gone out, the answers stay for another try.
    context.user_data.pop(_DRAFT, None)
    return ConversationHandler.END


def _today(context: BotContext) -> date:
    return context.now().astimezone(context.settings.timezone).date()


async def restart(update: Update, context: BotContext) -> str | int:
    return await begin(update, context)


async def revise(update: Update, context: BotContext) -> str | int:
    """« Back from a result: its last question again, the answers kept, as if the result had not come.
    The result it leads to replaces the stored one."""
    async with context.db.begin() as session:
        stored = await funding.get_check(session, int(context.match["check"]))
    if stored is None or stored.user_id != update.effective_user.id or stored.finished_at is None:
        await acknowledge(update, context.t("This button is no longer valid."), alert=True)
        return ConversationHandler.END
    given = current_form(stored.answers)
    asked = path(given, context.content, _today(context))
    if not asked:  # nothing to go back to: a check begun anew, which answers the press
        return await begin(update, context)
    await acknowledge(update)
    context.user_data[_DRAFT] = {"check": stored.id, "answers": given, "asked": asked}
    return await ask(update, context, asked.pop())


async def after_pressed(update: Update, context: BotContext) -> None:
    """The result's buttons: the project outline, the deadline reminder, or the question to the council office."""
    t = context.t
    async with context.db.begin() as session:
        stored = await funding.get_check(session, int(context.match["check"]))
    if stored is None or stored.user_id != update.effective_user.id or stored.finished_at is None:
        await acknowledge(update, t("This button is no longer valid."), alert=True)
        return
    await acknowledge(update)
    if context.match["action"] == "ask":
        # Before anything goes to the office: may it see the answers? The answer is stored with its time.
        await respond(update, html(t("May the council office see your answers and this result with your question? "
                                     "They help it answer; without them it sees only your question.")),
                      keyboard([[(t("Yes, share them"), SHARE.data(check=stored.id, share=1))],
                                [(t("No, only my question"), SHARE.data(check=stored.id, share=0))]]))
        return
    if context.match["action"] == "remind":
        await offer_reminder(update, context, stored)
        return
    await send_outline(update, context, stored)


CONVERSATION = flow(
    "check",
    entry_points=[CommandHandler("check", begin), CallbackQueryHandler(restart, pattern=STEP.matching(action="restart")),
                  CallbackQueryHandler(begin, pattern=MENU.matching(item="check")),
                  CallbackQueryHandler(revise, pattern=REVISE.pattern)],
    states={
        ASKING: [CallbackQueryHandler(answered, pattern=ANSWER.pattern), MessageHandler(TEXT, typed),
                 CallbackQueryHandler(back, pattern=STEP.matching(action="back"))],
    },
    cancel_button=STEP.matching(action="cancel"),
    draft_key=_DRAFT,
    cancelled=N_("Cancelled. Start again any time with /check."),
)

HANDLERS = [CONVERSATION, CallbackQueryHandler(after_pressed, pattern=AFTER.pattern)]
REQUIRED_ROLES: dict = {}
MENU_ENTRIES = [MenuEntry(N_("Check my project"), MENU.data(item="check"), EVERYONE, (0, 1))]
