"""Accelerator price-performance and energy efficiency from a hand-built table."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.scaling import energy_efficiency, fit_trend, price_performance


@pytest.fixture
def accelerators():
    chips = ["old", "mid", "new", "unpriced"]
    peak = np.array([[1e13, 1e14], [2e13, 4e14], [4e13, 1.6e15], [5e13, 2e15]])
    return xr.Dataset(
        {
            "peak_flops": (("chip", "precision"), peak, {"units": "FLOP/s"}),
            "launch_price": ("chip", [1e4, 1e4, 2e4, np.nan], {"units": "USD"}),
            "tdp": ("chip", [250.0, 400.0, 700.0, 1000.0], {"units": "W"}),
            "release_date": (
                "chip",
                np.array(
                    ["2018-01-01", "2020-01-01", "2022-01-01", "2024-01-01"], "datetime64[ns]"
                ),
            ),
            "segment": ("chip", ["datacenter"] * 3 + ["consumer"]),
        },
        coords={"chip": chips, "precision": ["fp32", "bf16"]},
        attrs={"source": "test", "license": "CC0-1.0", "as_of": "2026-11-25"},
    )


def test_price_performance_units_values_and_trend(accelerators):
    ratio = price_performance(accelerators)
    assert list(ratio.chip.values) == ["old", "mid", "new"]
    np.testing.assert_allclose(ratio.values, [1e10, 4e10, 8e10])
    assert ratio.attrs["units"] == "FLOP/s/USD"
    fit = fit_trend(ratio)
    assert fit.n == 3 and fit.growth_per_year > 1


def test_energy_efficiency_and_segment(accelerators):
    ratio = energy_efficiency(accelerators, "fp32", segment="datacenter")
    assert ratio.attrs["units"] == "FLOP/s/W"
    assert ratio.sel(chip="old").item() == pytest.approx(1e13 / 250)
    assert "release_date" in ratio.coords


def test_bad_precision_lists_choices(accelerators):
    with pytest.raises(ParameterError, match="'fp32' or 'bf16'"):
        price_performance(accelerators, "fp8")
