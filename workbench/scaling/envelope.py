"""Approach 1 (Hoffmann et al. 2022): the envelope of training curves.

Each run records its loss along training. At a compute ``C`` every run that has spent ``C``
FLOP (``6 N × tokens seen``) has a loss; the lowest over runs is the envelope, and the model
size achieving it is the compute-optimal ``N_opt(C)``. A line through ``log N_opt`` against
``log C`` gives ``N_opt ∝ C^a``. The envelope is read where it is interior: at compute
values where the smallest or the largest model is the winner, the optimum may lie beyond the
sizes trained, so those are dropped.

A curve's intermediate loss is only a proxy for the final loss of a shorter run when the
learning-rate schedule was set for that length (Hoffmann et al. trained several schedule
lengths per size for this reason); :func:`simulate_curves` assumes it is.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from workbench._provenance import merge
from workbench._random import stream
from workbench._results import DEFAULT_LEVEL, Fit
from workbench._validation import (
    caller,
    check_count,
    check_level,
    check_positive,
    check_seed,
    invalid,
    public,
)
from workbench.errors import FitError
from workbench.scaling.isoflop import allocation_band
from workbench.scaling.loss_law import FLOP_PER_PARAMETER_TOKEN, law_loss
from workbench.scaling.runs import law_params

__all__ = ["EnvelopeFit", "fit_envelope", "simulate_curves"]


@public
def simulate_curves(
    sizes=None,
    *,
    params=None,
    max_tokens: float = 1e12,
    min_tokens: float = 1e8,
    n_steps: int = 200,
    noise: float = 0.005,
    step_noise: float = 0.0005,
    seed: int = 0,
) -> xr.Dataset:
    """Synthetic training curves from a known law: loss against tokens seen, per model size.

    Returns ``params`` along ``run`` and ``tokens_seen``, ``loss`` along ``(run, step)``;
    the loss at each step is the law's value at (N, tokens seen) times log-normal noise: a
    level per run (seed-to-seed spread, sd ``noise``) and a small jitter per step (sd
    ``step_noise``), as real curves are smooth within a run.
    """
    truth = law_params(params, "params")
    sizes = np.geomspace(3e7, 3e10, 25) if sizes is None else check_positive(sizes, "sizes")
    n_steps = check_count(n_steps, "n_steps", minimum=2)
    seed = check_seed(seed)
    rng = stream(seed, "scaling.simulate_curves").generator()
    tokens = np.geomspace(min_tokens, max_tokens, n_steps)
    law = law_loss(truth, sizes[:, None], tokens[None])
    per_run = rng.normal(0.0, noise, (sizes.size, 1))
    loss = law * np.exp(per_run + rng.normal(0.0, step_noise, law.shape))
    ds = xr.Dataset(
        {
            "params": ("run", sizes, {"units": "1", "long_name": "Parameter count"}),
            "tokens_seen": (
                ("run", "step"),
                np.broadcast_to(tokens, law.shape).copy(),
                {"units": "1", "long_name": "Tokens seen"},
            ),
            "loss": (("run", "step"), loss, {"units": "1", "long_name": "Training loss"}),
        },
        coords={"run": np.arange(sizes.size), "step": np.arange(n_steps)},
    )
    ds.attrs = {
        "source": (
            f"SYNTHETIC: workbench.scaling.simulate_curves(noise={noise}, seed={seed}) "
            f"from the law {truth}"
        ),
        "license": "CC0-1.0",
        "as_of": "synthetic",
        "true_params": str(truth),
    }
    return ds


@public
def fit_envelope(
    curves: xr.Dataset, *, n_compute: int = 60, level: float = DEFAULT_LEVEL
) -> EnvelopeFit:
    """Fit ``N_opt(C) = k · C^a`` from the envelope of training curves (Approach 1).

    Parameters
    ----------
    curves
        ``params`` along ``run``; ``tokens_seen`` and ``loss`` along ``(run, step)`` (NaN
        where a run has no record at a step).
    n_compute
        Log-spaced compute values at which the envelope is read.
    level
        Default interval level (t intervals of the line).

    Returns
    -------
    EnvelopeFit
    """
    for name in ("params", "tokens_seen", "loss"):
        if name not in curves:
            raise invalid("curves", "a dataset with params, tokens_seen and loss", name)
    level = check_level(level)
    n_compute = check_count(n_compute, "n_compute", minimum=5)
    sizes = np.asarray(curves.params.values, float)
    tokens = np.asarray(curves.tokens_seen.values, float)
    loss = np.asarray(curves.loss.values, float)
    compute = FLOP_PER_PARAMETER_TOKEN * sizes[:, None] * tokens
    valid = np.isfinite(compute) & np.isfinite(loss)
    grid = np.geomspace(
        np.nanmin(np.where(valid, compute, np.nan)),
        np.nanmax(np.where(valid, compute, np.nan)),
        n_compute,
    )
    # Each run's loss at each grid compute, by interpolation in log compute (NaN outside).
    at = np.full((sizes.size, grid.size), np.nan)
    for k in range(sizes.size):
        ok = valid[k]
        if ok.sum() < 2:
            continue
        order = np.argsort(compute[k, ok], kind="stable")
        x, y = np.log(compute[k, ok][order]), loss[k, ok][order]
        inside = (np.log(grid) >= x[0]) & (np.log(grid) <= x[-1])
        at[k, inside] = np.interp(np.log(grid[inside]), x, y)
    has = np.isfinite(at).sum(axis=0) >= 3
    winner = np.where(has, np.nanargmin(np.where(np.isfinite(at), at, np.inf), axis=0), -1)
    smallest, largest = np.argmin(sizes), np.argmax(sizes)
    # Interior: the winner is neither the smallest nor the largest model available there.
    interior = has & (winner != smallest) & (winner != largest)
    for j in np.flatnonzero(interior):
        present = np.flatnonzero(np.isfinite(at[:, j]))
        lo, hi = sizes[present].min(), sizes[present].max()
        interior[j] = lo < sizes[winner[j]] < hi
    if interior.sum() < 3:
        raise FitError(
            f"{caller()}: the envelope is interior at only {int(interior.sum())} compute values; "
            "train smaller and larger models so the optimum is bracketed."
        )
    c = grid[interior]
    n_opt = sizes[winner[interior]]
    envelope_loss = at[winner[interior], np.flatnonzero(interior)]
    results = OLS(np.log(n_opt), add_constant(np.log(c), has_constant="add")).fit()
    prov = merge(curves, method="workbench.scaling.fit_envelope")
    return EnvelopeFit(results, c, n_opt, envelope_loss, level, sizes.size, prov)


class EnvelopeFit(Fit):
    """``N_opt(C) = k · C^a`` from the envelope of training curves (Approach 1).

    Attributes
    ----------
    exponent, coefficient : float
    envelope : xr.Dataset
        Along ``compute``: ``params`` (the winning size) and ``loss`` (the envelope).
    n_runs : int
    """

    def __init__(self, results, compute, n_opt, loss, level, n_runs, provenance):
        self.results = results
        self.exponent = float(results.params[1])
        self.coefficient = float(np.exp(results.params[0]))
        self.level = level
        self.n_runs = n_runs
        self.provenance = dict(provenance)
        self.envelope = xr.Dataset(
            {
                "params": ("compute", n_opt, {"units": "1", "long_name": "Size on the envelope"}),
                "loss": ("compute", loss, {"units": "1", "long_name": "Envelope loss"}),
            },
            coords={
                "compute": ("compute", compute, {"units": "FLOP", "long_name": "Training compute"})
            },
        )

    def __repr__(self) -> str:
        return f"EnvelopeFit(N_opt ∝ C^{self.exponent:.3f}, runs={self.n_runs})"

    def _estimates(self):
        return {
            "exponent": self.exponent,
            "token_exponent": 1 - self.exponent,
            "coefficient": self.coefficient,
        }

    def _interval(self, level):
        (c_lo, c_hi), (a_lo, a_hi) = np.asarray(self.results.conf_int(alpha=1 - level))
        return {
            "exponent": (float(a_lo), float(a_hi)),
            "token_exponent": (float(1 - a_hi), float(1 - a_lo)),
            "coefficient": (float(np.exp(c_lo)), float(np.exp(c_hi))),
        }

    def _summary_title(self) -> str:
        return "Approach 1: envelope of training curves, N_opt(C) = k C^a"

    def _summary_notes(self):
        return [
            f"runs: {self.n_runs}; interior envelope points: {self.envelope.sizes['compute']}; "
            "intervals treat envelope points as independent (they are not: read them as a floor)"
        ]

    @public
    def predict(self, C, level: float | None = None) -> xr.Dataset:
        """``params`` (N_opt) and ``tokens`` at budgets ``C`` with t bands of the line
        (:func:`workbench.scaling.isoflop.allocation_band`, as :meth:`IsoFLOPFit.predict`)."""
        level = self._level(level, "predict")
        return allocation_band(self.results, check_positive(C, "C"), level, self.provenance)

    def _add_to_dataset(self, ds, level):
        ds = ds.merge(self.envelope.rename({"params": "envelope_params", "loss": "envelope_loss"}))
        ds.attrs = {"n_runs": self.n_runs}
        return ds
