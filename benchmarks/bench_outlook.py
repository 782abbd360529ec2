"""The compute outlook: the calibrated analysis and the whole report, against their targets.

Targets (issue 12): ``gap.outlook()`` with calibration at 10,000 draws under 5 s in a fresh
process; the compute_outlook notebook under 60 s. Prints, as ratios to those targets:

- ``gap.outlook()`` calibrated, its first call in a fresh interpreter (imports excluded, data
  loading included) and the best of two warm calls;
- the uncalibrated outlook (the prior) and the calibration's cost over it, same process;
- ``gap.backtest()`` with its defaults;
- the compute_outlook notebook run end to end by papermill (kernel start-up included).

    python benchmarks/bench_outlook.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

OUTLOOK_TARGET_S = 5.0
NOTEBOOK_TARGET_S = 60.0
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "compute_outlook.ipynb"
FRESH = """
import time, warnings
warnings.simplefilter("ignore")
from workbench import gap
start = time.perf_counter()
tree = gap.outlook(n_draws=10_000)
print(time.perf_counter() - start, tree["calibration"]["ess"].item())
"""


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    import papermill

    from workbench import gap

    warnings.simplefilter("ignore")
    fresh = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, check=True
    ).stdout.split()
    fresh_s, ess = float(fresh[0]), float(fresh[1])
    print(
        f"gap.outlook() calibrated, 10,000 draws, first call in a fresh process: {fresh_s:.2f} s "
        f"({fresh_s / OUTLOOK_TARGET_S:.0%} of the 5 s target); ESS {ess:,.0f}"
    )
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
