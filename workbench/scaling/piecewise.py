"""Piecewise exponential trends: given breakpoints, or one breakpoint found from the data.

Each segment gets its own line (level and slope may jump at a break, as in the "eras" of
compute trends). The automatic search tries every split between two distinct dates and keeps
the one with the least total squared error of two separate log-linear fits; a bootstrap over
the points, with every resample searched in full, gives an interval on the break date.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._random import stream
from workbench._results import DEFAULT_LEVEL, Fit, Summary
from workbench._validation import (
    caller,
    check_choice,
    check_count,
    check_level,
    check_n_draws,
    check_seed,
    public,
)
from workbench.errors import FitError, ParameterError
from workbench.scaling.trend import (
    _TREND_PARAM_ATTRS,
    METHODS,
    TrendFit,
    _as_datetimes,
    _from_decimal_years,
    check_enough,
    decimal_years,
    fit_prepared,
    prepare_trend_data,
)

__all__ = ["BreakpointFit", "PiecewiseTrendFit", "find_breakpoint", "fit_piecewise_trend"]


@public
def fit_piecewise_trend(
    y,
    time=None,
    *,
    breakpoints,
    start=None,
    end=None,
    method: str = "ols",
    level: float = DEFAULT_LEVEL,
) -> PiecewiseTrendFit:
    """Separate exponential trends between given break dates.

    A point dated exactly on a break belongs to the later segment.

    Parameters
    ----------
    y, time, start, end, method, level
        As for :func:`~workbench.scaling.fit_trend`.
    breakpoints
        One or more dates, inside the data's date range.

    Returns
    -------
    PiecewiseTrendFit

    Raises
    ------
    FitError
        A segment has fewer than three points or a single date.
    """
    check_choice(method, "method", METHODS)
    level = check_level(level)
    data = prepare_trend_data(y, time, start, end)
    breaks = np.sort(_as_datetimes(breakpoints, "breakpoints"))
    return _fit_segments(data, breaks, method, level)


def _fit_segments(data, breaks, method, level) -> PiecewiseTrendFit:
    edges = np.concatenate([[np.datetime64("NaT")], breaks, [np.datetime64("NaT")]])
    segments = []
    for i in range(len(breaks) + 1):
        keep = np.ones(data.n, bool)
        if i > 0:
            keep &= data.times >= breaks[i - 1]
        if i < len(breaks):
            keep &= data.times < breaks[i]
        part = data.subset(keep)
        try:
            check_enough(part)
        except FitError as exc:
            span = f"{str(edges[i])[:10]} to {str(edges[i + 1])[:10]}".replace("NaT", "open")
            raise FitError(f"segment {i + 1} ({span}): {exc}") from None
        segments.append(fit_prepared(part, method, level))
    return PiecewiseTrendFit(segments, breaks, level, data.provenance)


class PiecewiseTrendFit(Fit):
    """Trends of consecutive segments.

    Estimates are named per segment: ``slope[1]``, ``growth_per_year[1]``,
    ``doubling_time_months[1]``, then ``[2]`` and so on.

    Attributes
    ----------
    segments : list of TrendFit
        One fit per segment, in time order.
    breakpoints : numpy.ndarray
        The break dates (datetime64).
    """

    def __init__(self, segments: list[TrendFit], breakpoints, level, provenance):
        self.segments = segments
        self.breakpoints = np.asarray(breakpoints, dtype="datetime64[ns]")
        self.level = level
        self.n = sum(s.n for s in segments)
        self._provenance = provenance
        self.provenance = dict(provenance)

    def _estimates(self) -> dict[str, float]:
        return {
            f"{name}[{i}]": value
            for i, seg in enumerate(self.segments, 1)
            for name, value in seg._estimates().items()
        }

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        return {
            f"{name}[{i}]": bounds
            for i, seg in enumerate(self.segments, 1)
            for name, bounds in seg._interval(level).items()
        }

    def _param_attrs(self):
        return {
            f"{name}[{i}]": attrs
            for i in range(1, len(self.segments) + 1)
            for name, attrs in _TREND_PARAM_ATTRS.items()
        }

    def __repr__(self) -> str:
        parts = ", ".join(f"x{s.growth_per_year:.3g}/yr" for s in self.segments)
        breaks = ", ".join(str(b)[:10] for b in self.breakpoints)
        return f"PiecewiseTrendFit(breaks [{breaks}]: {parts}; n={self.n})"

    def _segment_of(self, stamps) -> np.ndarray:
        return np.searchsorted(self.breakpoints, stamps, side="right")

    @public
    def predict(self, times, level: float | None = None) -> xr.Dataset:
        """Each time's own segment trend with bands (see :meth:`TrendFit.predict`)."""
        stamps = _as_datetimes(times, "times")
        which = self._segment_of(stamps)
        parts = [
            seg.predict(stamps[which == i], level)
            for i, seg in enumerate(self.segments)
            if (which == i).any()
        ]
        ds = xr.concat(parts, dim="time", combine_attrs="override").sortby("time")
        ds["segment"] = ("time", self._segment_of(ds.time.values) + 1, {"long_name": "Segment"})
        return ds

    def summary(self, level: float | None = None):
        """One row per segment: growth per year and doubling time with intervals."""
        used = self._level(level, "summary")
        rows = []
        for i, seg in enumerate(self.segments, 1):
            bounds = seg.conf_int(used)
            rows.append((f"{i}: growth/year (x)", seg.growth_per_year, *bounds["growth_per_year"]))
            rows.append(
                (
                    f"{i}: doubling (months)",
                    seg.doubling_time_months,
                    *bounds["doubling_time_months"],
                )
            )
        breaks = ", ".join(str(b)[:10] for b in self.breakpoints)
        return Summary(
            title="Piecewise exponential trend",
            rows=rows,
            interval_label=f"{used:.0%} interval",
            notes=[f"breaks: {breaks}; points: {', '.join(str(s.n) for s in self.segments)}"],
        )

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """Per-segment estimates along ``segment``, and each segment's line along ``time``."""
        params = ds
        segment_sets = [seg.to_dataset(level).drop_dims("param") for seg in self.segments]
        line_names = [
            "trend",
            "trend_lower",
            "trend_upper",
            "observation_lower",
            "observation_upper",
        ]
        lines = xr.concat(
            [
                s[line_names].assign(segment_of_time=("time", np.full(s.sizes["time"], i)))
                for i, s in enumerate(segment_sets, 1)
            ],
            dim="time",
            combine_attrs="override",
        )
        lines["segment_of_time"].attrs = {"long_name": "Segment of the line point"}
        names = [
            f"{p}{suffix}"
            for p in ("slope", "growth_per_year", "doubling_time_months")
            for suffix in ("", "_lower", "_upper")
        ]
        estimates = xr.concat(
            [s[names] for s in segment_sets], dim="segment", combine_attrs="override"
        )
        dim = segment_sets[0].residual.dims[0]
        observed = xr.concat(
            [s[["observed", "observed_time", "residual"]] for s in segment_sets],
            dim=dim,
            combine_attrs="override",
        )
        ds = xr.merge([lines, estimates, observed, params], combine_attrs="override")
        ds = ds.assign_coords(segment=np.arange(1, len(segment_sets) + 1))
        ds["segment_start"] = ("segment", [s.observed_time.min().values for s in segment_sets])
        ds["segment_end"] = ("segment", [s.observed_time.max().values for s in segment_sets])
        ds["breakpoint"] = ("break", self.breakpoints, {"long_name": "Break date"})
        ds.attrs = {"n": self.n}
        return ds


@public
def find_breakpoint(
    y,
    time=None,
    *,
    start=None,
    end=None,
    min_points: int = 5,
    n_boot: int = 500,
    level: float = DEFAULT_LEVEL,
    method: str = "ols",
    seed: int = 0,
) -> BreakpointFit:
    """Find the single break date that best splits the points into two exponential trends.

    Every split between consecutive distinct dates that leaves ``min_points`` points on each
    side is tried; the break is the midpoint between the dates either side of the split with
    the least total squared error of two separate least-squares lines. ``n_boot`` bootstrap
    resamples of the points are each searched the same way (all at once, through weighted
    running sums) for a percentile interval on the break date. The two segments are then
    fitted with ``method``.

    Parameters
    ----------
    y, time, start, end, method, level
        As for :func:`~workbench.scaling.fit_trend`.
    min_points
        Fewest points allowed on either side of the break (at least 3).
    n_boot
        Bootstrap resamples for the break date's interval (0: no interval).
    seed
        Seed of the bootstrap.

    Returns
    -------
    BreakpointFit
    """
    check_choice(method, "method", METHODS)
    level = check_level(level)
    min_points = check_count(min_points, "min_points", minimum=3)
    n_boot, seed = check_n_draws(n_boot, "n_boot", minimum=0), check_seed(seed)
    data = prepare_trend_data(y, time, start, end)
    order = np.argsort(data.times, kind="stable")
    data = data.subset(order)
    if data.n < 2 * min_points:
        raise FitError(
            f"{caller()} needs at least {2 * min_points} points ({min_points} on each side); "
            f"got {data.n}."
        )
    split_dates = _split_dates(data.years)
    ones = np.ones((1, data.n))
    best = _best_splits(data.years, data.log10_values, ones, min_points)[0]
    if best < 0:
        raise FitError(
            f"{caller()}: no split leaves {min_points} points with distinct dates per side."
        )
    break_year = split_dates[best]
    draws = np.full(0, np.nan)
    if n_boot:
        rng = stream(seed, "scaling.find_breakpoint").generator()
        counts = rng.multinomial(data.n, np.full(data.n, 1.0 / data.n), size=n_boot)
        chosen = _best_splits(data.years, data.log10_values, counts.astype(float), min_points)
        draws = np.where(chosen >= 0, split_dates[np.maximum(chosen, 0)], np.nan)
    break_date = _from_decimal_years(np.array([break_year]))[0]
    fit = _fit_segments(data, np.array([break_date]), method, level)
    return BreakpointFit(fit, break_date, draws, level)


def _split_dates(years: np.ndarray) -> np.ndarray:
    """Candidate break (decimal year) before each sorted point: midpoint with the previous."""
    midpoints = np.empty_like(years)
    midpoints[0] = years[0]
    midpoints[1:] = (years[1:] + years[:-1]) / 2
    return midpoints


def _best_splits(years, values, weights, min_points) -> np.ndarray:
    """Index of the first point of the later segment minimising the total SSR, per weight row.

    Weighted running sums give both segments' least-squares fits for every split at once.
    Returns -1 for a row where no split is allowed.
    """
    x = years - years.mean()
    y = values - values.mean()
    columns = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y])  # (6, n)
    running = np.cumsum(weights[:, None, :] * columns[None], axis=2)  # (R, 6, n)
    total = running[:, :, -1:]
    left = running[:, :, :-1]  # points 0..k-1 for a split before k = 1..n-1
    right = total - left
    ssr = _ssr(left) + _ssr(right)
    distinct = years[1:] > years[:-1]
    counts_left = np.cumsum(weights > 0, axis=1)[:, :-1]
    counts_right = (weights > 0).sum(1, keepdims=True) - counts_left
    allowed = distinct[None, :] & (counts_left >= min_points) & (counts_right >= min_points)
    ssr = np.where(allowed & np.isfinite(ssr), ssr, np.inf)
    best = ssr.argmin(axis=1)
    return np.where(np.isfinite(ssr.min(axis=1)), best + 1, -1)


def _ssr(sums):
    n, sx, sy, sxx, sxy, syy = (sums[:, k] for k in range(6))
    with np.errstate(divide="ignore", invalid="ignore"):
        vxx = sxx - sx * sx / n
        vxy = sxy - sx * sy / n
        vyy = syy - sy * sy / n
        ssr = vyy - vxy * vxy / vxx
    # A side whose dates do not vary cannot carry a line.
    return np.where(vxx > 1e-12 * np.maximum(sxx, 1.0), ssr, np.inf)


class BreakpointFit(Fit):
    """A single break found in a trend, with the piecewise fit at that break.

    For 0 to 3 breaks chosen by a criterion, and the distribution of break dates over
    bootstrap resamples, see :func:`workbench.scaling.find_eras`.

    Attributes
    ----------
    break_date : numpy.datetime64
    fit : PiecewiseTrendFit
        The two segments' trends.
    n_boot : int
    """

    def __init__(self, fit: PiecewiseTrendFit, break_date, draws, level):
        self.fit = fit
        self.break_date = break_date
        self._draws = draws
        self.n_boot = draws.size
        self.level = level
        self.segments = fit.segments
        self.provenance = dict(fit.provenance)

    def __repr__(self) -> str:
        return (
            f"BreakpointFit(break {str(self.break_date)[:10]}, n_boot={self.n_boot}; {self.fit!r})"
        )

    @property
    def draws(self) -> xr.DataArray:
        """Bootstrap break dates along ``draw`` (NaT where a resample allowed no split)."""
        valid = np.isfinite(self._draws)
        stamps = np.full(self._draws.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        stamps[valid] = _from_decimal_years(self._draws[valid])
        return xr.DataArray(
            stamps,
            dims="draw",
            coords={"draw": np.arange(self._draws.size)},
            attrs={"long_name": "Bootstrap break date"},
        )

    def _estimates(self) -> dict[str, float]:
        year = float(decimal_years(np.array([self.break_date]))[0])
        return {**self.fit._estimates(), "break_year": year}

    def _param_attrs(self):
        return {
            **self.fit._param_attrs(),
            "break_year": {"units": "year", "long_name": "Break date as a decimal year"},
        }

    def _interval(self, level: float) -> dict[str, tuple]:
        out = dict(self.fit._interval(level))
        if self.n_boot:
            tail = (1 - level) / 2
            lower, upper = np.nanquantile(self._draws, [tail, 1 - tail])
            out["break_year"] = (float(lower), float(upper))
        return out

    def conf_int(self, level: float | None = None) -> dict[str, tuple]:
        """Segment intervals, and ``break_date`` as datetime64 (percentile bootstrap).

        The bootstrap distribution of a break date can have several modes; read
        :attr:`draws` (or use :func:`~workbench.scaling.find_eras`) before trusting one
        interval.
        """
        if self.n_boot == 0:
            raise ParameterError(
                "BreakpointFit.conf_int needs bootstrap resamples; call find_breakpoint with "
                "n_boot > 0.",
                parameter="n_boot",
            )
        out = self._interval(self._level(level, "conf_int"))
        out["break_date"] = tuple(_from_decimal_years(np.array(out["break_year"])))
        return out

    def predict(self, times, level: float | None = None) -> xr.Dataset:
        return self.fit.predict(times, level)

    def summary(self, level: float | None = None):
        table = self.fit.summary(level)
        if self.n_boot:
            lower, upper = self.conf_int(level)["break_date"]
            used = self._level(level, "summary")
            table.notes.append(
                f"break {str(self.break_date)[:10]}, {used:.0%} bootstrap interval "
                f"{str(lower)[:10]} to {str(upper)[:10]} ({self.n_boot} resamples)"
            )
        return table

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        out = self.fit.to_dataset(level).drop_dims("param").merge(ds, combine_attrs="override")
        out["break_date"] = ((), self.break_date, {"long_name": "Break date"})
        if self.n_boot:
            lower, upper = self.conf_int(level)["break_date"]
            out["break_date_lower"] = ((), lower, {"long_name": "Break date, lower bound"})
            out["break_date_upper"] = ((), upper, {"long_name": "Break date, upper bound"})
            out["break_date_draws"] = self.draws
        out.attrs = {"n": self.fit.n, "n_boot": self.n_boot}
        return out
