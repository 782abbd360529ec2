"""Frontier selection on a small hand-built models dataset."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.scaling import frontier, frontier_sensitivity


@pytest.fixture
def models():
    dates = np.array(
        ["2015-01-01", "2016-01-01", "2017-01-01", "2018-01-01", "2019-01-01", "2020-01-01"],
        dtype="datetime64[ns]",
    )
    compute = np.array([1e20, 1e19, 1e22, 1e21, np.nan, 1e24])
    return xr.Dataset(
        {
            "training_compute": ("model", compute, {"units": "FLOP", "long_name": "Compute"}),
            "publication_date": ("model", dates),
        },
        coords={"model": ["a", "b", "c", "d", "e", "f"]},
        attrs={"source": "test", "license": "CC0-1.0", "as_of": "2026-11-25"},
    )


def test_running_top_one_keeps_record_setters(models):
    selected = frontier(models, n=1)
    assert list(selected.model.values) == ["a", "c", "f"]
    assert "running top 1" in selected.attrs["frontier"]
    assert selected.attrs["license"] == "CC0-1.0"


def test_running_top_two(models):
    assert list(frontier(models, n=2).model.values) == ["a", "b", "c", "d", "f"]


def test_residual_method_keeps_models_above_the_trend(models):
    selected = frontier(models, "residual", margin=0.0)
    assert 0 < selected.sizes["model"] < 5
    assert "e" not in selected.model.values


def test_bad_method_lists_choices(models):
    with pytest.raises(ParameterError, match="'top_n' or 'residual'"):
        frontier(models, "best")
    with pytest.raises(ParameterError, match="'variable'"):
        frontier(models, variable="flops")


@pytest.fixture
def two_eras():
    """Slow growth 1950-2009 (0.15 OOM/yr, many models), fast growth 2010-2024 (0.6 OOM/yr)."""
    rng = np.random.default_rng(5)
    old = np.linspace(1950, 2009.5, 60)
    new = np.linspace(2010, 2024.5, 60)
    years = np.concatenate([old, new])
    log_c = np.where(years < 2010, 15 + 0.15 * (years - 1950), 24 + 0.6 * (years - 2010))
    log_c = log_c + rng.normal(0, 0.4, years.size)
    dates = (
        np.datetime64("1950-01-01") + ((years - 1950) * 365.25).astype("timedelta64[D]")
    ).astype("datetime64[ns]")
    return xr.Dataset(
        {
            "training_compute": ("model", 10**log_c, {"units": "FLOP"}),
            "publication_date": ("model", dates),
        },
        coords={"model": [f"m{i}" for i in range(years.size)]},
        attrs={"source": "test", "license": "CC0-1.0", "as_of": "2026-11-25"},
    )


def test_residual_frontier_uses_the_trend_of_the_fit_window(two_eras):
    """Issue 15: against a trend of all dates the residual rule picked early models."""
    everything = frontier(two_eras, "residual")
    assert (everything.publication_date.dt.year < 2010).sum() > 0
    windowed = frontier(two_eras, "residual", start="2010-01-01")
    assert (windowed.publication_date.dt.year >= 2010).all() and windowed.sizes["model"] > 3
    assert "2010" in windowed.attrs["frontier"]


def test_frontier_sensitivity_sets_the_rules_side_by_side(two_eras):
    table = frontier_sensitivity(two_eras, start="2010-01-01", ns=(3, 10))
    assert list(table.rule.values) == ["top 3", "top 10", "residual > 0.5 OOM", "all notable"]
    assert table.n_models.sel(rule="all notable") == 60
    growth = table.growth_per_year.sel(rule="all notable")
    assert float(np.log10(growth)) == pytest.approx(0.6, abs=0.1)
    assert (table.growth_per_year_lower <= table.growth_per_year).all()
    assert table.attrs["level"] == 0.9
