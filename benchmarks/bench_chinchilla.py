"""Benchmark: fit_chinchilla against the naive Approach-3 procedure, measured in one run.

The naive procedure is what a one-off notebook does: scipy's L-BFGS-B from each of the 4,500
grid starts in turn, with finite-difference gradients, keeping the best. It runs here on a
random subset of starts and its time is scaled per start to the full grid. Printed: the
speed-up of fit_chinchilla, whether it reaches the naive optimum (objective within 1e-6
relative), the time of 1,000 bootstrap refits (each screened on its resample, see
_engine.bootstrap_fit) against the previous search (8 polished grid starts and the main optimum
per refit, global_fit) in the same run, with a brute-force check (every one of the 4,500 starts
polished) on resamples of two laws, and VPNLS
against the grid engine on their shared objective (Huber of log-loss).

Run: /work/.venv/bin/python benchmarks/bench_chinchilla.py [--starts 150] [--runs 250]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from workbench.scaling import _engine, fit_chinchilla, simulate_runs
from workbench.scaling._engine import default_grid

DELTA = 1e-3
# A second law for the brute-force check (data-heavy, as in tests/test_scaling_engine.py).
SECOND_LAW = {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.35, "beta": 0.37}


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
    parser.add_argument(
        "--brute", type=int, default=10, help="resamples checked by brute force, per law"
    )
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
    # The previous bootstrap search on the same resamples: 8 grid starts + the main optimum.
    counts = np.random.default_rng(args.seed).multinomial(
        args.runs, np.full(args.runs, 1 / args.runs), size=args.boot
    )
    observations = _engine.Observations(log_n, log_d, log_loss)
    t0 = time.perf_counter()
    main_fit = _engine.global_fit(observations, DELTA, grid)
    _engine.global_fit(
        observations, DELTA, grid, weights=counts.astype(float), rtol=1e-10, warm=main_fit.theta[0]
    )
    previous_time = time.perf_counter() - t0

    # Brute force on resamples, as fit_chinchilla's bootstrap runs them (same counts), for
    # the replication law and a second one: every start polished on the resample's weights.
    # The checked resamples come after the bootstrap's pilot (see _engine.bootstrap_fit).
    brute_gaps = []
    for law in (None, SECOND_LAW):
        law_runs = runs if law is None else simulate_runs(args.runs, params=law, seed=args.seed)
        law_logs = (np.log(law_runs[v].values) for v in ("params", "tokens", "loss"))
        data = _engine.Observations(*law_logs)
        main_fit = _engine.global_fit(data, DELTA, grid)
        counts = np.random.default_rng(args.seed).multinomial(
            args.runs, np.full(args.runs, 1 / args.runs), size=args.boot
        )
        refits = _engine.bootstrap_fit(
            data, DELTA, grid, counts.astype(float), rtol=1e-10, warm=main_fit.theta[0]
        )
        checked = range(_engine._BOOT_PILOT, _engine._BOOT_PILOT + args.brute)
        for row in checked:
            row_weights = counts[row : row + 1].astype(float)
            brute = _engine.polish(grid, data, row_weights, DELTA, finish=False)
            best = np.nanmin(np.where(np.isfinite(brute.objective), brute.objective, np.nan))
            brute_gaps.append((refits.objective[row] - best) / best)

    vp_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        vp = fit_chinchilla(n, d, loss, method="vpnls", space="log")
        vp_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    vp_ls = fit_chinchilla(n, d, loss, method="vpnls", objective="ls")
    vp_ls_time = time.perf_counter() - t0

    relative = (fit.objective - naive.fun) / naive.fun
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"data: {args.runs} simulated runs; grid: {len(grid)} starts; delta={DELTA}")
    print(
        f"naive L-BFGS-B (finite differences): {naive_subset:.1f} s for {len(subset)} starts "
        f"-> {naive_full:.1f} s for the full grid (scaled per start)"
    )
    print(f"fit_chinchilla: {fast * 1e3:.1f} ms (best of 5; target < 50 ms)")
    print(f"speed-up: {naive_full / fast:.0f}x (target >= 500x)")
    print(
        f"objective: fit_chinchilla {fit.objective:.10g}, naive best of subset "
        f"{naive.fun:.10g}, relative difference {relative:+.2e} (target <= 1e-6)"
    )
    print(
        f"bootstrap: {args.boot} refits in {boot_time:.2f} s (target < 3 s), "
        f"{boot_time / fast:.0f}x one fit; {int(booted.to_dataset().attrs['n_boot'])} refits; "
        f"previous search (global_fit, 8 starts + main optimum): {previous_time:.2f} s, "
        f"{previous_time / boot_time:.1f}x"
    )
    print(
        f"brute force on {len(brute_gaps)} resamples of 2 laws (all 4,500 starts polished): "
        f"bootstrap refit minus brute best, relative: worst {max(brute_gaps):+.1e}, "
        f"{', '.join(f'{g:+.1e}' for g in brute_gaps)} (target <= 1e-6)"
    )
    gap = (vp.objective - fit.objective) / fit.objective
    print(
        f"VPNLS on the grid engine's objective: {min(vp_times) * 1e3:.0f} ms "
        f"({min(vp_times) / fast:.1f}x the grid engine), objective {vp.objective:.12g} vs "
        f"{fit.objective:.12g}: {gap:+.1e} relative (target |.| <= 1e-6)"
    )
    print(
        f"VPNLS least squares in loss space: {vp_ls_time * 1e3:.0f} ms "
        f"({vp_ls_time / fast:.1f}x the grid engine); alpha {vp_ls.params['alpha']:.4f}, "
        f"beta {vp_ls.params['beta']:.4f} (grid: {fit.params['alpha']:.4f}, "
        f"{fit.params['beta']:.4f})"
    )


if __name__ == "__main__":
    main()
