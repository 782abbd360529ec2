"""Rolling-origin backtests of the forecasting methods against naive baselines.

From every origin ``t >= min_train`` the method is fitted to the first ``t`` observations and
forecasts up to ``steps`` periods ahead, which are scored against what happened: MAPE (mean absolute
percentage error) and MASE (mean absolute error scaled by the in-sample mean absolute change
of the training series, Hyndman & Koehler 2006; below 1 beats a naive one-step forecast).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from workbench._provenance import merge
from workbench._validation import check_count, check_level, invalid, public, renamed
from workbench.supply.methods import BASELINES, METHODS, MODELS
from workbench.supply.series import PreparedSeries, check_method, prepare

__all__ = ["backtest"]


def _methods(method: str | Sequence[str]) -> list[str]:
    if isinstance(method, str):
        names = list(MODELS) if method in ("all", "auto") else [method]
    else:
        names = list(method)
    return list(dict.fromkeys([*names, *BASELINES]))


def _scores(prepared: PreparedSeries, name: str, min_train: int, steps: int, level: float):
    y, z = prepared.values, prepared.working
    abs_pct, scaled = [], []
    for origin in range(min_train, len(y)):
        ahead = min(steps, len(y) - origin)
        point, _, _ = METHODS[name].predict(z[:origin], ahead, level)
        error = np.abs(y[origin : origin + ahead] - prepared.to_original(point))
        scale = np.mean(np.abs(np.diff(y[:origin])))
        abs_pct.extend(100 * error / np.abs(y[origin : origin + ahead]))
        if scale > 0:
            scaled.extend(error / scale)
    mape = float(np.mean(abs_pct)) if abs_pct else np.nan
    mase = float(np.mean(scaled)) if scaled else np.nan
    return mape, mase, len(abs_pct)


@public
def backtest(
    series: xr.DataArray,
    *,
    method: str | Sequence[str] = "all",
    min_train: int = 8,
    steps: int | None = None,
    level: float = 0.9,
    log: bool | None = None,
    horizon: int | None = None,
) -> xr.Dataset:
    """Rolling-origin evaluation of forecasting methods, with naive and drift baselines.

    Parameters
    ----------
    series
        One-dimensional quarterly or annual DataArray without draws.
    method
        A method name (``"ets"``, ``"arima"``, ``"ucm"``, ``"loglinear"``, ``"naive"``,
        ``"drift"``), a list of them, or ``"all"`` for the four models. The ``naive`` and
        ``drift`` baselines are always added.
    min_train
        Observations in the first training window (at least each method's minimum).
    steps
        Periods ahead scored from each origin (default 4).
    level
        Interval level the methods are fitted with (does not change point forecasts).
    log
        Working scale: ``None`` (log when every value is positive), True or False.
    horizon
        Deprecated name of ``steps``.

    Returns
    -------
    xr.Dataset
        Along ``model`` (the methods scored): ``mape`` (%), ``mase`` (1) and ``n_forecasts``; attrs
        ``best`` (the model with the lowest MASE), ``min_train``, ``steps``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from workbench.supply import backtest
    >>> years = 2000 + np.arange(14)
    >>> s = xr.DataArray(np.exp(0.1 * np.arange(14)), dims="year", coords={"year": years})
    >>> backtest(s, method="loglinear", min_train=8)["mase"].sel(model="loglinear").item() < 1e-6
    True
    """
    steps = check_count(renamed(horizon, steps, old="horizon", new="steps", default=4), "steps")
    level = check_level(level)
    prepared = prepare(series, log=log)
    names = _methods(method)
    for name in names:
        check_method(name, len(prepared.values), choices=list(METHODS))
    check_count(min_train, "min_train")
    needed = max(METHODS[n].min_obs for n in names)
    if min_train < needed:
        raise invalid(
            "min_train",
            f"at least {needed} (the fewest observations the methods accept)",
            min_train,
        )
    if len(prepared.values) <= min_train:
        raise invalid(
            "series",
            f"more than min_train={min_train} observations",
            f"{len(prepared.values)} observations",
        )
    results = [_scores(prepared, name, min_train, steps, level) for name in names]
    mape, mase, count = (np.array(col) for col in zip(*results, strict=True))
    models = [i for i, n in enumerate(names) if n in MODELS and np.isfinite(mase[i])]
    best = names[min(models, key=lambda i: mase[i])] if models else ""
    return xr.Dataset(
        {
            "mape": ("model", mape, {"units": "%", "long_name": "Mean absolute percentage error"}),
            "mase": ("model", mase, {"units": "1", "long_name": "Mean absolute scaled error"}),
            "n_forecasts": ("model", count, {"units": "1", "long_name": "Forecasts scored"}),
            "description": (
                "model",
                np.array([METHODS[n].description for n in names], dtype=object),
            ),
        },
        # Named 'model', not 'method': DataArray.sel(method=...) is sel's own keyword.
        coords={"model": np.array(names, dtype=object)},
        attrs={
            "title": f"Rolling-origin backtest of {prepared.name or 'series'}",
            **merge(prepared, method="workbench.supply.backtest"),
            "best": best,
            "min_train": int(min_train),
            "steps": steps,
            "log_space": int(prepared.log),
        },
    )
