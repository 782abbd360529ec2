"""Era search: how many breaks (0 to 3) an exponential trend has, and where.

For each number of breaks ``m``, the least-squares segmentation of ``log10(y)`` against the date
into ``m + 1`` separate lines is found exactly by dynamic programming over the costs of every
admissible segment (Bai and Perron 2003), each cost from running sums. The number of breaks is
chosen by BIC (Bai and Perron's form: ``n log(SSR/n) + (3m + 2) log n``, the break dates
counted as parameters) or by K-fold cross-validation of the held-out points' squared error.

A residual bootstrap (the chosen eras' fitted values plus resampled residuals, dates fixed)
repeats the whole search, the choice of ``m`` by BIC included, on every resample. Break dates
of such a search are often multimodal (a break in 2010 on some resamples, in 2018 on others),
so the result reports their distribution (the share of resamples choosing each ``m``, and the
share with a break in each year) rather than one percentile interval.
"""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr

from workbench._random import stream
from workbench._results import DEFAULT_LEVEL, Fit
from workbench._validation import (
    caller,
    check_choice,
    check_count,
    check_level,
    check_n_draws,
    check_seed,
    invalid,
    public,
)
from workbench.errors import FitError
from workbench.scaling.piecewise import PiecewiseTrendFit, _fit_segments, _split_dates
from workbench.scaling.trend import METHODS, _from_decimal_years, prepare_trend_data

__all__ = ["CRITERIA", "EraFit", "find_eras"]

CRITERIA = ("bic", "cv")
MAX_BREAKS = 3


@public
def find_eras(
    y,
    time=None,
    *,
    max_breaks: int = MAX_BREAKS,
    criterion: str = "bic",
    min_points: int = 5,
    n_boot: int = 200,
    folds: int = 5,
    start=None,
    end=None,
    method: str = "ols",
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> EraFit:
    """Choose 0 to ``max_breaks`` breaks of an exponential trend and fit its eras.

    Parameters
    ----------
    y, time, start, end, method, level
        As for :func:`~workbench.scaling.fit_trend` (``method`` applies to the final fit
        of the segments; the search itself is least squares).
    max_breaks
        Most breaks considered (0 to 3).
    criterion
        ``"bic"`` or ``"cv"`` (``folds``-fold cross-validation).
    min_points
        Fewest points of a segment (at least 3).
    n_boot
        Residual-bootstrap resamples, each searched in full (0: none).
    seed
        Seed of the bootstrap and of the cross-validation folds.

    Returns
    -------
    EraFit

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dates = pd.date_range("2000-01-01", periods=40, freq="QS")
    >>> years = np.arange(40) / 4
    >>> y = 10 ** np.where(years < 5, 0.1 * years, 0.5 + 0.6 * (years - 5))
    >>> find_eras(y, dates.values, n_boot=0).n_breaks
    1
    """
    check_choice(method, "method", METHODS)
    check_choice(criterion, "criterion", CRITERIA)
    max_breaks = check_count(max_breaks, "max_breaks", minimum=0)
    if max_breaks > MAX_BREAKS:
        raise invalid("max_breaks", f"an integer from 0 to {MAX_BREAKS}", max_breaks)
    min_points = check_count(min_points, "min_points", minimum=3)
    n_boot, seed = check_n_draws(n_boot, "n_boot", minimum=0), check_seed(seed)
    folds = check_count(folds, "folds", minimum=2)
    level = check_level(level)
    data = prepare_trend_data(y, time, start, end)
    data = data.subset(np.argsort(data.times, kind="stable"))
    if data.n < min_points:
        raise FitError(f"{caller()} needs at least {min_points} points; got {data.n}.")
    x = data.years - data.years.mean()
    z = data.log10_values - data.log10_values.mean()
    ones = np.ones(data.n)
    ssr, splits = _segmentations(x, z, ones, min_points, max_breaks)
    allowed = np.isfinite(ssr)
    bic = _bic(ssr, data.n)
    scores = bic if criterion == "bic" else _cv_scores(x, z, min_points, max_breaks, folds, seed)
    scores = np.where(allowed, scores, np.inf)
    chosen = int(np.argmin(scores))
    midpoints = _split_dates(data.years)
    break_years = midpoints[splits[chosen]] if chosen else np.zeros(0)
    breaks = _from_decimal_years(break_years)
    fit = _fit_segments(data, breaks, method, level)

    boot_breaks = np.full((n_boot, max_breaks), np.nan)
    boot_m = np.full(n_boot, -1)
    if n_boot:
        # A residual bootstrap (dates fixed, residuals of the chosen eras resampled) as in
        # Bai and Perron's inference: resampling points instead duplicates some, and the
        # duplicates invite spurious short eras.
        fitted = _fitted(x, z, splits[chosen] if chosen else np.zeros(0, int))
        residual = z - fitted
        rng = stream(seed, "scaling.find_eras/bootstrap").generator()
        draws = rng.integers(0, data.n, size=(n_boot, data.n))
        for k in range(n_boot):
            b_ssr, b_splits = _segmentations(
                x, fitted + residual[draws[k]], ones, min_points, max_breaks
            )
            b_scores = np.where(np.isfinite(b_ssr), _bic(b_ssr, data.n), np.inf)
            m = int(np.argmin(b_scores))
            boot_m[k] = m
            if m:
                boot_breaks[k, :m] = midpoints[b_splits[m]]
    table = {"ssr": ssr, "bic": bic}
    if criterion == "cv":
        table["cv"] = scores
    return EraFit(fit, chosen, criterion, table, boot_m, boot_breaks, level)


def _segment_costs(x, z, w, min_points) -> np.ndarray:
    """SSR of a weighted line through points ``i..j-1`` for every ``i < j``: (n+1, n+1).

    Inadmissible segments (fewer than ``min_points`` points with weight, dates that do not
    vary, or a boundary between two points of one date) cost infinity.
    """
    n = x.size
    columns = np.stack([np.ones_like(x), x, z, x * x, x * z, z * z]) * w  # (6, n)
    running = np.concatenate([np.zeros((6, 1)), np.cumsum(columns, axis=1)], axis=1)
    sums = running[:, None, :] - running[:, :, None]  # (6, i, j) = sum over i..j-1
    s0, sx, sz, sxx, sxz, szz = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        vxx = sxx - sx * sx / s0
        vxz = sxz - sx * sz / s0
        cost = szz - sz * sz / s0 - vxz * vxz / vxx
    present = np.concatenate([[0], np.cumsum(w > 0)])
    count = present[None, :] - present[:, None]
    ok = (count >= min_points) & (vxx > 1e-9 * np.maximum(sxx, 1.0)) & np.isfinite(cost)
    # A boundary k (between points k-1 and k) must fall between two distinct dates.
    boundary = np.ones(n + 1, bool)
    boundary[1:n] = x[1:] > x[:-1]
    ok &= boundary[:, None] & boundary[None, :]
    return np.where(ok, np.maximum(cost, 0.0), np.inf)


def _segmentations(x, z, w, min_points, max_breaks):
    """Least total SSR for 0..max_breaks breaks and the split indices of each (exact DP)."""
    n = x.size
    cost = _segment_costs(x, z, w, min_points)
    ssr = np.full(max_breaks + 1, np.inf)
    splits: list[np.ndarray] = [np.zeros(0, int)]
    best = cost[0]  # best[j]: one segment covering 0..j-1
    ssr[0] = best[n]
    back = []
    for m in range(1, max_breaks + 1):
        total = best[:, None] + cost  # (i, j): m segments to i, one more from i to j
        arg = np.argmin(total, axis=0)
        best = total[arg, np.arange(n + 1)]
        back.append(arg)
        ssr[m] = best[n]
        # Walk back from the end for this m.
        cuts, j = [], n
        for level_back in range(m - 1, -1, -1):
            j = int(back[level_back][j])
            cuts.append(j)
        splits.append(np.array(cuts[::-1], int))
    return ssr, splits


def _fitted(x, z, splits) -> np.ndarray:
    """Least-squares line of each segment, evaluated at its points."""
    out = np.empty_like(z)
    for lo, hi in itertools.pairwise(np.concatenate([[0], splits, [x.size]])):
        slope, intercept = np.polyfit(x[lo:hi], z[lo:hi], 1)
        out[lo:hi] = intercept + slope * x[lo:hi]
    return out


def _bic(ssr: np.ndarray, n: int) -> np.ndarray:
    m = np.arange(ssr.size)
    with np.errstate(divide="ignore"):
        return n * np.log(np.maximum(ssr, 1e-300) / n) + (3 * m + 2) * np.log(n)


def _cv_scores(x, z, min_points, max_breaks, folds, seed) -> np.ndarray:
    """Held-out squared error of each number of breaks, summed over ``folds`` folds."""
    rng = stream(seed, "scaling.find_eras/folds").generator()
    fold = rng.permutation(np.arange(x.size) % folds)
    scores = np.zeros(max_breaks + 1)
    for f in range(folds):
        train = (fold != f).astype(float)
        ssr, splits = _segmentations(x, z, train, min_points, max_breaks)
        for m in range(max_breaks + 1):
            if not np.isfinite(ssr[m]):
                scores[m] = np.inf
                continue
            edges = np.concatenate([[0], splits[m], [x.size]])
            for lo, hi in itertools.pairwise(edges):
                part = slice(lo, hi)
                keep = train[part] > 0
                slope, intercept = np.polyfit(x[part][keep], z[part][keep], 1)
                held = ~keep
                scores[m] += ((z[part][held] - intercept - slope * x[part][held]) ** 2).sum()
    return scores


class EraFit(Fit):
    """The chosen number of breaks, the eras' trends, and the bootstrap distribution of breaks.

    Attributes
    ----------
    n_breaks : int
        Breaks chosen by ``criterion``.
    breakpoints : numpy.ndarray
        Their dates (datetime64).
    fit : PiecewiseTrendFit
        The eras' trends at those breaks (intervals conditional on the break dates).
    criterion : str
    table : dict
        Per number of breaks 0..max: ``ssr``, ``bic`` (and ``cv``).
    n_boot : int
    """

    def __init__(
        self, fit: PiecewiseTrendFit, n_breaks, criterion, table, boot_m, boot_breaks, level
    ):
        self.fit = fit
        self.segments = fit.segments
        self.breakpoints = fit.breakpoints
        self.n_breaks = n_breaks
        self.criterion = criterion
        self.table = table
        self._boot_m = boot_m
        self._boot_breaks = boot_breaks
        self.n_boot = boot_m.size
        self.level = level
        self.provenance = dict(fit.provenance)

    def __repr__(self) -> str:
        return f"EraFit({self.n_breaks} break(s) by {self.criterion}; {self.fit!r})"

    def _estimates(self):
        return self.fit._estimates()

    def _interval(self, level):
        return self.fit._interval(level)

    def _param_attrs(self):
        return self.fit._param_attrs()

    def predict(self, times, level: float | None = None) -> xr.Dataset:
        return self.fit.predict(times, level)

    @property
    def n_breaks_share(self) -> xr.DataArray:
        """Share of bootstrap resamples choosing each number of breaks (BIC)."""
        m = np.arange(self.table["ssr"].size)
        share = [(self._boot_m == k).mean() if self.n_boot else np.nan for k in m]
        return xr.DataArray(
            share,
            dims="n_breaks",
            coords={"n_breaks": m},
            attrs={"units": "1", "long_name": "Share of resamples choosing this many breaks"},
        )

    @property
    def break_draws(self) -> xr.DataArray:
        """Bootstrap break dates along ``draw`` and ``break_slot`` (NaT where fewer were chosen)."""
        values = self._boot_breaks
        stamps = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = np.isfinite(values)
        stamps[ok] = _from_decimal_years(values[ok])
        return xr.DataArray(
            stamps,
            dims=("draw", "break_slot"),
            coords={
                "draw": np.arange(values.shape[0]),
                "break_slot": np.arange(1, values.shape[1] + 1),
            },
            attrs={"long_name": "Bootstrap break date"},
        )

    def break_histogram(self) -> xr.DataArray:
        """Share of resamples with a break in each calendar year (the distribution's modes)."""
        values = self._boot_breaks
        years = self.fit.segments[0].start.astype("datetime64[Y]").astype(int) + 1970
        last = self.fit.segments[-1].end.astype("datetime64[Y]").astype(int) + 1970
        axis = np.arange(years, last + 1)
        share = np.zeros(axis.size)
        if self.n_boot:
            floor = np.floor(values)
            for k, year in enumerate(axis):
                share[k] = (floor == year).any(axis=1).mean()
        return xr.DataArray(
            share if self.n_boot else np.full(axis.size, np.nan),
            dims="year",
            coords={"year": axis},
            attrs={"units": "1", "long_name": "Share of resamples with a break in the year"},
        )

    def _summary_title(self) -> str:
        return f"Eras of an exponential trend: {self.n_breaks} break(s) chosen by {self.criterion}"

    def summary(self, level: float | None = None):
        table = self.fit.summary(level)
        table.title = self._summary_title()
        table.notes = table.notes + self._summary_notes()
        return table

    def _summary_notes(self) -> list[str]:
        scores = self.table[self.criterion]
        notes = [
            f"{self.criterion} by breaks 0..{scores.size - 1}: "
            + ", ".join(f"{v:.1f}" for v in scores)
        ]
        if self.n_boot:
            share = self.n_breaks_share.values
            notes.append(
                f"bootstrap ({self.n_boot} resamples, each searched in full): breaks chosen "
                + ", ".join(f"{k}: {s:.0%}" for k, s in enumerate(share))
            )
            histogram = self.break_histogram()
            top = histogram.sortby(histogram, ascending=False)[:4]
            notes.append(
                "years most often holding a break: "
                + ", ".join(
                    f"{int(y)} ({s:.0%})"
                    for y, s in zip(top.year.values, top.values, strict=True)
                    if s > 0
                )
            )
        notes.append("segment intervals are conditional on the chosen break dates")
        return notes

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        out = self.fit.to_dataset(level).drop_dims("param")
        out = out.merge(ds, combine_attrs="override")
        for name, values in self.table.items():
            out[f"criterion_{name}"] = (
                "n_breaks",
                values,
                {"long_name": f"{name} by number of breaks"},
            )
        out = out.assign_coords(n_breaks=np.arange(self.table["ssr"].size))
        if self.n_boot:
            out["n_breaks_share"] = self.n_breaks_share
            out["break_draws"] = self.break_draws
            out["break_histogram"] = self.break_histogram()
        out.attrs = {
            "criterion": self.criterion,
            "chosen_breaks": self.n_breaks,
            "n_boot": self.n_boot,
        }
        return out
