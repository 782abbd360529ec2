"""Benchmark: the demand simulation in memory, against a per-draw loop, and at 10^8 draws on dask.

Targets (issues 5 and 12):

- 10^6 draws x 10 years in memory in under 5 s, in a fresh process (issue 12): the default
  result (every output in float64) and a lean one (``variables=`` the gap needs,
  ``dtype="float32"``), each timed in its own fresh interpreter, import time apart;
- 10^8 draws x 10 years with dask at a peak resident memory under 4 GB;
- the in-memory speed-up over a plain Python loop over draws, for 10^4 draws.

The per-draw loop calls :func:`workbench.demand.simulate` once per draw with that draw's
inputs as fixed overrides (the straightforward implementation); it is timed on a subset of the
10^4 draws and scaled up, and its results are checked against the vectorised ones. The 10^8-draw
run happens in a child process so that its peak resident memory (sampled every 0.1 s with
psutil, and the kernel's high-water mark) is its own; it reduces the draws to per-year
quantiles (``workbench.uncertainty.quantiles(..., exact=False)``) and means in one pass.

Run: /work/.venv/bin/python benchmarks/bench_demand.py [--dask-draws 100000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np

from workbench.demand import sampled_inputs, simulate
from workbench.uncertainty import quantiles

IN_MEMORY_DRAWS = 1_000_000
LOOP_DRAWS = 10_000
LOOP_TIMED = 40
DASK_DRAWS = 100_000_000
DASK_CHUNK = 2**19
YEARS = {"start": 2026, "end": 2035}
TARGET_SECONDS = 5.0
TARGET_RSS_GB = 4.0


def in_memory() -> dict:
    """Four calls in this process; the first also pays for lazy imports and fresh memory."""
    timings, cpu = [], []
    for _ in range(4):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = simulate("base", n_draws=IN_MEMORY_DRAWS, seed=1, **YEARS)
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        del result
    best = int(np.argmin(timings[1:])) + 1
    return {
        "cold_s": timings[0],
        "warm_best_s": timings[best],
        "warm_best_cpu_s": cpu[best],
        "all_s": timings,
    }


LEAN = {"variables": ["h100e", "flops_provisioned", "power", "energy"], "dtype": "float32"}


def fresh_child(lean: bool) -> dict:
    """Run in a fresh process: one call of 10^6 draws, timed apart from the imports."""
    began = time.perf_counter()
    import workbench.demand as demand  # noqa: F401  (import time measured apart)

    imported = time.perf_counter() - began
    began, began_cpu = time.perf_counter(), time.process_time()
    result = simulate("base", n_draws=IN_MEMORY_DRAWS, seed=1, **YEARS, **(LEAN if lean else {}))
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return {
        "lean": lean,
        "import_s": imported,
        "call_s": elapsed,
        "cpu_s": cpu,
        "result_gb": result.nbytes / 1e9,
        "median_h100e_last_year": float(np.median(result.h100e.values[:, -1])),
    }


def fresh_processes(repeats: int = 3, baseline: str | None = None) -> list[dict]:
    """Fresh interpreters, interleaved: this code (default, lean) and optionally a baseline.

    ``baseline`` is the root of another checkout (e.g. the main branch before this change),
    run with the default call only, so that a shared machine's load hits both alike and the
    ratio means something.
    """
    variants = [("default", False, None), ("lean", True, None)]
    if baseline:
        variants.append(("baseline", False, baseline))
    runs = []
    for _ in range(repeats):
        for label, lean, root in variants:
            env = dict(os.environ)
            if root:
                env["PYTHONPATH"] = root
            child = subprocess.run(
                [sys.executable, __file__, "--fresh", "--lean" if lean else "--full"],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            run = json.loads(child.stdout.strip().splitlines()[-1])
            runs.append({**run, "label": label})
    return runs


def loop_ratio() -> dict:
    began = time.perf_counter()
    vectorised = simulate("base", n_draws=LOOP_DRAWS, seed=2, **YEARS)
    vector_s = time.perf_counter() - began
    inputs = sampled_inputs(vectorised)
    began = time.perf_counter()
    for i in range(LOOP_TIMED):
        fixed = {name: float(inputs[name].values[i]) for name in inputs.data_vars}
        one = simulate("base", n_draws=1, seed=2, **YEARS, **fixed)
        np.testing.assert_allclose(one.h100e.values[0], vectorised.h100e.values[i], rtol=1e-10)
    per_draw = (time.perf_counter() - began) / LOOP_TIMED
    loop_s = per_draw * LOOP_DRAWS
    return {"vectorised_s": vector_s, "loop_s_scaled": loop_s, "ratio": loop_s / vector_s}


def dask_child(n_draws: int) -> dict:
    """Run in a fresh process: 10^8 draws through dask, reduced to quantiles and means."""
    import psutil

    process = psutil.Process()
    peak = {"rss": process.memory_info().rss}
    running = True

    def watch():
        while running:
            peak["rss"] = max(peak["rss"], process.memory_info().rss)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    began = time.perf_counter()
    lazy = simulate("base", n_draws=n_draws, seed=3, chunks=DASK_CHUNK, **YEARS)
    summary = quantiles(
        lazy[["tokens_per_second", "h100e", "power", "energy"]], [0.05, 0.5, 0.95], exact=False
    )
    summary["accelerators_mean"] = lazy.accelerators.mean("draw")
    summary = summary.compute()
    elapsed = time.perf_counter() - began
    running = False
    watcher.join()
    median_2035 = float(summary.h100e.sel(quantile=0.5).isel(year=-1))
    return {
        "draws": n_draws,
        "chunk": DASK_CHUNK,
        "seconds": elapsed,
        "peak_rss_gb_sampled": peak["rss"] / 1e9,
        "peak_rss_gb_kernel": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "median_h100e_last_year": median_2035,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dask-draws", type=float, default=DASK_DRAWS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lean", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh-only", action="store_true", help="only the fresh-process runs")
    parser.add_argument("--baseline", help="root of a checkout to compare with (fresh runs)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(dask_child(int(args.dask_draws))))
        return
    if args.fresh:
        print(json.dumps(fresh_child(args.lean)))
        return

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores; other work shares them)")
    names = {
        "default": "default (all outputs, float64)",
        "lean": "lean (variables=, float32)",
        "baseline": f"baseline {args.baseline} (all outputs, float64)",
    }
    runs = fresh_processes(baseline=args.baseline)
    for run in runs:
        print(
            f"fresh process, {IN_MEMORY_DRAWS:,} draws x 10 years, {names[run['label']]}: call "
            f"{run['call_s']:.2f} s, {run['cpu_s']:.2f} s CPU, result {run['result_gb']:.2f} GB "
            f"(target < {TARGET_SECONDS} s: "
            f"{'met' if run['call_s'] < TARGET_SECONDS else 'NOT met'})"
        )
    if args.baseline:
        best = {k: min(r["call_s"] for r in runs if r["label"] == k) for k in names}
        print(
            "best call over the baseline's best: default "
            f"{best['default'] / best['baseline']:.2f}x, "
            f"lean {best['lean'] / best['baseline']:.2f}x"
        )
    if args.fresh_only:
        return

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores; other work shares them)")
    memory = in_memory()
    print(
        f"in memory, {IN_MEMORY_DRAWS:,} draws x 10 years: first call {memory['cold_s']:.2f} s, "
        f"best repeat {memory['warm_best_s']:.2f} s, {memory['warm_best_cpu_s']:.2f} s of CPU "
        f"(target < {TARGET_SECONDS} s: "
        f"{'met' if max(memory['cold_s'], memory['warm_best_s']) < TARGET_SECONDS else 'NOT met'}"
        " by the first call and the repeats)"
    )
    loop = loop_ratio()
    print(
        f"{LOOP_DRAWS:,} draws: vectorised {loop['vectorised_s']:.2f} s, per-draw loop "
        f"{loop['loop_s_scaled']:.0f} s (timed on {LOOP_TIMED} draws, scaled); "
        f"speed-up {loop['ratio']:.0f}x"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--dask-draws", str(int(args.dask_draws))],
        capture_output=True,
        text=True,
        check=True,
    )
    run = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"dask, {run['draws']:,} draws x 10 years in chunks of {run['chunk']:,}: "
        f"{run['seconds']:.0f} s, peak RSS {run['peak_rss_gb_sampled']:.2f} GB sampled / "
        f"{run['peak_rss_gb_kernel']:.2f} GB high-water mark (target < {TARGET_RSS_GB} GB: "
        f"{'met' if run['peak_rss_gb_kernel'] < TARGET_RSS_GB else 'NOT met'}); "
        f"median H100e in the last year {run['median_h100e_last_year']:.3g}"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
