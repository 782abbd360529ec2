"""fit_trend: checked against statsmodels on the same data; growth, doubling, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import xarray as xr

from workbench.errors import FitError, ParameterError
from workbench.scaling import decimal_years, fit_trend


@pytest.fixture
def compute(rng):
    """Forty 'models' growing 0.6 decades a year with scatter, as a DataArray with dates."""
    dates = pd.Timestamp("2012-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 12 * 365, 40)), "D")
    years = decimal_years(dates.values)
    values = 10 ** (17 + 0.6 * (years - 2012) + rng.normal(0, 0.4, 40))
    return xr.DataArray(
        values,
        dims="model",
        coords={"model": [f"m{i}" for i in range(40)], "publication_date": ("model", dates)},
        attrs={"units": "FLOP", "long_name": "Training compute"},
        name="training_compute",
    )


def ols_reference(da):
    years = decimal_years(da.publication_date.values)
    design = sm.add_constant(years - years.mean())
    return sm.OLS(np.log10(da.values), design).fit(), years.mean()


def test_matches_statsmodels_ols(compute):
    fit = fit_trend(compute)
    reference, _ = ols_reference(compute)
    assert fit.slope == pytest.approx(reference.params[1], rel=1e-12)
    lower, upper = reference.conf_int(alpha=0.1)[1]
    assert fit.conf_int()["slope"] == pytest.approx((lower, upper), rel=1e-12)
    assert fit.growth_per_year == pytest.approx(10 ** reference.params[1])
    assert fit.doubling_time_months == pytest.approx(12 * np.log10(2) / reference.params[1])
    assert fit.n == 40


def test_predict_matches_statsmodels_prediction_intervals(compute):
    fit = fit_trend(compute, level=0.8)
    reference, centre = ols_reference(compute)
    when = np.array(["2015-06-01", "2030-01-01"], dtype="datetime64[ns]")
    frame = reference.get_prediction(
        sm.add_constant(decimal_years(when) - centre, has_constant="add")
    ).summary_frame(alpha=0.2)
    pred = fit.predict(when)
    np.testing.assert_allclose(np.log10(pred.trend), frame["mean"], rtol=1e-10)
    np.testing.assert_allclose(np.log10(pred.trend_lower), frame["mean_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(np.log10(pred.trend_upper), frame["mean_ci_upper"], rtol=1e-10)
    np.testing.assert_allclose(np.log10(pred.observation_lower), frame["obs_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(np.log10(pred.observation_upper), frame["obs_ci_upper"], rtol=1e-10)
    assert pred.trend.attrs["units"] == "FLOP"


def test_huber_matches_statsmodels_rlm(compute):
    fit = fit_trend(compute, method="huber")
    years = decimal_years(compute.publication_date.values)
    reference = sm.RLM(
        np.log10(compute.values),
        sm.add_constant(years - years.mean()),
        M=sm.robust.norms.HuberT(),
    ).fit()
    assert fit.slope == pytest.approx(reference.params[1], rel=1e-10)


def test_huber_resists_an_outlier(compute):
    spoiled = compute.copy()
    spoiled[-1] = spoiled[-1] * 1e-6
    assert abs(fit_trend(spoiled, method="huber").slope - 0.6) < abs(fit_trend(spoiled).slope - 0.6)


def test_growth_over_and_derived_intervals(compute):
    fit = fit_trend(compute)
    assert fit.growth_over(12) == pytest.approx(fit.growth_per_year)
    assert fit.growth_over(18) == pytest.approx(fit.growth_per_year**1.5)
    bounds = fit.conf_int(0.95)
    reference, _ = ols_reference(compute)
    slope_low, slope_high = reference.conf_int(alpha=0.05)[1]
    # Growth and doubling bounds are the slope's bounds transformed (the doubling reversed).
    assert bounds["growth_per_year"] == pytest.approx((10**slope_low, 10**slope_high), rel=1e-10)
    months = 12 * np.log10(2)
    assert bounds["doubling_time_months"] == pytest.approx(
        (months / slope_high, months / slope_low), rel=1e-10
    )
    assert fit.growth_over_conf_int(18, 0.95) == pytest.approx(
        (10 ** (1.5 * slope_low), 10 ** (1.5 * slope_high)), rel=1e-10
    )


def _ar1_series(rng, n=120, phi=0.7, sd=0.3):
    """Monthly points growing 0.5 decades/year with AR(1) errors of correlation ``phi``."""
    dates = pd.date_range("2010-01-01", periods=n, freq="MS")
    noise = np.empty(n)
    noise[0] = rng.normal(0, sd / np.sqrt(1 - phi**2))
    for k in range(1, n):
        noise[k] = phi * noise[k - 1] + rng.normal(0, sd)
    years = decimal_years(dates.values)
    return 10 ** (15 + 0.5 * (years - 2010) + noise), dates.values


def test_hac_matches_statsmodels_newey_west(rng):
    values, dates = _ar1_series(rng)
    fit = fit_trend(values, dates, errors="hac")
    years = decimal_years(dates)
    reference = sm.OLS(np.log10(values), sm.add_constant(years - years.mean())).fit(
        cov_type="HAC", cov_kwds={"maxlags": 4}, use_t=True
    )
    assert fit.slope_se == pytest.approx(reference.bse[1], rel=1e-10)
    assert fit.conf_int()["slope"] == pytest.approx(tuple(reference.conf_int(0.1)[1]), rel=1e-10)
    # Positively correlated errors: the iid standard error is too small.
    assert fit.slope_se > 1.3 * fit_trend(values, dates).slope_se
    assert "Newey-West" in str(fit.summary())
    with pytest.raises(ParameterError, match="'errors'"):
        fit_trend(values, dates, errors="hac", method="huber")


def test_block_bootstrap_widens_intervals_under_autocorrelation(rng):
    values, dates = _ar1_series(rng)
    iid = fit_trend(values, dates)
    block = fit_trend(values, dates, errors="block_bootstrap", block_length=12, seed=1)
    assert block.slope == iid.slope
    width = np.diff(block.conf_int()["slope"])[0]
    assert width > 1.3 * np.diff(iid.conf_int()["slope"])[0]
    again = fit_trend(values, dates, errors="block_bootstrap", block_length=12, seed=1)
    assert again.conf_int() == block.conf_int()
    assert block.to_dataset().attrs["errors"] == "block_bootstrap"


@pytest.mark.slow
def test_interval_coverage_on_known_noise():
    """90% slope intervals cover the true slope about 90% of the time under iid errors."""
    rng = np.random.default_rng(11)
    trials, hits = 400, 0
    for _ in range(trials):
        values, dates = _ar1_series(rng, n=200, phi=0.0)
        lower, upper = fit_trend(values, dates).conf_int()["slope"]
        hits += lower <= 0.5 <= upper
    assert abs(hits / trials - 0.9) < 0.045, hits / trials  # 3 binomial standard errors


@pytest.mark.slow
def test_hac_coverage_under_autocorrelation():
    """AR(1) errors (correlation 0.5): iid intervals under-cover badly, HAC far less.

    Newey-West intervals with the default lag rule are known to under-cover somewhat in
    finite samples (here 81% for a nominal 90%, against 64% for iid; the moving-block
    bootstrap with the default block length gives 80%).
    """
    rng = np.random.default_rng(11)
    trials = 400
    hits = {"iid": 0, "hac": 0}
    for _ in range(trials):
        values, dates = _ar1_series(rng, n=200, phi=0.5)
        for errors in hits:
            lower, upper = fit_trend(values, dates, errors=errors).conf_int()["slope"]
            hits[errors] += lower <= 0.5 <= upper
    assert hits["iid"] / trials < 0.75
    assert 0.76 < hits["hac"] / trials < 0.95
    assert hits["hac"] > hits["iid"] + 0.1 * trials


def test_exact_exponential_is_recovered():
    dates = pd.date_range("2015-01-01", periods=9, freq="YS")
    values = 5.0 * 2.0 ** (decimal_years(dates.values) - 2015)
    fit = fit_trend(values, dates)
    assert fit.doubling_time_months == pytest.approx(12, rel=1e-9)


def test_nan_rows_are_dropped_and_window_applies(compute):
    holed = compute.copy()
    holed[:5] = np.nan
    assert fit_trend(holed).n == 35
    windowed = fit_trend(compute, start="2016-01-01", end="2020-12-31")
    dates = compute.publication_date.values
    inside = (dates >= np.datetime64("2016-01-01")) & (dates <= np.datetime64("2020-12-31"))
    assert windowed.n == int(inside.sum())
    # A bare year is the whole year (read as a timestamp, 2016 would be 1970 + 2016 ns).
    assert fit_trend(compute, start=2016, end=2020).n == windowed.n


def test_to_dataset_and_summary(compute):
    fit = fit_trend(compute)
    ds = fit.to_dataset()
    assert set(ds.dims) == {"model", "time", "param"}
    assert list(ds.param.values) == ["slope", "growth_per_year", "doubling_time_months"]
    assert ds.attrs["level"] == 0.9
    assert float(ds.estimate.sel(param="slope")) == pytest.approx(fit.slope)
    assert float(ds.lower.sel(param="growth_per_year")) == float(ds.growth_per_year_lower)
    for name in ("source", "license", "as_of"):
        assert name in ds.attrs
    assert ds.doubling_time_months.attrs["units"] == "month"
    assert float(ds.growth_per_year_lower) < float(ds.growth_per_year)
    np.testing.assert_allclose(ds.residual.values, fit.residuals.values)
    assert "doubling time" in str(fit.summary())


def test_falling_trend_has_negative_halving_time():
    dates = pd.date_range("2015-01-01", periods=6, freq="YS")
    values = 100 * 0.5 ** np.arange(6) * np.array([1, 1.01, 0.99, 1, 1.02, 0.98])
    fit = fit_trend(values, dates)
    assert fit.doubling_time_months < 0


def test_one_date_is_a_clear_error():
    dates = np.array(["2020-01-01"] * 4, dtype="datetime64[ns]")
    with pytest.raises(FitError, match="two distinct dates"):
        fit_trend([1.0, 2.0, 3.0, 4.0], dates)


def test_too_few_points():
    with pytest.raises(FitError, match="at least 3 points"):
        fit_trend([1.0, 2.0], np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[ns]"))


def test_bad_inputs(compute):
    with pytest.raises(ParameterError, match=r"'method' parameter of scaling\.fit_trend"):
        fit_trend(compute, method="lasso")
    with pytest.raises(ParameterError, match="positive"):
        fit_trend(compute * 0)
    with pytest.raises(ParameterError, match="as long as"):
        fit_trend(compute.values, compute.publication_date.values[:-1])
    with pytest.raises(ParameterError, match="'time' parameter"):
        fit_trend(compute.values)
    with pytest.raises(ParameterError, match="'level'"):
        fit_trend(compute, level=0)


def test_fit_on_the_bundled_models_table_cites_it():
    """Issue 13: the fit said "source: user-supplied arrays; license: not stated"."""
    from workbench import data

    models = data.load("models")
    fit = fit_trend(models.training_compute, models.publication_date)
    assert models.attrs["source"] in fit.provenance["source"]
    assert fit.provenance["license"] == models.attrs["license"]
    assert fit.provenance["as_of"] == models.attrs["as_of"]
    assert fit.to_dataset().attrs["license"] == models.attrs["license"]


def test_arrays_without_provenance_stay_unknown(compute):
    fit = fit_trend(compute.values, compute.publication_date.values)
    assert fit.provenance["license"] == "unknown"
    assert fit.provenance["as_of"] == "unknown"
    assert "user-supplied data" in fit.provenance["source"]
