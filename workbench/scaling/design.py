"""Audit of an IsoFLOP plan before training: bracketing, expected precision, better sizes.

Given the runs one plans to train (a parameter count and a budget each) and a law believed
roughly right, :func:`isoflop_design` says whether each budget's sweep brackets the law's
optimum, simulates the plan under the law with run-to-run noise to show how precise the
fitted exponent will be (and how often a fit would be extrapolating), and suggests sizes that
would bracket the optimum.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from workbench._provenance import UNKNOWN
from workbench._random import stream
from workbench._results import DEFAULT_LEVEL
from workbench._validation import (
    check_count,
    check_level,
    check_positive,
    check_same_lengths,
    check_seed,
    invalid,
    public,
)
from workbench.errors import BracketWarning, FitError
from workbench.scaling.isoflop import DEFAULT_RTOL, fit_isoflop, group_budgets
from workbench.scaling.loss_law import (
    FLOP_PER_PARAMETER_TOKEN,
    NAMES,
    _optimal_allocation,
    law_loss,
)
from workbench.scaling.runs import law_params

__all__ = ["isoflop_design"]


@public
def isoflop_design(
    params,
    compute,
    *,
    law=None,
    noise: float = 0.02,
    n_sim: int = 200,
    span: float = 1.0,
    rtol: float = DEFAULT_RTOL,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> xr.Dataset:
    """Audit planned IsoFLOP runs under a law, before any is trained.

    Parameters
    ----------
    params, compute
        Planned parameter count and budget (FLOP) of each run.
    law
        The law assumed: a name of :data:`~workbench.scaling.LAWS` (default the
        replication's) or a mapping of ``E, A, B, alpha, beta``.
    noise
        Standard deviation of run-to-run log-loss noise in the simulations (0.02 is a
        typical seed-to-seed spread of small runs).
    n_sim
        Simulated repetitions of the whole plan.
    span
        Decades either side of the optimum of the suggested sizes.
    rtol, level, seed
        Budget grouping (as in :func:`~workbench.scaling.fit_isoflop`), interval level and
        the simulations' seed.

    Returns
    -------
    xr.Dataset
        Along ``budget``: ``optimum_params`` (the law's), ``min_params``/``max_params``
        planned, ``bracketed``, ``suggested_min_params``/``suggested_max_params`` and
        ``n_runs``; scalars ``exponent_true``, ``exponent_mean`` and ``exponent_sd`` of the
        simulated fits, ``exponent_lower``/``exponent_upper`` (their spread at ``level``),
        ``share_warned`` (simulations where some optimum was extrapolated) and
        ``share_failed`` (simulations whose fit failed).
    """
    sizes = check_positive(params, "params")
    budgets_of_runs = check_positive(compute, "compute")
    check_same_lengths(params=sizes, compute=budgets_of_runs)
    truth = law_params(law, "law")
    if not (np.isfinite(noise) and noise >= 0):
        raise invalid("noise", "a number >= 0", noise)
    n_sim = check_count(n_sim, "n_sim", minimum=2)
    seed = check_seed(seed)
    level = check_level(level)
    groups, budgets = group_budgets(budgets_of_runs, rtol)
    vector = np.array([[truth[k] for k in NAMES]])
    optimum = _optimal_allocation(vector, budgets)[0][0]
    low = np.array([sizes[groups == g].min() for g in range(budgets.size)])
    high = np.array([sizes[groups == g].max() for g in range(budgets.size)])
    best_planned = np.empty(budgets.size)
    for g in range(budgets.size):
        member = groups == g
        law_loss = _law(truth, sizes[member], budgets_of_runs[member])
        best_planned[g] = sizes[member][np.argmin(law_loss)]
    bracketed = (low < optimum) & (optimum < high) & (low < best_planned) & (best_planned < high)

    rng = stream(seed, "scaling.isoflop_design").generator()
    clean = _law(truth, sizes, budgets_of_runs)
    exponents, warned, failed = [], 0, 0
    for _ in range(n_sim):
        noisy = clean * np.exp(rng.normal(0.0, noise, clean.size))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = fit_isoflop(sizes, noisy, budgets_of_runs, rtol=rtol)
            except FitError:
                failed += 1
                continue
        warned += any(issubclass(w.category, BracketWarning) for w in caught)
        exponents.append(fit.exponent)
    exponents = np.array(exponents)
    tail = (1 - level) / 2
    spread = np.quantile(exponents, [tail, 1 - tail]) if exponents.size else (np.nan, np.nan)
    true_exponent = truth["beta"] / (truth["alpha"] + truth["beta"])
    unit = {"units": "1"}
    ds = xr.Dataset(
        {
            "optimum_params": (
                "budget",
                optimum,
                {**unit, "long_name": "Optimal parameter count under the law"},
            ),
            "min_params": ("budget", low, {**unit, "long_name": "Smallest planned model"}),
            "max_params": ("budget", high, {**unit, "long_name": "Largest planned model"}),
            "bracketed": ("budget", bracketed, {"long_name": "Planned sizes bracket the optimum"}),
            "suggested_min_params": (
                "budget",
                optimum / 10**span,
                {**unit, "long_name": "Suggested smallest model"},
            ),
            "suggested_max_params": (
                "budget",
                optimum * 10**span,
                {**unit, "long_name": "Suggested largest model"},
            ),
            "n_runs": ("budget", np.bincount(groups), {**unit, "long_name": "Planned runs"}),
            "exponent_true": (
                (),
                true_exponent,
                {**unit, "long_name": "Exponent a of N_opt ~ C^a under the law"},
            ),
            "exponent_mean": (
                (),
                float(np.mean(exponents)) if exponents.size else np.nan,
                {**unit, "long_name": "Mean fitted exponent over simulations"},
            ),
            "exponent_sd": (
                (),
                float(np.std(exponents, ddof=1)) if exponents.size > 1 else np.nan,
                {**unit, "long_name": "Standard deviation of the fitted exponent"},
            ),
            "exponent_lower": (
                (),
                float(spread[0]),
                {**unit, "long_name": "Fitted exponent, lower", "level": level},
            ),
            "exponent_upper": (
                (),
                float(spread[1]),
                {**unit, "long_name": "Fitted exponent, upper", "level": level},
            ),
            "share_warned": (
                (),
                warned / n_sim,
                {**unit, "long_name": "Share of simulations extrapolating an optimum"},
            ),
            "share_failed": (
                (),
                failed / n_sim,
                {**unit, "long_name": "Share of simulations whose fit failed"},
            ),
        },
        coords={"budget": ("budget", budgets, {"units": "FLOP", "long_name": "Compute budget"})},
    )
    ds.attrs = {
        "source": f"workbench.scaling.isoflop_design: plan simulated under the law {truth}",
        "license": UNKNOWN,  # a simulation of the user's plan: no data, no licence
        "as_of": UNKNOWN,
        "noise": noise,
        "n_sim": n_sim,
        "level": level,
    }
    return ds


def _law(truth, sizes, compute):
    return law_loss(truth, sizes, compute / (FLOP_PER_PARAMETER_TOKEN * sizes))
