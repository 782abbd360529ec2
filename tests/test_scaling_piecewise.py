"""Piecewise trends and the single-breakpoint search with its bootstrap interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import FitError
from workbench.scaling import decimal_years, find_breakpoint, fit_piecewise_trend


@pytest.fixture
def two_eras(rng):
    """Slow growth (0.2 decades/yr) before 2018, fast (0.8) after, with small scatter."""
    dates = pd.Timestamp("2010-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 14 * 365, 80)), "D")
    years = decimal_years(dates.values)
    log_values = np.where(years < 2018, 0.2 * (years - 2018), 0.8 * (years - 2018)) + 20
    values = 10 ** (log_values + rng.normal(0, 0.1, years.size))
    return xr.DataArray(
        values,
        dims="model",
        coords={"publication_date": ("model", dates)},
        attrs={"units": "FLOP", "long_name": "Training compute"},
    )


def test_given_breakpoint_fits_each_segment(two_eras):
    fit = fit_piecewise_trend(two_eras, breakpoints="2018-01-01")
    slow, fast = fit.segments
    assert slow.slope == pytest.approx(0.2, abs=0.05)
    assert fast.slope == pytest.approx(0.8, abs=0.05)
    assert fit.n == 80
    pred = fit.predict(np.array(["2014-01-01", "2024-01-01"], dtype="datetime64[ns]"))
    assert list(pred.segment.values) == [1, 2]
    ds = fit.to_dataset()
    assert ds.sizes["segment"] == 2 and "growth_per_year" in ds
    assert "1: growth/year" in str(fit.summary())


def test_found_break_is_near_the_truth_with_an_interval(two_eras):
    found = find_breakpoint(two_eras, n_boot=200, seed=1)
    error_years = abs(decimal_years(np.array([found.break_date]))[0] - 2018)
    assert error_years < 0.75
    lower, upper = found.conf_int()["break_date"]
    assert lower <= found.break_date <= upper
    assert lower <= np.datetime64("2018-01-01") <= upper
    assert found.draws.dims == ("draw",)
    ds = found.to_dataset()
    assert "break_date_lower" in ds and ds.attrs["n_boot"] == 200


def test_break_search_matches_brute_force_least_squares(two_eras):
    """The running-sum search picks the split a loop of separate fits would pick."""
    order = np.argsort(two_eras.publication_date.values)
    years = decimal_years(two_eras.publication_date.values[order])
    logs = np.log10(two_eras.values[order])
    best, best_ssr = None, np.inf
    for k in range(5, len(years) - 4):
        ssr = 0.0
        for part in (slice(0, k), slice(k, None)):
            coef = np.polyfit(years[part], logs[part], 1)
            ssr += ((np.polyval(coef, years[part]) - logs[part]) ** 2).sum()
        if ssr < best_ssr:
            best, best_ssr = k, ssr
    found = find_breakpoint(two_eras, n_boot=0)
    expected = (years[best - 1] + years[best]) / 2
    assert decimal_years(np.array([found.break_date]))[0] == pytest.approx(expected, abs=1e-4)


def test_too_few_points_per_segment(two_eras):
    with pytest.raises(FitError, match="segment 1"):
        fit_piecewise_trend(two_eras, breakpoints="2010-02-01")
    with pytest.raises(FitError, match="at least 20 points"):
        find_breakpoint(two_eras[:12], min_points=10)


def test_piecewise_fit_has_conf_int_and_the_shared_dataset_shape(two_eras):
    """Issue 16: PiecewiseTrendFit had no conf_int; its intervals are its segments'."""
    fit = fit_piecewise_trend(two_eras, breakpoints="2018-01-01")
    bounds = fit.conf_int(0.8)
    assert bounds["slope[1]"] == fit.segments[0].conf_int(0.8)["slope"]
    assert bounds["growth_per_year[2]"] == fit.segments[1].conf_int(0.8)["growth_per_year"]
    ds = fit.to_dataset()
    assert ds.sizes["param"] == 6 and ds.attrs["level"] == 0.9
    assert float(ds.upper.sel(param="slope[2]")) == fit.segments[1].conf_int()["slope"][1]
    found = find_breakpoint(two_eras, n_boot=50, seed=2)
    assert "break_year" in found.to_dataset().param.values
