"""Forecasts with prediction intervals for quarterly or annual series.

``method="auto"`` backtests the four statsmodels models (:mod:`backtest`) and uses the one with
the lowest MASE, saying which in the result's attrs together with the scores.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench.errors import ParameterError
from workbench.supply.backtest import backtest
from workbench.supply.methods import METHODS, MODELS
from workbench.supply.series import check_method, future_index, prepare

__all__ = ["forecast"]

OWNER = "forecast"


def forecast(
    series: xr.DataArray,
    *,
    horizon: int = 8,
    method: str = "auto",
    level: float = 0.9,
    log: bool | None = None,
    min_train: int = 8,
) -> xr.Dataset:
    """Point forecast and central prediction interval ``horizon`` periods ahead.

    Parameters
    ----------
    series
        One-dimensional quarterly or annual DataArray without draws (e.g. revenue, or
        ``shipments.h100e.sum("chip").median("draw")``). Leading/trailing NaN are dropped.
    horizon
        Periods to forecast.
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
        For an unknown method, a bad horizon or level, or a series too short for the method.
    """
    prepared = prepare(series, OWNER, log=log)
    n = len(prepared.values)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ParameterError.invalid("horizon", OWNER, "a positive whole number", horizon)
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ParameterError.invalid("level", OWNER, "a probability in (0, 1)", level)
    scores = None
    if method == "auto":
        needed = max(max(METHODS[m].min_obs for m in MODELS), min_train) + 1
        if n < needed:
            raise ParameterError.invalid(
                "series",
                OWNER,
                f"at least {needed} observations for method='auto' (or name a method)",
                f"{n} observations",
            )
        scores = backtest(series, method="all", min_train=min_train, level=level, log=prepared.log)
        chosen = scores.attrs["best"]
        selection = (
            f"lowest rolling-origin MASE among {', '.join(MODELS)} "
            f"(min_train={min_train}, horizon={scores.attrs['horizon']}): {chosen} "
            f"MASE {float(scores['mase'].sel(model=chosen)):.3g}"
        )
    else:
        check_method(method, n, OWNER, choices=list(METHODS))
        chosen, selection = method, "requested"
    point, lower, upper = METHODS[chosen].predict(prepared.working, int(horizon), float(level))
    future = future_index(prepared, int(horizon), OWNER)
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
                np.concatenate([prepared.values, np.full(int(horizon), np.nan)]),
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
            "source": "workbench.supply.forecast (statsmodels) over "
            + str(prepared.attrs.get("source", "the given series")),
            "license": prepared.attrs.get("license", "CC-BY-4.0"),
            "as_of": prepared.attrs.get("as_of", ""),
            "method": chosen,
            "method_description": METHODS[chosen].description,
            "method_requested": method,
            "selection": selection,
            "level": float(level),
            "log_space": int(prepared.log),
            "series_name": str(prepared.name or ""),
            "horizon": int(horizon),
        },
    )
    if scores is not None:
        ds["backtest_mape"] = scores["mape"]
        ds["backtest_mase"] = scores["mase"]
    return ds
