"""Update handling: how many updates a second the full bot handles, what each costs in CPU time,
and how long each one takes.

People go through 20 updates each of the bot's real flows: /start, the funding menu, a whole
/check eligibility conversation to its result, and then, for the half who are members of the
council, /meetings with three RSVPs on a meeting, for the others more of the funding menu. Half
of them use Telegram in German, half in English. The updates run through the bot as built for
production (bot.app.build_application, a fresh migrated SQLite file, the flood guard at its
production limit of 20 updates in 10 s, logging at INFO into a file) with one exception: the shared
rate limiter, which holds every call to a chat to Telegram's 29 a second, is lifted as
benchmarks/broadcast.py lifts it, or it would be all that is measured. Each run starts after a
garbage collection, so that it does not pay for the garbage of the one before.

Updates arrive as in production: python-telegram-bot's Updater polls getUpdates (up to 100 at a
time) from a Bot API inside this process that answers every call at once, so the bot is measured,
not a network. Each run has three cases:

- capacity: 250 people's 5,000 updates are waiting when polling starts; updates/s until the last
  one is handled, and the process's CPU time per update meanwhile (the Bot API inside the process
  included, the same for every bot), for kpr-bot and, as the baseline, for python-telegram-bot's
  echo bot (it echoes messages and answers button presses, updates one after another as PTB does
  by default); and, to show what python-telegram-bot itself needs for this workload, for a PTB bot
  that makes exactly kpr-bot's Bot API calls for each update (with a text and six buttons on each
  message) and does nothing else;
- latency: 100 people's 2,000 updates arrive steadily at `--rate` a second; for each, the time from
  Telegram having it to the bot having handled it (its handlers and the flow state it stores), for
  kpr-bot and the echo bot.

After each kpr-bot run the work is checked, so that a bot that only fails cannot look fast: every
update made exactly the Bot API calls its step makes, nothing was logged at WARNING or above, every
check reached its result (it is stored) and every person's last RSVP is stored.

    python benchmarks/updates.py [--users 250] [--latency-users 100] [--rate 100] [--runs 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import contextvars
import gc
import itertools
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot  # noqa: E402,F401 - sets PTB_TIMEDELTA before telegram is imported
from sqlalchemy import func, select  # noqa: E402
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.logs import setup_logging  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from handlers.common import errors as error_handling  # noqa: E402
from storage import meetings, users  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Attendance, EligibilityCheck, Role, Rsvp  # noqa: E402

TOKEN = "987654:BENCH-token-abcdefghijklmnop"
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "KPR Bench", "username": "kpr_bench_bot"}
COORDINATOR = 500
STEPS_PER_PERSON = 20
UNLIMITED = 1_000_000.0  # calls/s
# About 25 times a county council's busiest minute; Telegram's latency dwarfs 25 ms.
TARGETS = {"rate": 250.0, "p99_ms": 25.0}

# Which update the Bot API calls belong to: set while an update is handled, read by the fake API.
HANDLING: contextvars.ContextVar[int | None] = contextvars.ContextVar("handling", default=None)


class InstantBotApi(BaseRequest):
    """The Bot API inside this process: getUpdates hands out the updates released so far (holding
    the long poll until there are some), every other method answers at once as Telegram would.
    Each call is noted under the update being handled when it was made."""

    def __init__(self, updates: list[bytes]) -> None:
        self._updates = updates  # update i has update_id i + 1, serialised once up front
        self._released = 0
        self._arrived = asyncio.Event()
        self._message_ids = itertools.count(1000)
        self.calls: dict[int, list[str]] = defaultdict(list)
        self.texts: dict[int, list[str]] = defaultdict(list)

    def release(self, count: int) -> None:
        """The next `count` updates reach Telegram."""
        self._released = min(self._released + count, len(self._updates))
        self._arrived.set()

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        # What a real transport sends: the parameters encoded as the Bot API takes them.
        params = request_data.json_parameters if request_data is not None else {}
        if api_method == "getUpdates":
            return 200, await self._get_updates(params)
        handling = HANDLING.get()
        if handling is not None:
            self.calls[handling].append(api_method)
            if "text" in params:
                self.texts[handling].append(params["text"])
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    async def _get_updates(self, params: dict[str, str]) -> bytes:
        first = max(int(params.get("offset", 1)), 1) - 1
        if first >= self._released and float(params.get("timeout", 0)) > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), float(params["timeout"]))
            except TimeoutError:
                pass
        batch = self._updates[first:min(self._released, first + int(params.get("limit", 100)))]
        return b'{"ok":true,"result":[' + b",".join(batch) + b"]}"

    def _result(self, method: str, params: dict[str, str]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params.get("chat_id", 0))
            message = {"message_id": int(params.get("message_id") or next(self._message_ids)),
                       "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
                       "text": params.get("text", "…")}
            if "reply_markup" in params:
                message["reply_markup"] = json.loads(params["reply_markup"])
            return message
        return True


# ---- the people and what they do ----

@dataclass(frozen=True)
class Step:
    kind: str  # "message" or "press"
    content: str  # the text sent or the button's callback data
    replies: tuple[str, ...]  # the Bot API calls the bot makes for it, in order


ACK, SEND, EDIT, UNBUTTON = "answerCallbackQuery", "sendMessage", "editMessageText", "editMessageReplyMarkup"
RESULT = {"de": "Ihr Ergebnis", "en": "Your result"}


def flow(member: bool, meeting_id: int, start: str) -> list[Step]:
    """What one person does, 20 updates. The check: an association in the county, on youth crime,
    not yet begun, starting `start`, 800 € in all, 500 € wanted: a micro project that can be funded."""
    def message(text: str, *replies: str) -> Step:
        return Step("message", text, replies)

    def press(data: str, *replies: str) -> Step:
        return Step("press", data, replies)

    steps = [
        message("/start", SEND),
        press("menu:funding", ACK, SEND),
        press("fund:topics", ACK, EDIT),
        press("fund:menu", ACK, EDIT),
        press("fund:deadlines", ACK, EDIT),
        message("/check", SEND, SEND),
        press("chk:applicant:association", ACK, EDIT),
        press("chk:place:county", ACK, EDIT),
        press("chk:topic:youth", ACK, EDIT),
        press("chk:begun:no", ACK, EDIT),
        message(start, UNBUTTON, SEND),
        message("800", UNBUTTON, SEND),
        message("500", UNBUTTON, SEND),  # the result
    ]
    if member:
        rsvp = f"rsvp:{meeting_id}:{{}}:card"
        steps += [
            message("/meetings", SEND, SEND),  # how many are planned, then the meeting's card
            press(rsvp.format("yes"), ACK, EDIT),
            press(rsvp.format("maybe"), ACK, EDIT),
            press("mmenu:meetings", ACK, SEND, SEND),
            press(rsvp.format("no"), ACK, EDIT),
        ]
    else:
        steps += [
            message("/funding", SEND),
            press("fund:who", ACK, EDIT),
            press("fund:amounts", ACK, EDIT),
            press("fund:documents", ACK, EDIT),
            press("fund:apply", ACK, EDIT),
        ]
    steps += [press("menu:help", ACK, EDIT), press("menu:home", ACK, EDIT)]
    assert len(steps) == STEPS_PER_PERSON
    return steps


@dataclass
class Workload:
    updates: list[bytes]  # serialised, update_id = index + 1
    steps: list[Step]  # the step of each update, same order
    senders: list[int]  # who sent each update, same order
    language: dict[int, str]  # each person's language in Telegram
    members: list[int]
    meeting_id: int


def workload(people: int, meeting_id: int, today: datetime) -> Workload:
    """Everyone's flow, interleaved at random (the same way every run) with each person's order kept."""
    start = today + timedelta(weeks=8)
    start_text = f"{start.day}.{start.month}.{start.year}"
    ids = [100_000 + n for n in range(people)]
    members = ids[::2]
    plans = {uid: flow(uid in members, meeting_id, start_text) for uid in ids}
    language = {uid: ("de", "en")[n % 4 // 2] for n, uid in enumerate(ids)}
    queue = [uid for uid in ids for _ in range(STEPS_PER_PERSON)]
    random.Random(8).shuffle(queue)
    progress: Counter[int] = Counter()
    date = int(time.time())
    updates, steps = [], []
    for update_id, uid in enumerate(queue, 1):
        step = plans[uid][progress[uid]]
        progress[uid] += 1
        user = {"id": uid, "is_bot": False, "first_name": f"Person {uid}", "language_code": language[uid]}
        chat = {"id": uid, "type": "private", "first_name": f"Person {uid}"}
        if step.kind == "message":
            entities = ([{"type": "bot_command", "offset": 0, "length": len(step.content)}]
                        if step.content.startswith("/") else [])
            payload = {"message": {"message_id": update_id, "date": date, "chat": chat, "from": user,
                                   "text": step.content, "entities": entities}}
        else:
            payload = {"callback_query": {
                "id": str(update_id), "chat_instance": str(uid), "data": step.content, "from": user,
                "message": {"message_id": update_id, "date": date, "chat": chat, "from": BOT_USER, "text": "…"}}}
        updates.append(json.dumps({"update_id": update_id, **payload}).encode())
        steps.append(step)
    return Workload(updates, steps, queue, language, members, meeting_id)


# ---- the two bots ----

async def prepare_database(db: Database, work: Workload, now: datetime) -> int:
    """A migrated database with the members, and a council meeting in two weeks; its id."""
    await db.migrate()
    async with db.begin() as session:
        await users.ensure_coordinator(session, COORDINATOR, now)
        for uid in work.members:
            await users.ensure(session, uid, f"Person {uid}", work.language[uid], now)
            await users.set_role(session, uid, Role.MEMBER)
        [meeting] = await meetings.create_series(
            session, title="Sitzung des Präventionsrats", dates=[now + timedelta(days=14)],
            place="Kreishaus Güstrow", agenda="Haushalt 2027", agenda_file_id=None, repetition=None,
            created_by=COORDINATOR, now=now)
        return meeting.id


async def echo(update: Update, context: Any) -> None:
    await update.message.reply_text(update.message.text)


async def answer(update: Update, context: Any) -> None:
    await update.callback_query.answer()


def bare_bot(api: InstantBotApi) -> Application:
    """A bare python-telegram-bot application like its echo bot example: it echoes text and answers
    button presses, with PTB's defaults (updates one after another)."""
    app = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return app


# What the same-calls bot sends: a text of a typical length and a keyboard of a typical size.
FILLER = ("<b>Frage 3</b>\nWer stellt den Antrag? Ein Verein, eine Schule, eine Gemeinde oder eine "
          "Privatperson? Wählen Sie unten, oder „Weiß nicht“: das Ergebnis sagt dann, was davon abhängt.")
SIX_BUTTONS = [[("Verein", "chk:a:v")], [("Schule", "chk:a:s")], [("Gemeinde", "chk:a:g")],
               [("Weiß nicht", "chk:a:?")], [("« Zurück", "chk:s:b"), ("Abbrechen", "chk:s:c")]]


def six_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in SIX_BUTTONS])


def same_calls_bot(api: InstantBotApi, work: Workload) -> Application:
    """python-telegram-bot making, for each update, exactly the Bot API calls kpr-bot makes for it,
    every message sent or edited with a text and a keyboard of six buttons, and nothing else: no
    database, no flow state, no texts of its own. What these calls cost python-telegram-bot is the least any bot making them spends. PTB's
    defaults (updates one after another), as for the echo bot."""
    async def replay(update: Update, context: Any) -> None:
        query = update.callback_query
        for method in work.steps[update.update_id - 1].replies:
            if method == ACK:
                await query.answer()
            elif method == SEND:
                await update.effective_chat.send_message(FILLER, reply_markup=six_buttons(), parse_mode="HTML")
            elif method == EDIT:
                await query.edit_message_text(FILLER, reply_markup=six_buttons(), parse_mode="HTML")
            else:
                await context.bot.edit_message_reply_markup(update.effective_chat.id, 1, reply_markup=None)

    app = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    app.add_handler(TypeHandler(Update, replay))
    return app


class WarningsSeen(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Outcome:
    seconds: float  # from the first update being available to the last one handled
    cpu_seconds: float  # the process's CPU time meanwhile, all its threads
    latencies: list[float]  # seconds, per update: from being available to being handled


async def drive(app: Application, api: InstantBotApi, total: int, rate: float | None) -> Outcome:
    """Starts polling, releases the updates (all at once, or `rate` a second) and times each one."""
    arrived: dict[int, float] = {}
    handled: dict[int, float] = {}
    finished = asyncio.Event()
    processor = app.update_processor
    process = processor.process_update

    async def timed(update: object, coroutine: Any) -> None:
        token = HANDLING.set(update.update_id)
        try:
            await process(update, coroutine)
        finally:
            HANDLING.reset(token)
            handled[update.update_id] = time.perf_counter()
            if len(handled) == total:
                finished.set()

    # Only this benchmark's instance: the processor's own work is timed, not replaced.
    processor.process_update = timed  # type: ignore[method-assign]
    await app.updater.start_polling(poll_interval=0, timeout=10)
    began, cpu_began = time.perf_counter(), time.process_time()
    if rate is None:
        arrived = dict.fromkeys(range(1, total + 1), began)
        api.release(total)
    else:
        # Telegram has update n at began + (n - 1) / rate; a late release (the loop busy) counts from then.
        for n in range(1, total + 1):
            due = began + (n - 1) / rate
            arrived[n] = due
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            api.release(1)
    await asyncio.wait_for(finished.wait(), 300)
    cpu_seconds = time.process_time() - cpu_began
    seconds = max(handled.values()) - began
    await app.updater.stop()
    return Outcome(seconds, cpu_seconds, [handled[n] - arrived[n] for n in range(1, total + 1)])


async def run_kpr(work: Workload, rate: float | None, workdir: Path, now: datetime) -> Outcome:
    db = Database(f"sqlite+aiosqlite:///{workdir}/bench-{time.monotonic_ns()}.db")
    try:
        meeting_id = await prepare_database(db, work, now)
        assert meeting_id == work.meeting_id, "the RSVP buttons are for another meeting"
        settings = load_settings(_env_file=None, bot_token=TOKEN, database_url="sqlite+aiosqlite:///unused.db",
                                 coordinator_ids=str(COORDINATOR), log_level="INFO")
        # In production every call to a chat shares Telegram's budget of 29 a second (bot.ptb.ratelimit),
        # which would be all this measured. Lifted as benchmarks/broadcast.py lifts it: the limiter
        # still runs for every call, it just never has to wait.
        settings = settings.model_copy(update={"broadcast_rate": UNLIMITED})
        api = InstantBotApi(work.updates)
        app = build_application(settings, db, request=api)
        errors: list[BaseException] = []

        async def collect(update: object, context: Any) -> None:
            errors.append(context.error)

        # Before the bot's own error handler, which stops the update and with it any later error handler.
        app.remove_error_handler(error_handling.on_error)
        app.add_error_handler(collect)
        app.add_error_handler(error_handling.on_error)
        warnings = WarningsSeen()
        logging.getLogger().addHandler(warnings)
        try:
            await app.initialize()
            await app.start()
            sender = app.bot_data["services"].sender
            sender.start()
            outcome = await drive(app, api, len(work.updates), rate)
            await sender.stop()
            await app.stop()
            await app.shutdown()
        finally:
            logging.getLogger().removeHandler(warnings)
        verify(work, api, errors, warnings.records)
        await verify_database(db, work)
        return outcome
    finally:
        await db.dispose()


async def run_baseline(work: Workload, same_calls: bool, rate: float | None = None) -> Outcome:
    """The echo bot, or with `same_calls` the bot making kpr-bot's calls; checked like kpr-bot."""
    api = InstantBotApi(work.updates)
    app = same_calls_bot(api, work) if same_calls else bare_bot(api)
    await app.initialize()
    await app.start()
    outcome = await drive(app, api, len(work.updates), rate)
    await app.stop()
    await app.shutdown()
    expected = [step.replies if same_calls else (SEND,) if step.kind == "message" else (ACK,) for step in work.steps]
    wrong = [n for n, replies in enumerate(expected, 1) if tuple(api.calls[n]) != replies]
    assert not wrong, f"baseline: {len(wrong)} updates without their calls, e.g. update {wrong[0]}"
    return outcome


def verify(work: Workload, api: InstantBotApi, errors: list[BaseException],
           warnings: list[logging.LogRecord]) -> None:
    """The bot really did the work: a benchmark of a bot that only errors would be worthless."""
    assert not errors, f"handlers raised {len(errors)} errors, the first: {errors[0]!r}"
    assert not warnings, f"{len(warnings)} warnings logged, the first: {warnings[0].getMessage()}"
    for n, step in enumerate(work.steps, 1):
        assert tuple(api.calls[n]) == step.replies, \
            f"update {n} ({step.content!r}) made {api.calls[n]}, expected {list(step.replies)}"
        if step.content == "500":  # the check's last answer
            assert RESULT[work.language[work.senders[n - 1]]] in api.texts[n][-1], f"update {n}: no result shown"


async def verify_database(db: Database, work: Workload) -> None:
    async with db.begin() as session:
        checks = await session.scalar(select(func.count()).select_from(EligibilityCheck).where(
            EligibilityCheck.finished_at.is_not(None), EligibilityCheck.micro == "eligible"))
        declined = await session.scalar(select(func.count()).select_from(Rsvp).where(
            Rsvp.meeting_id == work.meeting_id, Rsvp.answer == Attendance.NO))
    assert checks == len(work.language), f"{checks} of {len(work.language)} checks reached their result"
    assert declined == len(work.members), f"{declined} of {len(work.members)} final RSVPs stored"


# ---- the table ----

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def throughput_row(name: str, runs: list[Outcome], total: int) -> dict:
    return {"bot": name, "updates": total, "runs": len(runs),
            "updates_per_s": statistics.median(total / o.seconds for o in runs),
            "cpu_ms_per_update": statistics.median(o.cpu_seconds * 1000 / total for o in runs)}


def latency_row(name: str, runs: list[Outcome], rate: float) -> dict:
    return {"bot": name, "updates": len(runs[0].latencies), "runs": len(runs), "rate_per_s": rate,
            "median_ms": statistics.median(statistics.median(o.latencies) * 1000 for o in runs),
            "p99_ms": statistics.median(percentile(o.latencies, 0.99) * 1000 for o in runs),
            "max_ms": statistics.median(max(o.latencies) * 1000 for o in runs)}


def checks(kpr: dict, bare: dict, same: dict, latency: dict, bare_latency: dict) -> list[dict]:
    """The targets, in the form benchmarks/run_all.py gathers from every benchmark."""
    paced = f"{latency['updates']:,} arriving at {latency['rate_per_s']:g}/s"

    def row(metric: str, value: object, target: str = "", met: bool | None = None) -> dict:
        return {"benchmark": "updates", "metric": metric, "value": value, "target": target, "met": met}

    return [
        row(f"full bot, updates/s ({kpr['updates']:,} waiting)", round(kpr["updates_per_s"]),
            f">= {TARGETS['rate']:g}", kpr["updates_per_s"] >= TARGETS["rate"]),
        row("PTB echo bot, updates/s (baseline, same run)", round(bare["updates_per_s"])),
        row("full bot / echo bot", f"{kpr['updates_per_s'] / bare['updates_per_s']:.1%}"),
        row("PTB making the same calls, nothing else, updates/s (same run)", round(same["updates_per_s"])),
        row("full bot / PTB making the same calls", f"{kpr['updates_per_s'] / same['updates_per_s']:.1%}"),
        row("full bot, CPU ms per update", round(kpr["cpu_ms_per_update"], 2)),
        row("PTB echo bot, CPU ms per update (baseline, same run)", round(bare["cpu_ms_per_update"], 2)),
        row(f"full bot, median latency, {paced} (ms)", round(latency["median_ms"], 1)),
        row(f"full bot, p99 latency, {paced} (ms)", round(latency["p99_ms"], 1),
            f"<= {TARGETS['p99_ms']:g}", latency["p99_ms"] <= TARGETS["p99_ms"]),
        row("PTB echo bot, p99 latency, the same (ms) (baseline, same run)", round(bare_latency["p99_ms"], 1)),
    ]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=250,
                        help=f"people in the capacity case, {STEPS_PER_PERSON} updates each")
    parser.add_argument("--latency-users", type=int, default=100, help="people in the latency case")
    parser.add_argument("--rate", type=float, default=100.0, help="updates/s arriving in the latency case")
    parser.add_argument("--runs", type=int, default=3, help="runs per bot and case; the table shows medians")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        # As in production (LOG_LEVEL=INFO, secrets filtered), into a file instead of the terminal.
        setup_logging("INFO", [TOKEN])
        logging.getLogger().handlers[0].setStream(open(Path(workdir) / "bot.log", "w"))  # noqa: SIM115
        now = datetime.now(timezone.utc)
        meeting_id = 1  # the first meeting of a fresh database, which prepare_database creates
        work, paced = workload(args.users, meeting_id, now), workload(args.latency_users, meeting_id, now)
        total = len(work.updates)
        runs: dict[str, list[Outcome]] = defaultdict(list)
        cases = {
            "kpr": lambda: run_kpr(work, None, Path(workdir), now),
            "bare": lambda: run_baseline(work, same_calls=False),
            "same": lambda: run_baseline(work, same_calls=True),
            "kpr paced": lambda: run_kpr(paced, args.rate, Path(workdir), now),
            "bare paced": lambda: run_baseline(paced, same_calls=False, rate=args.rate),
        }
        for run in range(args.runs):
            # Alternating the bots spreads whatever else the machine does over all of them.
            for name, case in cases.items():
                gc.collect()  # no run pays for the garbage of the one before
                runs[name].append(await case())
            print(f"  run {run + 1}: kpr-bot {total / runs['kpr'][-1].seconds:.0f}/s, "
                  f"echo {total / runs['bare'][-1].seconds:.0f}/s, "
                  f"same calls {total / runs['same'][-1].seconds:.0f}/s, "
                  f"p99 {percentile(runs['kpr paced'][-1].latencies, 0.99) * 1000:.1f} ms "
                  f"(echo {percentile(runs['bare paced'][-1].latencies, 0.99) * 1000:.1f} ms)", file=sys.stderr)
    kpr = throughput_row("kpr-bot (full, SQLite)", runs["kpr"], total)
    bare = throughput_row("PTB echo bot (baseline)", runs["bare"], total)
    same = throughput_row("PTB, same calls, nothing else", runs["same"], total)
    latency = latency_row("kpr-bot (full, SQLite)", runs["kpr paced"], args.rate)
    bare_latency = latency_row("PTB echo bot (baseline)", runs["bare paced"], args.rate)
    print(f"Capacity: {total:,} updates of {args.users} people waiting; medians of {args.runs} runs")
    print(f"{'bot':<32}{'updates/s':>10}{'CPU ms/update':>15}")
    for row in (kpr, bare, same):
        print(f"{row['bot']:<32}{row['updates_per_s']:>10.0f}{row['cpu_ms_per_update']:>15.2f}")
    print(f"\nLatency: {latency['updates']:,} updates of {args.latency_users} people arriving at {args.rate:g}/s; "
          f"medians of {args.runs} runs")
    print(f"{'bot':<32}{'median ms':>10}{'p99 ms':>9}{'max ms':>9}")
    for row in (latency, bare_latency):
        print(f"{row['bot']:<32}{row['median_ms']:>10.2f}{row['p99_ms']:>9.2f}{row['max_ms']:>9.2f}")
    print()
    results = checks(kpr, bare, same, latency, bare_latency)
    for check in results:
        if check["met"] is not None:
            print(f"{check['metric']}: {check['value']} "
                  f"(target {check['target']}: {'met' if check['met'] else 'MISSED'})")
    if args.json:
        args.json.write_text(json.dumps({"results": [kpr, bare, same, latency, bare_latency], "checks": results},
                                        indent=2))
    return 0 if all(c["met"] is not False for c in results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
