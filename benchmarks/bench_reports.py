"""Benchmark: the full default report suite, cold, then again with nothing changed; its status.

Target (issue 7): the second run under 3 s, since every report is skipped. Both are timed as a
user meets them, ``workbench report`` in a fresh process (start-up included), into a new,
empty output folder. Printed: which notebooks ran, each report's build time, the cold and warm
wall times, and whether the warm run met the target. With ``--jobs N`` a second cold run
builds the suite N at a time, for the speed-up.

Target (issue 14): ``workbench status`` of the built suite under 1 s, in a fresh process.
Timed beside the floor every command pays (``python -c pass`` and ``import workbench.cli``,
which is typer's start-up) and, with ``--baseline CHECKOUT``, the same command on another
checkout's code, interleaved run by run so both meet the same load.

Run: /work/.venv/bin/python benchmarks/bench_reports.py [--jobs 2] [--warm-runs 3]
     /work/.venv/bin/python benchmarks/bench_reports.py --status-only --out reports \
         [--status-runs 7] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.reports import default_suite, notebooks_dir

TARGET_WARM_SECONDS = 3.0
TARGET_STATUS_SECONDS = 1.0


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


def fresh_seconds(arguments: list[str], code: Path | None = None) -> tuple[float, float]:
    """Wall and CPU time of ``python ARGUMENTS`` in a new process; ``code`` first on the path.

    The CPU time (user and system, of the process and its children) varies less with the
    load of a shared machine than the wall time does.
    """
    import resource

    environment = dict(os.environ)
    if code is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(code), *filter(None, [environment.get("PYTHONPATH")])]
        )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=environment
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"python {' '.join(arguments)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def time_status(out: Path, runs: int, baseline: Path | None = None) -> None:
    """Time ``workbench status --out OUT`` in fresh processes, with its floor and a baseline."""
    status = ["-m", "workbench.cli", "status", "--out", str(out)]
    variants = {
        "python -c pass": (["-c", "pass"], None),
        "import workbench.cli": (["-c", "import workbench.cli"], None),
        "workbench status": (status, None),
    }
    if baseline is not None:
        variants[f"workbench status ({baseline})"] = (status, baseline)
    fresh_seconds(status)  # once untimed: the files' caches are warm for every variant
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # interleaved: a change of load meets every variant alike
        for name, (arguments, code) in variants.items():
            wall, used = fresh_seconds(arguments, code)
            times[name].append(wall)
            cpu[name].append(used)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    bytecode = "off (PYTHONDONTWRITEBYTECODE)" if sys.flags.dont_write_bytecode else "on"
    print(f"status of {out}, {runs} fresh processes each; load {load:.2f}; .pyc caches {bytecode}")
    for name, seconds in times.items():
        print(
            f"  {name:<40} median {statistics.median(seconds):5.2f} s  "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}); "
            f"CPU median {statistics.median(cpu[name]):.2f} s"
        )
    median = statistics.median(times["workbench status"])
    verdict = "meets" if median < TARGET_STATUS_SECONDS else "MISSES"
    line = (
        f"workbench status: {median:.2f} s median; {verdict} the {TARGET_STATUS_SECONDS:g} s target"
    )
    if baseline is not None:
        before = statistics.median(times[f"workbench status ({baseline})"])
        line += f"; {median / before:.2f}x the baseline's {before:.2f} s"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="also time a cold run N at a time")
    parser.add_argument("--warm-runs", type=int, default=3, help="repetitions of the warm run")
    parser.add_argument("--status-runs", type=int, default=5, help="repetitions of the status")
    parser.add_argument(
        "--status-only", action="store_true", help="time the status of --out only, build nothing"
    )
    parser.add_argument("--out", type=Path, help="with --status-only: a built reports folder")
    parser.add_argument(
        "--baseline", type=Path, help="a checkout whose status to time alongside (its root)"
    )
    args = parser.parse_args()
    if args.status_only:
        if args.out is None or not args.out.is_dir():
            parser.error("--status-only needs --out, a reports folder `workbench report` built")
        time_status(args.out, args.status_runs, args.baseline)
        return

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

        time_status(out, args.status_runs, args.baseline)


if __name__ == "__main__":
    main()
