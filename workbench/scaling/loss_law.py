"""Parametric loss laws ``L(N, D) = E + A/N^α + B/D^β`` and compute-optimal allocation.

The fit is Hoffmann et al. (2022), Approach 3: a Huber loss of log-loss residuals against the
log-sum-exp form of the law, from a grid of starts, keeping the global best. The engine
(:mod:`workbench.scaling._engine`) makes it fast; this module checks inputs, bootstraps and
presents the result.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from workbench.errors import FitError, ParameterError
from workbench.scaling import _checks, _engine

__all__ = ["LossLawFit", "fit_chinchilla"]

NAMES = ("E", "A", "B", "alpha", "beta")
_LONG_NAMES = {
    "E": "Irreducible loss E",
    "A": "Parameter-count coefficient A",
    "B": "Token-count coefficient B",
    "alpha": "Parameter-count exponent α",
    "beta": "Token-count exponent β",
}
# FLOP per parameter per token of a dense transformer's training step (forward + backward).
FLOP_PER_PARAMETER_TOKEN = 6.0


def _to_params(theta: np.ndarray) -> np.ndarray:
    """Engine rows (e, a, b, alpha, beta) to (E, A, B, alpha, beta)."""
    theta = np.atleast_2d(theta)
    return np.stack(
        [np.exp(theta[:, 0]), np.exp(theta[:, 1]), np.exp(theta[:, 2]), theta[:, 3], theta[:, 4]],
        axis=1,
    )


def _predict_loss(params: np.ndarray, n_params, n_tokens):
    """Loss for parameter rows (M, 5) at broadcastable N and D: shape (M, *N.shape)."""
    e, a, b, alpha, beta = (
        params[:, k].reshape((-1,) + (1,) * np.ndim(n_params)) for k in range(5)
    )
    return e + a / n_params**alpha + b / n_tokens**beta


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
    owner = "fit_chinchilla"
    if grid is None:
        return _engine.default_grid()
    if isinstance(grid, Mapping):
        missing = [k for k in _engine.PARAMETERS if k not in grid]
        if missing:
            raise ParameterError.invalid(
                "grid", owner, f"a mapping with the axes {list(_engine.PARAMETERS)}", sorted(grid)
            )
        starts = _engine.product_grid(grid)
    else:
        starts = np.asarray(grid, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != 5 or len(starts) == 0:
        raise ParameterError.invalid(
            "grid",
            owner,
            "a mapping of axes or an (n_starts, 5) array of (e, a, b, alpha, beta)",
            f"shape {starts.shape}",
        )
    if not np.isfinite(starts).all():
        raise ParameterError.invalid("grid", owner, "finite start values", "NaN or infinity")
    return starts


def fit_chinchilla(
    N,
    D,
    loss,
    *,
    delta: float = 1e-3,
    grid=None,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int = 0,
    n_polish: int = 8,
    max_iter: int = 500,
) -> LossLawFit:
    """Fit ``L(N, D) = E + A/N^α + B/D^β`` to training runs (Hoffmann et al. 2022, Approach 3).

    Minimises ``Σ Huber_δ(LSE(e, a - α log N, b - β log D) - log L)`` over
    ``(e, a, b, α, β) = (log E, log A, log B, α, β)``. The objective is evaluated at every
    start of ``grid``; the ``n_polish`` best starts are polished to convergence with analytic
    derivatives and the lowest optimum is kept. Each bootstrap refit (data points resampled
    with replacement) repeats that whole search on its resample.

    Parameters
    ----------
    N, D, loss
        Parameter count, training tokens and final loss of each run: 1-D numpy arrays or
        DataArrays of one length, finite and strictly positive.
    delta
        Huber threshold on log-loss residuals (the paper's 1e-3).
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
        Best grid starts polished per fit (and per bootstrap refit).
    max_iter
        Iteration cap of the polish; a fit that reaches it has ``converged=False``.

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

    Examples
    --------
    >>> from workbench.scaling import fit_chinchilla, simulate_runs
    >>> runs = simulate_runs(n_runs=120, seed=1)
    >>> fit = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    >>> round(fit.params["alpha"], 1)
    0.3
    """
    owner = "fit_chinchilla"
    n_params = _checks.positive_values(N, "N", owner)
    n_tokens = _checks.positive_values(D, "D", owner)
    losses = _checks.positive_values(loss, "loss", owner)
    n = _checks.same_lengths(owner, N=n_params, D=n_tokens, loss=losses)
    _checks.enough_points(n, len(NAMES), owner, "a five-parameter loss law")
    if not (isinstance(delta, int | float) and np.isfinite(delta) and delta > 0):
        raise ParameterError.invalid("delta", owner, "a positive number", delta)
    n_boot = _checks.count(n_boot, "n_boot", owner)
    n_polish = _checks.count(n_polish, "n_polish", owner, minimum=1)
    max_iter = _checks.count(max_iter, "max_iter", owner, minimum=1)
    level = _checks.level_value(level, owner)
    starts = _grid_starts(grid)

    data = _engine.Observations(np.log(n_params), np.log(n_tokens), np.log(losses))
    best = _engine.global_fit(data, float(delta), starts, n_polish=n_polish, max_iter=max_iter)
    theta = best.theta[0]
    if not np.isfinite(best.objective[0]):
        raise FitError(f"{owner}: no start of the grid gives a finite objective.")
    converged = bool(best.converged[0])
    if not converged:
        _checks.warn_not_converged(
            owner, f"the polish stopped after {max_iter} iterations; raise max_iter"
        )

    draws = None
    boot_converged = np.ones(0, bool)
    if n_boot:
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
        # Each refit screens the whole grid on its own resample: as global as the main fit.
        refits = _engine.global_fit(
            data,
            float(delta),
            starts,
            weights=counts,
            n_polish=n_polish,
            rtol=1e-10,
            max_iter=max_iter,
        )
        draws = _to_params(refits.theta)
        boot_converged = refits.converged
        if not boot_converged.all():
            _checks.warn_not_converged(
                f"{owner} (bootstrap)",
                f"{int((~boot_converged).sum())} of {n_boot} refits stopped at max_iter",
            )

    dim = N.dims[0] if isinstance(N, xr.DataArray) else "run"
    inputs = {"N": N, "D": D, "loss": loss}
    return LossLawFit(
        params_vector=_to_params(theta)[0],
        objective=float(best.objective[0]),
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
        attrs=_checks.provenance(inputs, "workbench.scaling.fit_chinchilla"),
    )


def _units(value) -> str:
    if isinstance(value, xr.DataArray):
        return str(value.attrs.get("units", "1"))
    return "1"


class LossLawFit:
    """A fitted loss law ``L(N, D) = E + A/N^α + B/D^β``.

    Attributes
    ----------
    params : dict
        ``E, A, B, alpha, beta`` at the optimum.
    objective : float
        The Huber sum at the optimum.
    converged : bool
        Whether the polish of the best start met its tolerance.
    n : int
        Runs used.
    n_boot : int
        Bootstrap refits behind the intervals (0: no intervals).
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
    ):
        self._vector = np.asarray(params_vector, dtype=float)
        self.params = {name: float(v) for name, v in zip(NAMES, self._vector, strict=True)}
        self.objective = objective
        self.converged = converged
        self.delta = delta
        self.level = level
        self.n = len(loss)
        self._data = (n_params, n_tokens, loss)
        self._draws = draws
        self._boot_converged = boot_converged
        self.n_boot = 0 if draws is None else len(draws)
        self._dim = dim
        self._loss_units = loss_units
        self._attrs = attrs

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

    def _bounds(self, values: np.ndarray, level: float | None, owner: str):
        level = self.level if level is None else _checks.level_value(level, owner)
        tail = (1.0 - level) / 2.0
        return np.nanquantile(values, [tail, 1.0 - tail], axis=0), level

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """Percentile bootstrap intervals: parameter name -> ``(lower, upper)``."""
        draws = self._require_draws("conf_int")
        (lower, upper), _ = self._bounds(draws, level, "LossLawFit.conf_int")
        return {
            name: (float(lo), float(hi)) for name, lo, hi in zip(NAMES, lower, upper, strict=True)
        }

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
    def predict(self, N, D, level: float | None = None) -> xr.Dataset:
        """Predicted loss at parameter counts ``N`` and token counts ``D`` (broadcast).

        Returns a Dataset with ``loss`` and, when bootstrapped, ``loss_lower``/``loss_upper``
        (percentile band at ``level``). Dimensions follow DataArray inputs, else ``point``.
        """
        owner = "LossLawFit.predict"
        n_params = _as_grid(N, "N", owner)
        n_tokens = _as_grid(D, "D", owner)
        n_params, n_tokens = xr.broadcast(n_params, n_tokens)
        central = _predict_loss(self._vector[None], n_params.values, n_tokens.values)[0]
        attrs = {"units": self._loss_units, "long_name": "Predicted loss"}
        ds = xr.Dataset({"loss": (n_params.dims, central, attrs)}, coords=n_params.coords)
        if self._draws is not None:
            sims = _predict_loss(self._draws, n_params.values, n_tokens.values)
            (lower, upper), used = self._bounds(sims, level, owner)
            for name, values in (("loss_lower", lower), ("loss_upper", upper)):
                ds[name] = (n_params.dims, values, {**attrs, "level": used})
        ds.attrs = dict(self._attrs)
        return ds

    def compute_optimal(self, C, level: float | None = None) -> xr.Dataset:
        """Compute-optimal allocation for training budgets ``C`` (FLOP), with ``C = 6 N D``.

        Returns ``params``, ``tokens`` and ``tokens_per_param`` along ``budget`` and, when
        bootstrapped, their ``_lower``/``_upper`` percentile bounds at ``level``.
        """
        owner = "LossLawFit.compute_optimal"
        budgets = _checks.positive_values(C, "C", owner)
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
                (lower, upper), used = self._bounds(sim, level, owner)
                ds[f"{name}_lower"] = ("budget", lower, {**attrs[name], "level": used})
                ds[f"{name}_upper"] = ("budget", upper, {**attrs[name], "level": used})
        ds.attrs = dict(self._attrs)
        return ds

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
    def summary(self, level: float | None = None):
        """A small table of the estimates (with bootstrap intervals when available)."""
        from workbench.scaling._summary import Summary

        bounds = self.conf_int(level) if self._draws is not None else {}
        used = self.level if level is None else level
        rows = [(name, v, *bounds.get(name, (None, None))) for name, v in self.params.items()]
        notes = [
            f"runs: {self.n}; Huber delta: {self.delta:g}; objective: {self.objective:.6g}; "
            f"converged: {self.converged}",
        ]
        if self._draws is not None:
            notes.append(
                f"bootstrap: {self.n_boot} refits, each a full grid search; "
                f"{int(self._boot_converged.sum())} converged"
            )
        return Summary(
            title="Loss law L(N, D) = E + A/N^alpha + B/D^beta",
            rows=rows,
            interval_label=f"{used:.0%} interval" if bounds else "",
            notes=notes,
        )

    def to_dataset(self) -> xr.Dataset:
        """Estimates along ``param``, bootstrap draws, and the runs with fitted losses."""
        n_params, n_tokens, loss = self._data
        predicted = _predict_loss(self._vector[None], n_params, n_tokens)[0]
        units = {"units": "1"}
        ds = xr.Dataset(
            {
                "estimate": ("param", self._vector, {**units, "long_name": "Fitted value"}),
                "params": (self._dim, n_params, {**units, "long_name": "Parameter count"}),
                "tokens": (self._dim, n_tokens, {**units, "long_name": "Training tokens"}),
                "loss": (
                    self._dim,
                    loss,
                    {"units": self._loss_units, "long_name": "Observed final loss"},
                ),
                "fitted_loss": (
                    self._dim,
                    predicted,
                    {"units": self._loss_units, "long_name": "Fitted loss"},
                ),
                "residual": self.residuals,
            },
            coords={"param": list(NAMES)},
        )
        if self._draws is not None:
            (lower, upper), used = self._bounds(self._draws, None, "LossLawFit.to_dataset")
            ds["lower"] = ("param", lower, {**units, "long_name": "Lower bound", "level": used})
            ds["upper"] = ("param", upper, {**units, "long_name": "Upper bound", "level": used})
            ds["draws"] = (
                ("draw", "param"),
                self._draws,
                {**units, "long_name": "Bootstrap estimate"},
            )
            ds = ds.assign_coords(draw=np.arange(self.n_boot))
        ds.attrs = {
            **self._attrs,
            "method": "Huber fit of log-loss (Hoffmann et al. 2022, Approach 3)",
            "objective": self.objective,
            "converged": int(self.converged),
            "delta": self.delta,
            "n_boot": self.n_boot,
            "level": self.level,
        }
        return ds


def _as_grid(value, parameter: str, owner: str) -> xr.DataArray:
    if isinstance(value, xr.DataArray):
        da = value
    else:
        array = np.asarray(value, dtype=float)
        da = xr.DataArray(array, dims=("point",)[: array.ndim] if array.ndim <= 1 else None)
    values = np.asarray(da.values, dtype=float)
    if not np.isfinite(values).all() or (values <= 0).any():
        raise ParameterError.invalid(parameter, owner, "finite and strictly positive", value)
    return da.astype(float)
