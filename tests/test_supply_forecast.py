"""Forecasts and rolling-origin backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.supply import backtest, forecast


def quarterly(values, start="2022-01-01", name="h100e"):
    quarters = pd.date_range(start, periods=len(values), freq="QS")
    return xr.DataArray(
        np.asarray(values, dtype=float),
        dims="quarter",
        coords={"quarter": quarters},
        name=name,
        attrs={"units": "1", "long_name": "H100-equivalents shipped", "source": "test"},
    )


@pytest.fixture
def growing(rng):
    # 12 quarters: enough for every model and a 4-origin backtest, quick to fit.
    t = np.arange(12)
    return quarterly(1e5 * np.exp(0.2 * t + rng.normal(0, 0.05, t.size)))


def test_loglinear_recovers_an_exact_exponential():
    series = quarterly(100 * 1.1 ** np.arange(12))
    fc = forecast(series, steps=4, method="loglinear")
    expected = 100 * 1.1 ** np.arange(12, 16)
    np.testing.assert_allclose(fc["mean"].dropna("quarter"), expected, rtol=1e-9)
    np.testing.assert_allclose(fc["lower"].dropna("quarter"), expected, rtol=1e-6)
    future = pd.DatetimeIndex(fc["quarter"].values[-4:])
    assert list(future.strftime("%Y-%m-%d")) == [
        "2025-01-01",
        "2025-04-01",
        "2025-07-01",
        "2025-10-01",
    ]


def test_auto_picks_by_backtest_and_says_which(growing):
    fc = forecast(growing, steps=8, level=0.9)
    assert fc.attrs["method_requested"] == "auto"
    assert fc.attrs["method"] in ("ets", "arima", "ucm", "loglinear")
    assert fc.attrs["method"] in fc.attrs["selection"]
    best = (
        fc["backtest_mase"].sel(model=["ets", "arima", "ucm", "loglinear"]).idxmin("model").item()
    )
    assert best == fc.attrs["method"]
    future = fc["mean"].notnull()
    assert int(future.sum()) == 8 and int(fc["observed"].notnull().sum()) == 12
    assert (fc["lower"] <= fc["mean"]).where(future).all() and (fc["mean"] <= fc["upper"]).where(
        future
    ).all()
    assert fc["mean"].attrs["units"] == "1"
    for key in ("source", "license", "as_of"):
        assert key in fc.attrs


@pytest.mark.parametrize("method", ["ets", "arima", "ucm", "loglinear", "naive", "drift"])
def test_every_method_gives_ordered_intervals_that_widen_with_level(growing, method):
    narrow = forecast(growing, steps=4, method=method, level=0.5)
    wide = forecast(growing, steps=4, method=method, level=0.95)
    width = lambda fc: (fc["upper"] - fc["lower"]).dropna("quarter").values  # noqa: E731
    assert np.all(width(wide) > width(narrow))
    assert np.all(np.isfinite(width(wide)))


def test_intervals_widen_with_noisier_history(rng):
    t = np.arange(20)
    calm = quarterly(1e5 * np.exp(0.1 * t + rng.normal(0, 0.01, t.size)))
    noisy = quarterly(1e5 * np.exp(0.1 * t + rng.normal(0, 0.2, t.size)))
    spread = lambda s: float(  # noqa: E731
        (
            np.log(forecast(s, steps=4, method="loglinear")["upper"])
            - np.log(forecast(s, steps=4, method="loglinear")["lower"])
        ).max()
    )
    assert spread(noisy) > 5 * spread(calm)


def test_annual_series_and_linear_scale():
    years = xr.DataArray(
        [5.0, -1.0, 3.0, 7.0, 9.0, 11.0], dims="year", coords={"year": np.arange(2018, 2024)}
    )
    fc = forecast(years, steps=3, method="drift")
    assert fc.attrs["log_space"] == 0
    np.testing.assert_array_equal(fc["year"].values[-3:], [2024, 2025, 2026])
    np.testing.assert_allclose(fc["mean"].values[-3:], 11 + 1.2 * np.arange(1, 4))


def test_backtest_scores_models_against_baselines(growing):
    scores = backtest(growing, method="all", min_train=8, steps=4)
    assert list(scores["model"].values) == ["ets", "arima", "ucm", "loglinear", "naive", "drift"]
    assert scores["mape"].attrs["units"] == "%" and scores["mase"].attrs["units"] == "1"
    assert (scores["n_forecasts"] == 10).all()  # origins 8..11: 4 + 3 + 2 + 1 steps
    assert scores.attrs["best"] in ("ets", "arima", "ucm", "loglinear")
    assert float(scores["mase"].sel(model="drift")) < float(scores["mase"].sel(model="naive"))


def test_backtest_of_a_straight_line_is_exact_for_drift():
    line = quarterly(10 + 2.0 * np.arange(12))
    scores = backtest(line, method="drift", min_train=4, log=False)
    assert float(scores["mase"].sel(model="drift")) == pytest.approx(0, abs=1e-9)
    assert float(scores["mase"].sel(model="naive")) > 1


def test_bad_series_and_methods_are_named(growing):
    with pytest.raises(
        ParameterError,
        match=r"'series' parameter of supply.forecast.*at least 8 observations.*'5 observations'",
    ):
        forecast(growing.isel(quarter=slice(0, 5)), method="ets")
    with pytest.raises(
        ParameterError, match=r"'series' parameter of supply.forecast.*method='auto'"
    ):
        forecast(growing.isel(quarter=slice(0, 8)))
    with pytest.raises(ParameterError, match=r"'method' parameter of supply.forecast"):
        forecast(growing, method="prophet")
    with pytest.raises(ParameterError, match="without draws"):
        forecast(growing.expand_dims(draw=2))
    with pytest.raises(ParameterError, match=r"'steps' parameter of supply.forecast"):
        forecast(growing, steps=0)
    holed = growing.copy()
    holed[5] = np.nan
    with pytest.raises(ParameterError, match="missing values inside"):
        forecast(holed, method="loglinear")
    with pytest.raises(ParameterError, match=r"'min_train' parameter of supply.backtest"):
        backtest(growing, method="ets", min_train=3)
    with pytest.raises(ParameterError, match=r"'series' parameter of supply.backtest"):
        backtest(growing.isel(quarter=slice(0, 8)), method="loglinear", min_train=8)
    with pytest.raises(ParameterError, match="'log' parameter"):
        forecast(quarterly([1.0, 0.0, 2.0, 3.0, 4.0]), method="loglinear", log=True)


def test_horizon_is_the_deprecated_name_of_steps(growing):
    # 'horizon' was a count of periods here and a year in gap.outlook: one word, two meanings.
    with pytest.warns(DeprecationWarning, match=r"'horizon' parameter of supply.forecast is now"):
        old = forecast(growing, horizon=4, method="loglinear")
    new = forecast(growing, steps=4, method="loglinear")
    xr.testing.assert_identical(old, new)
    assert new.attrs["steps"] == 4
    with pytest.warns(DeprecationWarning, match=r"supply.backtest"):
        assert backtest(growing, method="drift", horizon=2).attrs["steps"] == 2
    with pytest.raises(
        ParameterError, match=r"'horizon' parameter of supply.forecast must be left"
    ):
        forecast(growing, steps=4, horizon=4)


def test_forecast_provenance_is_its_inputs(growing):
    unlabeled = growing.copy()
    unlabeled.attrs = {}
    assert forecast(unlabeled, method="loglinear").attrs["license"] == "unknown"
    labeled = growing.assign_attrs(source="vendor filings", license="CC-BY-4.0", as_of="2026-11-25")
    attrs = forecast(labeled, method="loglinear").attrs
    assert (attrs["license"], attrs["as_of"]) == ("CC-BY-4.0", "2026-11-25")
    assert "vendor filings" in attrs["source"]
