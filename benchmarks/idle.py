"""Idle memory: the bot's resident memory one minute after it started, with nothing to do.

`python -m bot run` starts as its own process against the fake Bot API, as in production
(LOG_LEVEL=INFO), with a fresh SQLite database; a minute after the start its resident set (VmRSS)
and the peak so far (VmHWM) are read from /proc. The baseline, started at the same moment against
a fake Bot API of its own, is python-telegram-bot's echo bot (benchmarks/echo_bot.py). Linux only.

    python benchmarks/idle.py [--after 60] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tryout.fake_telegram import BotProcess, FakeTelegram  # noqa: E402

TOKEN = "987654:BENCH-token-abcdefghijklmnop"
TARGET_MB = 100.0
ECHO_BOT = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of the process, in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(status["VmRSS"].split()[0]) / 1024, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}


async def idle(name: str, workdir: Path, after: float, command: list[str] | None = None) -> dict:
    async with FakeTelegram(token=TOKEN) as tg:
        env = {"BOT_TOKEN": TOKEN, "BOT_API_URL": tg.api_url, "LOG_LEVEL": "INFO",
               "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/data/bot.db"}
        started = time.monotonic()
        async with BotProcess(env, cwd=workdir, log_dir=workdir, command=command) as bot:
            await tg.wait_for_call("getUpdates", timeout=60)
            await asyncio.sleep(started + after - time.monotonic())
            assert bot.returncode is None, f"{name} ended by itself:\n{bot.log_text()[-2000:]}"
            return {"bot": name, "after_s": round(time.monotonic() - started, 1), **memory_mb(bot.pid)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, default=60.0, help="seconds after the start to read the memory")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as kpr_dir, tempfile.TemporaryDirectory() as echo_dir:
        kpr, echo = await asyncio.gather(idle("kpr-bot", Path(kpr_dir), args.after),
                                         idle("PTB echo bot (baseline)", Path(echo_dir), args.after, ECHO_BOT))
    print(f"{'bot':<26}{'after s':>8}{'RSS MB':>8}{'peak RSS MB':>13}")
    for row in (kpr, echo):
        print(f"{row['bot']:<26}{row['after_s']:>8.1f}{row['rss_mb']:>8.1f}{row['peak_rss_mb']:>13.1f}")
    met = kpr["rss_mb"] <= TARGET_MB
    print(f"\nkpr-bot's RSS {args.after:g} s after its start: target <= {TARGET_MB:g} MB: {'met' if met else 'MISSED'}")
    when = f"{args.after:g} s after start, fresh database"
    checks = [{"benchmark": "idle", "metric": f"RSS of the bot {when} (MB)", "value": round(kpr["rss_mb"], 1),
               "target": f"<= {TARGET_MB:g}", "met": met},
              {"benchmark": "idle", "metric": "peak RSS of the bot until then (MB)",
               "value": round(kpr["peak_rss_mb"], 1), "target": "", "met": None},
              {"benchmark": "idle", "metric": "PTB echo bot, RSS the same (MB) (baseline, same run)",
               "value": round(echo["rss_mb"], 1), "target": "", "met": None}]
    if args.json:
        args.json.write_text(json.dumps({"results": [kpr, echo], "checks": checks}, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
