"""The compute gap: hand-checkable sums, the alignment rule, draws, and the drivers ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.gap import align_periods, compute_gap, drivers


def quarterly_supply(values, *, start="2025-01-01", draws=None, seed=1):
    quarters = pd.date_range(start, periods=len(values), freq="QS")
    h100e = xr.DataArray(np.asarray(values, float), dims="quarter", coords={"quarter": quarters})
    if draws is not None:
        h100e = h100e * xr.DataArray(draws, dims="draw")
    ds = xr.Dataset({"h100e": h100e, "flops": h100e * 1e15, "power": h100e * 1e-3})
    ds.attrs["seed"] = seed
    return ds


def annual_demand(values, *, start="2025-01-01", draws=None, seed=2):
    years = pd.date_range(start, periods=len(values), freq="YS")
    h100e = xr.DataArray(np.asarray(values, float), dims="year", coords={"year": years})
    if draws is not None:
        h100e = h100e * xr.DataArray(draws, dims="draw")
    ds = xr.Dataset({"h100e": h100e, "flops_provisioned": h100e * 1e15, "power": h100e * 1e-3})
    ds.attrs["seed"] = seed
    return ds


def test_fixed_inputs_give_hand_checkable_numbers():
    # 2025: quarterly stocks 100, 200, 300, 400 -> mean 250; 2026: 500..800 -> mean 650.
    supply = quarterly_supply([100, 200, 300, 400, 500, 600, 700, 800])
    demand = annual_demand([300, 600])
    gap = compute_gap(supply, demand)
    assert gap.supply_h100e.values.tolist() == [250.0, 650.0]
    assert gap.surplus.values.tolist() == [-50.0, 50.0]
    assert gap.ratio.values == pytest.approx([250 / 300, 650 / 600])
    assert gap.shortfall_probability.values.tolist() == [1.0, 0.0]
    assert gap.demand_flops.attrs["units"] == "FLOP/s" and gap.supply_power.attrs["units"] == "MW"
    assert gap.surplus.attrs["units"] == "1"
    power = compute_gap(supply, demand, unit="power")
    assert power.surplus.values == pytest.approx([-0.05, 0.05])
    assert power.surplus.attrs["units"] == "MW"


def test_partial_years_of_supply_are_left_out_not_averaged():
    supply = quarterly_supply([100, 200, 300, 400, 500, 600])  # 2026 has only two quarters
    supply_years, demand_years = align_periods(supply, annual_demand([300, 600]))
    assert supply_years.year.dt.year.values.tolist() == [2025]
    assert demand_years.year.dt.year.values.tolist() == [2025]


def test_quarterly_demand_needs_quarterly_supply():
    demand = quarterly_supply([1, 2], seed=5).rename(flops="flops_provisioned")
    annual = annual_demand([1, 2], seed=6).rename(flops_provisioned="flops")
    with pytest.raises(ParameterError, match="yearly stock cannot be split"):
        compute_gap(annual, demand)
    both = compute_gap(quarterly_supply([1, 2]), demand)
    assert both.attrs["period"] == "quarter"


def test_shortfall_probability_counts_draws():
    supply = quarterly_supply([100] * 4, draws=np.ones(4))
    demand = annual_demand([100], draws=np.array([0.5, 0.9, 1.1, 1.5]))
    gap = compute_gap(supply, demand)
    assert gap.shortfall_probability.item() == 0.5
    assert gap.surplus.dims == ("year", "draw")


@pytest.mark.parametrize(
    ("supply_kw", "demand_kw", "message"),
    [
        ({"draws": np.ones(4)}, {"draws": np.ones(5)}, "as many draws"),
        ({"draws": np.ones(4), "seed": 3}, {"draws": np.ones(4), "seed": 3}, "different seed"),
    ],
)
def test_mismatched_draws_are_refused(supply_kw, demand_kw, message):
    with pytest.raises(ParameterError, match=message):
        compute_gap(quarterly_supply([1] * 4, **supply_kw), annual_demand([1], **demand_kw))


def test_bad_unit_and_disjoint_periods():
    with pytest.raises(ParameterError, match="'unit' parameter"):
        compute_gap(quarterly_supply([1] * 4), annual_demand([1]), unit="watts")
    with pytest.raises(ParameterError, match="overlapping"):
        compute_gap(quarterly_supply([1] * 4), annual_demand([1], start="2030-01-01"))


def test_drivers_rank_the_input_that_matters_first(rng):
    n = 4000
    strong, weak, fixed = rng.lognormal(0, 1, n), rng.normal(0, 1, n), np.full(n, 3.0)
    noise = rng.normal(0, 0.1, n)
    output = xr.DataArray(
        np.log(strong) * 2 + 0.3 * weak + noise,
        dims="draw",
        attrs={"units": "1", "long_name": "gap"},
    )
    inputs = xr.Dataset(
        {name: ("draw", v) for name, v in {"weak": weak, "strong": strong, "fixed": fixed}.items()}
    )
    result = drivers(output, inputs)
    assert result.input.values.tolist() == ["strong", "weak"]  # the fixed input is skipped
    strong_row = result.sel(input="strong")
    assert strong_row.rank_correlation > 0.9
    # Var explained alone: 4 / (4 + 0.09 + 0.01) ~ 0.976 and 0.09 / 4.1 ~ 0.022.
    assert strong_row.first_order.item() == pytest.approx(0.976, abs=0.02)
    assert result.sel(input="weak").first_order.item() == pytest.approx(0.022, abs=0.02)
    assert strong_row.low < result["median"] < strong_row.high


def test_drivers_per_period_and_prefixed_groups(rng):
    n = 500
    a, b = rng.normal(size=n), rng.normal(size=n)
    years = pd.date_range("2026", periods=2, freq="YS")
    output = xr.DataArray(np.stack([a, b]), dims=("year", "draw"), coords={"year": years})
    result = drivers(
        output, {"supply": xr.Dataset({"a": ("draw", a)}), "demand": xr.Dataset({"b": ("draw", b)})}
    )
    assert set(result.input.values) == {"supply: a", "demand: b"}
    assert result.rank_correlation.sel(input="supply: a").values[0] == pytest.approx(1.0)
    assert result.rank_correlation.dims == ("input", "year")
    with pytest.raises(ParameterError, match="'draw' dimension"):
        drivers(output.isel(draw=0), xr.Dataset({"a": ("draw", a)}))
