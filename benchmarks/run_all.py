"""Runs every benchmark and prints one table of their results against their targets.

Each benchmark runs as its own process with the parameters below (small enough that the whole run
takes a few minutes); its own table is printed as it finishes. At the end comes one table
(benchmark, metric, value, target, result) with the machine it ran on, and everything, each
benchmark's full results included, is written as JSON to `--json` (by default a new file in the
temporary directory, whose name is printed).

    python benchmarks/run_all.py [--json results.json]

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

# name: arguments. The issues' targets need medians of several runs for update handling and cold
# start; the slower process benchmarks run once each here (alone, their default is 3 runs).
BENCHMARKS = {
    "updates": ["--runs", "3"],
    "coldstart": ["--runs", "5"],
    "burst": ["--runs", "1"],
    "broadcast": ["--runs", "1"],
    "reminders": ["--runs", "1"],
}


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


def run(name: str, arguments: list[str], out: Path) -> dict:
    print(f"== {name}: python benchmarks/{name}.py {' '.join(arguments)}", flush=True)
    started = time.monotonic()
    process = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *arguments, "--json", str(out)])
    seconds = time.monotonic() - started
    if not out.exists():  # it failed before writing results: the table says so
        return {"seconds": seconds, "exit_code": process.returncode,
                "checks": [{"benchmark": name, "metric": "did not finish", "value": f"exit code {process.returncode}",
                            "target": "", "met": False}]}
    return {**json.loads(out.read_text()), "seconds": seconds, "exit_code": process.returncode}


def table(checks: list[dict]) -> list[str]:
    rows = [("benchmark", "metric", "value", "target", "result")]
    rows += [(c["benchmark"], c["metric"], f"{c['value']:,}" if isinstance(c["value"], (int, float)) else c["value"],
              c["target"] or "–", {True: "met", False: "MISSED", None: ""}[c["met"]]) for c in checks]
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="where to write the results (default: a new file in the temp dir)")
    args = parser.parse_args()
    target = args.json or Path(tempfile.gettempdir()) / f"kpr-bot-benchmarks-{datetime.now():%Y%m%d-%H%M%S}.json"

    report = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "load_before": load(), "benchmarks": {}}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        for name, arguments in BENCHMARKS.items():
            report["benchmarks"][name] = {"arguments": arguments,
                                          **run(name, arguments, Path(workdir) / f"{name}.json")}
    report["seconds"] = round(time.monotonic() - started)
    report["load_after"] = load()
    report["checks"] = [check for result in report["benchmarks"].values() for check in result["checks"]]

    info = report["machine"]
    print(f"\n{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
          f"{info['system']}, commit {info['commit']}")
    print(f"load average before {report['load_before']}, after {report['load_after']}; "
          f"{report['seconds'] // 60} min {report['seconds'] % 60} s in all\n")
    print("\n".join(table(report["checks"])))
    target.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten to {target}")
    return 0 if all(check["met"] is not False for check in report["checks"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
