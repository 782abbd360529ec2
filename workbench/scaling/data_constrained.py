"""Data-constrained scaling (Muennighoff et al. 2023): repeated tokens are worth less.

Training ``D`` tokens from ``U`` unique ones repeats them ``R = D/U − 1`` times beyond the
first epoch. Muennighoff et al. (2023, "Scaling Data-Constrained Language Models", eq. 5)
replace ``D`` in the loss law by the effective data

    D' = U + U · R* · (1 − exp(−R / R*))

so the value of a repeat decays with the constant ``R*`` (they fit ``R*_D ≈ 15.4``: up to about
four epochs are almost as good as new data; beyond ``R*`` more epochs add little). With ``R*``
fitted on runs that repeat data, the compute-optimal allocation under a cap on unique tokens
follows by minimising the law over ``N`` along ``C = 6 N D``. (Their analogous decay of excess
parameters, ``R*_N``, is not modelled here.)
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import optimize, stats

from workbench._provenance import merge
from workbench._results import DEFAULT_LEVEL, Fit
from workbench._validation import (
    check_enough_points,
    check_level,
    check_positive,
    check_same_lengths,
    invalid,
    public,
)
from workbench.scaling.loss_law import FLOP_PER_PARAMETER_TOKEN, NAMES, LossLawFit, law_loss
from workbench.scaling.runs import law_params

__all__ = ["MUENNIGHOFF_R_STAR", "DataConstrainedFit", "effective_tokens", "fit_data_constrained"]

# Muennighoff et al. (2023), the fitted decay constant of repeated data, R*_D.
MUENNIGHOFF_R_STAR = 15.4
_LOG_R_STAR_RANGE = (np.log(0.05), np.log(1e4))


def effective_tokens(tokens, unique_tokens, r_star: float = MUENNIGHOFF_R_STAR) -> np.ndarray:
    """Effective data ``D'`` of ``tokens`` drawn from ``unique_tokens`` (same when no repeat)."""
    tokens = np.asarray(tokens, float)
    unique = np.minimum(np.asarray(unique_tokens, float), tokens)
    repeats = tokens / unique - 1.0
    return unique + unique * r_star * (1.0 - np.exp(-repeats / r_star))


def _base_vector(base) -> np.ndarray:
    if isinstance(base, LossLawFit):
        law = base.params
    else:
        law = law_params(base, "base")
    return np.array([law[k] for k in NAMES])


@public
def fit_data_constrained(
    N, D, unique_tokens, loss, *, base=None, level: float = DEFAULT_LEVEL
) -> DataConstrainedFit:
    """Fit the decay constant ``R*`` of repeated data to runs that repeat their tokens.

    Parameters
    ----------
    N, D, unique_tokens, loss
        Parameter count, tokens trained (epochs included), unique tokens and final loss of
        each run.
    base
        The single-epoch law: a :class:`~workbench.scaling.LossLawFit` (fitted on runs that
        did not repeat data), a law name or a mapping; default the replication's law.
    level
        Default interval level of ``R*`` (profile least squares of log-loss, F bound).

    Returns
    -------
    DataConstrainedFit
    """
    sizes = check_positive(N, "N")
    tokens = check_positive(D, "D")
    unique = check_positive(unique_tokens, "unique_tokens")
    losses = check_positive(loss, "loss")
    n = check_same_lengths(N=sizes, D=tokens, unique_tokens=unique, loss=losses)
    check_enough_points(n, 3, "the decay of repeated data")
    level = check_level(level)
    vector = _base_vector(base)
    if not (tokens > unique * 1.01).any():
        raise invalid(
            "D", "above unique_tokens for some runs (repeated data)", "no run repeats data"
        )

    def ssr(log_r):
        predicted = law_loss(vector, sizes, effective_tokens(tokens, unique, np.exp(log_r)))
        return float(np.sum((np.log(losses) - np.log(predicted)) ** 2))

    grid = np.linspace(*_LOG_R_STAR_RANGE, 200)
    values = np.array([ssr(v) for v in grid])
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    best = optimize.minimize_scalar(
        ssr, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
    )
    dof = max(n - 1, 1)
    prov = merge(N, D, unique_tokens, loss, method="workbench.scaling.fit_data_constrained")
    return DataConstrainedFit(
        vector, float(best.x), float(best.fun), ssr, grid, dof, n, level, prov
    )


class DataConstrainedFit(Fit):
    """A single-epoch loss law with the fitted decay constant ``R*`` of repeated data.

    Attributes
    ----------
    r_star : float
    base : dict
        The single-epoch law's ``E, A, B, alpha, beta``.
    """

    def __init__(self, vector, log_r_star, ssr_min, ssr, grid, dof, n, level, provenance):
        self._vector = vector
        self.base = dict(zip(NAMES, map(float, vector), strict=True))
        self.r_star = float(np.exp(log_r_star))
        self._log_r = log_r_star
        self._ssr_min = ssr_min
        self._ssr = ssr
        self._grid = grid
        self._dof = dof
        self.n = n
        self.level = level
        self.provenance = dict(provenance)
        self.sigma = float(np.sqrt(ssr_min / dof))

    def __repr__(self) -> str:
        return f"DataConstrainedFit(R*={self.r_star:.3g}, n={self.n})"

    def _estimates(self):
        return {"r_star": self.r_star}

    def _param_attrs(self):
        return {"r_star": {"units": "1", "long_name": "Decay constant R* of repeated data"}}

    def _interval(self, level):
        bound = self._ssr_min * (1 + stats.f.ppf(level, 1, self._dof) / self._dof)

        def edge(toward):
            inside = self._log_r
            outside = toward
            if self._ssr(outside) <= bound:
                return float(np.exp(outside))  # the data cannot bound R* on this side
            for _ in range(60):
                middle = 0.5 * (inside + outside)
                if self._ssr(middle) <= bound:
                    inside = middle
                else:
                    outside = middle
            return float(np.exp(inside))

        return {"r_star": (edge(_LOG_R_STAR_RANGE[0]), edge(_LOG_R_STAR_RANGE[1]))}

    def _summary_title(self):
        return "Data-constrained law: D' = U + U R* (1 - exp(-R/R*))"

    def _summary_notes(self):
        return [
            f"runs: {self.n}; single-epoch law {self.base}; Muennighoff et al. (2023) fit "
            f"R* = {MUENNIGHOFF_R_STAR}; interval bounds at the search range "
            "(0.05, 1e4) mean the runs do not bound R* on that side"
        ]

    @public
    def predict(self, N, D, unique_tokens) -> xr.Dataset:
        """Loss at parameter counts ``N``, tokens ``D`` and unique tokens (broadcast, 1-D)."""
        sizes = check_positive(N, "N")
        tokens = check_positive(D, "D")
        unique = check_positive(unique_tokens, "unique_tokens")
        sizes, tokens, unique = np.broadcast_arrays(sizes, tokens, unique)
        effective = effective_tokens(tokens, unique, self.r_star)
        ds = xr.Dataset(
            {
                "loss": (
                    "point",
                    law_loss(self._vector, sizes, effective),
                    {"units": "1", "long_name": "Predicted loss"},
                ),
                "effective_tokens": (
                    "point",
                    effective,
                    {"units": "1", "long_name": "Effective training tokens D'"},
                ),
            }
        )
        ds.attrs = dict(self.provenance)
        return ds

    @public
    def compute_optimal(self, C, unique_tokens) -> xr.Dataset:
        """Compute-optimal ``N`` and ``D`` for budgets ``C`` with at most ``unique_tokens``.

        Returns along ``budget``: ``params``, ``tokens``, ``epochs``, ``loss``, and the
        unconstrained optimum's ``params_unconstrained`` and ``loss_unconstrained``.
        """
        budgets = check_positive(C, "C")
        cap = float(check_positive(unique_tokens, "unique_tokens")[0])

        def loss_at(log_n, budget, unique):
            n = np.exp(log_n)
            d = budget / (FLOP_PER_PARAMETER_TOKEN * n)
            return law_loss(self._vector, n, effective_tokens(d, unique, self.r_star))

        out = {k: [] for k in ("params", "loss", "params_unconstrained", "loss_unconstrained")}
        for budget in budgets:
            for suffix, unique in (("", cap), ("_unconstrained", np.inf)):
                # Unimodal in log N: a bounded scalar search over a wide bracket.
                result = optimize.minimize_scalar(
                    loss_at,
                    bounds=(np.log(1e3), np.log(budget)),
                    args=(budget, unique),
                    method="bounded",
                    options={"xatol": 1e-9},
                )
                out[f"params{suffix}"].append(float(np.exp(result.x)))
                out[f"loss{suffix}"].append(float(result.fun))
        params = np.array(out["params"])
        tokens = budgets / (FLOP_PER_PARAMETER_TOKEN * params)
        unit = {"units": "1"}
        ds = xr.Dataset(
            {
                "params": (
                    "budget",
                    params,
                    {**unit, "long_name": "Compute-optimal parameter count"},
                ),
                "tokens": (
                    "budget",
                    tokens,
                    {**unit, "long_name": "Compute-optimal training tokens"},
                ),
                "epochs": (
                    "budget",
                    np.maximum(tokens / cap, 1.0),
                    {**unit, "long_name": "Epochs over the unique tokens"},
                ),
                "loss": ("budget", out["loss"], {**unit, "long_name": "Loss at the optimum"}),
                "params_unconstrained": (
                    "budget",
                    out["params_unconstrained"],
                    {**unit, "long_name": "Optimal parameter count without the cap"},
                ),
                "loss_unconstrained": (
                    "budget",
                    out["loss_unconstrained"],
                    {**unit, "long_name": "Loss at the optimum without the cap"},
                ),
            },
            coords={
                "budget": (
                    "budget",
                    budgets,
                    {"units": "FLOP", "long_name": "Training compute budget"},
                )
            },
        )
        ds.attrs = {**self.provenance, "unique_tokens": cap, "r_star": self.r_star}
        return ds
