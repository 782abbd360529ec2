"""Checking a time series before forecasting it, and extending its time axis.

Forecasts and backtests take any quarterly or annual DataArray (revenue, units, H100e): one
dimension, regular steps, no gaps inside. Here that is checked once, the working scale is
chosen (log for a positive, multiplicative series) and future periods are labelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from workbench._validation import check_choice, invalid
from workbench.supply.methods import METHODS

__all__ = ["PreparedSeries", "check_method", "future_index", "prepare"]


@dataclass(frozen=True)
class PreparedSeries:
    """A checked series: values, its time axis, and the scale models work on."""

    values: np.ndarray  # original scale, no NaN
    index: np.ndarray  # time coordinate values
    dim: str
    log: bool
    attrs: dict
    name: str | None

    @property
    def working(self) -> np.ndarray:
        return np.log(self.values) if self.log else self.values

    def to_original(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.log else z


def prepare(series, *, log: bool | None = None) -> PreparedSeries:
    """Check ``series`` and choose its working scale.

    ``log=None`` works in log space when every value is positive (revenue, units and H100e
    grow multiplicatively); ``True`` insists on it; ``False`` forbids it.
    """
    if isinstance(series, (np.ndarray, list, tuple)):
        series = xr.DataArray(np.asarray(series, dtype=float), dims="period")
        series = series.assign_coords(period=np.arange(series.size))
    if not isinstance(series, xr.DataArray):
        raise invalid("series", "an xarray DataArray", type(series).__name__)
    if "draw" in series.dims:
        raise invalid(
            "series",
            "a series without draws (summarise first, e.g. series.median('draw'))",
            series.dims,
        )
    if series.ndim != 1:
        raise invalid("series", "a one-dimensional time series", series.dims)
    dim = series.dims[0]
    values = np.asarray(series.values, dtype=float)
    index = series[dim].values if dim in series.coords else np.arange(series.size)
    finite = np.isfinite(values)
    if not finite.any():
        raise invalid("series", "a series with values", "all NaN")
    # Leading and trailing NaN (quarters not yet reported) are dropped; a hole inside is not.
    first, last = np.argmax(finite), len(finite) - np.argmax(finite[::-1])
    values, index = values[first:last], index[first:last]
    if not np.isfinite(values).all():
        gap = index[np.argmin(np.isfinite(values))]
        raise invalid("series", "a series without missing values inside", str(gap))
    positive = bool((values > 0).all())
    if log is None:
        log = positive
    elif log and not positive:
        raise invalid("log", "False for a series with zero or negative values", True)
    _steps(index)
    return PreparedSeries(values, index, dim, bool(log), dict(series.attrs), series.name)


def _steps(index: np.ndarray) -> tuple[str, int]:
    """The series' step: ('months', 3 or 12) for dates, ('number', k) for numbers."""
    if len(index) < 2:
        return ("number", 1)
    if np.issubdtype(index.dtype, np.datetime64):
        stamps = pd.DatetimeIndex(index)
        months = np.diff(stamps.year * 12 + stamps.month)
        if len(set(months)) == 1 and months[0] in (3, 12) and (stamps.day == stamps.day[0]).all():
            return ("months", int(months[0]))
        raise invalid(
            "series",
            "a quarterly or annual series with regular steps",
            list(stamps.strftime("%Y-%m-%d")),
        )
    steps = np.diff(index.astype(float))
    if len(set(steps)) == 1 and steps[0] > 0:
        return ("number", steps[0])
    raise invalid("series", "a series with regular steps", list(index))


def future_index(prepared: PreparedSeries, steps: int) -> np.ndarray:
    """Labels of the ``steps`` periods after the series ends."""
    kind, step = _steps(prepared.index)
    last = prepared.index[-1]
    if kind == "months":
        start = pd.Timestamp(last)
        return np.array(
            [start + pd.DateOffset(months=step * k) for k in range(1, steps + 1)],
            dtype="datetime64[ns]",
        )
    return last + step * np.arange(1, steps + 1)


def check_method(method: str, n: int, *, choices) -> None:
    """Raise unless ``method`` is known and the series is long enough for it."""
    check_choice(method, "method", choices)
    if method in METHODS and n < METHODS[method].min_obs:
        raise invalid(
            "series",
            f"at least {METHODS[method].min_obs} observations for method={method!r}",
            f"{n} observations",
        )
