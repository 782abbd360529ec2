"""Calibration: how often fit_chinchilla's bootstrap 90% interval covers the true exponents.

Simulates datasets from a known law (Hoffmann et al.'s published fit) with log-normal noise,
fits each with a percentile bootstrap (every refit a full grid search) and counts how often
the interval contains the true alpha, beta and E. A calibrated interval covers ~90% of the
time; the binomial standard error over 200 datasets is ~2 percentage points.

Run: /work/.venv/bin/python benchmarks/calibrate_chinchilla.py [--datasets 200] [--boot 500]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from workbench.scaling import CHINCHILLA_PARAMS, ConvergenceWarning, fit_chinchilla, simulate_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=120, help="training runs per dataset")
    parser.add_argument("--boot", type=int, default=500, help="bootstrap refits per dataset")
    parser.add_argument("--noise", type=float, default=0.02, help="log-loss noise sd")
    parser.add_argument("--level", type=float, default=0.9)
    args = parser.parse_args()

    names = ("alpha", "beta", "E")
    covered = {name: 0 for name in names}
    widths = {name: [] for name in names}
    unconverged = 0
    start = time.perf_counter()
    for seed in range(args.datasets):
        runs = simulate_runs(args.runs, noise=args.noise, seed=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            fit = fit_chinchilla(
                runs.params, runs.tokens, runs.loss, n_boot=args.boot, level=args.level, seed=seed
            )
        unconverged += any(issubclass(w.category, ConvergenceWarning) for w in caught)
        bounds = fit.conf_int()
        for name in names:
            lower, upper = bounds[name]
            covered[name] += lower <= CHINCHILLA_PARAMS[name] <= upper
            widths[name].append(upper - lower)
    elapsed = time.perf_counter() - start

    n = args.datasets
    print(
        f"{n} datasets x {args.runs} runs, noise sd {args.noise}, {args.boot} bootstrap "
        f"refits each, nominal level {args.level:.0%}; {elapsed:.0f} s"
    )
    for name in names:
        rate = covered[name] / n
        se = np.sqrt(rate * (1 - rate) / n)
        print(
            f"coverage of true {name} = {CHINCHILLA_PARAMS[name]}: {rate:.1%} "
            f"(+/- {1.96 * se:.1%} at 95%), median width {np.median(widths[name]):.3g}"
        )
    print(f"datasets with a convergence warning: {unconverged}")


if __name__ == "__main__":
    main()
