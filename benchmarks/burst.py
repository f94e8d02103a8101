"""Burst: many users send /start at the same moment while every Bot API call takes 100 ms.

Runs kpr-bot (`python -m bot run`, fresh SQLite database) and, as the baseline in the same run,
python-telegram-bot's echo bot (benchmarks/echo_bot.py), which handles updates one after another,
both as their own processes against the fake Bot API. Telegram lets a bot send about 30 messages a
second in all; kpr-bot holds itself just below that. Prints a table; `--json FILE` also writes it
as JSON.

    python benchmarks/burst.py [--users 150] [--latency 0.1] [--runs 3] [--json out.json]

Each bot runs `--runs` times; the table shows the median of each column.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tryout.fake_telegram import BotProcess, FakeTelegram  # noqa: E402

TOKEN = "987654:BENCH-token-abcdefghijklmnop"
TARGET_RATE = 27.0
ECHO_BOT = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]


async def burst(name: str, command: list[str] | None, env: dict[str, str], users: int, latency: float) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        async with FakeTelegram(token=TOKEN) as tg:
            people = [tg.user(100_000 + i, f"Person {i}", language_code="de") for i in range(users)]
            env = {**env, "BOT_TOKEN": TOKEN, "BOT_API_URL": tg.api_url}
            async with BotProcess(env, cwd=Path(workdir), log_dir=Path(workdir), command=command):
                await tg.wait_for_call("getUpdates", timeout=60)
                await asyncio.sleep(1.0)  # let start-up calls (command menus) finish first
                tg.latency = latency
                started = time.monotonic()
                for person in people:
                    await person.send("/start")
                replies = await asyncio.gather(*(p.expect_message(timeout=120) for p in people))
    waits = sorted(reply.time - started for reply in replies)
    return {
        "bot": name,
        "users": users,
        "api_latency_ms": round(latency * 1000),
        "all_answered_s": round(waits[-1], 2),
        "replies_per_s": round(users / waits[-1], 1),
        "median_wait_s": round(statistics.median(waits), 2),
        "p95_wait_s": round(waits[int(len(waits) * 0.95) - 1], 2),
    }


def median_of(runs: list[dict]) -> dict:
    row = dict(runs[0])
    for key in ("all_answered_s", "replies_per_s", "median_wait_s", "p95_wait_s"):
        row[key] = round(statistics.median(r[key] for r in runs), 2)
    row["runs"] = len(runs)
    return row


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API call")
    parser.add_argument("--runs", type=int, default=3, help="runs per bot; the table shows medians")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    async def kpr_bot() -> dict:
        with tempfile.TemporaryDirectory() as data:  # a fresh database each run
            return await burst("kpr-bot", None,
                               {"DATABASE_URL": f"sqlite+aiosqlite:///{data}/bench.db", "LOG_LEVEL": "WARNING"},
                               args.users, args.latency)

    async def baseline_bot() -> dict:
        return await burst("PTB echo bot, sequential (baseline)", ECHO_BOT, {}, args.users, args.latency)

    kpr = median_of([await kpr_bot() for _ in range(args.runs)])
    baseline = median_of([await baseline_bot() for _ in range(args.runs)])
    rows = [kpr, baseline]
    columns = list(kpr)
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns))
    ratio = kpr["replies_per_s"] / baseline["replies_per_s"]
    print(f"\nkpr-bot answers {ratio:.1f}x as fast as the baseline; target {TARGET_RATE:.0f} replies/s: "
          f"{'met' if kpr['replies_per_s'] >= TARGET_RATE else 'MISSED'}")
    met = kpr["replies_per_s"] >= TARGET_RATE
    scene = f"{args.users} users at once, API {round(args.latency * 1000)} ms"
    checks = [{"benchmark": "burst", "metric": f"kpr-bot replies/s, {scene}", "value": kpr["replies_per_s"],
               "target": f">= {TARGET_RATE:g}", "met": met},
              {"benchmark": "burst", "metric": "PTB echo bot, sequential, replies/s (baseline, same run)",
               "value": baseline["replies_per_s"], "target": "", "met": None},
              {"benchmark": "burst", "metric": "kpr-bot, last of them answered after (s)",
               "value": kpr["all_answered_s"], "target": "", "met": None}]
    if args.json:
        args.json.write_text(json.dumps({"results": rows, "ratio": round(ratio, 2), "checks": checks}, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
