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
    fc = forecast(series, steps=4, method="loglinear").predict()
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
    fc = forecast(growing, steps=8, level=0.9).predict()
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
    narrow = forecast(growing, steps=4, method=method, level=0.5).predict()
    wide = forecast(growing, steps=4, method=method, level=0.95).predict()
    width = lambda fc: (fc["upper"] - fc["lower"]).dropna("quarter").values  # noqa: E731
    assert np.all(width(wide) > width(narrow))
    assert np.all(np.isfinite(width(wide)))


def test_intervals_widen_with_noisier_history(rng):
    t = np.arange(20)
    calm = quarterly(1e5 * np.exp(0.1 * t + rng.normal(0, 0.01, t.size)))
    noisy = quarterly(1e5 * np.exp(0.1 * t + rng.normal(0, 0.2, t.size)))
    spread = lambda s: float(  # noqa: E731
        (
            np.log(forecast(s, steps=4, method="loglinear").predict()["upper"])
            - np.log(forecast(s, steps=4, method="loglinear").predict()["lower"])
        ).max()
    )
    assert spread(noisy) > 5 * spread(calm)


def test_annual_series_and_linear_scale():
    years = xr.DataArray(
        [5.0, -1.0, 3.0, 7.0, 9.0, 11.0], dims="year", coords={"year": np.arange(2018, 2024)}
    )
    fc = forecast(years, steps=3, method="drift").predict()
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
    xr.testing.assert_identical(old.predict(), new.predict())
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


# -- the results object (issue 16: every fit returns a workbench._results.Fit) ----------------


@pytest.mark.parametrize("method", ["ets", "arima", "ucm", "loglinear", "naive", "drift"])
def test_forecast_is_a_fit_with_the_shared_contract(growing, method):
    from workbench._results import Fit, Summary

    fit = forecast(growing, steps=4, method=method)
    assert isinstance(fit, Fit) and fit.method == method and fit.level == 0.9
    # conf_int: every parameter, ordered, narrower at a lower level (NaN where the model
    # gives none: an ETS smoothing weight fitted at its bound has no standard error).
    wide, narrow = fit.conf_int(0.95), fit.conf_int(0.5)
    assert set(wide) == set(fit.estimates) and fit.estimates
    for name, (lo, hi) in wide.items():
        if np.isfinite(lo):
            assert lo <= narrow[name][0] <= fit.estimates[name] <= narrow[name][1] <= hi
    table = fit.summary()
    assert isinstance(table, Summary) and "90% interval" in str(table) and method in str(table)
    ds = fit.to_dataset(level=0.8)
    assert ds["estimate"].dims == ("param",) and list(ds["param"].values) == list(fit.estimates)
    assert ds.attrs["level"] == 0.8 and ds["lower"].attrs["level"] == 0.8
    assert ds["observed"].dims == ("quarter",) and ds.attrs["method"] == method
    for key in ("source", "license", "as_of"):
        assert key in ds.attrs


def test_forecast_prints_nothing(growing, capsys):
    fit = forecast(growing, steps=4, method="loglinear")
    fit.summary(), fit.to_dataset(), fit.predict(), fit.conf_int()
    assert capsys.readouterr() == ("", "")


def test_drift_parameters_are_the_mean_step_and_its_spread():
    line = quarterly(10 + 2.0 * np.arange(8) + np.array([0, 1, -1, 1, -1, 1, -1, 0]))
    line.attrs["units"] = "MW"
    fit = forecast(line, method="drift", log=False)
    steps = np.diff(line.values)
    assert fit.estimates["drift"] == pytest.approx(steps.mean())
    assert fit.estimates["sigma"] == pytest.approx(steps.std(ddof=1))
    from scipy import stats

    half = stats.t.ppf(0.95, 6) * steps.std(ddof=1) / np.sqrt(7)
    assert fit.conf_int()["drift"] == pytest.approx((steps.mean() - half, steps.mean() + half))
    # On the linear scale a parameter is in the series' units.
    assert fit.to_dataset()["param_units"].sel(param="drift") == "MW"
    arima = forecast(line, method="arima", log=False).to_dataset()
    assert arima["param_units"].sel(param="sigma2") == "(MW)^2"


def test_loglinear_slope_is_the_log_growth_per_period():
    fit = forecast(quarterly(100 * 1.1 ** np.arange(12)), method="loglinear")
    assert fit.estimates["slope"] == pytest.approx(np.log(1.1))
    assert "log scale" in str(fit.to_dataset()["param_long_name"].sel(param="slope").item())


def test_predict_at_another_level_or_length_reuses_the_fit(growing):
    fit = forecast(growing, steps=4, method="arima", level=0.9)
    default, wide, longer = fit.predict(), fit.predict(level=0.99), fit.predict(steps=6)
    np.testing.assert_array_equal(default["mean"].values, wide["mean"].values)
    future = default["mean"].notnull()
    assert ((wide["upper"] - wide["lower"]) > (default["upper"] - default["lower"]))[future].all()
    assert wide.attrs["level"] == 0.99 and longer.attrs["steps"] == 6
    np.testing.assert_allclose(longer["mean"].values[:16], default["mean"].values)
    with pytest.raises(ParameterError, match=r"'level' parameter of supply\.ForecastFit\.predict"):
        fit.predict(level=1.5)
    with pytest.raises(ParameterError, match=r"'steps' parameter of supply\.ForecastFit\.predict"):
        fit.predict(steps=0)


def test_indexing_the_fit_like_the_old_dataset_warns_and_still_works(growing):
    fit = forecast(growing, steps=4, method="loglinear")
    with pytest.warns(DeprecationWarning, match=r"predict\(\)"):
        old_style = fit["mean"]
    xr.testing.assert_identical(old_style, fit.predict()["mean"])
    # attrs (what the notebook reads) are the forecast's attrs, without a warning.
    assert fit.attrs["selection"] == "requested"
