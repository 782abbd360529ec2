"""The forecasting methods: four statsmodels models and two naive baselines.

Every method maps a series on its working scale (log for multiplicative series) to a point
forecast and a central prediction interval ``horizon`` steps ahead. :mod:`forecast` and
:mod:`backtest` share this one table of methods, so the model a backtest scores is exactly the
model a forecast uses.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["BASELINES", "METHODS", "MODELS", "Method"]

Prediction = tuple[np.ndarray, np.ndarray, np.ndarray]  # point, lower, upper


@dataclass(frozen=True)
class Method:
    """A forecasting method: its name, what it is, the shortest series it accepts, its fit."""

    name: str
    description: str
    min_obs: int
    predict: Callable[[np.ndarray, int, float], Prediction]


def _quiet(fit: Callable[[], object]) -> object:
    # statsmodels warns about convergence and starting values on short series; the backtest
    # measures how good the fits are, so the warnings would only be noise in a notebook.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


def _ets(z: np.ndarray, horizon: int, level: float) -> Prediction:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # ETSModel's prediction needs a pandas index (it fails on a bare ndarray).
    series = pd.Series(z)
    res = _quiet(
        lambda: ETSModel(series, error="add", trend="add", damped_trend=True).fit(disp=False)
    )
    frame = res.get_prediction(start=len(z), end=len(z) + horizon - 1).summary_frame(
        alpha=1 - level
    )
    return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


def _arima(z: np.ndarray, horizon: int, level: float) -> Prediction:
    from statsmodels.tsa.arima.model import ARIMA

    res = _quiet(lambda: ARIMA(pd.Series(z), order=(1, 1, 0), trend="t").fit())
    frame = res.get_forecast(horizon).summary_frame(alpha=1 - level)
    return (
        frame["mean"].to_numpy(),
        frame["mean_ci_lower"].to_numpy(),
        frame["mean_ci_upper"].to_numpy(),
    )


def _ucm(z: np.ndarray, horizon: int, level: float) -> Prediction:
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    model = UnobservedComponents(pd.Series(z), level="local linear trend")
    res = _quiet(lambda: model.fit(disp=False))
    frame = res.get_forecast(horizon).summary_frame(alpha=1 - level)
    return (
        frame["mean"].to_numpy(),
        frame["mean_ci_lower"].to_numpy(),
        frame["mean_ci_upper"].to_numpy(),
    )


def _trend(z: np.ndarray, horizon: int, level: float) -> Prediction:
    import statsmodels.api as sm

    n = len(z)
    res = sm.OLS(z, sm.add_constant(np.arange(n, dtype=float))).fit()
    future = sm.add_constant(np.arange(n, n + horizon, dtype=float), has_constant="add")
    frame = res.get_prediction(future).summary_frame(alpha=1 - level)
    return (
        frame["mean"].to_numpy(),
        frame["obs_ci_lower"].to_numpy(),
        frame["obs_ci_upper"].to_numpy(),
    )


def _random_walk(z: np.ndarray, horizon: int, level: float, *, drift: bool) -> Prediction:
    steps = np.diff(z)
    mu = steps.mean() if drift else 0.0
    resid = steps - mu
    sigma = np.sqrt(np.sum(resid**2) / max(len(resid) - (1 if drift else 0), 1))
    h = np.arange(1, horizon + 1, dtype=float)
    point = z[-1] + mu * h
    # Hyndman & Athanasopoulos (2021), Forecasting: Principles and Practice, table 5.2.
    scale = sigma * np.sqrt(h * (1 + h / (len(z) - 1))) if drift else sigma * np.sqrt(h)
    width = special.ndtri(0.5 + level / 2) * scale
    return point, point - width, point + width


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
            lambda z, h, lv: _random_walk(z, h, lv, drift=False),
        ),
        Method(
            "drift",
            "random walk with drift",
            3,
            lambda z, h, lv: _random_walk(z, h, lv, drift=True),
        ),
    )
}
#: The statsmodels models ``method="auto"`` chooses between.
MODELS = ("ets", "arima", "ucm", "loglinear")
#: Baselines every backtest reports.
BASELINES = ("naive", "drift")
