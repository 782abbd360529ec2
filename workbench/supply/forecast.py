"""Forecasts with prediction intervals for quarterly or annual series.

``method="auto"`` backtests the four statsmodels models (:mod:`backtest`) and uses the one with
the lowest MASE, saying which in the result's attrs together with the scores.

:func:`forecast` returns a :class:`ForecastFit`: ``predict()`` is the forecast path (the
Dataset ``forecast`` returned before it was a results object), ``conf_int``, ``summary`` and
``to_dataset`` give the fitted model's parameters in the shape every fit shares.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from workbench._provenance import merge
from workbench._results import Fit
from workbench._validation import check_count, check_level, invalid, public, renamed
from workbench.supply.backtest import backtest
from workbench.supply.methods import METHODS, MODELS, Fitted
from workbench.supply.series import PreparedSeries, check_method, future_index, prepare

__all__ = ["ForecastFit", "forecast"]

# What each fitted parameter is: the kind of its units and its name. Parameters live on the
# working scale, so on a log scale all are dimensionless.
_PARAMS = {
    "smoothing_level": ("1", "Smoothing weight of the level"),
    "smoothing_trend": ("1", "Smoothing weight of the trend"),
    "damping_trend": ("1", "Damping of the trend per period"),
    "initial_level": ("level", "Initial level"),
    "initial_trend": ("level", "Initial trend per period"),
    "intercept": ("level", "Level at the first period"),
    "slope": ("level", "Trend per period"),
    "drift": ("level", "Drift per period"),
    "ar.L1": ("1", "AR(1) coefficient of the changes"),
    "sigma": ("level", "Standard deviation of the changes"),
    "sigma2": ("variance", "Variance of the innovations"),
    "sigma2.irregular": ("variance", "Variance of the irregular component"),
    "sigma2.level": ("variance", "Variance of the level disturbances"),
    "sigma2.trend": ("variance", "Variance of the trend disturbances"),
}


class ForecastFit(Fit):
    """A forecasting method fitted to one series, and the forecast ``steps`` periods ahead.

    Attributes
    ----------
    method : str
        The method used (the one ``"auto"`` chose, or the one requested).
    steps : int
        Periods forecast by default.
    level : float
        Default level of the prediction interval and of the parameters' intervals.
    log_space : bool
        Whether the model works on the log of the series (intervals then are
        multiplicative and the point forecast is a median).
    attrs : dict
        What the forecast Dataset carries: ``method``, ``method_description``,
        ``method_requested``, ``selection``, ``level``, ``log_space``, ``series_name``,
        ``steps`` and the inputs' provenance.
    backtest : xr.Dataset or None
        The backtest ``"auto"`` chose by (:func:`~workbench.supply.backtest`).
    """

    def __init__(
        self,
        prepared: PreparedSeries,
        fitted: Fitted,
        *,
        method: str,
        method_requested: str,
        selection: str,
        steps: int,
        level: float,
        backtest: xr.Dataset | None = None,
    ):
        self._prepared = prepared
        self._fitted = fitted
        self.method = method
        self.steps = steps
        self.level = level
        self.log_space = prepared.log
        self.backtest = backtest
        self.label = prepared.attrs.get("long_name", prepared.name or "series")
        self.provenance = merge(prepared, method="workbench.supply.forecast (statsmodels)")
        self.attrs = {
            "title": f"Forecast of {self.label}",
            **self.provenance,
            "method": method,
            "method_description": METHODS[method].description,
            "method_requested": method_requested,
            "selection": selection,
            "level": float(level),
            "log_space": int(prepared.log),
            "series_name": str(prepared.name or ""),
            "steps": steps,
        }

    def __repr__(self) -> str:
        return (
            f"ForecastFit({self.label}: {self.method}, {self.steps} steps, "
            f"{'log' if self.log_space else 'linear'} scale)"
        )

    def __getitem__(self, name: str):
        # Before it was a results object, forecast returned predict()'s Dataset; code that
        # indexes the result keeps working for one release.
        warnings.warn(
            "supply.forecast returns a ForecastFit now; take variables from its predict() "
            f"(forecast(...).predict()[{name!r}]). Indexing the fit will be removed in the "
            "next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.predict()[name]

    # -- the Fit contract ----------------------------------------------------------------------
    def _estimates(self) -> dict[str, float]:
        return dict(self._fitted.params)

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        return self._fitted.conf_int(level)

    def _param_attrs(self):
        units = "1" if self.log_space else str(self._prepared.attrs.get("units", "1"))
        scale = " (log scale)" if self.log_space else ""
        kinds = {"1": "1", "level": units, "variance": units if units == "1" else f"({units})^2"}
        return {
            name: {"units": kinds[kind], "long_name": long_name + scale}
            for name, (kind, long_name) in _PARAMS.items()
        }

    def _summary_title(self) -> str:
        return f"Forecast of {self.label}: {self.method} ({METHODS[self.method].description})"

    def _summary_notes(self) -> list[str]:
        scale = "log of the series" if self.log_space else "the series itself"
        return [
            f"selection: {self.attrs['selection']}",
            f"parameters on the working scale ({scale}); {self.steps} steps ahead by default",
        ]

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        """The parameters along ``param``, the series along its time dimension, the scores."""
        prepared = self._prepared
        ds[prepared.dim] = prepared.index
        ds["observed"] = (prepared.dim, prepared.values, self._var_attrs(self.label))
        if self.backtest is not None:
            ds["backtest_mape"] = self.backtest["mape"]
            ds["backtest_mase"] = self.backtest["mase"]
        ds.attrs.update(self.attrs)
        return ds

    # -- the forecast --------------------------------------------------------------------------
    def _var_attrs(self, long_name: str) -> dict:
        units = self._prepared.attrs.get("units")
        return (
            {"long_name": long_name} if units is None else {"long_name": long_name, "units": units}
        )

    @public
    def predict(self, steps: int | None = None, level: float | None = None) -> xr.Dataset:
        """The forecast ``steps`` periods ahead (default: the fit's) with its interval.

        Returns
        -------
        xr.Dataset
            Along the series' time dimension (history then future): ``observed``, and
            ``mean``, ``lower``, ``upper`` (NaN over the history), in the series' units; attrs
            as :attr:`attrs` (``level`` and ``steps`` those asked for), and with
            ``method="auto"`` ``backtest_mape`` and ``backtest_mase`` along ``model``.
        """
        steps = self.steps if steps is None else check_count(steps, "steps")
        level = self.level if level is None else check_level(level)
        prepared = self._prepared
        point, lower, upper = self._fitted.forecast(steps, level)
        n = len(prepared.values)
        pad = np.full(n, np.nan)
        dim, label = prepared.dim, self.label
        median = " (median)" if prepared.log else ""
        ds = xr.Dataset(
            {
                "observed": (
                    dim,
                    np.concatenate([prepared.values, np.full(steps, np.nan)]),
                    self._var_attrs(label),
                ),
                "mean": (
                    dim,
                    np.concatenate([pad, prepared.to_original(point)]),
                    self._var_attrs(f"{label}: point forecast{median}"),
                ),
                "lower": (
                    dim,
                    np.concatenate([pad, prepared.to_original(lower)]),
                    self._var_attrs(f"{label}: {level:.0%} interval, lower"),
                ),
                "upper": (
                    dim,
                    np.concatenate([pad, prepared.to_original(upper)]),
                    self._var_attrs(f"{label}: {level:.0%} interval, upper"),
                ),
            },
            coords={dim: np.concatenate([prepared.index, future_index(prepared, steps)])},
            attrs={**self.attrs, "level": float(level), "steps": steps},
        )
        if self.backtest is not None:
            ds["backtest_mape"] = self.backtest["mape"]
            ds["backtest_mase"] = self.backtest["mase"]
        return ds


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
) -> ForecastFit:
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
    ForecastFit
        ``predict()`` gives the forecast: along the series' time dimension (history then
        future) ``observed``, and ``mean``, ``lower``, ``upper`` (NaN over the history), with
        attrs ``method`` (the one used), ``method_requested``, ``selection``, ``level``,
        ``log_space``; with ``"auto"`` also ``backtest_mape`` and ``backtest_mase`` along
        ``model``. ``conf_int(level)``, ``summary()`` and ``to_dataset()`` give the fitted
        model's parameters (on the working scale) with their intervals; ``attrs`` the
        forecast's attrs.

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
    return ForecastFit(
        prepared,
        METHODS[chosen].fit(prepared.working),
        method=chosen,
        method_requested=method,
        selection=selection,
        steps=steps,
        level=level,
        backtest=scores,
    )
