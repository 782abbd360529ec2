"""Parametric loss laws ``L(N, D) = E + A/N^α + B/D^β`` and compute-optimal allocation.

The fit is Hoffmann et al. (2022), Approach 3: a Huber loss of log-loss residuals against the
log-sum-exp form of the law, from a grid of starts, keeping the global best. The engine
(:mod:`workbench.scaling._engine`) makes it fast; this module checks inputs, bootstraps and
presents the result.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import xarray as xr
from scipy import stats

from workbench._provenance import merge
from workbench._random import stream
from workbench._results import DEFAULT_LEVEL, Fit, warn_not_converged
from workbench._validation import (
    caller,
    check_choice,
    check_count,
    check_enough_points,
    check_level,
    check_n_draws,
    check_positive,
    check_same_lengths,
    check_seed,
    invalid,
    public,
)
from workbench.errors import FitError, IdentifiabilityWarning, ParameterError
from workbench.scaling import _engine, vpnls

__all__ = ["LossLawFit", "fit_chinchilla"]

NAMES = ("E", "A", "B", "alpha", "beta")
_LONG_NAMES = {
    "E": "Irreducible loss E",
    "A": "Parameter-count coefficient A",
    "B": "Token-count coefficient B",
    "alpha": "Parameter-count exponent α",
    "beta": "Token-count exponent β",
}
METHODS = ("grid", "vpnls")
# Grid starts polished per bootstrap refit, beside the main optimum (see fit_chinchilla).
BOOT_POLISH = 8
INTERVALS = ("mean", "observation")
# Above this condition number of the scaled curvature, the law's terms are not separable
# (a good IsoFLOP design gives ~1e4; runs at one D give ~1e17).
_CONDITION_LIMIT = 1e8
# Noise samples per bootstrap draw for the observation band.
_NOISE_PER_DRAW = 8
# FLOP per parameter per token of a dense transformer's training step (forward + backward).
FLOP_PER_PARAMETER_TOKEN = 6.0


def _to_params(theta: np.ndarray) -> np.ndarray:
    """Engine rows (e, a, b, alpha, beta) to (E, A, B, alpha, beta)."""
    theta = np.atleast_2d(theta)
    return np.stack(
        [np.exp(theta[:, 0]), np.exp(theta[:, 1]), np.exp(theta[:, 2]), theta[:, 3], theta[:, 4]],
        axis=1,
    )


def law_loss(law, n_params, n_tokens):
    """The loss law ``E + A / N**alpha + B / D**beta`` at broadcastable ``N`` and ``D``.

    Hoffmann et al. (2022), equation 2. ``law`` is a mapping of :data:`NAMES` or their five
    values in that order (numbers or arrays that broadcast with ``N`` and ``D``).
    """
    e, a, b, alpha, beta = (law[k] for k in NAMES) if isinstance(law, Mapping) else law
    return e + a / n_params**alpha + b / n_tokens**beta


def _predict_loss(params: np.ndarray, n_params, n_tokens):
    """Loss for parameter rows (M, 5) at broadcastable N and D: shape (M, *N.shape)."""
    rows = [params[:, k].reshape((-1,) + (1,) * np.ndim(n_params)) for k in range(5)]
    return law_loss(rows, n_params, n_tokens)


def _optimal_allocation(params: np.ndarray, compute: np.ndarray):
    """N_opt and D_opt for rows (M, 5) at budgets C (k,): minimise L subject to C = 6 N D."""
    _, a, b, alpha, beta = (params[:, k, None] for k in range(5))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (alpha * a / (beta * b)) ** (1.0 / (alpha + beta))
        budget = compute[None, :] / FLOP_PER_PARAMETER_TOKEN
        n_opt = scale * budget ** (beta / (alpha + beta))
    # Without positive exponents there is no interior optimum.
    n_opt = np.where((alpha > 0) & (beta > 0), n_opt, np.nan)
    return n_opt, budget / n_opt


def _grid_starts(grid) -> np.ndarray:
    if grid is None:
        return _engine.default_grid()
    if isinstance(grid, Mapping):
        missing = [k for k in _engine.PARAMETERS if k not in grid]
        if missing:
            raise invalid(
                "grid", f"a mapping with the axes {list(_engine.PARAMETERS)}", sorted(grid)
            )
        starts = _engine.product_grid(grid)
    else:
        starts = np.asarray(grid, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != 5 or len(starts) == 0:
        raise invalid(
            "grid",
            "a mapping of axes or an (n_starts, 5) array of (e, a, b, alpha, beta)",
            f"shape {starts.shape}",
        )
    if not np.isfinite(starts).all():
        raise invalid("grid", "finite start values", "NaN or infinity")
    return starts


@public
def fit_chinchilla(
    N,
    D,
    loss,
    *,
    delta: float = 1e-3,
    grid=None,
    n_boot: int = 0,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    n_polish: int = 8,
    n_polish_boot: int = BOOT_POLISH,
    max_iter: int = 500,
    method: str = "grid",
    objective: str = "huber",
    space: str = "loss",
) -> LossLawFit:
    """Fit ``L(N, D) = E + A/N^α + B/D^β`` to training runs (Hoffmann et al. 2022, Approach 3).

    Minimises ``Σ Huber_δ(LSE(e, a - α log N, b - β log D) - log L)`` over
    ``(e, a, b, α, β) = (log E, log A, log B, α, β)``. The objective is evaluated at every
    start of ``grid``; the ``n_polish`` best starts are polished to convergence with analytic
    derivatives and the lowest optimum is kept. Each bootstrap refit (data points resampled
    with replacement) repeats that whole search on its resample.

    ``method="vpnls"`` fits the same law by variable projection instead
    (:mod:`workbench.scaling.vpnls`): a search over ``(α, β)`` only, with ``E, A, B`` solved
    inside as a linear problem, least squares (``objective="ls"``) or Huber by reweighted
    least squares, in loss space (``space="loss"``, the default) or on the grid engine's
    log-loss objective (``space="log"``, where both methods reach one optimum).

    The fit warns (:class:`~workbench.errors.IdentifiabilityWarning`) when the runs cannot
    separate the law's terms: fewer than three distinct N or D, or a near-singular curvature
    at the optimum (its condition number is in :meth:`LossLawFit.summary`).

    Parameters
    ----------
    N, D, loss
        Parameter count, training tokens and final loss of each run: 1-D numpy arrays or
        DataArrays of one length, finite and strictly positive.
    delta
        Huber threshold on log-loss residuals (the paper's 1e-3); for ``method="vpnls"``
        in loss space, the threshold relative to each run's loss.
    grid
        Starts: None for the paper's 4,500-point grid; a mapping of axis values for the keys
        ``e, a, b, alpha, beta`` (all combinations are used); or an ``(n_starts, 5)`` array.
    n_boot
        Bootstrap refits for intervals (0: none).
    level
        Default interval level of :meth:`LossLawFit.conf_int` and the prediction bands.
    seed
        Seed of the bootstrap resampling.
    n_polish
        Best grid starts polished in the main fit.
    n_polish_boot
        Best grid starts of its own screen searched per bootstrap refit, beside the main
        fit's optimum as one more start. A start that is among the full data's 64 best is
        started from the minimum the full data's polish reached from it (it converges in
        ~20 steps, against ~40 from the grid), unless the full search on a pilot of 32
        resamples finds close local minima; see ``_engine.bootstrap_fit``.
    max_iter
        Iteration cap of the polish; a fit that reaches it has ``converged=False``.
    method
        ``"grid"`` (Approach 3 from the 4,500-start grid) or ``"vpnls"``.
    objective, space
        Options of ``method="vpnls"``: ``"huber"`` or ``"ls"``; ``"loss"`` or ``"log"``.

    Returns
    -------
    LossLawFit

    Raises
    ------
    ParameterError
        Non-positive, NaN or mismatched inputs; a bad option.
    FitError
        Fewer runs than the law's five parameters.

    Warns
    -----
    ConvergenceWarning
        When the main fit or some bootstrap refits stop before converging.
    IdentifiabilityWarning
        When the design cannot separate the terms of the law.

    Examples
    --------
    >>> from workbench.scaling import fit_chinchilla, simulate_runs
    >>> runs = simulate_runs(n_runs=120, seed=1)
    >>> fit = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    >>> round(fit.params["alpha"], 1)
    0.3
    """
    owner = caller()  # for the messages below
    n_params = check_positive(N, "N")
    n_tokens = check_positive(D, "D")
    losses = check_positive(loss, "loss")
    n = check_same_lengths(N=n_params, D=n_tokens, loss=losses)
    check_enough_points(n, len(NAMES), "a five-parameter loss law")
    if not (isinstance(delta, int | float) and np.isfinite(delta) and delta > 0):
        raise invalid("delta", "a positive number", delta)
    n_boot, seed = check_n_draws(n_boot, "n_boot", minimum=0), check_seed(seed)
    n_polish = check_count(n_polish, "n_polish", minimum=1)
    n_polish_boot = check_count(n_polish_boot, "n_polish_boot", minimum=1)
    max_iter = check_count(max_iter, "max_iter", minimum=1)
    level = check_level(level)
    check_choice(method, "method", METHODS)
    check_choice(objective, "objective", vpnls.OBJECTIVES)
    check_choice(space, "space", vpnls.SPACES)
    starts = _grid_starts(grid)
    if n_boot:
        rng = stream(seed, "scaling.fit_chinchilla/bootstrap").generator()
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)

    data = _engine.Observations(np.log(n_params), np.log(n_tokens), np.log(losses))
    draws = None
    boot_converged = np.ones(0, bool)
    if method == "grid":
        best = _engine.global_fit(data, float(delta), starts, n_polish=n_polish, max_iter=max_iter)
        theta = best.theta[0]
        if not np.isfinite(best.objective[0]):
            raise FitError(f"{owner}: no start of the grid gives a finite objective.")
        vector = _to_params(theta)[0]
        value, converged = float(best.objective[0]), bool(best.converged[0])
        if n_boot:
            # Each refit screens the whole grid on its own resample and searches its best
            # starts with the main optimum, starting those the full data's polish already
            # took to a minimum from that minimum (see _engine.bootstrap_fit).
            refits = _engine.bootstrap_fit(
                data,
                float(delta),
                starts,
                counts,
                n_polish=n_polish_boot,
                rtol=1e-10,
                max_iter=max_iter,
                warm=theta,
            )
            draws = _to_params(refits.theta)
            boot_converged = refits.converged
        description = (
            "Huber fit of log-loss from a grid of starts (Hoffmann et al. 2022, Approach 3)"
        )
    else:
        options = {
            "objective": objective,
            "space": space,
            "delta": float(delta),
            "max_iter": max_iter,
        }
        result = vpnls.vpnls(data.x, data.y, losses, **options)
        if not np.isfinite(result.objective):
            raise FitError(f"{owner}: variable projection found no finite objective.")
        vector, value, converged = result.params, result.objective, result.converged
        if n_boot:
            refits = [vpnls.vpnls(data.x, data.y, losses, weights=w, **options) for w in counts]
            draws = np.array([r.params for r in refits])
            boot_converged = np.array([r.converged for r in refits])
        description = (
            f"variable projection (VPNLS), {'Huber' if objective == 'huber' else 'least squares'}"
            f" in {space} space"
        )
    if not converged:
        warn_not_converged(f"the polish stopped after {max_iter} iterations; raise max_iter")
    if n_boot and not boot_converged.all():
        warn_not_converged(
            f"{int((~boot_converged).sum())} of {n_boot} refits stopped at max_iter",
            stage="bootstrap",
        )

    dim = N.dims[0] if isinstance(N, xr.DataArray) else "run"
    inputs = {"N": N, "D": D, "loss": loss}
    fit = LossLawFit(
        params_vector=vector,
        objective=value,
        converged=converged,
        n_params=n_params,
        n_tokens=n_tokens,
        loss=losses,
        delta=float(delta),
        level=level,
        draws=draws,
        boot_converged=boot_converged,
        dim=dim,
        loss_units=_units(loss),
        attrs=merge(*inputs.values(), method="workbench.scaling.fit_chinchilla"),
        method=method,
        description=description,
        seed=seed,
    )
    for problem in fit.identifiability_problems:
        warnings.warn(f"{owner}: {problem}", IdentifiabilityWarning, stacklevel=3)
    return fit


def identifiability(n_params, n_tokens, vector) -> tuple[float, list[str]]:
    """Condition number of the scaled Gauss-Newton matrix at the optimum, and the problems.

    The matrix is ``JᵀJ`` of the log-prediction's Jacobian in ``(log E, log A, log B, α, β)``
    scaled to a unit diagonal (a correlation matrix), so the number measures how nearly the
    parameters trade off against each other, not their units.
    """
    problems = []
    for values, name, term in ((n_params, "N", "A and alpha"), (n_tokens, "D", "B and beta")):
        distinct = np.unique(np.round(np.log(values), 6)).size
        if distinct < 3:
            problems.append(
                f"only {distinct} distinct value(s) of {name}: {term} cannot be separated from "
                "E; vary it over at least three values (an IsoFLOP design does)"
            )
    e, a, b, alpha, beta = vector
    x, y = np.log(n_params), np.log(n_tokens)
    size_term, data_term = a * np.exp(-alpha * x), b * np.exp(-beta * y)
    total = e + size_term + data_term
    p1, p2, p3 = size_term / total, data_term / total, e / total
    jacobian = np.column_stack([p3, p1, p2, -p1 * x, -p2 * y])
    matrix = jacobian.T @ jacobian
    scale = np.sqrt(np.diag(matrix))
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = float(np.linalg.cond(matrix / np.outer(scale, scale)))
    if not np.isfinite(condition) or condition > _CONDITION_LIMIT:
        problems.append(
            f"the curvature at the optimum is near-singular (condition number {condition:.3g} "
            f"> {_CONDITION_LIMIT:.0e}): some parameters trade off against each other and "
            "their estimates are not determined by the runs"
        )
    return condition, problems


def _units(value) -> str:
    if isinstance(value, xr.DataArray):
        return str(value.attrs.get("units", "1"))
    return "1"


class LossLawFit(Fit):
    """A fitted loss law ``L(N, D) = E + A/N^α + B/D^β``.

    Attributes
    ----------
    params : dict
        ``E, A, B, alpha, beta`` at the optimum.
    objective : float
        The minimised objective (the Huber sum of log-loss residuals for ``method="grid"``).
    converged : bool
        Whether the polish of the best start met its tolerance.
    method : str
        ``"grid"`` or ``"vpnls"``.
    n : int
        Runs used.
    n_boot : int
        Bootstrap refits behind the intervals (0: no intervals).
    sigma : float
        Residual standard deviation of log-loss (``n - 5`` degrees of freedom): the noise
        model of :meth:`predict` with ``interval="observation"``.
    condition_number : float
        Of the scaled curvature at the optimum (see :func:`identifiability`).
    identifiability_problems : list of str
        What the design cannot separate (empty when the law is identified).
    """

    def __init__(
        self,
        *,
        params_vector,
        objective,
        converged,
        n_params,
        n_tokens,
        loss,
        delta,
        level,
        draws,
        boot_converged,
        dim,
        loss_units,
        attrs,
        method="grid",
        description="",
        seed=0,
    ):
        self._vector = np.asarray(params_vector, dtype=float)
        self.params = {name: float(v) for name, v in zip(NAMES, self._vector, strict=True)}
        self.objective = objective
        self.converged = converged
        self.delta = delta
        self.level = level
        self.method = method
        self._description = description
        self._seed = seed
        self.n = len(loss)
        self._data = (n_params, n_tokens, loss)
        self._draws = draws
        self._boot_converged = boot_converged
        self.n_boot = 0 if draws is None else len(draws)
        self._dim = dim
        self._loss_units = loss_units
        self._attrs = attrs
        self.provenance = dict(attrs)
        residual = self.residuals.values
        self.sigma = float(np.sqrt(np.sum(residual**2) / max(self.n - len(NAMES), 1)))
        self.condition_number, self.identifiability_problems = identifiability(
            n_params, n_tokens, self._vector
        )

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"LossLawFit({shown}, n={self.n}, n_boot={self.n_boot}, converged={self.converged})"

    # -- uncertainty -------------------------------------------------------------------------
    def _require_draws(self, method: str) -> np.ndarray:
        if self._draws is None:
            raise ParameterError(
                f"LossLawFit.{method} needs bootstrap refits; fit with n_boot > 0 "
                "(for example fit_chinchilla(..., n_boot=1000)).",
                parameter="n_boot",
            )
        return self._draws

    def _bounds(self, values: np.ndarray, level: float | None):
        level = self.level if level is None else check_level(level)
        tail = (1.0 - level) / 2.0
        return np.nanquantile(values, [tail, 1.0 - tail], axis=0), level

    def _estimates(self) -> dict[str, float]:
        return dict(self.params)

    def _param_attrs(self):
        return {name: {"units": "1", "long_name": _LONG_NAMES[name]} for name in NAMES}

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        if self._draws is None:
            return {}
        (lower, upper), _ = self._bounds(self._draws, level)
        return {
            name: (float(lo), float(hi)) for name, lo, hi in zip(NAMES, lower, upper, strict=True)
        }

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """Percentile bootstrap intervals: parameter name -> ``(lower, upper)``."""
        self._require_draws("conf_int")
        return super().conf_int(level)

    @property
    def draws(self) -> xr.Dataset | None:
        """Bootstrap parameter estimates along ``draw`` (None without bootstrap)."""
        if self._draws is None:
            return None
        return xr.Dataset(
            {
                name: ("draw", self._draws[:, k], {"units": "1", "long_name": _LONG_NAMES[name]})
                for k, name in enumerate(NAMES)
            },
            coords={"draw": np.arange(self.n_boot)},
        )

    # -- predictions -------------------------------------------------------------------------
    @public
    def predict(self, N, D, level: float | None = None, *, interval: str = "mean") -> xr.Dataset:
        """Predicted loss at parameter counts ``N`` and token counts ``D`` (broadcast).

        Returns a Dataset with ``loss`` and the band ``loss_lower``/``loss_upper`` at
        ``level``. ``interval="mean"``: where the law itself lies (percentiles of the
        bootstrap refits; no band without bootstrap). ``interval="observation"``: where a
        new run's loss is expected: the refits' spread plus log-normal run-to-run noise of
        standard deviation :attr:`sigma` estimated from the residuals (without bootstrap,
        the noise alone, which understates the band far from the runs). Dimensions follow
        DataArray inputs, else ``point``.
        """
        used = self._level(level, "predict")
        check_choice(interval, "interval", INTERVALS)
        n_params = _as_grid(N, "N")
        n_tokens = _as_grid(D, "D")
        n_params, n_tokens = xr.broadcast(n_params, n_tokens)
        central = _predict_loss(self._vector[None], n_params.values, n_tokens.values)[0]
        attrs = {"units": self._loss_units, "long_name": "Predicted loss"}
        ds = xr.Dataset({"loss": (n_params.dims, central, attrs)}, coords=n_params.coords)
        band = {**attrs, "level": used, "interval": interval}
        if interval == "mean" and self._draws is not None:
            sims = _predict_loss(self._draws, n_params.values, n_tokens.values)
            (lower, upper), _ = self._bounds(sims, used)
        elif interval == "observation":
            tail = 0.5 + used / 2.0
            if self._draws is None:
                half = stats.norm.ppf(tail) * self.sigma
                lower, upper = central * np.exp(-half), central * np.exp(half)
                band["note"] = "run-to-run noise only: fit with n_boot > 0 for the law's spread"
            else:
                log_sims = np.log(_predict_loss(self._draws, n_params.values, n_tokens.values))
                rng = stream(self._seed, "scaling.fit_chinchilla/band").generator()
                noise = rng.normal(0.0, self.sigma, (_NOISE_PER_DRAW, *log_sims.shape))
                sims = np.exp(log_sims[None] + noise).reshape(-1, *central.shape)
                (lower, upper), _ = self._bounds(sims, used)
        else:
            lower = upper = None
        if lower is not None:
            ds["loss_lower"] = (n_params.dims, np.asarray(lower), band)
            ds["loss_upper"] = (n_params.dims, np.asarray(upper), band)
        ds.attrs = dict(self._attrs)
        return ds

    @public
    def compute_optimal(self, C, level: float | None = None) -> xr.Dataset:
        """Compute-optimal allocation for training budgets ``C`` (FLOP), with ``C = 6 N D``.

        Returns ``params``, ``tokens`` and ``tokens_per_param`` along ``budget`` and, when
        bootstrapped, their ``_lower``/``_upper`` percentile bounds at ``level``.
        """
        budgets = check_positive(C, "C")
        n_opt, d_opt = _optimal_allocation(self._vector[None], budgets)
        values = {"params": n_opt[0], "tokens": d_opt[0], "tokens_per_param": d_opt[0] / n_opt[0]}
        attrs = {
            "params": {"units": "1", "long_name": "Compute-optimal parameter count"},
            "tokens": {"units": "1", "long_name": "Compute-optimal training tokens"},
            "tokens_per_param": {"units": "1", "long_name": "Training tokens per parameter"},
        }
        ds = xr.Dataset(
            {name: ("budget", v, attrs[name]) for name, v in values.items()},
            coords={
                "budget": (
                    "budget",
                    budgets,
                    {"units": "FLOP", "long_name": "Training compute budget"},
                )
            },
        )
        if self._draws is not None:
            n_sim, d_sim = _optimal_allocation(self._draws, budgets)
            sims = {"params": n_sim, "tokens": d_sim, "tokens_per_param": d_sim / n_sim}
            for name, sim in sims.items():
                (lower, upper), used = self._bounds(sim, level)
                ds[f"{name}_lower"] = ("budget", lower, {**attrs[name], "level": used})
                ds[f"{name}_upper"] = ("budget", upper, {**attrs[name], "level": used})
        ds.attrs = dict(self._attrs)
        return ds

    @property
    def exponent(self) -> float:
        """``a`` in ``N_opt ∝ C^a``: ``β / (α + β)``."""
        return float(self.params["beta"] / (self.params["alpha"] + self.params["beta"]))

    @property
    def residuals(self) -> xr.DataArray:
        """Log-loss residuals ``log L - log L̂`` of the runs used."""
        n_params, n_tokens, loss = self._data
        predicted = _predict_loss(self._vector[None], n_params, n_tokens)[0]
        return xr.DataArray(
            np.log(loss) - np.log(predicted),
            dims=self._dim,
            attrs={"units": "1", "long_name": "Log-loss residual (observed - fitted)"},
        )

    # -- presentation ------------------------------------------------------------------------
    def _summary_title(self) -> str:
        return "Loss law L(N, D) = E + A/N^alpha + B/D^beta"

    def _summary_notes(self) -> list[str]:
        notes = [
            f"runs: {self.n}; method: {self._description}; Huber delta: {self.delta:g}; "
            f"objective: {self.objective:.6g}; converged: {self.converged}",
            f"residual sd of log-loss: {self.sigma:.3g}; condition number of the scaled "
            f"curvature: {self.condition_number:.3g}",
        ]
        if self._draws is not None:
            notes.append(
                f"bootstrap: {self.n_boot} refits, each a full search; "
                f"{int(self._boot_converged.sum())} converged"
            )
        notes += [f"WARNING: {problem}" for problem in self.identifiability_problems]
        return notes

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """Bootstrap draws and the runs with fitted losses beside the estimates."""
        n_params, n_tokens, loss = self._data
        predicted = _predict_loss(self._vector[None], n_params, n_tokens)[0]
        units = {"units": "1"}
        ds["params"] = (self._dim, n_params, {**units, "long_name": "Parameter count"})
        ds["tokens"] = (self._dim, n_tokens, {**units, "long_name": "Training tokens"})
        ds["loss"] = (
            self._dim,
            loss,
            {"units": self._loss_units, "long_name": "Observed final loss"},
        )
        ds["fitted_loss"] = (
            self._dim,
            predicted,
            {"units": self._loss_units, "long_name": "Fitted loss"},
        )
        ds["residual"] = self.residuals
        for name in ("estimate", "lower", "upper"):
            ds[name].attrs.update(units)
        if self._draws is not None:
            ds["draws"] = (
                ("draw", "param"),
                self._draws,
                {**units, "long_name": "Bootstrap estimate"},
            )
            ds = ds.assign_coords(draw=np.arange(self.n_boot))
        else:
            ds["lower"].attrs["note"] = "no bootstrap: fit with n_boot > 0 for intervals"
            ds["upper"].attrs["note"] = ds["lower"].attrs["note"]
        ds.attrs = {
            "method": self._description,
            "objective": self.objective,
            "converged": int(self.converged),
            "delta": self.delta,
            "n_boot": self.n_boot,
            "sigma": self.sigma,
            "condition_number": self.condition_number,
        }
        return ds


def _as_grid(value, parameter: str) -> xr.DataArray:
    if isinstance(value, xr.DataArray):
        da = value
    else:
        array = np.asarray(value, dtype=float)
        da = xr.DataArray(array, dims=("point",)[: array.ndim] if array.ndim <= 1 else None)
    values = np.asarray(da.values, dtype=float)
    if not np.isfinite(values).all() or (values <= 0).any():
        raise invalid(parameter, "finite and strictly positive", value)
    return da.astype(float)
