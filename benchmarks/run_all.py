"""Runs every benchmark and prints one table of their results against their targets.

Each benchmark runs as its own process with the parameters below (small enough that the whole run
takes about five minutes); its own table is printed as it finishes. The idle benchmark runs beside
the others, since its bots do nothing for a minute. At the end comes one table (benchmark, metric,
value, target, result: each figure with its baseline from the same run) with the machine and commit
it ran on, and everything, each benchmark's full results included, is written as JSON to `--json`
(by default a new file in the temporary directory, whose name is printed).

    python benchmarks/run_all.py [--json results.json] [--markdown]

`--markdown` prints the final table as Markdown, as README's Performance section shows it.

Exit code 0 when every target is met, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: arguments. Each runs once here, cold start (a few seconds a run) three times; alone, each
# takes the median of 3 or more runs.
BESIDE = {"idle": []}
BENCHMARKS = {
    # Three: the p99 of one run is the 20 slowest of 2,000 updates, which one stall of the machine
    # (another process's burst) can make on its own; the median of three is the bot's.
    "updates": ["--runs", "3"],
    "coldstart": ["--runs", "3"],
    "burst": ["--runs", "1"],
    "broadcast": ["--runs", "1"],
    "reminders": ["--runs", "1"],
}
# The order of the final table: what people feel first.
ORDER = ("burst", "updates", "broadcast", "reminders", "coldstart", "idle")


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(memory_kb / 1024 ** 2, 1),
            "python": platform.python_version(), "system": platform.platform(),
            "commit": _git("describe", "--always", "--dirty")}


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def start(name: str, arguments: list[str], out: Path) -> tuple[subprocess.Popen, float]:
    print(f"== {name}: python benchmarks/{name}.py {' '.join(arguments)}", flush=True)
    return subprocess.Popen([sys.executable, str(HERE / f"{name}.py"), *arguments, "--json", str(out)]), \
        time.monotonic()


def finish(name: str, process: subprocess.Popen, started: float, out: Path) -> dict:
    exit_code = process.wait()
    seconds = time.monotonic() - started
    if not out.exists():  # it failed before writing results: the table says so
        return {"seconds": seconds, "exit_code": exit_code,
                "checks": [{"benchmark": name, "metric": "did not finish", "value": f"exit code {exit_code}",
                            "target": "", "met": False}]}
    return {**json.loads(out.read_text()), "seconds": seconds, "exit_code": exit_code}


def table(checks: list[dict], markdown: bool = False) -> list[str]:
    rows = [("benchmark", "metric", "value", "target", "result")]
    rows += [(c["benchmark"], c["metric"], f"{c['value']:,}" if isinstance(c["value"], (int, float)) else c["value"],
              c["target"] or "–", {True: "met", False: "MISSED", None: ""}[c["met"]]) for c in checks]
    if markdown:
        lines = ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
        return [lines[0], "|---|---|--:|---|---|", *lines[1:]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="where to write the results (default: a new file in the temp dir)")
    parser.add_argument("--markdown", action="store_true", help="print the final table as Markdown")
    args = parser.parse_args()
    target = args.json or Path(tempfile.gettempdir()) / f"kpr-bot-benchmarks-{datetime.now():%Y%m%d-%H%M%S}.json"

    report = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "load_before": load(), "benchmarks": {}}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        out = {name: Path(workdir) / f"{name}.json" for name in (*BESIDE, *BENCHMARKS)}
        beside = {name: start(name, arguments, out[name]) for name, arguments in BESIDE.items()}
        for name, arguments in BENCHMARKS.items():
            report["benchmarks"][name] = {"arguments": arguments,
                                          **finish(name, *start(name, arguments, out[name]), out[name])}
        for name, (process, began) in beside.items():
            report["benchmarks"][name] = {"arguments": BESIDE[name], **finish(name, process, began, out[name])}
    report["seconds"] = round(time.monotonic() - started)
    report["load_after"] = load()
    report["checks"] = [check for name in ORDER for check in report["benchmarks"][name]["checks"]]

    info = report["machine"]
    print(f"\n{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
          f"{info['system']}, commit {info['commit']}, {report['started']}")
    print(f"load average before {report['load_before']}, after {report['load_after']}; "
          f"{report['seconds'] // 60} min {report['seconds'] % 60} s in all\n")
    print("\n".join(table(report["checks"], args.markdown)))
    target.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten to {target}")
    return 0 if all(check["met"] is not False for check in report["checks"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
