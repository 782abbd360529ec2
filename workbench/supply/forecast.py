"""Forecasts with prediction intervals for quarterly or annual series.

``method="auto"`` backtests the four statsmodels models (:mod:`backtest`) and uses the one with
the lowest MASE, saying which in the result's attrs together with the scores.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._provenance import merge
from workbench._validation import check_count, check_level, invalid, public, renamed
from workbench.supply.backtest import backtest
from workbench.supply.methods import METHODS, MODELS
from workbench.supply.series import check_method, future_index, prepare

__all__ = ["forecast"]


@public
def forecast(
    series: xr.DataArray,
    *,
    steps: int | None = None,
    method: str = "auto",
    level: float = 0.9,
    log: bool | None = None,
    min_train: int = 8,
    horizon: int | None = None,
) -> xr.Dataset:
    """Point forecast and central prediction interval ``steps`` periods ahead.

    Parameters
    ----------
    series
        One-dimensional quarterly or annual DataArray without draws (e.g. revenue, or
        ``shipments.h100e.sum("chip").median("draw")``). Leading/trailing NaN are dropped.
    steps
        Periods to forecast (default 8).
    method
        ``"auto"`` (lowest backtest MASE among the models), ``"ets"`` (damped-trend
        exponential smoothing), ``"arima"`` (ARIMA(1,1,0) with drift), ``"ucm"``
        (unobserved-components local linear trend), ``"loglinear"`` (linear trend on the
        working scale), or the baselines ``"naive"`` and ``"drift"``.
    level
        Probability of the prediction interval.
    log
        Working scale: ``None`` (log when every value is positive; intervals then are
        multiplicative and the point forecast is a median), True or False.
    min_train
        First training window of the backtest ``"auto"`` runs.
    horizon
        Deprecated name of ``steps`` (a count of periods; ``horizon`` elsewhere in the
        workbench was a year, hence the rename).

    Returns
    -------
    xr.Dataset
        Along the series' time dimension (history then future): ``observed``, and ``mean``,
        ``lower``, ``upper`` (NaN over the history). Attrs ``method`` (the one used),
        ``method_requested``, ``selection``, ``level``, ``log_space``; with ``"auto"`` also
        ``backtest_mape`` and ``backtest_mase`` along ``model``.

    Raises
    ------
    ParameterError
        For an unknown method, bad steps or level, or a series too short for the method.
    """
    steps = check_count(renamed(horizon, steps, old="horizon", new="steps", default=8), "steps")
    level = check_level(level)
    prepared = prepare(series, log=log)
    n = len(prepared.values)
    scores = None
    if method == "auto":
        needed = max(max(METHODS[m].min_obs for m in MODELS), min_train) + 1
        if n < needed:
            raise invalid(
                "series",
                f"at least {needed} observations for method='auto' (or name a method)",
                f"{n} observations",
            )
        scores = backtest(series, method="all", min_train=min_train, level=level, log=prepared.log)
        chosen = scores.attrs["best"]
        selection = (
            f"lowest rolling-origin MASE among {', '.join(MODELS)} "
            f"(min_train={min_train}, steps={scores.attrs['steps']}): {chosen} "
            f"MASE {float(scores['mase'].sel(model=chosen)):.3g}"
        )
    else:
        check_method(method, n, choices=list(METHODS))
        chosen, selection = method, "requested"
    point, lower, upper = METHODS[chosen].predict(prepared.working, steps, level)
    future = future_index(prepared, steps)
    dim = prepared.dim
    index = np.concatenate([prepared.index, future])
    pad = np.full(n, np.nan)
    units = prepared.attrs.get("units")
    label = prepared.attrs.get("long_name", prepared.name or "series")

    def attrs(long_name: str) -> dict:
        out = {"long_name": long_name}
        if units is not None:
            out["units"] = units
        return out

    ds = xr.Dataset(
        {
            "observed": (
                dim,
                np.concatenate([prepared.values, np.full(steps, np.nan)]),
                attrs(label),
            ),
            "mean": (
                dim,
                np.concatenate([pad, prepared.to_original(point)]),
                attrs(f"{label}: point forecast" + (" (median)" if prepared.log else "")),
            ),
            "lower": (
                dim,
                np.concatenate([pad, prepared.to_original(lower)]),
                attrs(f"{label}: {level:.0%} interval, lower"),
            ),
            "upper": (
                dim,
                np.concatenate([pad, prepared.to_original(upper)]),
                attrs(f"{label}: {level:.0%} interval, upper"),
            ),
        },
        coords={dim: index},
        attrs={
            "title": f"Forecast of {label}",
            **merge(prepared, method="workbench.supply.forecast (statsmodels)"),
            "method": chosen,
            "method_description": METHODS[chosen].description,
            "method_requested": method,
            "selection": selection,
            "level": float(level),
            "log_space": int(prepared.log),
            "series_name": str(prepared.name or ""),
            "steps": steps,
        },
    )
    if scores is not None:
        ds["backtest_mape"] = scores["mape"]
        ds["backtest_mase"] = scores["mase"]
    return ds
