"""The IsoFLOP method (Hoffmann et al. 2022, Approach 2): optimal model size per budget.

Runs are grouped into compute budgets (from a budget column, or by a relative tolerance on
their compute, since ``6 N D`` recomputed from a CSV scatters around each budget). For each
budget the loss-minimising parameter count is located, and a straight line through
``log N_opt`` against ``log C`` gives ``N_opt ∝ C^a`` (``D_opt ∝ C^(1-a)`` with
``C = 6 N D``).

Real sweeps are wide and asymmetric (a factor 10 or more either side of the optimum, more
points on one side); one parabola in ``log N`` over the whole sweep then biases its vertex
towards the side with more points, because the profile is not a parabola far from its
minimum. The default estimator fits the parabola only near the lowest losses (within
``window`` decades of the best run, at least seven runs), as Porian et al. (2024) locate each
optimum locally; the vertex's standard error comes from that local fit. A vertex outside the
sizes sampled is an extrapolation: it raises a :class:`~workbench.errors.BracketWarning`
(or a :class:`~workbench.errors.FitError` with ``strict=True``).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from workbench._provenance import merge
from workbench._results import DEFAULT_LEVEL, Fit
from workbench._validation import (
    caller,
    check_choice,
    check_level,
    check_positive,
    check_same_lengths,
    invalid,
    public,
)
from workbench.errors import BracketWarning, FitError
from workbench.scaling.loss_law import FLOP_PER_PARAMETER_TOKEN

__all__ = ["ESTIMATORS", "IsoFLOPFit", "fit_isoflop", "group_budgets"]

ESTIMATORS = ("local", "parabola")
# Runs whose compute differs by less than this share belong to one budget by default:
# IsoFLOP budgets are usually spaced by a factor 2 or more, rounding moves 6ND by far less.
DEFAULT_RTOL = 0.1
_MIN_LOCAL_RUNS = 7


def group_budgets(compute: np.ndarray, rtol: float = DEFAULT_RTOL) -> tuple[np.ndarray, np.ndarray]:
    """Budget index of each run and the budgets (geometric mean of each group), sorted.

    Sorted compute values start a new budget where one exceeds the previous by more than
    the share ``rtol``.
    """
    order = np.argsort(compute, kind="stable")
    log_c = np.log(compute[order])
    new = np.concatenate([[True], np.diff(log_c) > np.log1p(rtol)])
    group_sorted = np.cumsum(new) - 1
    groups = np.empty_like(group_sorted)
    groups[order] = group_sorted
    budgets = np.exp(np.array([log_c[group_sorted == g].mean() for g in range(new.sum())]))
    return groups, budgets


@public
def fit_isoflop(
    N,
    loss,
    compute,
    *,
    rtol: float = DEFAULT_RTOL,
    estimator: str = "local",
    window: float = 0.5,
    strict: bool = False,
    level: float = DEFAULT_LEVEL,
) -> IsoFLOPFit:
    """Fit ``N_opt(C) = k · C^a`` from IsoFLOP profiles.

    Parameters
    ----------
    N, loss
        Parameter count and final loss of each run (positive, finite, one length).
    compute
        The budget (FLOP) of each run's profile: a budget column (``read_runs`` reads one
        named ``compute`` or ``budget``), or ``6 N D``, whose values scatter around each
        budget and are grouped with ``rtol``.
    rtol
        Runs whose compute values differ by at most this share (sorted, consecutive) share
        a budget (default 0.1, i.e. 10%).
    estimator
        ``"local"`` (default): a parabola in ``log N`` through the runs within ``window``
        decades of the lowest loss (at least five runs). ``"parabola"``: one parabola over
        the whole sweep (Hoffmann et al.), biased on wide, asymmetric sweeps.
    window
        Half-width, in decades of ``N``, of the local fit.
    strict
        Raise a FitError instead of a BracketWarning when a budget's optimum lies outside
        the sizes sampled.
    level
        Default interval level (t intervals of the line through the optima).

    Returns
    -------
    IsoFLOPFit

    Raises
    ------
    FitError
        Fewer than three budgets, a budget with fewer than three distinct sizes, a profile
        with no minimum, or (``strict``) an optimum outside the sampled sizes.

    Warns
    -----
    BracketWarning
        When some budget's optimum is extrapolated beyond its sampled sizes.
    """
    sizes = check_positive(N, "N")
    losses = check_positive(loss, "loss")
    runs_compute = check_positive(compute, "compute")
    check_same_lengths(N=sizes, loss=losses, compute=runs_compute)
    level = check_level(level)
    check_choice(estimator, "estimator", ESTIMATORS)
    if not (np.isfinite(rtol) and 0 <= rtol < 1):
        raise invalid("rtol", "a share in [0, 1)", rtol)
    if not (np.isfinite(window) and window > 0):
        raise invalid("window", "a positive number of decades", window)
    groups, budgets = group_budgets(runs_compute, rtol)
    if budgets.size < 3:
        raise FitError(
            f"{caller()} needs at least three compute budgets; got {budgets.size} "
            f"(runs grouped with rtol={rtol:g})."
        )
    rows = []
    for k, budget in enumerate(budgets):
        member = np.flatnonzero(groups == k)
        rows.append(
            _profile_optimum(
                sizes[member],
                losses[member],
                runs_compute[member],
                budget,
                member,
                estimator,
                window,
                rtol,
            )
        )
    optimum = np.array([r["log_n"] for r in rows])
    outside = [b for b, r in zip(budgets, rows, strict=True) if not r["bracketed"]]
    if outside:
        listed = ", ".join(f"{b:.3g}" for b in outside)
        message = (
            f"{caller()}: the optimum of {len(outside)} of {budgets.size} budgets (C = {listed} "
            "FLOP) lies outside the model sizes sampled or at the sweep's edge; their N_opt is "
            "extrapolated. Add smaller and larger models at those budgets "
            "(isoflop_design suggests sizes)."
        )
        if strict:
            raise FitError(message)
        warnings.warn(message, BracketWarning, stacklevel=3)
    results = OLS(optimum, add_constant(np.log(budgets), has_constant="add")).fit()
    return IsoFLOPFit(
        results,
        budgets,
        rows,
        level,
        sizes.size,
        estimator,
        merge(N, loss, compute, method="workbench.scaling.fit_isoflop"),
    )


def _profile_optimum(sizes, losses, compute, budget, members, estimator, window, rtol):
    log_n = np.log(sizes)
    distinct = np.unique(np.round(log_n, 9)).size
    if distinct < 3:
        spread = compute.max() / compute.min() - 1
        raise FitError(
            f"{caller()}: the profile at budget C={budget:.3g} FLOP has {distinct} distinct model "
            f"size(s) ({len(sizes)} run(s), rows {_rows(members)}); a parabola needs at least "
            "three. Train more sizes at this budget, or, if runs of one sweep were split, "
            f"raise rtol (now {rtol:g}; this group's compute spans {spread:.1%}) or pass the "
            "budget column as compute."
        )
    used = np.ones(sizes.size, bool)
    if estimator == "local":
        best = log_n[np.argmin(losses)]
        distance = np.abs(log_n - best)
        used = distance <= window * np.log(10)
        if used.sum() < _MIN_LOCAL_RUNS:
            used = distance <= np.sort(distance)[min(_MIN_LOCAL_RUNS, sizes.size) - 1]
        if np.unique(np.round(log_n[used], 9)).size < 3:
            used = np.ones(sizes.size, bool)
    x, y, centre, design, coef = _parabola(log_n[used], losses[used])
    if not used.all() and not _vertex_inside(x, centre, coef):
        # Few noisy local points can bend the wrong way or put the vertex far outside them:
        # then the whole sweep's parabola is the safer estimate.
        used = np.ones(sizes.size, bool)
        x, y, centre, design, coef = _parabola(log_n, losses)
    c2, c1, c0 = coef
    if c2 <= 0:
        raise FitError(
            f"{caller()}: the profile at budget C={budget:.3g} FLOP has no minimum (its parabola "
            "opens downwards); add runs on both sides of the optimum."
        )
    vertex = -c1 / (2 * c2)
    dof = x.size - 3
    if dof > 0:
        residual = y - design @ coef
        covariance = (residual @ residual / dof) * np.linalg.inv(design.T @ design)
        gradient = np.array([c1 / (2 * c2**2), -1 / (2 * c2), 0.0])
        se = float(np.sqrt(max(gradient @ covariance @ gradient, 0.0)))
    else:
        se = np.nan
    log_opt = centre + vertex
    lowest = np.argmin(losses)
    # Bracketed: the vertex inside the sampled sizes and the best run not at the sweep's edge.
    bracketed = bool(
        log_n.min() < log_opt < log_n.max() and log_n.min() < log_n[lowest] < log_n.max()
    )
    return {
        "log_n": log_opt,
        "se": se,
        "loss": c0 + c1 * vertex + c2 * vertex**2,
        "bracketed": bracketed,
        "n_runs": sizes.size,
        "n_used": int(used.sum()),
        "min_params": sizes.min(),
        "max_params": sizes.max(),
    }


def _parabola(x, y):
    centre = x.mean()
    design = np.column_stack([(x - centre) ** 2, x - centre, np.ones_like(x)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return x, y, centre, design, coef


def _vertex_inside(x, centre, coef) -> bool:
    c2, c1, _ = coef
    return bool(c2 > 0 and x.min() <= centre - c1 / (2 * c2) <= x.max())


def _rows(members) -> str:
    shown = ", ".join(str(int(m)) for m in members[:5])
    return shown + (", ..." if members.size > 5 else "")


class IsoFLOPFit(Fit):
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
    estimator : str
    bracketed : numpy.ndarray of bool
        Per budget, whether its optimum lies inside the sampled sizes.
    optima : xr.Dataset
        Per budget: ``params`` (N_opt) with ``params_lower``/``params_upper`` (from the
        vertex's standard error), ``loss`` (the parabola's minimum), ``bracketed``,
        ``n_runs`` and ``n_used`` (runs in the local fit), ``min_params``/``max_params``.
    """

    def __init__(self, results, budgets, rows, level, n_runs, estimator, provenance):
        self.results = results
        self.exponent = float(results.params[1])
        self.coefficient = float(np.exp(results.params[0]))
        self.level = level
        self.n = budgets.size
        self.n_runs = n_runs
        self.estimator = estimator
        self._provenance = provenance
        self.provenance = dict(provenance)
        self.bracketed = np.array([r["bracketed"] for r in rows])
        self._rows = rows
        compute = xr.DataArray(
            budgets, dims="budget", attrs={"units": "FLOP", "long_name": "Compute budget"}
        )
        log_opt = np.array([r["log_n"] for r in rows])
        se = np.array([r["se"] for r in rows])
        q = stats.norm.ppf(0.5 + level / 2)
        n_attrs = {"units": "1", "long_name": "Loss-minimising parameter count"}
        self.optima = xr.Dataset(
            {
                "params": ("budget", np.exp(log_opt), n_attrs),
                "params_lower": ("budget", np.exp(log_opt - q * se), {**n_attrs, "level": level}),
                "params_upper": ("budget", np.exp(log_opt + q * se), {**n_attrs, "level": level}),
                "loss": (
                    "budget",
                    np.array([r["loss"] for r in rows]),
                    {"units": "1", "long_name": "Minimum loss of the profile"},
                ),
                "bracketed": (
                    "budget",
                    self.bracketed,
                    {"long_name": "Optimum inside the sampled sizes"},
                ),
                "n_runs": (
                    "budget",
                    [r["n_runs"] for r in rows],
                    {"units": "1", "long_name": "Runs at the budget"},
                ),
                "n_used": (
                    "budget",
                    [r["n_used"] for r in rows],
                    {"units": "1", "long_name": "Runs in the local fit"},
                ),
                "min_params": (
                    "budget",
                    [r["min_params"] for r in rows],
                    {"units": "1", "long_name": "Smallest model sampled"},
                ),
                "max_params": (
                    "budget",
                    [r["max_params"] for r in rows],
                    {"units": "1", "long_name": "Largest model sampled"},
                ),
            },
            coords={"budget": compute},
        )

    def __repr__(self) -> str:
        return f"IsoFLOPFit(N_opt ∝ C^{self.exponent:.3f}, budgets={self.n}, runs={self.n_runs})"

    def _estimates(self) -> dict[str, float]:
        return {
            "exponent": self.exponent,
            "token_exponent": 1.0 - self.exponent,
            "coefficient": self.coefficient,
        }

    def _param_attrs(self):
        return {
            "exponent": {"units": "1", "long_name": "Exponent a of N_opt ~ C^a"},
            "token_exponent": {"units": "1", "long_name": "Exponent 1 - a of D_opt ~ C^(1-a)"},
            "coefficient": {"units": "1", "long_name": "Coefficient k of N_opt = k C^a"},
        }

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        """``exponent``, ``token_exponent`` and ``coefficient`` -> (lower, upper)."""
        (c_lo, c_hi), (a_lo, a_hi) = np.asarray(self.results.conf_int(alpha=1 - level))
        return {
            "exponent": (float(a_lo), float(a_hi)),
            "token_exponent": (float(1 - a_hi), float(1 - a_lo)),
            "coefficient": (float(np.exp(c_lo)), float(np.exp(c_hi))),
        }

    @public
    def predict(self, C, level: float | None = None) -> xr.Dataset:
        """``params`` (N_opt) and ``tokens`` (D_opt = C / 6 N_opt) at budgets ``C``, with bands."""
        level = self._level(level, "predict")
        return allocation_band(self.results, check_positive(C, "C"), level, self._provenance)

    def summary(self, level: float | None = None):
        table = super().summary(level)
        labels = ["exponent a (N_opt ~ C^a)", "token exponent 1 - a", "coefficient k"]
        table.rows = [(label, *row[1:]) for label, row in zip(labels, table.rows, strict=True)]
        return table

    def _summary_title(self) -> str:
        return "IsoFLOP fit N_opt(C) = k C^a"

    def _summary_notes(self) -> list[str]:
        notes = [f"budgets: {self.n}; runs: {self.n_runs}; optimum per budget: {self.estimator}"]
        if not self.bracketed.all():
            outside = ", ".join(f"{b:.3g}" for b in self.optima.budget.values[~self.bracketed])
            notes.append(f"WARNING: optimum extrapolated (not bracketed) at C = {outside} FLOP")
        else:
            notes.append("every budget brackets its optimum")
        return notes

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """The per-budget optima, the fitted line at those budgets, and the exponent."""
        line = self.predict(self.optima.budget.values, level)
        ds = ds.merge(line, combine_attrs="override")
        ds["optimum_params"] = self.optima["params"]
        ds["optimum_params_lower"] = self.optima["params_lower"]
        ds["optimum_params_upper"] = self.optima["params_upper"]
        ds["optimum_loss"] = self.optima["loss"]
        ds["bracketed"] = self.optima["bracketed"]
        bounds = self._interval(level)
        attrs = {"units": "1", "long_name": "Exponent a of N_opt ~ C^a"}
        ds["exponent"] = ((), self.exponent, attrs)
        ds["exponent_lower"] = ((), bounds["exponent"][0], {**attrs, "level": level})
        ds["exponent_upper"] = ((), bounds["exponent"][1], {**attrs, "level": level})
        ds.attrs = {"n": self.n, "n_runs": self.n_runs, "estimator": self.estimator}
        return ds


def allocation_band(results, budgets: np.ndarray, level: float, provenance) -> xr.Dataset:
    """N_opt and D_opt = C / 6 N_opt at ``budgets`` from an OLS of log N_opt on log C.

    The band is the line's t interval at ``level``; the token bounds are the parameter
    bounds' mirror images (a larger model at the same budget trains on fewer tokens).
    """
    design = np.column_stack([np.ones_like(budgets), np.log(budgets)])
    central = design @ np.asarray(results.params)
    se = np.sqrt(np.einsum("ij,jk,ik->i", design, np.asarray(results.cov_params()), design))
    q = stats.t.ppf(0.5 + level / 2, results.df_resid)
    n_attrs = {"units": "1", "long_name": "Compute-optimal parameter count"}
    d_attrs = {"units": "1", "long_name": "Compute-optimal training tokens"}
    params = np.exp(central)
    lower, upper = np.exp(central - q * se), np.exp(central + q * se)
    per_token = FLOP_PER_PARAMETER_TOKEN
    ds = xr.Dataset(
        {
            "params": ("budget", params, n_attrs),
            "params_lower": ("budget", lower, {**n_attrs, "level": level}),
            "params_upper": ("budget", upper, {**n_attrs, "level": level}),
            "tokens": ("budget", budgets / (per_token * params), d_attrs),
            "tokens_lower": ("budget", budgets / (per_token * upper), {**d_attrs, "level": level}),
            "tokens_upper": ("budget", budgets / (per_token * lower), {**d_attrs, "level": level}),
        },
        coords={"budget": ("budget", budgets, {"units": "FLOP", "long_name": "Compute budget"})},
    )
    ds.attrs = dict(provenance)
    return ds
