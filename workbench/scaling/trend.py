"""Exponential trends in time: a straight line through ``log10(y)`` against the date.

The slope is in orders of magnitude (decades) per year; the growth multiplier per year is
``10**slope`` and the doubling time ``12·log10(2)/slope`` months. ``method="ols"`` is
statsmodels OLS; ``method="huber"`` is statsmodels RLM with Huber's T norm, which gives less
weight to models far off the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.robust.norms import HuberT
from statsmodels.robust.robust_linear_model import RLM
from statsmodels.tools.tools import add_constant

from workbench.errors import FitError, ParameterError
from workbench.scaling import _checks

__all__ = ["METHODS", "TrendFit", "decimal_years", "fit_trend"]

METHODS = ("ols", "huber")
_DAYS_PER_YEAR = 365.2425
_LOG10_2 = np.log10(2.0)
# Points along the fitted line in to_dataset(), enough for a smooth band in a chart.
_LINE_POINTS = 120


def decimal_years(times) -> np.ndarray:
    """Dates (datetime64, strings, pandas) as fractional years, e.g. 2024-07-02 -> ~2024.5."""
    values = pd.to_datetime(np.asarray(getattr(times, "values", times)).ravel())
    stamps = values.values.astype("datetime64[ns]")
    days = (stamps - np.datetime64("1970-01-01", "ns")) / np.timedelta64(1, "D")
    out = 1970.0 + days / _DAYS_PER_YEAR
    return np.where(pd.isna(values), np.nan, out)


def _from_decimal_years(years: np.ndarray) -> np.ndarray:
    # Whole seconds: decimal years carry float rounding that would show as 23:59:59.999.
    seconds = np.round((np.asarray(years) - 1970.0) * _DAYS_PER_YEAR * 86400.0)
    return np.datetime64("1970-01-01", "ns") + seconds.astype("timedelta64[s]")


def _as_datetimes(value, parameter: str, owner: str) -> np.ndarray:
    raw = value.values if isinstance(value, xr.DataArray) else value
    try:
        stamps = pd.to_datetime(np.atleast_1d(np.asarray(raw)).ravel())
    except (TypeError, ValueError) as exc:
        raise ParameterError.invalid(parameter, owner, "dates", value) from exc
    return stamps.values.astype("datetime64[ns]")


def _time_of(y: xr.DataArray, owner: str) -> xr.DataArray:
    """The datetime coordinate along ``y``'s one dimension."""
    found = [
        c for c in y.coords if y[c].dims == y.dims and np.issubdtype(y[c].dtype, np.datetime64)
    ]
    if len(found) != 1:
        raise ParameterError.invalid(
            "time",
            owner,
            "given, or found as the one datetime coordinate of y",
            f"y with datetime coordinates {found}",
        )
    return y[found[0]]


@dataclass(frozen=True)
class TrendData:
    """The points of a trend fit: labels, dates, decimal years, ``log10(y)``, value units."""

    labels: np.ndarray
    dim: str
    times: np.ndarray
    years: np.ndarray
    log10_values: np.ndarray
    name: str
    attrs: dict
    provenance: dict

    @property
    def n(self) -> int:
        return self.years.size

    def subset(self, keep: np.ndarray) -> TrendData:
        return TrendData(
            self.labels[keep],
            self.dim,
            self.times[keep],
            self.years[keep],
            self.log10_values[keep],
            self.name,
            self.attrs,
            self.provenance,
        )


def prepare_trend_data(y, time, start, end, owner: str) -> TrendData:
    """Check inputs and keep the points with a value and a date inside ``[start, end]``."""
    if isinstance(y, xr.DataArray):
        if y.ndim != 1:
            raise ParameterError.invalid("y", owner, "one-dimensional", f"dims {y.dims}")
        if time is None:
            time = _time_of(y, owner)
        dim = y.dims[0]
        labels = y[dim].values if dim in y.coords else np.arange(y.size)
        name = str(y.name or "value")
        attrs = dict(y.attrs)
    else:
        if time is None:
            raise ParameterError.invalid("time", owner, "given when y is not a DataArray", None)
        dim, name, attrs = "observation", "value", {}
        labels = None
    values = _checks.as_vector(y, "y", owner)
    times = _as_datetimes(time, "time", owner)
    if labels is None:
        labels = np.arange(values.size)
    _checks.same_lengths(owner, y=values, time=times)
    keep = np.isfinite(values) & ~np.isnat(times)
    nonpositive = keep & (values <= 0)
    if nonpositive.any():
        raise ParameterError.invalid(
            "y",
            owner,
            "positive where present (an exponential trend is fitted to its logarithm)",
            f"{int(nonpositive.sum())} value(s) <= 0",
        )
    if start is not None:
        keep &= times >= _as_datetimes(start, "start", owner)[0]
    if end is not None:
        keep &= times <= _as_datetimes(end, "end", owner)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        log10_values = np.log10(values)
    data = TrendData(
        np.asarray(labels)[keep],
        dim,
        times[keep],
        decimal_years(times[keep]),
        log10_values[keep],
        name,
        attrs,
        _checks.provenance({"y": y, "time": time}, "workbench.scaling.fit_trend"),
    )
    check_enough(data, owner)
    return data


def check_enough(data: TrendData, owner: str, needed: int = 3) -> None:
    _checks.enough_points(data.n, needed, owner, "a trend with an interval")
    if np.unique(data.times).size < 2:
        raise FitError(
            f"{owner} needs at least two distinct dates to fit a trend; all {data.n} points "
            f"share the date {str(data.times[0])[:10]}."
        )


def fit_trend(
    y,
    time=None,
    *,
    start=None,
    end=None,
    method: str = "ols",
    level: float = 0.9,
) -> TrendFit:
    """Fit an exponential trend ``log10(y) = intercept + slope · years``.

    Parameters
    ----------
    y
        Positive values (a 1-D DataArray such as ``models.training_compute``, or numpy).
        NaN rows are dropped.
    time
        Dates of the points (DataArray, numpy datetime64 or strings). Optional when ``y``
        carries exactly one datetime coordinate along its dimension.
    start, end
        Keep only points dated within ``[start, end]`` (inclusive); None: no limit.
    method
        ``"ols"`` (least squares) or ``"huber"`` (robust, statsmodels RLM with Huber's T).
    level
        Default level of intervals and prediction bands.

    Returns
    -------
    TrendFit

    Raises
    ------
    ParameterError
        Non-positive values, mismatched lengths, an unknown method.
    FitError
        Fewer than three points, or only one distinct date.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> dates = pd.date_range("2015-01-01", periods=9, freq="YS")
    >>> y = xr.DataArray(10.0 ** np.arange(9) * 2, coords={"year": dates}, dims="year")
    >>> round(fit_trend(y).growth_per_year, 1)
    10.0
    """
    owner = "fit_trend"
    _checks.choice(method, "method", owner, METHODS)
    level = _checks.level_value(level, owner)
    data = prepare_trend_data(y, time, start, end, owner)
    return fit_prepared(data, method, level)


def fit_prepared(data: TrendData, method: str, level: float) -> TrendFit:
    """Fit a trend to already-checked points (shared with the piecewise fits)."""
    # Centre the years: the intercept is then the trend at the data's mean date, and the
    # design matrix is well conditioned.
    reference = float(np.mean(data.years))
    design = add_constant(data.years - reference, has_constant="add")
    if method == "ols":
        results = OLS(data.log10_values, design).fit()
        df = float(results.df_resid)
        scale = float(np.sqrt(results.scale))
    else:
        results = RLM(data.log10_values, design, M=HuberT()).fit()
        df = np.inf
        scale = float(results.scale)
    return TrendFit(data, method, level, results, reference, df, scale)


class TrendFit:
    """A fitted exponential trend.

    Attributes
    ----------
    slope : float
        Orders of magnitude per year (slope of ``log10(y)`` against years).
    growth_per_year : float
        Multiplier per year, ``10**slope``.
    doubling_time_months : float
        ``12·log10(2)/slope``; negative when the trend falls (then a halving time).
    n : int
        Points used.
    method : str
        ``"ols"`` or ``"huber"``.
    results
        The statsmodels results object, for anything not surfaced here.
    """

    def __init__(self, data: TrendData, method, level, results, reference, df, scale):
        self._data = data
        self.method = method
        self.level = level
        self.results = results
        self._reference = reference
        self._df = df
        self._scale = scale
        self.intercept = float(results.params[0])
        self.slope = float(results.params[1])
        self.n = data.n
        self.long_name = str(data.attrs.get("long_name", data.name))
        self.provenance = dict(data.provenance)

    def __repr__(self) -> str:
        return (
            f"TrendFit({self._data.name}: x{self.growth_per_year:.3g}/year, doubling "
            f"{self.doubling_time_months:.3g} months, n={self.n}, method={self.method!r})"
        )

    @property
    def growth_per_year(self) -> float:
        return float(10.0**self.slope)

    @property
    def doubling_time_months(self) -> float:
        return _doubling_months(self.slope)

    def growth_over(self, months: float) -> float:
        """Growth multiplier over ``months`` (18 gives the "x35 against Moore's x2" figure)."""
        if not np.isfinite(months):
            raise ParameterError.invalid("months", "TrendFit.growth_over", "a number", months)
        return float(10.0 ** (self.slope * float(months) / 12.0))

    def _level(self, level, owner) -> float:
        return self.level if level is None else _checks.level_value(level, owner)

    def _quantile(self, level: float) -> float:
        tail = 0.5 + level / 2.0
        return float(stats.t.ppf(tail, self._df) if np.isfinite(self._df) else stats.norm.ppf(tail))

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """Intervals: ``slope``, ``growth_per_year``, ``doubling_time_months`` -> (lower, upper).

        When the slope's interval reaches zero or below, the doubling time's upper bound is
        infinite (the data cannot exclude no growth).
        """
        level = self._level(level, "TrendFit.conf_int")
        lower, upper = np.asarray(self.results.conf_int(alpha=1.0 - level))[1]
        return {
            "slope": (float(lower), float(upper)),
            "growth_per_year": (float(10.0**lower), float(10.0**upper)),
            "doubling_time_months": _doubling_bounds(lower, upper),
        }

    def growth_over_conf_int(
        self, months: float, level: float | None = None
    ) -> tuple[float, float]:
        """Interval of the growth multiplier over ``months``."""
        lower, upper = self.conf_int(level)["slope"]
        return float(10.0 ** (lower * months / 12.0)), float(10.0 ** (upper * months / 12.0))

    def predict(self, times, level: float | None = None) -> xr.Dataset:
        """The trend at ``times`` with its confidence band and the band for new points.

        Returns a Dataset along ``time``: ``trend`` (central line), ``trend_lower`` and
        ``trend_upper`` (interval of the line), ``observation_lower`` and
        ``observation_upper`` (where a new point is expected), all in the units of ``y``.
        """
        owner = "TrendFit.predict"
        level = self._level(level, owner)
        stamps = _as_datetimes(times, "times", owner)
        years = decimal_years(stamps) - self._reference
        design = np.column_stack([np.ones_like(years), years])
        central = design @ np.asarray(self.results.params)
        covariance = np.asarray(self.results.cov_params())
        line_se = np.sqrt(np.einsum("ij,jk,ik->i", design, covariance, design))
        point_se = np.sqrt(line_se**2 + self._scale**2)
        q = self._quantile(level)
        attrs = {k: v for k, v in self._data.attrs.items() if k in ("units",)}
        long_name = self._data.attrs.get("long_name", self._data.name)
        columns = {
            "trend": (central, f"Trend of {long_name}"),
            "trend_lower": (central - q * line_se, "Lower bound of the trend"),
            "trend_upper": (central + q * line_se, "Upper bound of the trend"),
            "observation_lower": (central - q * point_se, "Lower bound for a new point"),
            "observation_upper": (central + q * point_se, "Upper bound for a new point"),
        }
        ds = xr.Dataset(
            {
                name: ("time", 10.0**values, {**attrs, "long_name": text, "level": level})
                for name, (values, text) in columns.items()
            },
            coords={"time": ("time", stamps, {"long_name": "Date"})},
        )
        ds["trend"].attrs.pop("level")
        ds.attrs = dict(self._data.provenance)
        return ds

    @property
    def residuals(self) -> xr.DataArray:
        """``log10(y)`` minus the trend at each point used, in orders of magnitude."""
        fitted = self.intercept + self.slope * (self._data.years - self._reference)
        dim = self._data.dim if self._data.dim != "time" else "observation"
        return xr.DataArray(
            self._data.log10_values - fitted,
            dims=dim,
            coords={dim: self._data.labels},
            attrs={"units": "1", "long_name": "Residual of log10 value from the trend"},
        )

    def summary(self, level: float | None = None):
        """A small table of slope, growth per year and doubling time with intervals."""
        from workbench.scaling._summary import Summary

        level = self._level(level, "TrendFit.summary")
        bounds = self.conf_int(level)
        rows = [
            ("slope (decades/year)", self.slope, *bounds["slope"]),
            ("growth per year (x)", self.growth_per_year, *bounds["growth_per_year"]),
            ("doubling time (months)", self.doubling_time_months, *bounds["doubling_time_months"]),
            (
                "growth over 18 months (x)",
                self.growth_over(18),
                *self.growth_over_conf_int(18, level),
            ),
        ]
        first, last = (str(t)[:10] for t in (self._data.times.min(), self._data.times.max()))
        return Summary(
            title=f"Exponential trend of {self._data.attrs.get('long_name', self._data.name)}",
            rows=rows,
            interval_label=f"{level:.0%} interval",
            notes=[f"points: {self.n} from {first} to {last}; method: {self.method}"],
        )

    def to_dataset(self) -> xr.Dataset:
        """Points used, the fitted line with bands over their date range, and the estimates.

        Dimensions: the points' own dimension (``observation`` if it was ``time``) and
        ``time`` for the line. Scalars ``slope``, ``growth_per_year`` and
        ``doubling_time_months`` come with ``_lower``/``_upper`` bounds at ``level``.
        """
        data = self._data
        years = np.linspace(data.years.min(), data.years.max(), _LINE_POINTS)
        ds = self.predict(_from_decimal_years(years))
        residual = self.residuals
        dim = residual.dims[0]
        value_attrs = {**data.attrs}
        ds["observed"] = (dim, 10.0**data.log10_values, value_attrs)
        ds["observed_time"] = (dim, data.times, {"long_name": "Date of the point"})
        ds["residual"] = residual
        ds = ds.assign_coords({dim: data.labels})
        bounds = self.conf_int()
        estimates = {
            "slope": (self.slope, "year-1", "Trend slope in orders of magnitude per year"),
            "growth_per_year": (self.growth_per_year, "1", "Growth multiplier per year"),
            "doubling_time_months": (self.doubling_time_months, "month", "Doubling time"),
        }
        for name, (value, units, long_name) in estimates.items():
            attrs = {"units": units, "long_name": long_name}
            ds[name] = ((), value, attrs)
            ds[f"{name}_lower"] = ((), bounds[name][0], {**attrs, "level": self.level})
            ds[f"{name}_upper"] = ((), bounds[name][1], {**attrs, "level": self.level})
        ds.attrs = {
            **data.provenance,
            "variable": data.name,
            "method": self.method,
            "n": self.n,
            "level": self.level,
        }
        return ds


def _doubling_months(slope: float) -> float:
    if slope == 0:
        return float("inf")
    return float(12.0 * _LOG10_2 / slope)


def _doubling_bounds(lower: float, upper: float) -> tuple[float, float]:
    if lower > 0:
        return _doubling_months(upper), _doubling_months(lower)
    if upper > 0:
        return _doubling_months(upper), float("inf")
    # A falling trend: report halving times (negative), longest first.
    return _doubling_months(upper), _doubling_months(lower)
