"""Frontier models: those at the leading edge of training compute when they were published."""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._results import DEFAULT_LEVEL
from workbench._validation import check_choice, check_count, check_level, invalid, public
from workbench.errors import WorkbenchError, format_choices
from workbench.scaling.trend import _as_datetimes, fit_trend

__all__ = ["FRONTIER_METHODS", "frontier", "frontier_sensitivity"]

FRONTIER_METHODS = ("top_n", "residual")


@public
def frontier(
    ds: xr.Dataset,
    method: str = "top_n",
    *,
    n: int = 10,
    margin: float = 0.5,
    variable: str = "training_compute",
    time: str = "publication_date",
    start=None,
    end=None,
) -> xr.Dataset:
    """The frontier subset of a models dataset.

    Models without a value or a date are left out.

    Parameters
    ----------
    ds
        One-dimensional dataset of models (e.g. ``workbench.data.load("models")``).
    method
        ``"top_n"``: a model is on the frontier when, at its publication date, fewer than
        ``n`` models published on or before that date had more compute (it was in the
        running top ``n``). ``"residual"``: models more than ``margin`` orders of magnitude
        above the least-squares trend of the models inside ``[start, end]`` (a trend over
        all dates would be pulled by decades of older, slower growth and pick early models).
    n
        Size of the running top list (``"top_n"``).
    margin
        Orders of magnitude above the trend (``"residual"``).
    variable, time
        Names of the compute and date variables.
    start, end
        Keep only models dated within ``[start, end]`` (None: no limit); the running top
        list still counts every earlier model.

    Returns
    -------
    xr.Dataset
        The selected models (same variables), with ``attrs["frontier"]`` describing the rule.
    """
    check_choice(method, "method", FRONTIER_METHODS)
    for name, parameter in ((variable, "variable"), (time, "time")):
        if name not in ds:
            raise invalid(parameter, f"a variable of ds ({format_choices(ds.data_vars)})", name)
    if ds[variable].ndim != 1:
        raise invalid("ds", "one-dimensional", f"dims {ds[variable].dims}")
    dim = ds[variable].dims[0]
    values = ds[variable].values.astype(float)
    dates = ds[time].values.astype("datetime64[ns]")
    present = np.isfinite(values) & ~np.isnat(dates)
    window = present.copy()
    if start is not None:
        window &= dates >= _as_datetimes(start, "start")[0]
    if end is not None:
        window &= dates <= _as_datetimes(end, "end")[0]
    if method == "top_n":
        n = check_count(n, "n", minimum=1)
        keep = _running_top(values, dates, present, n) & window
        rule = f"in the running top {n} of {variable} when published"
    else:
        if not np.isfinite(margin):
            raise invalid("margin", "a number", margin)
        trend = fit_trend(ds[variable], ds[time], start=start, end=end)
        residuals = trend.residuals
        above = residuals.where(residuals > margin, drop=True)
        keep = np.isin(ds[dim].values, above[residuals.dims[0]].values) & window
        span = f"{str(trend.start)[:10]} to {str(trend.end)[:10]}"
        rule = f"more than {margin:g} orders of magnitude above the trend of models from {span}"
    selected = ds.isel({dim: np.flatnonzero(keep)})
    selected.attrs = {**ds.attrs, "frontier": rule}
    return selected


def _running_top(values, dates, present, n) -> np.ndarray:
    """Whether each model had fewer than ``n`` larger models published on or before it."""
    v = np.where(present, values, -np.inf)
    earlier = (dates[None, :] <= dates[:, None]) & present[None, :]
    larger = (v[None, :] > v[:, None]) & earlier
    return present & (larger.sum(axis=1) < n)


@public
def frontier_sensitivity(
    ds: xr.Dataset,
    *,
    start=None,
    end=None,
    ns=(1, 3, 5, 10, 20),
    margins=(0.5,),
    level: float = DEFAULT_LEVEL,
    variable: str = "training_compute",
    time: str = "publication_date",
) -> xr.Dataset:
    """Growth of the frontier under each selection rule, side by side.

    One exponential trend over ``[start, end]`` per rule: the running top ``n`` for each of
    ``ns``, the residual rule for each of ``margins``, and all models ("all notable").

    Returns
    -------
    xr.Dataset
        Along ``rule``: ``growth_per_year`` and ``doubling_time_months`` with ``_lower`` and
        ``_upper`` bounds at ``level``, and ``n_models``.
    """
    level = check_level(level)
    selections = [
        (f"top {n}", frontier(ds, "top_n", n=n, variable=variable, time=time, start=start, end=end))
        for n in ns
    ]
    selections += [
        (
            f"residual > {m:g} OOM",
            frontier(ds, "residual", margin=m, variable=variable, time=time, start=start, end=end),
        )
        for m in margins
    ]
    selections.append(("all notable", ds))
    rows = {k: [] for k in ("growth_per_year", "doubling_time_months")}
    bounds = {k: ([], []) for k in rows}
    counts = []
    for _, selected in selections:
        try:
            fit = fit_trend(selected[variable], selected[time], start=start, end=end, level=level)
        except WorkbenchError:
            for key in rows:
                rows[key].append(np.nan)
                bounds[key][0].append(np.nan)
                bounds[key][1].append(np.nan)
            counts.append(0)
            continue
        interval = fit.conf_int(level)
        for key in rows:
            rows[key].append(fit.estimates[key])
            bounds[key][0].append(interval[key][0])
            bounds[key][1].append(interval[key][1])
        counts.append(fit.n)
    attrs = {
        "growth_per_year": {"units": "1", "long_name": "Growth multiplier per year"},
        "doubling_time_months": {"units": "month", "long_name": "Doubling time"},
    }
    out = xr.Dataset(coords={"rule": [label for label, _ in selections]})
    for key in rows:
        out[key] = ("rule", rows[key], attrs[key])
        out[f"{key}_lower"] = ("rule", bounds[key][0], {**attrs[key], "level": level})
        out[f"{key}_upper"] = ("rule", bounds[key][1], {**attrs[key], "level": level})
    out["n_models"] = ("rule", counts, {"units": "1", "long_name": "Models in the trend"})
    out.attrs = {
        **{k: ds.attrs[k] for k in ("source", "license", "as_of") if k in ds.attrs},
        "level": level,
    }
    return out
