"""The compute outlook: the calibrated analysis and the whole report, against their targets.

Targets (issue 12): ``gap.outlook()`` with calibration at 10,000 draws under 5 s in a fresh
process; the compute_outlook notebook under 60 s. Prints, as ratios to those targets:

- ``gap.outlook()`` calibrated, its first call in a fresh interpreter (imports excluded, data
  loading included) and the best of two warm calls;
- the uncalibrated outlook (the prior) and the calibration's cost over it, same process;
- ``gap.backtest()`` with its defaults;
- the compute_outlook notebook run end to end by papermill (kernel start-up included).

    python benchmarks/bench_outlook.py [--fresh-only] [--baseline ROOT] [--repeats N]

``--baseline ROOT`` also runs the fresh-process call with the checkout at ROOT on the path
(e.g. the main branch before a change), interleaved with this code's runs so that a shared
machine's load hits both alike; the best of each is compared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

OUTLOOK_TARGET_S = 5.0
NOTEBOOK_TARGET_S = 60.0
ROOT = Path(__file__).resolve().parent.parent  # the checkout these benchmarks belong to
NOTEBOOK = ROOT / "notebooks" / "compute_outlook.ipynb"
FRESH = """
import time, warnings
began = time.perf_counter()
warnings.simplefilter("ignore")
from workbench import gap
imported = time.perf_counter() - began
start, cpu = time.perf_counter(), time.process_time()
tree = gap.outlook(n_draws=10_000)
print(time.perf_counter() - start, tree["calibration"]["ess"].item(), imported,
      time.process_time() - cpu)
"""


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def fresh(root: str | Path = ROOT) -> tuple[float, float, float, float]:
    """One fresh interpreter: (call s, ESS, import s, call CPU s), importing ``root``'s code.

    ``python -c`` puts the working directory first on the path: the child runs in ``root``
    too, or a checkout's own folder would shadow the baseline's ``PYTHONPATH``.
    """
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-c", FRESH],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    ).stdout.split()
    return tuple(float(v) for v in out)  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh-only", action="store_true", help="only the fresh-process runs")
    parser.add_argument("--baseline", help="root of a checkout to compare with (fresh runs)")
    parser.add_argument("--repeats", type=int, default=1, help="fresh runs of each (best kept)")
    args = parser.parse_args()
    import papermill

    from workbench import gap

    warnings.simplefilter("ignore")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores; other work shares them)")
    runs: dict[str, list] = {"this": [], "baseline": []}
    for _ in range(args.repeats):
        runs["this"].append(fresh())
        if args.baseline:
            runs["baseline"].append(fresh(args.baseline))
    fresh_s, ess, import_s, cpu_s = min(runs["this"])
    print(
        f"gap.outlook() calibrated, 10,000 draws, first call in a fresh process: {fresh_s:.2f} s "
        f"({fresh_s / OUTLOOK_TARGET_S:.0%} of the 5 s target), {cpu_s:.2f} s CPU, best of "
        f"{args.repeats}; ESS {ess:,.0f}; imports before it {import_s:.2f} s"
    )
    if args.baseline:
        base_s, _, _, base_cpu = min(runs["baseline"])
        print(
            f"baseline {args.baseline}: {base_s:.2f} s, {base_cpu:.2f} s CPU; this over the "
            f"baseline: {fresh_s / base_s:.2f}x (CPU {cpu_s / base_cpu:.2f}x)"
        )
    print(f"load average after the fresh runs: {os.getloadavg()[0]:.1f}")
    if args.fresh_only:
        return
    warm_s = min(timed(gap.outlook, n_draws=10_000) for _ in range(2))
    prior_s = min(timed(gap.outlook, n_draws=10_000, calibrate=False) for _ in range(2))
    print(
        f"gap.outlook() calibrated, warm: {warm_s:.2f} s ({warm_s / OUTLOOK_TARGET_S:.0%} of the "
        f"target); uncalibrated: {prior_s:.2f} s; calibration costs x{warm_s / prior_s:.2f}"
    )
    backtest_s = timed(gap.backtest)
    print(f"gap.backtest() with defaults (3 as_of dates, 2,000 draws): {backtest_s:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(Path(folder) / "out.ipynb"),
            kernel_name="python3",
            progress_bar=False,
        )
        notebook_s = time.perf_counter() - start
    print(
        f"compute_outlook notebook, papermill end to end: {notebook_s:.1f} s "
        f"({notebook_s / NOTEBOOK_TARGET_S:.0%} of the 60 s target)"
    )


if __name__ == "__main__":
    main()
