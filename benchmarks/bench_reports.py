"""Benchmark: the full default report suite, cold, then again with nothing changed.

Target (issue 7): the second run under 3 s, since every report is skipped. Both are timed as a
user meets them, ``workbench report`` in a fresh process (start-up included), into a new,
empty output folder. Printed: which notebooks ran, each report's build time, the cold and warm
wall times, and whether the warm run met the target. With ``--jobs N`` a second cold run
builds the suite N at a time, for the speed-up.

Run: /work/.venv/bin/python benchmarks/bench_reports.py [--jobs 2] [--warm-runs 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.reports import default_suite, notebooks_dir

TARGET_WARM_SECONDS = 3.0


def run_suite(out: Path, *extra: str) -> tuple[float, dict]:
    """Run ``workbench report`` into ``out``; return the wall time and the summary."""
    command = [sys.executable, "-m", "workbench.cli", "report", "--out", str(out), *extra]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    summary = json.loads((out / "summary.json").read_text())
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="also time a cold run N at a time")
    parser.add_argument("--warm-runs", type=int, default=3, help="repetitions of the warm run")
    args = parser.parse_args()

    suite = default_suite()
    print(
        f"python {platform.python_version()} on {platform.machine()}, suite from "
        f"{notebooks_dir()}: {', '.join(suite)} ({len(suite)} notebooks)"
    )
    with tempfile.TemporaryDirectory() as root:
        out = Path(root) / "reports"
        cold, summary = run_suite(out)
        for report in summary["reports"]:
            print(f"  {report['report']:<28} {report['status']:<8} {report['duration_s']:7.1f} s")
        counts = summary["counts"]
        print(
            f"cold, one at a time: {cold:6.1f} s  ({counts['built']} built, "
            f"{counts['failed']} failed)"
        )

        warm_times = []
        for _ in range(args.warm_runs):
            warm, summary = run_suite(out)
            assert summary["counts"]["built"] == 0, "nothing changed, nothing should be built"
            warm_times.append(warm)
        warm = statistics.median(warm_times)
        verdict = "meets" if max(warm_times) < TARGET_WARM_SECONDS else "MISSES"
        print(
            f"warm, nothing changed: {warm:6.2f} s median of {args.warm_runs} "
            f"(max {max(warm_times):.2f} s; {verdict} the {TARGET_WARM_SECONDS:g} s target)"
        )

        if args.jobs > 1:
            parallel, _ = run_suite(
                Path(root) / f"reports-jobs{args.jobs}", "--jobs", str(args.jobs)
            )
            print(
                f"cold, --jobs {args.jobs}:       {parallel:6.1f} s  "
                f"({cold / parallel:.2f}x the one-at-a-time run)"
            )


if __name__ == "__main__":
    main()
