"""One-variable power laws ``y = E + A / x^α`` (or ``A / x^α`` without the offset)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import optimize, stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from workbench.errors import FitError
from workbench.scaling import _checks

__all__ = ["PowerLawFit", "fit_power_law"]

# Starts of the offset fit: offset as a share of the smallest y, and exponents; the
# coefficient of each start is solved from the data's geometric centre.
_OFFSET_SHARES = (0.0, 0.3, 0.6, 0.9)
_EXPONENTS = (0.05, 0.2, 0.5, 1.0, 2.0)


def fit_power_law(x, y, offset: bool = True, *, level: float = 0.9) -> PowerLawFit:
    """Fit ``y = E + A / x^α`` by least squares on ``log y``.

    Parameters
    ----------
    x, y
        Positive, finite 1-D arrays or DataArrays of one length (e.g. compute and loss).
    offset
        Fit the offset ``E`` (irreducible loss); False fits the pure power law ``A / x^α``
        as a straight line in log-log (ordinary least squares).
    level
        Default level of intervals (asymptotic normal, from the fit's covariance).

    Returns
    -------
    PowerLawFit

    Raises
    ------
    ParameterError
        Non-positive, NaN or mismatched inputs.
    FitError
        Fewer points than parameters plus one.
    """
    owner = "fit_power_law"
    xs = _checks.positive_values(x, "x", owner)
    ys = _checks.positive_values(y, "y", owner)
    n = _checks.same_lengths(owner, x=xs, y=ys)
    names = ("E", "A", "alpha") if offset else ("A", "alpha")
    _checks.enough_points(n, len(names) + 1, owner, f"a power law with {len(names)} parameters")
    level = _checks.level_value(level, owner)
    if np.unique(xs).size < len(names):
        raise FitError(
            f"{owner} needs at least {len(names)} distinct x values; got {np.unique(xs).size}."
        )
    log_x, log_y = np.log(xs), np.log(ys)
    if offset:
        theta, covariance, converged = _fit_offset(log_x, log_y)
    else:
        results = OLS(log_y, add_constant(-log_x, has_constant="add")).fit()
        theta = np.asarray(results.params)
        covariance = np.asarray(results.cov_params())
        converged = True
    if not converged:
        _checks.warn_not_converged(owner, "least squares stopped before its tolerance")
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
        _checks.provenance({"x": x, "y": y}, "workbench.scaling.fit_power_law"),
        {k: dict(getattr(v, "attrs", {})) for k, v in (("x", x), ("y", y))},
    )


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


class PowerLawFit:
    """A fitted power law ``y = E + A / x^α``.

    Attributes
    ----------
    params : dict
        ``E`` (0 without offset), ``A``, ``alpha``.
    n : int
    converged : bool
    """

    def __init__(self, names, theta, covariance, dof, converged, x, y, level, dim, prov, attrs):
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
        self._attrs = attrs
        self.offset = len(names) == 3
        self.params = dict(zip(names, self._natural(self._theta), strict=True))
        if not self.offset:
            self.params = {"E": 0.0, **self.params}

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
        if self.offset:
            return _log_model(self._theta, log_x)
        a, alpha = self._theta
        return a - alpha * log_x, np.stack([np.ones_like(log_x), -log_x], axis=1)

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """Intervals of ``E``, ``A`` (log-normal) and ``alpha`` (t) -> (lower, upper)."""
        level = self.level if level is None else _checks.level_value(level, "PowerLawFit.conf_int")
        q = stats.t.ppf(0.5 + level / 2, self._dof)
        se = np.sqrt(np.diag(self._covariance))
        out = {}
        for k, name in enumerate(self._names):
            lower, upper = self._theta[k] - q * se[k], self._theta[k] + q * se[k]
            if name in ("E", "A"):
                lower, upper = np.exp(lower), np.exp(upper)
            out[name] = (float(lower), float(upper))
        return out

    def predict(self, x, level: float | None = None) -> xr.Dataset:
        """``y`` at ``x`` with the confidence band of the curve (``y_lower``, ``y_upper``)."""
        owner = "PowerLawFit.predict"
        level = self.level if level is None else _checks.level_value(level, owner)
        xs = _checks.positive_values(x, "x", owner)
        log_pred, jacobian = self._log_terms(np.log(xs))
        se = np.sqrt(np.einsum("ij,jk,ik->i", jacobian, self._covariance, jacobian))
        q = stats.t.ppf(0.5 + level / 2, self._dof)
        attrs = {"units": self._attrs["y"].get("units", "1"), "long_name": "Fitted power law"}
        x_attrs = {"units": self._attrs["x"].get("units", "1"), "long_name": "x"}
        ds = xr.Dataset(
            {
                "y": ("x", np.exp(log_pred), attrs),
                "y_lower": ("x", np.exp(log_pred - q * se), {**attrs, "level": level}),
                "y_upper": ("x", np.exp(log_pred + q * se), {**attrs, "level": level}),
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

    def summary(self, level: float | None = None):
        """A small table of the estimates with intervals."""
        from workbench.scaling._summary import Summary

        used = self.level if level is None else level
        bounds = self.conf_int(level)
        rows = [(name, self.params[name], *bounds.get(name, (None, None))) for name in self.params]
        return Summary(
            title="Power law y = E + A / x^alpha" if self.offset else "Power law y = A / x^alpha",
            rows=rows,
            interval_label=f"{used:.0%} interval",
            notes=[f"points: {self.n}; converged: {self.converged}"],
        )

    def to_dataset(self) -> xr.Dataset:
        """Estimates and bounds along ``param``; the points with fitted values."""
        bounds = self.conf_int()
        names = list(self.params)
        lower = [bounds.get(n, (np.nan, np.nan))[0] for n in names]
        upper = [bounds.get(n, (np.nan, np.nan))[1] for n in names]
        fitted = np.exp(self._log_terms(np.log(self._x))[0])
        y_attrs = {"units": self._attrs["y"].get("units", "1")}
        ds = xr.Dataset(
            {
                "estimate": (
                    "param",
                    [self.params[n] for n in names],
                    {"units": "1", "long_name": "Fitted value"},
                ),
                "lower": (
                    "param",
                    lower,
                    {"units": "1", "long_name": "Lower bound", "level": self.level},
                ),
                "upper": (
                    "param",
                    upper,
                    {"units": "1", "long_name": "Upper bound", "level": self.level},
                ),
                "x": (
                    self._dim,
                    self._x,
                    {"units": self._attrs["x"].get("units", "1"), "long_name": "x"},
                ),
                "y": (self._dim, self._y, {**y_attrs, "long_name": "Observed y"}),
                "fitted": (self._dim, fitted, {**y_attrs, "long_name": "Fitted y"}),
            },
            coords={"param": names},
        )
        ds.attrs = {
            **self._provenance,
            "offset": int(self.offset),
            "level": self.level,
            "n": self.n,
        }
        return ds
