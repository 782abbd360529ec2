"""One-variable power laws ``y = E + A / x^α`` (or ``A / x^α`` without the offset)."""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy import optimize, stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from workbench._provenance import merge
from workbench._results import DEFAULT_LEVEL, Fit, warn_not_converged
from workbench._validation import (
    caller,
    check_choice,
    check_enough_points,
    check_level,
    check_positive,
    check_same_lengths,
    public,
)
from workbench.errors import BoundaryWarning, FitError

__all__ = ["PowerLawFit", "fit_power_law"]

# Starts of the offset fit: offset as a share of the smallest y, and exponents; the
# coefficient of each start is solved from the data's geometric centre.
_OFFSET_SHARES = (0.0, 0.3, 0.6, 0.9)
_EXPONENTS = (0.05, 0.2, 0.5, 1.0, 2.0)
# An offset below this share of the smallest y is indistinguishable from none.
_NEGLIGIBLE_OFFSET = 1e-8


@public
def fit_power_law(x, y, offset: bool = True, *, level: float = DEFAULT_LEVEL) -> PowerLawFit:
    """Fit ``y = E + A / x^α`` by least squares on ``log y``.

    Parameters
    ----------
    x, y
        Positive, finite 1-D arrays or DataArrays of one length (e.g. compute and loss).
    offset
        Fit the offset ``E`` (irreducible loss); False fits the pure power law ``A / x^α``
        as a straight line in log-log (ordinary least squares).
    level
        Default level of intervals: ``A`` and ``alpha`` from the fit's covariance (t), ``E``
        by profile least squares (bounded below by 0).

    Returns
    -------
    PowerLawFit

    Raises
    ------
    ParameterError
        Non-positive, NaN or mismatched inputs.
    FitError
        Fewer points than parameters plus one.

    Warns
    -----
    BoundaryWarning
        When the offset is negligible: ``E`` is then reported as 0 (its bound).
    """
    xs = check_positive(x, "x")
    ys = check_positive(y, "y")
    n = check_same_lengths(x=xs, y=ys)
    names = ("E", "A", "alpha") if offset else ("A", "alpha")
    check_enough_points(n, len(names) + 1, f"a power law with {len(names)} parameters")
    level = check_level(level)
    if np.unique(xs).size < len(names):
        raise FitError(
            f"{caller()} needs at least {len(names)} distinct x values; got {np.unique(xs).size}."
        )
    log_x, log_y = np.log(xs), np.log(ys)
    profile = None
    at_bound = False
    if offset:
        theta, covariance, converged = _fit_offset(log_x, log_y)
        # An offset that ran off towards zero (log E -> -inf) is at its bound: report E = 0
        # and the pure power law's other estimates, never a vanishing or NaN interval.
        at_bound = bool(np.exp(theta[0]) < _NEGLIGIBLE_OFFSET * ys.min())
        if at_bound:
            pure = OLS(log_y, add_constant(-log_x, has_constant="add")).fit()
            theta = np.array([-np.inf, *np.asarray(pure.params)])
            covariance = np.full((3, 3), 0.0)
            covariance[1:, 1:] = np.asarray(pure.cov_params())
            warnings.warn(
                f"{caller()}: the offset E is negligible (below {_NEGLIGIBLE_OFFSET:g} of the "
                "smallest y); it is reported at its bound E = 0 with a one-sided profile "
                "interval, and A and alpha are those of the pure power law.",
                BoundaryWarning,
                stacklevel=3,
            )
        profile = _OffsetProfile(log_x, log_y, theta)
    else:
        results = OLS(log_y, add_constant(-log_x, has_constant="add")).fit()
        theta = np.asarray(results.params)
        covariance = np.asarray(results.cov_params())
        converged = True
    if not converged:
        warn_not_converged("least squares stopped before its tolerance")
    dim = x.dims[0] if isinstance(x, xr.DataArray) else "point"
    return PowerLawFit(
        names,
        theta,
        covariance,
        n - len(names),
        converged,
        xs,
        ys,
        level,
        dim,
        merge(x, y, method="workbench.scaling.fit_power_law"),
        {k: dict(getattr(v, "attrs", {})) for k, v in (("x", x), ("y", y))},
        profile,
        at_bound,
    )


class _OffsetProfile:
    """Profile least squares of the offset ``E``: the best fit of ``A`` and ``α`` at each E.

    The interval of ``E`` is the set of offsets whose profile SSR stays under the F bound
    ``SSR_min (1 + F_{1,dof}(level) / dof)``: it reaches down to 0 when the data cannot
    exclude a pure power law, which a log-normal (Wald) interval of ``log E`` never does.
    """

    def __init__(self, log_x, log_y, theta):
        self.log_x, self.log_y = log_x, log_y
        self.theta = np.asarray(theta, float)
        self.estimate = float(np.exp(self.theta[0]))
        self.ssr_min = self.ssr(self.estimate)
        self.ceiling = float(np.exp(log_y.min()))

    def ssr(self, offset: float) -> float:
        def residual(t):
            curve = offset + np.exp(t[0] - t[1] * self.log_x)
            return np.log(curve) - self.log_y

        start = self.theta[1:]
        result = optimize.least_squares(residual, start, method="lm", xtol=1e-12, ftol=1e-12)
        return float(2.0 * result.cost)

    def interval(self, level: float, dof: int) -> tuple[float, float]:
        bound = self.ssr_min * (1.0 + stats.f.ppf(level, 1, max(dof, 1)) / max(dof, 1))
        lower = 0.0
        if self.ssr(0.0) > bound:
            lower = self._bisect(0.0, self.estimate, bound, rising=False)
        upper = self._bisect(self.estimate, self.ceiling * (1 - 1e-9), bound, rising=True)
        return lower, upper

    def _bisect(self, low, high, bound, rising, steps=50) -> float:
        # rising: SSR goes from below the bound at ``low`` to above it towards ``high``.
        for _ in range(steps):
            middle = 0.5 * (low + high)
            inside = self.ssr(middle) <= bound
            if inside == rising:
                low = middle
            else:
                high = middle
            if high - low <= 1e-6 * max(high, 1e-300):
                break
        return high if rising else low


def _log_model(theta, log_x):
    """``log y`` for ``theta = (log E, log A, alpha)`` and its Jacobian."""
    e, a, alpha = theta
    terms = np.stack([np.full_like(log_x, e), a - alpha * log_x])
    top = terms.max(axis=0)
    weights = np.exp(terms - top)
    total = weights.sum(axis=0)
    share_e, share_a = weights / total
    jacobian = np.stack([share_e, share_a, -share_a * log_x], axis=1)
    return top + np.log(total), jacobian


def _fit_offset(log_x, log_y):
    floor = log_y.min()
    centre_x, centre_y = log_x.mean(), log_y.mean()
    best = None
    for share in _OFFSET_SHARES:
        e = floor + np.log(share) if share > 0 else floor - 20.0
        for alpha in _EXPONENTS:
            remainder = np.exp(centre_y) - np.exp(e)
            a = np.log(max(remainder, 1e-12 * np.exp(centre_y))) + alpha * centre_x
            result = optimize.least_squares(
                lambda t: _log_model(t, log_x)[0] - log_y,
                x0=[e, a, alpha],
                jac=lambda t: _log_model(t, log_x)[1],
                method="lm",
                xtol=1e-12,
                ftol=1e-12,
            )
            if best is None or result.cost < best.cost:
                best = result
    jacobian = _log_model(best.x, log_x)[1]
    dof = max(log_x.size - 3, 1)
    sigma2 = 2.0 * best.cost / dof
    covariance = sigma2 * np.linalg.pinv(jacobian.T @ jacobian)
    return best.x, covariance, bool(best.success)


class PowerLawFit(Fit):
    """A fitted power law ``y = E + A / x^α``.

    Attributes
    ----------
    params : dict
        ``E`` (0 without offset, or at its bound), ``A``, ``alpha``.
    n : int
    converged : bool
    at_bound : bool
        Whether the offset was negligible and is reported at its bound ``E = 0``.
    """

    def __init__(
        self,
        names,
        theta,
        covariance,
        dof,
        converged,
        x,
        y,
        level,
        dim,
        prov,
        attrs,
        profile=None,
        at_bound=False,
    ):
        self._names = names
        self._theta = np.asarray(theta, float)
        self._covariance = covariance
        self._dof = dof
        self.converged = converged
        self._x, self._y = x, y
        self.level = level
        self.n = x.size
        self._dim = dim
        self._provenance = prov
        self.provenance = dict(prov)
        self._attrs = attrs
        self._profile = profile
        self.at_bound = at_bound
        self.offset = len(names) == 3
        self.params = dict(zip(names, self._natural(self._theta), strict=True))
        if not self.offset:
            self.params = {"E": 0.0, **self.params}
        log_fitted = self._log_terms(np.log(x))[0]
        # Residual scale of log y: the observation-noise model of predict(interval=...).
        self.sigma = float(np.sqrt(np.sum((np.log(y) - log_fitted) ** 2) / max(dof, 1)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"PowerLawFit({shown}, n={self.n})"

    def _natural(self, theta):
        # Logs of E and A to their values; alpha stays.
        return [
            float(np.exp(v)) if name in ("E", "A") else float(v)
            for name, v in zip(self._names, theta, strict=True)
        ]

    def _log_terms(self, log_x):
        if self.offset and not self.at_bound:
            return _log_model(self._theta, log_x)
        a, alpha = self._theta[-2:]
        log_curve = a - alpha * log_x
        jacobian = np.stack([np.ones_like(log_x), -log_x], axis=1)
        if self.offset:
            jacobian = np.column_stack([np.zeros_like(log_x), jacobian])
        return log_curve, jacobian

    def _estimates(self) -> dict[str, float]:
        return dict(self.params)

    def _param_attrs(self):
        y_units = self._attrs["y"].get("units", "1")
        return {
            "E": {"units": y_units, "long_name": "Offset E"},
            "A": {"units": "1", "long_name": "Coefficient A"},
            "alpha": {"units": "1", "long_name": "Exponent alpha"},
        }

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        """``A`` (log-normal) and ``alpha`` (t) from the covariance; ``E`` by profile."""
        q = stats.t.ppf(0.5 + level / 2, self._dof)
        se = np.sqrt(np.diag(self._covariance))
        out = {}
        for k, name in enumerate(self._names):
            if name == "E":
                out["E"] = self._profile.interval(level, self._dof)
                continue
            lower, upper = self._theta[k] - q * se[k], self._theta[k] + q * se[k]
            if name == "A":
                lower, upper = np.exp(lower), np.exp(upper)
            out[name] = (float(lower), float(upper))
        if not self.offset:
            out = {"E": (0.0, 0.0), **out}
        return out

    @public
    def predict(self, x, level: float | None = None, *, interval: str = "mean") -> xr.Dataset:
        """``y`` at ``x`` with a band (``y_lower``, ``y_upper``).

        ``interval="mean"`` bands the fitted curve (parameter uncertainty);
        ``"observation"`` bands where a new observation is expected: the curve's variance
        plus the residual variance of ``log y`` (:attr:`sigma`), t quantiles.
        """
        level = self._level(level, "predict")
        check_choice(interval, "interval", ("mean", "observation"))
        xs = check_positive(x, "x")
        log_pred, jacobian = self._log_terms(np.log(xs))
        variance = np.einsum("ij,jk,ik->i", jacobian, self._covariance, jacobian)
        if interval == "observation":
            variance = variance + self.sigma**2
        se = np.sqrt(variance)
        q = stats.t.ppf(0.5 + level / 2, self._dof)
        attrs = {"units": self._attrs["y"].get("units", "1"), "long_name": "Fitted power law"}
        x_attrs = {"units": self._attrs["x"].get("units", "1"), "long_name": "x"}
        band = {**attrs, "level": level, "interval": interval}
        ds = xr.Dataset(
            {
                "y": ("x", np.exp(log_pred), attrs),
                "y_lower": ("x", np.exp(log_pred - q * se), band),
                "y_upper": ("x", np.exp(log_pred + q * se), band),
            },
            coords={"x": ("x", xs, x_attrs)},
        )
        ds.attrs = dict(self._provenance)
        return ds

    @property
    def residuals(self) -> xr.DataArray:
        """``log y`` minus the fitted ``log y`` at each point."""
        return xr.DataArray(
            np.log(self._y) - self._log_terms(np.log(self._x))[0],
            dims=self._dim,
            attrs={"units": "1", "long_name": "Log residual (observed - fitted)"},
        )

    def _summary_title(self) -> str:
        return "Power law y = E + A / x^alpha" if self.offset else "Power law y = A / x^alpha"

    def _summary_notes(self) -> list[str]:
        notes = [f"points: {self.n}; converged: {self.converged}"]
        if self.at_bound:
            notes.append("E is negligible and reported at its bound 0 (profile interval)")
        elif self.offset:
            notes.append("E's interval by profile least squares (bounded below by 0)")
        return notes

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """The points with fitted values beside the estimates along ``param``."""
        fitted = np.exp(self._log_terms(np.log(self._x))[0])
        y_attrs = {"units": self._attrs["y"].get("units", "1")}
        ds["x"] = (
            self._dim,
            self._x,
            {"units": self._attrs["x"].get("units", "1"), "long_name": "x"},
        )
        ds["y"] = (self._dim, self._y, {**y_attrs, "long_name": "Observed y"})
        ds["fitted"] = (self._dim, fitted, {**y_attrs, "long_name": "Fitted y"})
        ds.attrs = {"offset": int(self.offset), "at_bound": int(self.at_bound), "n": self.n}
        return ds
