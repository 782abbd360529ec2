"""Extrapolation check of a loss law: fit below a compute cut, score the runs above it.

A law is used to predict runs larger than any it was fitted to, so the test that matters is
the same one on the data at hand: hold out the runs above a compute cut, fit the rest, and
ask how often the held-out losses fall in the observation bands (which should be about
their level) and how large the errors are.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._results import DEFAULT_LEVEL
from workbench._validation import caller, check_level, check_n_draws, check_seed, invalid, public
from workbench.errors import FitError
from workbench.scaling.loss_law import fit_chinchilla

__all__ = ["score_extrapolation"]


@public
def score_extrapolation(
    runs: xr.Dataset,
    cut: float,
    *,
    levels=(0.5, DEFAULT_LEVEL),
    n_boot: int = 200,
    seed: int = 0,
    **fit_options,
) -> xr.Dataset:
    """Fit a loss law on the runs below ``cut`` FLOP and score the held-out runs above it.

    Parameters
    ----------
    runs
        Training runs with ``params``, ``tokens``, ``loss`` and ``training_compute`` along
        one dimension (as :func:`~workbench.scaling.read_runs` returns).
    cut
        Compute (FLOP): runs below it are fitted, runs at or above it held out.
    levels
        Levels of the observation bands scored.
    n_boot, seed, **fit_options
        Passed to :func:`~workbench.scaling.fit_chinchilla`.

    Returns
    -------
    xr.Dataset
        Along the held-out runs: ``loss``, ``predicted``, ``error`` (predicted / observed -
        1) and ``lower``/``upper`` (the observation band, along ``level``); ``coverage``
        along ``level`` (share of held-out runs inside each band); scalars
        ``median_error`` and ``worst_error`` (largest absolute relative error, signed);
        attrs ``cut``, ``n_fit``, ``n_held_out`` and the fit's provenance.
    """
    for name in ("params", "tokens", "loss", "training_compute"):
        if name not in runs:
            raise invalid("runs", "a dataset with params, tokens, loss and training_compute", name)
    if not (np.isfinite(cut) and cut > 0):
        raise invalid("cut", "a positive compute in FLOP", cut)
    levels = [check_level(level) for level in np.atleast_1d(levels)]
    n_boot, seed = check_n_draws(n_boot, "n_boot", minimum=0), check_seed(seed)
    below = runs.training_compute < cut
    n_fit, n_held = int(below.sum()), int((~below).sum())
    if n_held == 0:
        raise FitError(f"{caller()}: no run at or above the cut {cut:.3g} FLOP to score.")
    if n_fit < 10:
        raise FitError(f"{caller()}: only {n_fit} runs below the cut {cut:.3g} FLOP to fit.")
    fitted = runs.where(below, drop=True)
    held = runs.where(~below, drop=True)
    fit = fit_chinchilla(
        fitted.params, fitted.tokens, fitted.loss, n_boot=n_boot, seed=seed, **fit_options
    )
    dim = held.loss.dims[0]
    bands = [
        fit.predict(held.params, held.tokens, level, interval="observation") for level in levels
    ]
    predicted = bands[0].loss
    observed = held.loss
    lower = xr.concat([b.loss_lower for b in bands], dim="level")
    upper = xr.concat([b.loss_upper for b in bands], dim="level")
    level_coord = xr.DataArray(
        levels, dims="level", attrs={"units": "1", "long_name": "Band level"}
    )
    lower, upper = lower.assign_coords(level=level_coord), upper.assign_coords(level=level_coord)
    inside = (observed >= lower) & (observed <= upper)
    error = predicted / observed - 1.0
    worst = error.values[np.argmax(np.abs(error.values))]
    units = observed.attrs.get("units", "1")
    ds = xr.Dataset(
        {
            "loss": (dim, observed.values, {"units": units, "long_name": "Held-out loss"}),
            "predicted": (dim, predicted.values, {"units": units, "long_name": "Predicted loss"}),
            "error": (
                dim,
                error.values,
                {"units": "1", "long_name": "Relative error (predicted/observed - 1)"},
            ),
            "lower": (
                ("level", dim),
                lower.values,
                {"units": units, "long_name": "Observation band, lower"},
            ),
            "upper": (
                ("level", dim),
                upper.values,
                {"units": units, "long_name": "Observation band, upper"},
            ),
            "coverage": (
                "level",
                inside.mean(dim).values,
                {"units": "1", "long_name": "Share of held-out runs inside the band"},
            ),
            "median_error": (
                (),
                float(np.median(error.values)),
                {"units": "1", "long_name": "Median relative error"},
            ),
            "worst_error": (
                (),
                float(worst),
                {"units": "1", "long_name": "Largest relative error"},
            ),
            "training_compute": (
                dim,
                held.training_compute.values,
                {"units": "FLOP", "long_name": "Training compute"},
            ),
        },
        coords={"level": level_coord, dim: held[dim].values},
    )
    ds.attrs = {
        **fit.provenance,
        "cut": float(cut),
        "n_fit": n_fit,
        "n_held_out": n_held,
        "n_boot": n_boot,
        "sigma": fit.sigma,
    }
    return ds
