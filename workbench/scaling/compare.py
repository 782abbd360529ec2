"""Approaches side by side: Approach 2 (IsoFLOP), Approach 3 (grid) and VPNLS on one data set.

Hoffmann et al.'s approaches disagree on their own data (Besiroglu et al. 2024); on a user's
runs the spread between them is part of the uncertainty of any compute-optimal allocation.
:func:`compare_approaches` fits each on the same runs and tabulates the size exponent ``a``
(``N_opt ∝ C^a``) and the allocation at chosen budgets with their intervals; with a known
truth (simulated runs) it adds the true values, so each approach's bias shows.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from workbench._provenance import merge
from workbench._results import DEFAULT_LEVEL
from workbench._validation import (
    check_level,
    check_n_draws,
    check_positive,
    check_seed,
    invalid,
    public,
)
from workbench.scaling.isoflop import fit_isoflop
from workbench.scaling.loss_law import _optimal_allocation, fit_chinchilla
from workbench.scaling.runs import law_params

__all__ = ["APPROACHES", "compare_approaches"]

APPROACHES = ("isoflop", "grid", "vpnls")
_LABELS = {
    "isoflop": "Approach 2: IsoFLOP profiles",
    "grid": "Approach 3: Huber fit of log-loss, grid of starts",
    "vpnls": "VPNLS: variable projection, least squares in loss space",
    "truth": "true law",
}


@public
def compare_approaches(
    runs: xr.Dataset,
    budgets=(1e21, 1e23, 1e25),
    *,
    n_boot: int = 100,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    truth=None,
) -> xr.Dataset:
    """Fit Approach 2, Approach 3 and VPNLS on ``runs`` and tabulate them.

    Parameters
    ----------
    runs
        ``params``, ``tokens``, ``loss`` and ``training_compute`` along one dimension (on
        IsoFLOP profiles, for Approach 2).
    budgets
        Compute budgets (FLOP) of the allocation table.
    n_boot
        Bootstrap refits of Approach 3 and VPNLS (each a full fit).
    level
        Interval level.
    seed
        Seed of the bootstraps.
    truth
        The true law (a name of :data:`~workbench.scaling.LAWS` or a mapping), or
        ``"attrs"`` to read it from ``runs.attrs["true_params"]`` (simulated runs); adds a
        ``"truth"`` row and ``bias`` variables.

    Returns
    -------
    xr.Dataset
        Along ``approach`` (and ``budget``): ``exponent`` with ``exponent_lower``/``_upper``,
        ``params``, ``tokens`` and ``tokens_per_param`` with bounds; with a truth,
        ``exponent_bias`` and ``params_ratio`` (estimate / true).
    """
    level = check_level(level)
    budgets = check_positive(budgets, "budgets")
    n_boot, seed = check_n_draws(n_boot, "n_boot", minimum=0), check_seed(seed)
    for name in ("params", "tokens", "loss", "training_compute"):
        if name not in runs:
            raise invalid("runs", "a dataset with params, tokens, loss and training_compute", name)
    rows = {}
    with warnings.catch_warnings():
        # A bracketing or identifiability problem is reported in each fit's own table.
        warnings.simplefilter("ignore")
        iso = fit_isoflop(runs.params, runs.loss, runs.training_compute, level=level)
    bounds = iso.conf_int(level)["exponent"]
    allocation = iso.predict(budgets, level)
    rows["isoflop"] = {
        "exponent": (iso.exponent, *bounds),
        **{
            name: (
                allocation[name].values,
                allocation[f"{name}_lower"].values,
                allocation[f"{name}_upper"].values,
            )
            for name in ("params", "tokens")
        },
    }
    for method, options in (("grid", {}), ("vpnls", {"method": "vpnls", "objective": "ls"})):
        fit = fit_chinchilla(
            runs.params, runs.tokens, runs.loss, n_boot=n_boot, seed=seed, level=level, **options
        )
        draws = fit.draws
        exponents = (draws.beta / (draws.alpha + draws.beta)).values
        tail = (1 - level) / 2
        table = fit.compute_optimal(budgets, level)
        rows[method] = {
            "exponent": (fit.exponent, *np.quantile(exponents, [tail, 1 - tail])),
            **{
                name: (
                    table[name].values,
                    table[f"{name}_lower"].values,
                    table[f"{name}_upper"].values,
                )
                for name in ("params", "tokens")
            },
        }
    if truth is not None:
        if isinstance(truth, str) and truth == "attrs":
            if "true_params" not in runs.attrs:
                raise invalid(
                    "truth", "a law, or 'attrs' for runs with attrs['true_params']", truth
                )
            truth = _parse(runs.attrs["true_params"])
        law = law_params(truth, "truth")
        vector = np.array([[law[k] for k in ("E", "A", "B", "alpha", "beta")]])
        n_opt, d_opt = _optimal_allocation(vector, budgets)
        exponent = law["beta"] / (law["alpha"] + law["beta"])
        rows["truth"] = {
            "exponent": (exponent, exponent, exponent),
            "params": (n_opt[0], n_opt[0], n_opt[0]),
            "tokens": (d_opt[0], d_opt[0], d_opt[0]),
        }
    names = list(rows)
    budget_coord = ("budget", budgets, {"units": "FLOP", "long_name": "Training compute budget"})
    ds = xr.Dataset(coords={"approach": names, "budget": budget_coord})
    ds["approach_label"] = ("approach", [_LABELS[n] for n in names], {"long_name": "Approach"})
    exp_attrs = {"units": "1", "long_name": "Exponent a of N_opt ~ C^a"}
    for k, suffix in enumerate(("", "_lower", "_upper")):
        extra = {} if not suffix else {"level": level}
        ds[f"exponent{suffix}"] = (
            "approach",
            [rows[n]["exponent"][k] for n in names],
            {**exp_attrs, **extra},
        )
        for name, long_name in (
            ("params", "Compute-optimal parameter count"),
            ("tokens", "Compute-optimal training tokens"),
        ):
            values = np.array([np.asarray(rows[n][name][k], float) for n in names])
            ds[f"{name}{suffix}"] = (
                ("approach", "budget"),
                values,
                {"units": "1", "long_name": long_name, **extra},
            )
    ds["tokens_per_param"] = ds["tokens"] / ds["params"]
    ds["tokens_per_param"].attrs = {"units": "1", "long_name": "Training tokens per parameter"}
    if truth is not None:
        ds["exponent_bias"] = ds.exponent - ds.exponent.sel(approach="truth")
        ds["exponent_bias"].attrs = {"units": "1", "long_name": "Exponent minus the true exponent"}
        ds["params_ratio"] = ds.params / ds.params.sel(approach="truth")
        ds["params_ratio"].attrs = {"units": "1", "long_name": "N_opt over the true N_opt"}
    ds.attrs = {
        **merge(runs, method="workbench.scaling.compare_approaches"),
        "level": level,
        "n_boot": n_boot,
    }
    return ds


def _parse(text: str) -> dict[str, float]:
    """The law written by simulate_runs in ``attrs["true_params"]`` (a dict's repr)."""
    import ast

    return {str(k): float(v) for k, v in ast.literal_eval(text).items()}
