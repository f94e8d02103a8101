"""Broadcast: how fast and how lean the delivery engine sends an announcement.

The bot runs as its own process against the fake Bot API with a fresh SQLite database; a
coordinator sends the announcement through /broadcast as in Telegram. Three cases:

- paced:  1,000 recipients at BROADCAST_RATE=30 (the production maximum): the achieved rate, as
          a share of the rate set (which is its baseline);
- engine: 1,000 recipients with the rate lifted to 1,000/s, so the engine's own throughput shows
          (durable: one committed row per message); the baseline in the same run is a plain
          python-telegram-bot loop that awaits send_message for each recipient and records nothing;
- memory: 10,000 recipients with the lifted rate: the bot process's peak RSS.

    python benchmarks/broadcast.py [--runs 3] [--latency 0.0] [--json out.json]
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

from bot.tryout.fake_telegram import FakeTelegram  # noqa: E402
from tests.e2e import COORD, TOKEN, BotRunner, lifted_rate  # noqa: E402
from tests.flows import compose_and_send, final_report  # noqa: E402

BROADCAST_RATE = 30.0
# paced: share of BROADCAST_RATE achieved; engine: msgs/s; memory: peak RSS in MB.
TARGETS = {"paced": 0.97, "engine": 300.0, "memory": 150.0}

# What a bot without an engine would do: await each send in turn, record nothing.
PLAIN_LOOP = """
import asyncio, sys, time
from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot

async def main(api_url, token, first, count):
    bot = ExtBot(token, base_url=api_url, rate_limiter=AIORateLimiter(overall_max_rate=1000))
    async with bot:
        for chat_id in range(first, first + count):
            await bot.send_message(chat_id, "Einladung zur Sitzung des Präventionsrats")

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def recipient_sends(tg: FakeTelegram, first: int, count: int) -> list[float]:
    return sorted(c.time for c in tg.calls if c.method == "sendMessage" and c.status == 200
                  and first <= int(c.params.get("chat_id", 0)) < first + count)


async def run_broadcast(case: str, recipients: int, rate: float | None, latency: float) -> dict:
    """One announcement to `recipients` members; `rate` None means the production setting of 30/s."""
    first = 1_000_000
    with tempfile.TemporaryDirectory() as workdir:
        async with FakeTelegram(token=TOKEN) as tg:
            command = None if rate is None else lifted_rate(rate)
            runner = BotRunner(tg, Path(workdir), command=command)
            runner.env.update(LOG_LEVEL="WARNING", BROADCAST_RATE=f"{BROADCAST_RATE:g}")
            await runner.start()
            try:
                coordinator = tg.user(COORD, "Chris", language_code="en")
                ids = list(range(first, first + recipients))
                runner.add_people(ids)
                for uid in ids:
                    tg.user(uid, "M")
                tg.latency = latency
                await compose_and_send(coordinator, "Einladung zur Sitzung des Präventionsrats")
                await final_report(coordinator, timeout=max(120.0, recipients / 5))
                rss = peak_rss_mb(runner.process.pid)
            finally:
                await runner.stop()
            times = recipient_sends(tg, first, recipients)
    assert len(times) == recipients, f"{case}: {len(times)} of {recipients} delivered"
    span = times[-1] - times[0]
    rate_per_s = (recipients - 1) / span
    return {"case": case, "recipients": recipients, "seconds": span, "rate_per_s": rate_per_s,
            "share_of_rate": rate_per_s / BROADCAST_RATE if rate is None else float("nan"), "peak_rss_mb": rss}


async def run_plain_loop(recipients: int, latency: float) -> dict:
    first = 1_000_000
    with tempfile.TemporaryDirectory() as workdir:
        script = Path(workdir) / "plain.py"
        script.write_text(PLAIN_LOOP)
        async with FakeTelegram(token=TOKEN, latency=latency) as tg:
            for uid in range(first, first + recipients):
                tg.user(uid, "M")
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(script), tg.api_url, TOKEN, str(first), str(recipients))
            assert await process.wait() == 0
            times = recipient_sends(tg, first, recipients)
    span = times[-1] - times[0]
    return {"case": "baseline", "recipients": recipients, "seconds": span, "rate_per_s": (recipients - 1) / span,
            "share_of_rate": float("nan"), "peak_rss_mb": float("nan")}


def median_of(runs: list[dict]) -> dict:
    row = dict(runs[0])
    for key in ("seconds", "rate_per_s", "share_of_rate", "peak_rss_mb"):
        row[key] = statistics.median(r[key] for r in runs)
    row["runs"] = len(runs)
    return row


def check(row: dict) -> dict:
    """A case's figure against its target; the baseline's figure, without one."""
    recipients = f"{row['recipients']:,} recipients"
    if row["case"] == "paced":
        share, bound = row["share_of_rate"], TARGETS["paced"]
        return {"benchmark": "broadcast", "metric": f"paced: {recipients}, share of BROADCAST_RATE={BROADCAST_RATE:g}",
                "value": f"{share:.1%}", "target": f">= {bound:.0%}", "met": share >= bound}
    if row["case"] == "memory":
        rss, bound = row["peak_rss_mb"], TARGETS["memory"]
        return {"benchmark": "broadcast", "metric": f"memory (rate lifted): {recipients}, peak RSS of the bot (MB)",
                "value": round(rss, 1), "target": f"<= {bound:g}", "met": rss <= bound}
    if row["case"] == "engine":
        rate, bound = row["rate_per_s"], TARGETS["engine"]
        return {"benchmark": "broadcast", "metric": f"engine (rate lifted): {recipients}, msgs/s",
                "value": round(rate, 1), "target": f">= {bound:g}", "met": rate >= bound}
    return {"benchmark": "broadcast",
            "metric": f"plain PTB send loop recording nothing: {recipients}, msgs/s (baseline, same run)",
            "value": round(row["rate_per_s"], 1), "target": "", "met": None}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the table shows medians")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake API takes per call")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    cases = {
        "paced": lambda: run_broadcast("paced", 1000, None, args.latency),
        "engine": lambda: run_broadcast("engine", 1000, 1000.0, args.latency),
        "baseline": lambda: run_plain_loop(1000, args.latency),
        "memory": lambda: run_broadcast("memory", 10_000, 1000.0, args.latency),
    }
    rows = []
    for name, case in cases.items():
        runs = []
        for _ in range(args.runs if name != "memory" else 1):
            started = time.monotonic()
            runs.append(await case())
            print(f"  {name}: {runs[-1]['rate_per_s']:.1f}/s in {time.monotonic() - started:.0f} s", file=sys.stderr)
        rows.append(median_of(runs))

    checks = [check(row) for row in rows]  # in the form benchmarks/run_all.py gathers from every benchmark
    print(f"{'case':<10}{'recipients':>11}{'runs':>6}{'seconds':>9}{'msgs/s':>9}{'peak RSS MB':>13}  target")
    for row, result in zip(rows, checks, strict=True):
        target = f"{result['target']}: {'met' if result['met'] else 'MISSED'}" if result["target"] else ""
        print(f"{row['case']:<10}{row['recipients']:>11}{row['runs']:>6}{row['seconds']:>9.2f}"
              f"{row['rate_per_s']:>9.1f}{row['peak_rss_mb']:>13.1f}  {target}")
    by_case = {row["case"]: row for row in rows}
    ratio = by_case["engine"]["rate_per_s"] / by_case["baseline"]["rate_per_s"]
    print(f"\nengine vs plain send loop (no records): {ratio:.2f}x the rate")
    paced = by_case["paced"]
    checks.insert(1, {"benchmark": "broadcast", "metric": f"paced: {paced['recipients']:,} recipients, msgs/s",
                      "value": round(paced["rate_per_s"], 1), "target": "", "met": None})
    if args.json:
        args.json.write_text(json.dumps({"results": rows, "engine_vs_baseline": round(ratio, 3), "checks": checks},
                                        indent=2))
    return 0 if all(c["met"] is not False for c in checks) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
