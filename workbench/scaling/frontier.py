"""Frontier models: those at the leading edge of training compute when they were published."""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench.errors import ParameterError, format_choices
from workbench.scaling import _checks
from workbench.scaling.trend import fit_trend

__all__ = ["FRONTIER_METHODS", "frontier"]

FRONTIER_METHODS = ("top_n", "residual")


def frontier(
    ds: xr.Dataset,
    method: str = "top_n",
    *,
    n: int = 10,
    margin: float = 0.5,
    variable: str = "training_compute",
    time: str = "publication_date",
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
        above the least-squares trend of all models.
    n
        Size of the running top list (``"top_n"``).
    margin
        Orders of magnitude above the trend (``"residual"``).
    variable, time
        Names of the compute and date variables.

    Returns
    -------
    xr.Dataset
        The selected models (same variables), with ``attrs["frontier"]`` describing the rule.
    """
    owner = "frontier"
    _checks.choice(method, "method", owner, FRONTIER_METHODS)
    for name, parameter in ((variable, "variable"), (time, "time")):
        if name not in ds:
            raise ParameterError.invalid(
                parameter, owner, f"a variable of ds ({format_choices(ds.data_vars)})", name
            )
    if ds[variable].ndim != 1:
        raise ParameterError.invalid("ds", owner, "one-dimensional", f"dims {ds[variable].dims}")
    dim = ds[variable].dims[0]
    values = ds[variable].values.astype(float)
    dates = ds[time].values.astype("datetime64[ns]")
    present = np.isfinite(values) & ~np.isnat(dates)
    if method == "top_n":
        n = _checks.count(n, "n", owner, minimum=1)
        keep = _running_top(values, dates, present, n)
        rule = f"in the running top {n} of {variable} when published"
    else:
        if not np.isfinite(margin):
            raise ParameterError.invalid("margin", owner, "a number", margin)
        residuals = fit_trend(ds[variable], ds[time]).residuals
        above = residuals.where(residuals > margin, drop=True)
        keep = np.isin(ds[dim].values, above[residuals.dims[0]].values) & present
        rule = f"more than {margin:g} orders of magnitude above the trend of all models"
    selected = ds.isel({dim: np.flatnonzero(keep)})
    selected.attrs = {**ds.attrs, "frontier": rule}
    return selected


def _running_top(values, dates, present, n) -> np.ndarray:
    """Whether each model had fewer than ``n`` larger models published on or before it."""
    v = np.where(present, values, -np.inf)
    earlier = (dates[None, :] <= dates[:, None]) & present[None, :]
    larger = (v[None, :] > v[:, None]) & earlier
    return present & (larger.sum(axis=1) < n)
