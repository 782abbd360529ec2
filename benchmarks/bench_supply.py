"""Benchmark: shipments and installed base for 10,000 draws x 40 quarters x 30 chips.

Target (issue 4): under 2 s on the reference machine, memory proportional to the output.
Prints the measured time, the peak traced memory over the output's size, and the speed-up
over a per-draw Python loop (the straightforward implementation) timed on a subset of draws
in the same process and scaled up.

Run: /work/.venv/bin/python benchmarks/bench_supply.py
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd
import xarray as xr

from workbench.data import load
from workbench.supply import estimate_shipments, installed_base, survival
from workbench.supply.chips import chip_arrays

N_DRAWS = 10_000
N_QUARTERS = 40
N_CHIPS = 30
N_PERIODS = 5
BASELINE_DRAWS = 50
TARGET_SECONDS = 2.0


def synthetic_assumptions() -> dict:
    """40 quarters of one designer's revenue, 30 chips in 5 overlapping mix periods."""
    table = load("accelerators")
    peak = table["peak_flops"].sel(precision="bf16")
    chips = [str(c) for c in table["chip"].values if np.isfinite(float(peak.sel(chip=c)))][:N_CHIPS]
    assert len(chips) == N_CHIPS
    quarters = pd.date_range("2016-01-01", periods=N_QUARTERS, freq="QS")
    revenue = xr.DataArray(
        2e9 * 1.08 ** np.arange(N_QUARTERS), dims="quarter", coords={"quarter": quarters}
    )
    per = N_QUARTERS // N_PERIODS
    mix = {}
    for p in range(N_PERIODS):
        first, last = quarters[p * per], quarters[(p + 1) * per - 1]
        # Each period sells 12 chips: its own 6 plus the next period's 6 (ramping in).
        members = [chips[(p * 6 + k) % N_CHIPS] for k in range(12)]
        weights = np.linspace(2, 1, len(members))
        shares = weights / weights.sum()
        label = f"{first.year}Q{first.quarter}-{last.year}Q{last.quarter}"
        mix[label] = {
            c: {"share": float(s), "spread": 1.3} for c, s in zip(members, shares, strict=True)
        }
    prices = {c: (8_000.0, 30_000.0) for c in chips}
    tdp = {c: (300.0, 1200.0) for c in chips if not np.isfinite(float(table["tdp"].sel(chip=c)))}
    return {
        "revenue": revenue,
        "compute_share": (0.8, 0.95),
        "mix": mix,
        "prices": prices,
        "tdp": tdp,
    }


def run(assumptions: dict) -> tuple[xr.Dataset, xr.Dataset]:
    shipments = estimate_shipments("NVIDIA", n_draws=N_DRAWS, seed=0, assumptions=assumptions)
    base = installed_base(shipments, lifetime_years=(4, 6))
    return shipments, base


def baseline_loop(shipments: xr.Dataset, n_draws: int) -> float:
    """The per-draw loop a first implementation would write, on the same sampled inputs."""
    units = shipments["units"].values
    revenue = shipments["accelerator_revenue"].values
    price = shipments["price"].values
    chips = [str(c) for c in shipments["chip"].values]
    specs = chip_arrays(chips)
    alive = survival((4, 6), (np.arange(N_QUARTERS) + 0.5) * 0.25).values
    start = time.perf_counter()
    for d in range(n_draws):
        shipped = np.zeros((N_QUARTERS, N_CHIPS))
        for q in range(N_QUARTERS):
            mix = units[q, :, d] * price[:, d] / revenue[q, d]  # recover the draw's mix
            for c in range(N_CHIPS):
                shipped[q, c] = revenue[q, d] * mix[c] / price[c, d]
        for q in range(N_QUARTERS):
            total = {"units": 0.0, "h100e": 0.0, "flops": 0.0}
            for k in range(q + 1):
                for c in range(N_CHIPS):
                    n = shipped[k, c] * alive[q - k]
                    total["units"] += n
                    total["h100e"] += n * specs.h100e[c]
                    total["flops"] += n * specs.bf16[c]
    return (time.perf_counter() - start) * N_DRAWS / n_draws


def main() -> None:
    assumptions = synthetic_assumptions()
    run(assumptions)  # warm-up: imports, table loads, statsmodels-free paths compiled
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        shipments, base = run(assumptions)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    output_bytes = shipments.nbytes + base.nbytes
    del shipments, base
    tracemalloc.start()
    shipments, _base = run(assumptions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    baseline = baseline_loop(shipments, BASELINE_DRAWS)
    sizes = dict(shipments.sizes)
    print(f"shape: {sizes['draw']} draws x {sizes['quarter']} quarters x {sizes['chip']} chips")
    print(
        f"estimate_shipments + installed_base: best {best:.3f} s of {len(timings)} "
        f"(target < {TARGET_SECONDS} s: {'met' if best < TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"per-draw Python loop (timed on {BASELINE_DRAWS} draws, scaled): {baseline:.1f} s; "
        f"speed-up {baseline / best:.0f}x"
    )
    print(
        f"output {output_bytes / 2**20:.0f} MiB; peak traced memory {peak / 2**20:.0f} MiB; "
        f"peak / output = {peak / output_bytes:.2f}"
    )


if __name__ == "__main__":
    main()
