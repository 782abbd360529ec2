"""The IsoFLOP method (Hoffmann et al. 2022, Approach 2): optimal model size per budget.

For each compute budget, a parabola of loss against ``log N`` locates the loss-minimising
parameter count; a straight line through ``log N_opt`` against ``log C`` then gives
``N_opt ∝ C^a`` (and ``D_opt ∝ C^(1-a)`` with ``C = 6 N D``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from workbench.errors import FitError
from workbench.scaling import _checks

__all__ = ["IsoFLOPFit", "fit_isoflop"]


def fit_isoflop(N, loss, compute, *, level: float = 0.9) -> IsoFLOPFit:
    """Fit ``N_opt(C) = k · C^a`` from IsoFLOP profiles.

    Parameters
    ----------
    N, loss
        Parameter count and final loss of each run (positive, finite, one length).
    compute
        The budget (FLOP) of the profile each run belongs to: runs of one profile share
        exactly one value.
    level
        Default interval level (t intervals of the line through the optima).

    Returns
    -------
    IsoFLOPFit

    Raises
    ------
    FitError
        Fewer than three budgets, a budget with fewer than three runs, or a profile whose
        parabola opens downwards (no minimum).
    """
    owner = "fit_isoflop"
    sizes = _checks.positive_values(N, "N", owner)
    losses = _checks.positive_values(loss, "loss", owner)
    budgets = _checks.positive_values(compute, "compute", owner)
    _checks.same_lengths(owner, N=sizes, loss=losses, compute=budgets)
    level = _checks.level_value(level, owner)
    unique = np.unique(budgets)
    if unique.size < 3:
        raise FitError(f"{owner} needs at least three compute budgets; got {unique.size}.")
    optimum = np.empty(unique.size)
    minimum_loss = np.empty(unique.size)
    for k, budget in enumerate(unique):
        member = budgets == budget
        log_n = np.log(sizes[member])
        if np.unique(log_n).size < 3:
            raise FitError(
                f"{owner}: the profile at C={budget:.3g} FLOP has {np.unique(log_n).size} "
                "distinct model sizes; a parabola needs at least three."
            )
        centre = log_n.mean()
        c2, c1, c0 = np.polyfit(log_n - centre, losses[member], 2)
        if c2 <= 0:
            raise FitError(
                f"{owner}: the profile at C={budget:.3g} FLOP has no minimum (its parabola "
                "opens downwards); add runs on both sides of the optimum."
            )
        vertex = -c1 / (2 * c2)
        optimum[k] = np.exp(centre + vertex)
        minimum_loss[k] = c0 + c1 * vertex + c2 * vertex**2
    results = OLS(np.log(optimum), add_constant(np.log(unique), has_constant="add")).fit()
    return IsoFLOPFit(
        results,
        unique,
        optimum,
        minimum_loss,
        level,
        sizes.size,
        _checks.provenance({"N": N, "loss": loss}, "workbench.scaling.fit_isoflop"),
    )


class IsoFLOPFit:
    """``N_opt(C) = k · C^a`` from IsoFLOP profiles.

    Attributes
    ----------
    exponent : float
        ``a`` in ``N_opt ∝ C^a`` (the token exponent is ``1 - a``).
    coefficient : float
        ``k``.
    n : int
        Budgets (profiles) used.
    n_runs : int
    optima : xr.Dataset
        Per budget: ``params`` (N_opt) and ``loss`` (the parabola's minimum).
    """

    def __init__(self, results, budgets, optimum, minimum_loss, level, n_runs, provenance):
        self.results = results
        self.exponent = float(results.params[1])
        self.coefficient = float(np.exp(results.params[0]))
        self.level = level
        self.n = budgets.size
        self.n_runs = n_runs
        self._provenance = provenance
        compute = xr.DataArray(
            budgets, dims="budget", attrs={"units": "FLOP", "long_name": "Compute budget"}
        )
        self.optima = xr.Dataset(
            {
                "params": (
                    "budget",
                    optimum,
                    {"units": "1", "long_name": "Loss-minimising parameter count"},
                ),
                "loss": (
                    "budget",
                    minimum_loss,
                    {"units": "1", "long_name": "Minimum loss of the profile"},
                ),
            },
            coords={"budget": compute},
        )

    def __repr__(self) -> str:
        return f"IsoFLOPFit(N_opt ∝ C^{self.exponent:.3f}, budgets={self.n}, runs={self.n_runs})"

    def _level(self, level, owner):
        return self.level if level is None else _checks.level_value(level, owner)

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """``exponent``, ``token_exponent`` and ``coefficient`` -> (lower, upper)."""
        level = self._level(level, "IsoFLOPFit.conf_int")
        (c_lo, c_hi), (a_lo, a_hi) = np.asarray(self.results.conf_int(alpha=1 - level))
        return {
            "exponent": (float(a_lo), float(a_hi)),
            "token_exponent": (float(1 - a_hi), float(1 - a_lo)),
            "coefficient": (float(np.exp(c_lo)), float(np.exp(c_hi))),
        }

    def predict(self, C, level: float | None = None) -> xr.Dataset:
        """``params`` (N_opt) and ``tokens`` (D_opt = C / 6 N_opt) at budgets ``C``, with bands."""
        owner = "IsoFLOPFit.predict"
        level = self._level(level, owner)
        budgets = _checks.positive_values(C, "C", owner)
        design = np.column_stack([np.ones_like(budgets), np.log(budgets)])
        central = design @ np.asarray(self.results.params)
        se = np.sqrt(
            np.einsum("ij,jk,ik->i", design, np.asarray(self.results.cov_params()), design)
        )
        q = stats.t.ppf(0.5 + level / 2, self.results.df_resid)
        n_attrs = {"units": "1", "long_name": "Compute-optimal parameter count"}
        d_attrs = {"units": "1", "long_name": "Compute-optimal training tokens"}
        params = np.exp(central)
        lower, upper = np.exp(central - q * se), np.exp(central + q * se)
        ds = xr.Dataset(
            {
                "params": ("budget", params, n_attrs),
                "params_lower": ("budget", lower, {**n_attrs, "level": level}),
                "params_upper": ("budget", upper, {**n_attrs, "level": level}),
                "tokens": ("budget", budgets / (6 * params), d_attrs),
                "tokens_lower": ("budget", budgets / (6 * upper), {**d_attrs, "level": level}),
                "tokens_upper": ("budget", budgets / (6 * lower), {**d_attrs, "level": level}),
            },
            coords={
                "budget": ("budget", budgets, {"units": "FLOP", "long_name": "Compute budget"})
            },
        )
        ds.attrs = dict(self._provenance)
        return ds

    def summary(self, level: float | None = None):
        from workbench.scaling._summary import Summary

        level = self._level(level, "IsoFLOPFit.summary")
        bounds = self.conf_int(level)
        rows = [
            ("exponent a (N_opt ~ C^a)", self.exponent, *bounds["exponent"]),
            ("token exponent 1 - a", 1 - self.exponent, *bounds["token_exponent"]),
            ("coefficient k", self.coefficient, *bounds["coefficient"]),
        ]
        return Summary(
            title="IsoFLOP fit N_opt(C) = k C^a",
            rows=rows,
            interval_label=f"{level:.0%} interval",
            notes=[f"budgets: {self.n}; runs: {self.n_runs}"],
        )

    def to_dataset(self) -> xr.Dataset:
        """The per-budget optima, the fitted line at those budgets, and the exponent."""
        ds = self.predict(self.optima.budget.values)
        ds["optimum_params"] = self.optima["params"]
        ds["optimum_loss"] = self.optima["loss"]
        bounds = self.conf_int()
        attrs = {"units": "1", "long_name": "Exponent a of N_opt ~ C^a"}
        ds["exponent"] = ((), self.exponent, attrs)
        ds["exponent_lower"] = ((), bounds["exponent"][0], {**attrs, "level": self.level})
        ds["exponent_upper"] = ((), bounds["exponent"][1], {**attrs, "level": self.level})
        ds.attrs = {**self._provenance, "level": self.level, "n": self.n, "n_runs": self.n_runs}
        return ds
