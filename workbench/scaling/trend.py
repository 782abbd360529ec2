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

from workbench._provenance import merge
from workbench._random import stream
from workbench._results import DEFAULT_LEVEL, Fit
from workbench._time import bound
from workbench._validation import (
    as_vector,
    caller,
    check_choice,
    check_count,
    check_enough_points,
    check_level,
    check_n_draws,
    check_same_lengths,
    check_seed,
    invalid,
    public,
)
from workbench.errors import FitError

__all__ = ["ERRORS", "METHODS", "TrendFit", "decimal_years", "fit_trend"]

METHODS = ("ols", "huber")
ERRORS = ("iid", "hac", "block_bootstrap")
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


def _as_datetimes(value, parameter: str) -> np.ndarray:
    raw = value.values if isinstance(value, xr.DataArray) else value
    try:
        stamps = pd.to_datetime(np.atleast_1d(np.asarray(raw)).ravel())
    except (TypeError, ValueError) as exc:
        raise invalid(parameter, "dates", value) from exc
    return stamps.values.astype("datetime64[ns]")


def _time_of(y: xr.DataArray) -> xr.DataArray:
    """The datetime coordinate along ``y``'s one dimension."""
    found = [
        c for c in y.coords if y[c].dims == y.dims and np.issubdtype(y[c].dtype, np.datetime64)
    ]
    if len(found) != 1:
        raise invalid(
            "time",
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


def prepare_trend_data(y, time, start, end) -> TrendData:
    """Check inputs and keep the points with a value and a date inside ``[start, end]``."""
    if isinstance(y, xr.DataArray):
        if y.ndim != 1:
            raise invalid("y", "one-dimensional", f"dims {y.dims}")
        if time is None:
            time = _time_of(y)
        dim = y.dims[0]
        labels = y[dim].values if dim in y.coords else np.arange(y.size)
        name = str(y.name or "value")
        attrs = dict(y.attrs)
    else:
        if time is None:
            raise invalid("time", "given when y is not a DataArray", None)
        dim, name, attrs = "observation", "value", {}
        labels = None
    values = as_vector(y, "y")
    times = _as_datetimes(time, "time")
    if labels is None:
        labels = np.arange(values.size)
    check_same_lengths(y=values, time=times)
    keep = np.isfinite(values) & ~np.isnat(times)
    nonpositive = keep & (values <= 0)
    if nonpositive.any():
        raise invalid(
            "y",
            "positive where present (an exponential trend is fitted to its logarithm)",
            f"{int(nonpositive.sum())} value(s) <= 0",
        )
    if start is not None:
        keep &= times >= bound(start, "start")
    if end is not None:
        keep &= times <= bound(end, "end", end=True)
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
        merge(y, time, method="workbench.scaling.fit_trend"),
    )
    check_enough(data)
    return data


def check_enough(data: TrendData, needed: int = 3) -> None:
    check_enough_points(data.n, needed, "a trend with an interval")
    if np.unique(data.times).size < 2:
        raise FitError(
            f"{caller()} needs at least two distinct dates to fit a trend; all {data.n} points "
            f"share the date {str(data.times[0])[:10]}."
        )


@public
def fit_trend(
    y,
    time=None,
    *,
    start=None,
    end=None,
    method: str = "ols",
    errors: str = "iid",
    level: float = DEFAULT_LEVEL,
    maxlags: int | None = None,
    block_length: int | None = None,
    n_boot: int = 1000,
    seed: int = 0,
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
        Keep only points dated within ``[start, end]`` (inclusive); None: no limit. A year
        (``2010``) is the whole year: ``start=2010, end=2020`` keeps 2010 through 2020.
    method
        ``"ols"`` (least squares) or ``"huber"`` (robust, statsmodels RLM with Huber's T).
    errors
        How the intervals treat the residuals. ``"iid"``: independent errors (the classical
        OLS or RLM covariance). ``"hac"``: Newey-West (heteroskedasticity and
        autocorrelation consistent) covariance over the points in date order, with
        ``maxlags`` lags (default ``floor(4 (n/100)^(2/9))``); OLS only. ``"block_bootstrap"``:
        a moving-block bootstrap over the points in date order (blocks of ``block_length``
        points, default ``ceil(n^(1/3))``), ``n_boot`` refits, percentile intervals. Models
        published close together share labs, hardware and hype: their residuals are
        correlated, and the iid intervals too narrow.
    level
        Default level of intervals and prediction bands.
    maxlags, block_length, n_boot, seed
        Options of ``errors="hac"`` and ``errors="block_bootstrap"``.

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
    check_choice(method, "method", METHODS)
    check_choice(errors, "errors", ERRORS)
    if errors == "hac" and method != "ols":
        raise invalid("errors", "'iid' or 'block_bootstrap' with method='huber'", errors)
    level = check_level(level)
    options = {
        "maxlags": None if maxlags is None else check_count(maxlags, "maxlags", minimum=0),
        "block_length": None
        if block_length is None
        else check_count(block_length, "block_length", minimum=1),
        "n_boot": check_n_draws(n_boot, "n_boot", minimum=10),
        "seed": check_seed(seed),
    }
    data = prepare_trend_data(y, time, start, end)
    return fit_prepared(data, method, level, errors, **options)


def fit_prepared(
    data: TrendData,
    method: str,
    level: float,
    errors: str = "iid",
    *,
    maxlags: int | None = None,
    block_length: int | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> TrendFit:
    """Fit a trend to already-checked points (shared with the piecewise fits)."""
    # Points in date order: the HAC lags and the bootstrap blocks run along time.
    data = data.subset(np.argsort(data.times, kind="stable"))
    # Centre the years: the intercept is then the trend at the data's mean date, and the
    # design matrix is well conditioned.
    reference = float(np.mean(data.years))
    design = add_constant(data.years - reference, has_constant="add")
    draws = None
    if method == "ols":
        if errors == "hac":
            lags = maxlags if maxlags is not None else int(4 * (data.n / 100) ** (2 / 9))
            results = OLS(data.log10_values, design).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True
            )
        else:
            results = OLS(data.log10_values, design).fit()
        df = float(results.df_resid)
        scale = float(np.sqrt(results.scale))
    else:
        results = RLM(data.log10_values, design, M=HuberT()).fit()
        df = np.inf
        scale = float(results.scale)
    covariance = np.asarray(results.cov_params())
    if errors == "block_bootstrap":
        length = block_length or int(np.ceil(data.n ** (1 / 3)))
        draws = _block_bootstrap(data, design, method, min(length, data.n), n_boot, seed)
        covariance = np.cov(draws, rowvar=False)
        df = np.inf
    return TrendFit(data, method, level, results, reference, df, scale, errors, covariance, draws)


def _block_bootstrap(data, design, method, length, n_boot, seed) -> np.ndarray:
    """(intercept, slope) refitted on ``n_boot`` moving-block resamples, (n_boot, 2)."""
    rng = stream(seed, "scaling.fit_trend/block_bootstrap").generator()
    n = data.n
    n_blocks = -(-n // length)
    starts = rng.integers(0, n - length + 1, size=(n_boot, n_blocks))
    index = (starts[:, :, None] + np.arange(length)).reshape(n_boot, -1)[:, :n]
    counts = np.zeros((n_boot, n))
    np.add.at(counts, (np.arange(n_boot)[:, None], index), 1.0)
    if method == "ols":
        # Weighted least squares of every resample at once, from weighted sums.
        x, y = design[:, 1], data.log10_values
        sw, sx, sy = counts.sum(1), counts @ x, counts @ y
        sxx, sxy = counts @ (x * x), counts @ (x * y)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (sxy - sx * sy / sw) / (sxx - sx * sx / sw)
        intercept = (sy - slope * sx) / sw
        out = np.column_stack([intercept, slope])
    else:
        out = np.empty((n_boot, 2))
        for k in range(n_boot):
            rows = index[k]
            out[k] = RLM(data.log10_values[rows], design[rows], M=HuberT()).fit().params
    # A resample with a single date has no slope.
    return out[np.isfinite(out).all(axis=1)]


class TrendFit(Fit):
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
    errors : str
        ``"iid"``, ``"hac"`` or ``"block_bootstrap"``: what the intervals assume.
    results
        The statsmodels results object, for anything not surfaced here.
    """

    def __init__(
        self,
        data: TrendData,
        method,
        level,
        results,
        reference,
        df,
        scale,
        errors="iid",
        covariance=None,
        draws=None,
    ):
        self._data = data
        self.method = method
        self.errors = errors
        self.level = level
        self.results = results
        self._reference = reference
        self._df = df
        self._scale = scale
        self._covariance = (
            np.asarray(results.cov_params()) if covariance is None else np.asarray(covariance)
        )
        self._draws = draws
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

    @property
    def slope_se(self) -> float:
        """Standard error of the slope under the fit's ``errors`` assumption."""
        return float(np.sqrt(self._covariance[1, 1]))

    @property
    def start(self) -> np.datetime64:
        """Date of the earliest point used."""
        return self._data.times.min()

    @property
    def end(self) -> np.datetime64:
        """Date of the latest point used."""
        return self._data.times.max()

    @public
    def growth_over(self, months: float) -> float:
        """Growth multiplier over ``months`` (18 gives the "x35 against Moore's x2" figure)."""
        if not np.isfinite(months):
            raise invalid("months", "a number", months)
        return float(10.0 ** (self.slope * float(months) / 12.0))

    def _quantile(self, level: float) -> float:
        tail = 0.5 + level / 2.0
        return float(stats.t.ppf(tail, self._df) if np.isfinite(self._df) else stats.norm.ppf(tail))

    def _slope_bounds(self, level: float) -> tuple[float, float]:
        if self._draws is not None:
            tail = (1.0 - level) / 2.0
            lower, upper = np.quantile(self._draws[:, 1], [tail, 1.0 - tail])
            return float(lower), float(upper)
        q = self._quantile(level)
        return self.slope - q * self.slope_se, self.slope + q * self.slope_se

    def _estimates(self) -> dict[str, float]:
        return {
            "slope": self.slope,
            "growth_per_year": self.growth_per_year,
            "doubling_time_months": self.doubling_time_months,
        }

    def _param_attrs(self):
        return _TREND_PARAM_ATTRS

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        """Intervals: ``slope``, ``growth_per_year``, ``doubling_time_months``.

        When the slope's interval reaches zero or below, the doubling time's upper bound is
        infinite (the data cannot exclude no growth).
        """
        lower, upper = self._slope_bounds(level)
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

    @public
    def predict(self, times, level: float | None = None) -> xr.Dataset:
        """The trend at ``times`` with its confidence band and the band for new points.

        Returns a Dataset along ``time``: ``trend`` (central line), ``trend_lower`` and
        ``trend_upper`` (interval of the line), ``observation_lower`` and
        ``observation_upper`` (where a new point is expected), all in the units of ``y``.
        """
        level = self._level(level, "predict")
        stamps = _as_datetimes(times, "times")
        years = decimal_years(stamps) - self._reference
        design = np.column_stack([np.ones_like(years), years])
        central = design @ np.asarray(self.results.params)
        line_se = np.sqrt(np.einsum("ij,jk,ik->i", design, self._covariance, design))
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
        level = self._level(level, "summary")
        table = super().summary(level)
        table.rows = [
            ("slope (decades/year)", *table.rows[0][1:]),
            ("growth per year (x)", *table.rows[1][1:]),
            ("doubling time (months)", *table.rows[2][1:]),
            (
                "growth over 18 months (x)",
                self.growth_over(18),
                *self.growth_over_conf_int(18, level),
            ),
        ]
        return table

    def _summary_title(self) -> str:
        return f"Exponential trend of {self._data.attrs.get('long_name', self._data.name)}"

    def _summary_notes(self) -> list[str]:
        first, last = (str(t)[:10] for t in (self._data.times.min(), self._data.times.max()))
        described = _ERRORS_DESCRIBED[self.errors]
        if self._draws is not None:
            described += f" ({len(self._draws)} resamples)"
        return [f"points: {self.n} from {first} to {last}; method: {self.method}; {described}"]

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """Points used, the fitted line with bands over their date range, and the estimates.

        Dimensions: the points' own dimension (``observation`` if it was ``time``) and
        ``time`` for the line. Scalars ``slope``, ``growth_per_year`` and
        ``doubling_time_months`` come with ``_lower``/``_upper`` bounds at ``level`` (the
        same numbers as ``estimate``/``lower``/``upper`` along ``param``).
        """
        data = self._data
        years = np.linspace(data.years.min(), data.years.max(), _LINE_POINTS)
        ds = ds.merge(self.predict(_from_decimal_years(years), level), combine_attrs="override")
        residual = self.residuals
        dim = residual.dims[0]
        ds["observed"] = (dim, 10.0**data.log10_values, {**data.attrs})
        ds["observed_time"] = (dim, data.times, {"long_name": "Date of the point"})
        ds["residual"] = residual
        ds = ds.assign_coords({dim: data.labels})
        bounds = self._interval(level)
        for name, value in self._estimates().items():
            attrs = dict(_TREND_PARAM_ATTRS[name])
            ds[name] = ((), value, attrs)
            ds[f"{name}_lower"] = ((), bounds[name][0], {**attrs, "level": level})
            ds[f"{name}_upper"] = ((), bounds[name][1], {**attrs, "level": level})
        ds.attrs = {
            "variable": data.name,
            "method": self.method,
            "errors": self.errors,
            "n": self.n,
        }
        return ds


_TREND_PARAM_ATTRS = {
    "slope": {"units": "year-1", "long_name": "Trend slope in orders of magnitude per year"},
    "growth_per_year": {"units": "1", "long_name": "Growth multiplier per year"},
    "doubling_time_months": {"units": "month", "long_name": "Doubling time"},
}
_ERRORS_DESCRIBED = {
    "iid": "intervals assume independent errors",
    "hac": "Newey-West (HAC) intervals",
    "block_bootstrap": "moving-block bootstrap intervals",
}


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
