"""The compute gap: hand-checkable sums, the alignment rule, draws, and the drivers ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.gap import align_periods, compute_gap, drivers, value_of_information


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


def test_demand_power_is_the_occupied_share_of_the_fleet_power():
    # Demand's own power assumes an efficiency of its own (here 0.1 kW per H100e against the
    # fleet's 2 kW): the chips it occupies are the fleet's, and so is their power.
    supply = quarterly_supply([100, 200, 300, 400])
    supply["power"] = supply["h100e"] * 2e-3
    demand = annual_demand([600])
    demand = demand.assign(power=demand["h100e"] * 1e-4)
    demand = demand.assign_coords(year=pd.to_datetime(["2026-01-01"]))
    gap = compute_gap(supply, demand)
    assert gap.demand_power.values == pytest.approx([600 / 400 * 400 * 2e-3])
    assert gap.supply_power.values == pytest.approx([400 * 2e-3])
    by_power = compute_gap(supply, demand, unit="power")
    assert by_power.ratio.values == pytest.approx(gap.ratio.values)
    assert "share of the fleet's facility power" in gap.attrs["alignment"]


def test_fixed_inputs_give_hand_checkable_numbers():
    # Quarterly stocks 100..800 for 2025Q1..2026Q4 are stocks at each quarter's end; annual
    # demand is at 1 January: 2026-01-01 meets the end of 2025Q4 (400), 2027-01-01 the end
    # of 2026Q4 (800); 2025-01-01 has no supply and is dropped.
    supply = quarterly_supply([100, 200, 300, 400, 500, 600, 700, 800])
    demand = annual_demand([300, 600, 900])
    gap = compute_gap(supply, demand)
    assert gap.year.dt.year.values.tolist() == [2026, 2027]
    assert gap.supply_h100e.values.tolist() == [400.0, 800.0]
    assert gap.surplus.values.tolist() == [-200.0, -100.0]
    assert gap.ratio.values == pytest.approx([400 / 600, 800 / 900])
    assert gap.log_ratio.values == pytest.approx(np.log([400 / 600, 800 / 900]))
    assert gap.shortfall_probability.values.tolist() == [1.0, 1.0]
    assert gap.demand_flops.attrs["units"] == "FLOP/s" and gap.supply_power.attrs["units"] == "MW"
    assert gap.surplus.attrs["units"] == "1"
    assert "same instants" in gap.attrs["alignment"]
    power = compute_gap(supply, demand, unit="power")
    assert power.surplus.values == pytest.approx([-0.2, -0.1])
    assert power.surplus.attrs["units"] == "MW"


def _sampled(grid: str, start: str, periods: int, *, instant: str, seed: int):
    """A continuous series f(t) = 100 * 2^(t in years since 2024) at one grid's instants."""
    labels = pd.date_range(start, periods=periods, freq=grid)
    offset = pd.DateOffset(months=3) if grid == "QS" else pd.DateOffset(years=1)
    when = labels + offset if instant == "end" else labels
    years = (when - pd.Timestamp("2024-01-01")).days.values / 365.2425
    dim = "quarter" if grid == "QS" else "year"
    values = xr.DataArray(
        100 * 2.0**years, dims=dim, coords={dim: (dim, labels, {"instant": instant})}
    )
    ds = xr.Dataset({"h100e": values.assign_attrs(units="1")})
    ds.attrs["seed"] = seed
    return ds


@pytest.mark.parametrize(
    ("demand_grid", "demand_instant"), [("YS", "start"), ("QS", "end"), ("QS", "start")]
)
def test_one_series_on_two_grids_gives_no_gap(demand_grid, demand_instant):
    # The same continuous, fast-growing series on the supply's quarterly grid (stocks at
    # quarter ends) and on the demand's grid: at the same instants the gap is zero.
    supply = _sampled("QS", "2024-01-01", 16, instant="end", seed=1)
    demand = _sampled(
        demand_grid, "2024-01-01", 4 if demand_grid == "YS" else 16, instant=demand_instant, seed=2
    )
    gap = compute_gap(supply, demand)
    assert gap.sizes[gap.attrs["period"]] >= 3
    np.testing.assert_allclose(gap.surplus.values, 0.0, atol=1e-9)
    np.testing.assert_allclose(gap.ratio.values, 1.0)


def test_quarterly_gap_as_annual_means_of_both_sides():
    supply = _sampled("QS", "2024-01-01", 12, instant="end", seed=1)
    demand = _sampled("QS", "2024-01-01", 12, instant="end", seed=2)
    demand["h100e"] = demand["h100e"] * 2
    gap = compute_gap(supply, demand, period="year")
    assert gap.year.dt.year.values.tolist() == [2024, 2025, 2026]
    np.testing.assert_allclose(gap.ratio.values, 0.5)
    quarterly = compute_gap(supply, demand)
    expected = quarterly.supply_h100e.groupby("quarter.year").mean().values
    np.testing.assert_allclose(gap.supply_h100e.values, expected)


def test_mid_year_demand_against_year_end_stock_is_not_the_same_instant():
    # The defect of the old rule: the mean of a year's four stocks (about mid-year) against
    # demand at 1 January, half a year apart. Now 1 January meets the stock of that instant.
    supply = _sampled("QS", "2024-01-01", 12, instant="end", seed=1)
    demand = _sampled("YS", "2025-01-01", 2, instant="start", seed=2)
    gap = compute_gap(supply, demand)
    np.testing.assert_allclose(gap.ratio.values, 1.0)


def test_inputs_units_are_checked_not_relabelled():
    supply = quarterly_supply([1e6] * 4)
    supply["power"].attrs["units"] = "W"
    with pytest.raises(ParameterError, match="'MW'"):
        compute_gap(supply, annual_demand([1, 1], start="2025-01-01"))


def test_partial_years_of_supply_are_left_out_of_annual_means():
    supply = quarterly_supply([100, 200, 300, 400, 500, 600])  # 2026 has only two quarters
    demand = quarterly_supply([100, 100, 100, 100, 100, 100], seed=2).rename(
        flops="flops_provisioned"
    )
    gap = compute_gap(supply, demand, period="year")
    assert gap.year.dt.year.values.tolist() == [2025]
    assert gap.supply_h100e.values.tolist() == [250.0]


def test_quarterly_demand_needs_quarterly_supply():
    demand = quarterly_supply([1, 2], seed=5).rename(flops="flops_provisioned")
    annual = annual_demand([1, 2], seed=6).rename(flops_provisioned="flops")
    with pytest.raises(ParameterError, match="yearly stock cannot be split"):
        compute_gap(annual, demand)
    both = compute_gap(quarterly_supply([1, 2]), demand)
    assert both.attrs["period"] == "quarter"


def test_shortfall_probability_counts_draws():
    supply = quarterly_supply([100] * 4, draws=np.ones(4))
    demand = annual_demand([100], start="2026-01-01", draws=np.array([0.5, 0.9, 1.1, 1.5]))
    gap = compute_gap(supply, demand)
    assert gap.shortfall_probability.item() == 0.5
    assert gap.surplus.dims == ("year", "draw")


@pytest.mark.parametrize(
    ("supply_kw", "demand_kw", "message"),
    [
        ({"draws": np.ones(4)}, {"draws": np.ones(5)}, "as many draws"),
        ({"draws": np.ones(4), "seed": 3}, {"draws": np.ones(4), "seed": 3}, "unnamed@3"),
    ],
)
def test_mismatched_draws_are_refused(supply_kw, demand_kw, message):
    with pytest.raises(ParameterError, match=message):
        compute_gap(
            quarterly_supply([1] * 4, **supply_kw),
            annual_demand([1], start="2026-01-01", **demand_kw),
        )


def test_bad_unit_and_disjoint_periods():
    with pytest.raises(ParameterError, match="'unit' parameter"):
        compute_gap(quarterly_supply([1] * 4), annual_demand([1], start="2026"), unit="watts")
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


def test_align_periods_relabels_the_supply_onto_the_demands_instants():
    supply = quarterly_supply([100, 200, 300, 400, 500, 600, 700, 800])
    s, _ = align_periods(supply, annual_demand([1, 2], start="2026-01-01"))
    assert s.h100e.dims == ("year",) and s.year.dt.year.values.tolist() == [2026, 2027]
    assert s.h100e.values.tolist() == [400.0, 800.0]


def test_each_stage_of_one_seed_has_its_own_stream():
    # On the old code, shipments with seed 0 drew their projection from seed 2, the stream of a
    # demand run with seed 2, and the guard (which saw only the last seed) let them pass.
    from workbench.supply import estimate_shipments, installed_base, project_shipments

    shipments = estimate_shipments("AMD", n_draws=200, seed=0)
    base = installed_base(project_shipments(shipments, end=2027))
    assert set(base.attrs["random_streams"].split(", ")) == {
        "supply.installed_base@0",
        "supply.projection@0",
        "supply.shipments@0",
    }
    demand = annual_demand([1.0], start="2026-01-01", draws=np.ones(200))
    demand.attrs["random_streams"] = "demand.simulate@0"
    gap = compute_gap(base, demand)  # one seed, four independent streams
    assert "demand.simulate@0" in gap.attrs["random_streams"]
    demand.attrs["random_streams"] = "demand.simulate@0, supply.projection@0"
    with pytest.raises(ParameterError, match=r"supply\.projection@0"):
        compute_gap(base, demand)


def test_value_of_information_on_a_toy_model_with_a_known_answer(rng):
    # Y = 2 X1 + X2 with independent standard normals. Knowing X1 removes Var(2 X1) = 4 of
    # Var(Y) = 5; knowing X2 removes 1/5. A shortfall is Y < 0 (p = 1/2, p(1-p) = 1/4):
    # P(Y < 0 | X1) = Φ(-2 X1), whose variance is arcsin(c²/(1+c²)) / 2π with c = 2
    # (bivariate normal orthant), so knowing X1 removes 4·arcsin(0.8)/2π ≈ 0.590 of p(1-p);
    # X2 (c = 1/2) removes 4·arcsin(0.2)/2π ≈ 0.128.
    n = 200_000
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    y = xr.DataArray(2 * x1 + x2, dims="draw", attrs={"units": "1", "long_name": "log ratio"})
    voi = value_of_information(y, xr.Dataset({"x1": ("draw", x1), "x2": ("draw", x2)}), bins=50)
    assert voi.input.values.tolist() == ["x1", "x2"]
    assert voi.variance_share.values == pytest.approx([0.8, 0.2], abs=0.01)
    assert voi.variance_reduction.values == pytest.approx([4.0, 1.0], rel=0.03)
    expected = 4 * np.arcsin([0.8, 0.2]) / (2 * np.pi)
    assert voi.shortfall_share.values == pytest.approx(expected, abs=0.015)
    assert voi.shortfall_probability.item() == pytest.approx(0.5, abs=0.01)


def test_drivers_read_a_gap_as_its_log_ratio_and_are_stable_across_seeds():
    # A multiplicative toy gap: supply and demand lognormal; on the log ratio the first-order
    # indices are a fixed split of the variance whatever the seed.
    shares = []
    for seed in (0, 1):
        r = np.random.default_rng(seed)
        n = 20_000
        s_in, d_in = r.normal(0, 1.0, n), r.normal(0, 0.5, n)
        supply = quarterly_supply([100.0] * 4, draws=np.exp(s_in), seed=seed + 10)
        demand = annual_demand([50.0], start="2026-01-01", draws=np.exp(d_in), seed=seed + 20)
        gap = compute_gap(supply, demand)
        inputs = xr.Dataset({"s": ("draw", s_in), "d": ("draw", d_in)})
        result = drivers(gap, inputs)
        shares.append(result.first_order.sel(input="s").item())
    assert shares[0] == pytest.approx(0.8, abs=0.02) and shares[1] == pytest.approx(0.8, abs=0.02)
