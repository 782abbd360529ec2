"""Benchmark: fit_chinchilla against the naive Approach-3 procedure, measured in one run.

The naive procedure is what a one-off notebook does: scipy's L-BFGS-B from each of the 4,500
grid starts in turn, with finite-difference gradients, keeping the best. It runs here on a
random subset of starts and its time is scaled per start to the full grid. Printed: the
speed-up of fit_chinchilla, whether it reaches the naive optimum (objective within 1e-6
relative), and the time of 1,000 bootstrap refits (each a full grid search).

Run: /work/.venv/bin/python benchmarks/bench_chinchilla.py [--starts 150] [--runs 250]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from workbench.scaling import fit_chinchilla, simulate_runs
from workbench.scaling._engine import default_grid

DELTA = 1e-3


def naive_objective(theta, log_n, log_d, log_loss):
    e, a, b, alpha, beta = theta
    predicted = logsumexp([np.full_like(log_n, e), a - alpha * log_n, b - beta * log_d], axis=0)
    residual = np.abs(predicted - log_loss)
    return np.where(residual <= DELTA, 0.5 * residual**2, DELTA * (residual - 0.5 * DELTA)).sum()


def naive_fit(starts, log_n, log_d, log_loss):
    best = None
    for start in starts:
        result = minimize(naive_objective, start, args=(log_n, log_d, log_loss), method="L-BFGS-B")
        if best is None or result.fun < best.fun:
            best = result
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=150, help="naive starts actually run")
    parser.add_argument("--runs", type=int, default=250, help="simulated training runs")
    parser.add_argument("--boot", type=int, default=1000, help="bootstrap refits to time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    runs = simulate_runs(args.runs, seed=args.seed)
    n, d, loss = (runs[v].values for v in ("params", "tokens", "loss"))
    log_n, log_d, log_loss = np.log(n), np.log(d), np.log(loss)
    grid = default_grid()
    rng = np.random.default_rng(args.seed)
    subset = grid[rng.choice(len(grid), size=min(args.starts, len(grid)), replace=False)]

    fit_chinchilla(n, d, loss)  # warm caches and imports before timing
    fast_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fit = fit_chinchilla(n, d, loss)
        fast_times.append(time.perf_counter() - t0)
    fast = min(fast_times)

    t0 = time.perf_counter()
    naive = naive_fit(subset, log_n, log_d, log_loss)
    naive_subset = time.perf_counter() - t0
    naive_full = naive_subset / len(subset) * len(grid)

    t0 = time.perf_counter()
    booted = fit_chinchilla(n, d, loss, n_boot=args.boot, seed=args.seed)
    boot_time = time.perf_counter() - t0 - fast

    relative = (fit.objective - naive.fun) / naive.fun
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"data: {args.runs} simulated runs; grid: {len(grid)} starts; delta={DELTA}")
    print(
        f"naive L-BFGS-B (finite differences): {naive_subset:.1f} s for {len(subset)} starts "
        f"-> {naive_full:.1f} s for the full grid (scaled per start)"
    )
    print(f"fit_chinchilla: {fast * 1e3:.1f} ms (best of 5)")
    print(f"speed-up: {naive_full / fast:.0f}x (target >= 500x)")
    print(
        f"objective: fit_chinchilla {fit.objective:.10g}, naive best of subset "
        f"{naive.fun:.10g}, relative difference {relative:+.2e} (target <= 1e-6)"
    )
    print(
        f"bootstrap: {args.boot} refits in {boot_time:.2f} s (target < 10 s); "
        f"{int(booted.to_dataset().attrs['n_boot'])} refits, converged={booted.converged}"
    )


if __name__ == "__main__":
    main()
