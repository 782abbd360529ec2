"""Scaling charts build valid Vega-Lite from the fits' datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.plots import scaling as charts
from workbench.scaling import fit_chinchilla, fit_trend, growth_comparison, simulate_runs


@pytest.fixture(scope="module")
def trend():
    dates = pd.date_range("2014-01-01", periods=12, freq="QS")
    values = xr.DataArray(
        10 ** (18 + 0.15 * np.arange(12) + np.tile([0.1, -0.1, 0.0], 4)),
        dims="model",
        coords={"model": [f"m{i}" for i in range(12)], "date": ("model", dates)},
        attrs={"units": "FLOP", "long_name": "Training compute"},
    )
    return fit_trend(values)


@pytest.fixture(scope="module")
def loss_fit():
    runs = simulate_runs(60, seed=1)
    return fit_chinchilla(runs.params, runs.tokens, runs.loss, n_boot=20)


def test_trend_chart_single_and_layered(trend):
    spec = charts.trend_chart(trend.to_dataset()).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    layered = charts.trend_chart({"all": trend.to_dataset(), "frontier": trend.to_dataset()})
    assert layered.to_dict()["layer"]
    with pytest.raises(ParameterError, match="'band'"):
        charts.trend_chart(trend.to_dataset(), band="wide")


def test_growth_comparison_chart(trend):
    assert charts.growth_comparison_chart(growth_comparison(trend)).to_dict()["layer"]


def test_loss_law_and_allocation_charts(loss_fit):
    assert charts.loss_law_chart(loss_fit.to_dataset()).to_dict()["layer"]
    allocation = loss_fit.compute_optimal(np.geomspace(1e20, 1e25, 6))
    assert charts.compute_optimal_chart(allocation).to_dict()["layer"]


def test_wrong_dataset_is_named():
    with pytest.raises(ParameterError, match=r"TrendFit\.to_dataset"):
        charts.trend_chart(xr.Dataset({"x": ("a", [1.0])}))
