"""Cold start: from starting `python -m bot run` to its first getUpdates call.

The bot runs as its own process against the fake Bot API, as in production (LOG_LEVEL=INFO), with a
fresh SQLite database each run, so the time includes Python's start, the imports, every migration,
getMe and planning the reminders. As a second case the same bot is started again on the database
its first start left behind (a restart). The baseline in the same run is python-telegram-bot's echo
bot (benchmarks/echo_bot.py) started the same way. Prints a table; `--json FILE` also writes it as
JSON.

    python benchmarks/coldstart.py [--runs 5] [--json out.json]
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
TARGET_S = 3.0
ECHO_BOT = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]


async def first_poll(workdir: Path, command: list[str] | None = None) -> float:
    """Seconds from starting the process (kpr-bot unless `command`) to its first getUpdates call."""
    async with FakeTelegram(token=TOKEN) as tg:
        env = {"BOT_TOKEN": TOKEN, "BOT_API_URL": tg.api_url, "LOG_LEVEL": "INFO",
               "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/data/bot.db"}
        bot = BotProcess(env, cwd=workdir, log_dir=workdir, command=command)
        started = time.monotonic()
        await bot.start()
        try:
            await tg.wait_for_call("getUpdates", timeout=60)
        finally:
            await bot.stop()
        polled = next(call.time for call in tg.calls if call.method == "getUpdates")
    return polled - started


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="starts per case; the table shows medians")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    fresh, restart, echo = [], [], []
    for _ in range(args.runs):  # the cases alternate, so that the machine's ups and downs touch all
        with tempfile.TemporaryDirectory() as workdir:
            fresh.append(await first_poll(Path(workdir)))
            restart.append(await first_poll(Path(workdir)))
        with tempfile.TemporaryDirectory() as workdir:
            echo.append(await first_poll(Path(workdir), ECHO_BOT))
        print(f"  fresh database {fresh[-1]:.2f} s, restart {restart[-1]:.2f} s, echo bot {echo[-1]:.2f} s",
              file=sys.stderr)
    rows = [{"case": case, "runs": args.runs, "median_s": statistics.median(times), "max_s": max(times)}
            for case, times in (("fresh database", fresh), ("restart, database exists", restart),
                                ("PTB echo bot (baseline)", echo))]
    met = rows[0]["median_s"] <= TARGET_S
    print(f"{'case':<26}{'runs':>5}{'median s':>10}{'max s':>8}")
    for row in rows:
        print(f"{row['case']:<26}{row['runs']:>5}{row['median_s']:>10.2f}{row['max_s']:>8.2f}")
    print(f"\nprocess start to first getUpdates, fresh database: target <= {TARGET_S:g} s: "
          f"{'met' if met else 'MISSED'}")
    checks = [{"benchmark": "cold start", "metric": "process start to first getUpdates, fresh database (s)",
               "value": round(rows[0]["median_s"], 2), "target": f"<= {TARGET_S:g}", "met": met},
              {"benchmark": "cold start", "metric": "the same, restart on an existing database (s)",
               "value": round(rows[1]["median_s"], 2), "target": "", "met": None},
              {"benchmark": "cold start", "metric": "PTB echo bot, the same (s) (baseline, same run)",
               "value": round(rows[2]["median_s"], 2), "target": "", "met": None}]
    if args.json:
        args.json.write_text(json.dumps({"results": rows, "checks": checks}, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
