"""The compute outlook: the analysis and the whole report, against the 60 s target (issue 6).

Prints the time of ``workbench.gap.outlook`` with default parameters (10,000 draws to 2030),
its parts (supply, demand) for reference, and the time of the compute_outlook notebook run
end to end by papermill (kernel start-up and every chart included), each as a ratio to the
60 s target.

    python benchmarks/bench_outlook.py
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

TARGET_S = 60.0
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "compute_outlook.ipynb"


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    import papermill

    from workbench import demand, supply
    from workbench.gap import outlook

    warnings.simplefilter("ignore")
    draws = 10_000
    shipments_s = timed(supply.estimate_shipments, None, n_draws=draws, seed=0)
    demand_s = timed(demand.simulate, "base", n_draws=draws, seed=20, end=2030)
    outlook_s = min(timed(outlook, n_draws=draws) for _ in range(2))
    print(f"supply shipments (all vendors, {draws:,} draws): {shipments_s:.2f} s")
    print(f"demand simulation ({draws:,} draws, 2026-2030): {demand_s:.2f} s")
    print(
        f"outlook() with defaults: {outlook_s:.2f} s "
        f"({outlook_s / TARGET_S:.1%} of the 60 s target)"
    )
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
        f"({notebook_s / TARGET_S:.1%} of the 60 s target)"
    )


if __name__ == "__main__":
    main()
