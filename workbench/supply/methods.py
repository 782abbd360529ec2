"""The forecasting methods: four statsmodels models and two naive baselines.

Every method fits a series on its working scale (log for multiplicative series) and gives its
parameters and a point forecast with a central prediction interval ``horizon`` steps ahead.
:mod:`forecast` and :mod:`backtest` share this one table of methods, so the model a backtest
scores is exactly the model a forecast uses.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

__all__ = ["BASELINES", "METHODS", "MODELS", "Fitted", "Method"]

Prediction = tuple[np.ndarray, np.ndarray, np.ndarray]  # point, lower, upper


@dataclass(frozen=True)
class Fitted:
    """A method fitted to one series: its parameters, and forecasts from it at any level.

    ``forecast(steps, level)`` gives the point forecast and the central prediction interval;
    ``params`` the fitted parameters on the working scale and ``conf_int(level)`` their
    intervals (NaN where the model gives none, e.g. a parameter fitted at its bound).
    """

    forecast: Callable[[int, float], Prediction]
    params: dict[str, float]
    conf_int: Callable[[float], dict[str, tuple[float, float]]]


@dataclass(frozen=True)
class Method:
    """A forecasting method: its name, what it is, the shortest series it accepts, its fit."""

    name: str
    description: str
    min_obs: int
    fit: Callable[[np.ndarray], Fitted]

    def predict(self, z: np.ndarray, horizon: int, level: float) -> Prediction:
        """Fit to ``z`` and forecast ``horizon`` steps ahead (what a backtest scores)."""
        return self.fit(z).forecast(horizon, level)


def _quiet(fit: Callable[[], object]) -> object:
    # statsmodels warns about convergence and starting values on short series; the backtest
    # measures how good the fits are, so the warnings would only be noise in a notebook.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


def _statsmodels(res, names: dict[str, str], forecast) -> Fitted:
    """A statsmodels results object as :class:`Fitted`, its parameters renamed by ``names``."""
    model = res.model
    labels = list(getattr(model, "param_names", None) or model.exog_names)
    values = np.asarray(res.params, dtype=float)

    def conf_int(level: float) -> dict[str, tuple[float, float]]:
        with warnings.catch_warnings():
            # A parameter at its bound has no standard error: its interval is NaN.
            warnings.simplefilter("ignore")
            bounds = np.asarray(res.conf_int(alpha=1 - level), dtype=float)
        return {
            names.get(label, label): (float(lo), float(hi))
            for label, (lo, hi) in zip(labels, bounds, strict=True)
        }

    params = {names.get(label, label): float(v) for label, v in zip(labels, values, strict=True)}
    return Fitted(forecast, params, conf_int)


def _ets(z: np.ndarray) -> Fitted:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # ETSModel's prediction needs a pandas index (it fails on a bare ndarray).
    series = pd.Series(z)
    res = _quiet(
        lambda: ETSModel(series, error="add", trend="add", damped_trend=True).fit(disp=False)
    )

    def forecast(horizon: int, level: float) -> Prediction:
        frame = res.get_prediction(start=len(z), end=len(z) + horizon - 1).summary_frame(
            alpha=1 - level
        )
        return (
            frame["mean"].to_numpy(),
            frame["pi_lower"].to_numpy(),
            frame["pi_upper"].to_numpy(),
        )

    return _statsmodels(res, {}, forecast)


def _state_space(res, names: dict[str, str]) -> Fitted:
    """ARIMA and unobserved components: statsmodels state-space results."""

    def forecast(horizon: int, level: float) -> Prediction:
        frame = res.get_forecast(horizon).summary_frame(alpha=1 - level)
        return (
            frame["mean"].to_numpy(),
            frame["mean_ci_lower"].to_numpy(),
            frame["mean_ci_upper"].to_numpy(),
        )

    return _statsmodels(res, names, forecast)


def _arima(z: np.ndarray) -> Fitted:
    from statsmodels.tsa.arima.model import ARIMA

    res = _quiet(lambda: ARIMA(pd.Series(z), order=(1, 1, 0), trend="t").fit())
    return _state_space(res, {"x1": "drift"})


def _ucm(z: np.ndarray) -> Fitted:
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    model = UnobservedComponents(pd.Series(z), level="local linear trend")
    return _state_space(_quiet(lambda: model.fit(disp=False)), {})


def _trend(z: np.ndarray) -> Fitted:
    import statsmodels.api as sm

    n = len(z)
    res = sm.OLS(z, sm.add_constant(np.arange(n, dtype=float))).fit()

    def forecast(horizon: int, level: float) -> Prediction:
        future = sm.add_constant(np.arange(n, n + horizon, dtype=float), has_constant="add")
        frame = res.get_prediction(future).summary_frame(alpha=1 - level)
        return (
            frame["mean"].to_numpy(),
            frame["obs_ci_lower"].to_numpy(),
            frame["obs_ci_upper"].to_numpy(),
        )

    return _statsmodels(res, {"const": "intercept", "x1": "slope"}, forecast)


def _random_walk(z: np.ndarray, *, drift: bool) -> Fitted:
    steps = np.diff(z)
    mu = steps.mean() if drift else 0.0
    resid = steps - mu
    dof = max(len(resid) - (1 if drift else 0), 1)
    sigma = np.sqrt(np.sum(resid**2) / dof)

    def forecast(horizon: int, level: float) -> Prediction:
        h = np.arange(1, horizon + 1, dtype=float)
        point = z[-1] + mu * h
        # Hyndman & Athanasopoulos (2021), Forecasting: Principles and Practice, table 5.2.
        scale = sigma * np.sqrt(h * (1 + h / (len(z) - 1))) if drift else sigma * np.sqrt(h)
        width = special.ndtri(0.5 + level / 2) * scale
        return point, point - width, point + width

    def conf_int(level: float) -> dict[str, tuple[float, float]]:
        tail = 0.5 + level / 2
        # sigma from the chi-square law of its sum of squares; the drift, a mean of steps, t.
        out = {
            "sigma": (
                float(sigma * np.sqrt(dof / stats.chi2.ppf(tail, dof))),
                float(sigma * np.sqrt(dof / stats.chi2.ppf(1 - tail, dof))),
            )
        }
        if drift:
            half = float(stats.t.ppf(tail, dof)) * sigma / np.sqrt(len(steps))
            out = {"drift": (float(mu - half), float(mu + half)), **out}
        return out

    params = {"drift": float(mu), "sigma": float(sigma)} if drift else {"sigma": float(sigma)}
    return Fitted(forecast, params, conf_int)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "ets", "exponential smoothing, additive damped trend (statsmodels ETSModel)", 8, _ets
        ),
        Method("arima", "ARIMA(1,1,0) with drift (statsmodels ARIMA)", 6, _arima),
        Method(
            "ucm",
            "unobserved components, local linear trend (statsmodels UnobservedComponents)",
            6,
            _ucm,
        ),
        Method(
            "loglinear",
            "linear trend on the working scale: log-linear for multiplicative series (OLS)",
            4,
            _trend,
        ),
        Method(
            "naive",
            "last value (random walk)",
            2,
            lambda z: _random_walk(z, drift=False),
        ),
        Method(
            "drift",
            "random walk with drift",
            3,
            lambda z: _random_walk(z, drift=True),
        ),
    )
}
#: The statsmodels models ``method="auto"`` chooses between.
MODELS = ("ets", "arima", "ucm", "loglinear")
#: Baselines every backtest reports.
BASELINES = ("naive", "drift")
