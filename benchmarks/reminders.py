"""Reminders: how fast the bot plans them at start, and what catching up after downtime costs.

500 meetings x 200 members (100,000 meeting-member pairs; with three offsets 300,000 reminder
deliveries) in a SQLite database, the bot started as its own process against the fake Bot API:

- rebuild: all meetings ahead (1 to 365 days): time to plan every reminder at start (the bot's own
  log line), from process start to the first getUpdates, and the process's peak RSS;
- catch-up: the bot was down for five hours and every reminder of 500 meetings in the next hours
  fell due meanwhile (within REMINDER_GRACE): time until every reminder is dealt with (300,000 rows
  written to the outbox), and peak RSS.

    python benchmarks/reminders.py [--runs 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tryout.fake_telegram import BotProcess, FakeTelegram  # noqa: E402
from tests.e2e import TOKEN  # noqa: E402

MEETINGS, MEMBERS = 500, 200
TARGETS = {"rebuild_s": 5.0, "peak_rss_mb": 200.0}
_PLANNED = re.compile(r"Reminders planned: (\d+) for (\d+) upcoming meeting\(s\) in (\d+) ms")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def populate(database: Path, starts: list[datetime]) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    stamp = "2026-11-01 10:00:00.000000"
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "insert into users (id, display_name, language, role, first_seen) values (?, ?, 'de', 'member', ?)",
            [(100_000 + i, f"Mitglied {i}", stamp) for i in range(MEMBERS)])
        connection.executemany(
            "insert into meetings (title, starts_at, ends_at, place, agenda, status, sequence, created_at, updated_at) "
            "values (?, ?, ?, 'Kreishaus Güstrow', '', 'scheduled', 0, ?, ?)",
            [(f"Sitzung {n}", when.strftime("%Y-%m-%d %H:%M:%S.%f"),
              (when + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f"), stamp, stamp)
             for n, when in enumerate(starts)])


async def run(case: str, starts: list[datetime], offsets: str) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "bench.db"
        populate(database, starts)
        async with FakeTelegram(token=TOKEN) as tg:
            env = {"BOT_TOKEN": TOKEN, "BOT_API_URL": tg.api_url, "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                   "LOG_LEVEL": "INFO", "REMINDER_OFFSETS": offsets, "REMINDER_GRACE": "6h"}
            started = time.monotonic()
            async with BotProcess(env, cwd=Path(workdir), log_dir=Path(workdir)) as bot:
                await tg.wait_for_call("getUpdates", timeout=120)
                first_poll = time.monotonic() - started
                expected = len(starts) * len(offsets.split(","))
                while True:  # until every reminder is dealt with (catch-up) or planned (rebuild)
                    match = _PLANNED.search(bot.log_text())
                    runs = sqlite3.connect(database).execute("select count(*) from reminder_runs").fetchone()[0]
                    if match and (case == "rebuild" or runs == expected):
                        break
                    await asyncio.sleep(0.05)
                settled = time.monotonic() - started
                rss = peak_rss_mb(bot.pid)
                rows = sqlite3.connect(database).execute(
                    "select count(*) from deliveries where kind = 'reminder'").fetchone()[0]
    return {"case": case, "planned": int(match[1]), "meetings": int(match[2]), "rebuild_s": int(match[3]) / 1000,
            "first_poll_s": first_poll, "settled_s": settled, "outbox_rows": rows, "peak_rss_mb": rss}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the table shows medians")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    ahead = [now + timedelta(days=1 + n * 364 / MEETINGS, hours=3) for n in range(MEETINGS)]
    # Meetings 1 to 3 hours from now, reminders 4 to 6 hours before: all fell due while the bot was down.
    missed = [now + timedelta(hours=1, seconds=n * 7200 / MEETINGS) for n in range(MEETINGS)]
    cases = {"rebuild": (ahead, "7d,1d,2h"), "catch-up": (missed, "4h,5h,6h")}
    rows = []
    for name, (starts, offsets) in cases.items():
        runs = []
        for _ in range(args.runs):
            runs.append(await run(name, starts, offsets))
            print(f"  {name}: {runs[-1]['rebuild_s']:.2f} s plan, {runs[-1]['settled_s']:.1f} s in all",
                  file=sys.stderr)
        row = dict(runs[0])
        for key in ("rebuild_s", "first_poll_s", "settled_s", "peak_rss_mb"):
            row[key] = statistics.median(r[key] for r in runs)
        row["runs"] = len(runs)
        rows.append(row)
    print(f"{MEETINGS} meetings x {MEMBERS} members; medians of {args.runs} runs")
    print(f"{'case':<9}{'planned':>9}{'plan s':>8}{'1st poll s':>11}{'all dealt s':>12}{'outbox rows':>12}"
          f"{'peak RSS MB':>13}  targets")
    failed = False
    for row in rows:
        met_rebuild = row["rebuild_s"] <= TARGETS["rebuild_s"]
        met_rss = row["peak_rss_mb"] <= TARGETS["peak_rss_mb"]
        failed |= not (met_rebuild and met_rss)
        print(f"{row['case']:<9}{row['planned']:>9}{row['rebuild_s']:>8.2f}{row['first_poll_s']:>11.2f}"
              f"{row['settled_s'] if row['case'] == 'catch-up' else float('nan'):>12.1f}{row['outbox_rows']:>12}"
              f"{row['peak_rss_mb']:>13.1f}  plan <= 5 s: {'met' if met_rebuild else 'MISSED'}, "
              f"RSS <= 200 MB: {'met' if met_rss else 'MISSED'}")
    rebuild, catch_up = rows
    pairs = f"{MEETINGS} meetings x {MEMBERS} members ({MEETINGS * MEMBERS:,} pairs)"
    checks = [{"benchmark": "reminders",
               "metric": f"rebuild, {pairs}: planning {rebuild['planned']:,} reminders at start (s)",
               "value": round(rebuild["rebuild_s"], 2), "target": f"<= {TARGETS['rebuild_s']:g}",
               "met": rebuild["rebuild_s"] <= TARGETS["rebuild_s"]},
              {"benchmark": "reminders", "metric": "rebuild: process start to first getUpdates (s)",
               "value": round(rebuild["first_poll_s"], 2), "target": "", "met": None},
              {"benchmark": "reminders",
               "metric": f"catch-up: all {catch_up['outbox_rows']:,} reminders dealt with (s)",
               "value": round(catch_up["settled_s"], 1), "target": "", "met": None}]
    checks += [{"benchmark": "reminders", "metric": f"{row['case']}: peak RSS of the bot (MB)",
                "value": round(row["peak_rss_mb"], 1), "target": f"<= {TARGETS['peak_rss_mb']:g}",
                "met": row["peak_rss_mb"] <= TARGETS["peak_rss_mb"]} for row in rows]
    if args.json:
        args.json.write_text(json.dumps({"results": rows, "checks": checks}, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
