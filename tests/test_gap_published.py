"""The outlook beside published estimates: scopes, conversions, ratios."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench import data
from workbench.errors import CalibrationWarning, ParameterError
from workbench.gap import compare_published, compute_gap, occupancy, outlook
from workbench.gap.published import HOURS_PER_YEAR, US_SHARE
from workbench.supply import compare_to_published, estimate_shipments

PARTS = ("lower", "median", "upper")


@pytest.fixture(scope="module")
def tree():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        return outlook(n_draws=400, seed=2)


def test_published_rows_are_sourced_and_scoped():
    table = data.load("published_estimates")
    for name in table["estimate"].values:
        row = table.sel(estimate=name)
        assert str(row["source"].item()).count("http") >= 1
        assert str(row["scope"].item()) and str(row["conversion"].item())
    iea = table.sel(estimate="iea-energy-2030")
    assert float(iea["median"]) == 945 and str(iea["units"].item()) == "TWh"
    lbnl = table.sel(estimate="lbnl-energy-2028")
    assert (float(lbnl["low"]), float(lbnl["high"])) == (325, 580)


def test_compare_published_converts_and_divides(tree):
    cmp = compare_published(tree)
    assert "epoch-nvidia-2026-03" not in cmp["estimate"].values  # per-vendor: supply's job
    np.testing.assert_allclose(cmp["ratio"], cmp["ours_median"] / cmp["published_median"])
    demand = tree["demand"].to_dataset()
    supply = tree["supply"].to_dataset()
    # Power follows the chips: demand's share of the fleet (on the binding resource) times
    # the fleet's facility power; quarterly demand (the outlook's default), so a year's energy
    # and power are the means of its four quarters.
    quarters = demand["quarter"].values
    share = occupancy(
        demand["h100e"],
        demand["bandwidth_h100e"],
        supply["h100e"].sel(quarter=quarters),
        supply["h100e_bandwidth"].sel(quarter=quarters),
    )
    needed = share * supply["power"].sel(quarter=quarters)
    served = np.minimum(share, 1.0) * supply["power"].sel(quarter=quarters)

    def year_mean(da, year):
        return da.sel(quarter=slice(f"{year}-01-01", f"{year}-10-01")).mean("quarter")

    us = cmp.sel(estimate="lbnl-energy-2028")
    load = demand["power_load_factor"]
    energy = year_mean(served, 2028) * load * HOURS_PER_YEAR / 1e6
    assert float(us["ours_median"]) == pytest.approx(float(np.median(energy * US_SHARE)))
    assert "mean of the year's quarters" in str(us["basis"].item())
    assert "installed fleet" in str(us["basis"].item())
    world = cmp.sel(estimate="rand-power-2030")
    in_2030 = year_mean(needed, 2030)
    assert float(world["ours_median"]) == pytest.approx(float(np.median(in_2030.values)) / 1e3)
    # 2023 precedes demand's years: the installed base's power at demand's load factor.
    old = cmp.sel(estimate="lbnl-energy-2023")
    assert "installed base" in str(old["basis"].item())
    power = tree["supply"]["power"].sel(quarter=slice("2023-01-01", "2023-10-01")).mean("quarter")
    energy = power.values * demand["power_load_factor"].values * HOURS_PER_YEAR / 1e6
    assert float(old["ours_median"]) == pytest.approx(float(np.median(energy * US_SHARE)))
    cumulative = cmp.sel(estimate="epoch-global-2026-01")
    total = tree["shipments"]["h100e"].sel(quarter=slice("2022-01-01", "2025-10-01")).sum("quarter")
    assert float(cumulative["ours_median"]) == pytest.approx(float(total.median()))
    assert (cmp["ours_lower"] <= cmp["ours_median"]).all()
    # Provenance is the outlook's and the published table's, merged: it used to leave out
    # the licence (and state the outlook's date only).
    table = data.load("published_estimates")
    for key in ("source", "license", "as_of"):
        assert cmp.attrs[key] and cmp.attrs[key] != "unknown"
    assert table.attrs["license"] in cmp.attrs["license"]
    assert cmp.attrs["as_of"] == max(tree.attrs["as_of"], table.attrs["as_of"][:10])


def test_compare_published_bad_input(tree):
    with pytest.raises(ParameterError, match=r"'tree' parameter of gap\.compare_published"):
        compare_published(tree["gap"].to_dataset())
    with pytest.raises(ParameterError, match=r"'level' parameter of gap\.compare_published"):
        compare_published(tree, level=1.5)


def test_annual_demand_energy_is_the_mean_of_a_rate_growing_through_the_year():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        annual = outlook(n_draws=200, seed=2, calibrate=False, freq="year")
    cmp = compare_published(annual)
    demand = annual["demand"].to_dataset()
    paired = compute_gap(annual["supply"].to_dataset(), demand)
    served = np.minimum(paired["demand_power"], paired["supply_power"])
    energy = served * demand["power_load_factor"] * HOURS_PER_YEAR / 1e6
    # Energy used during 2028: the log-mean of the rates at 1 January 2028 and 2029 (a rate
    # growing through the year; the 1 January value alone is its floor).
    a = energy.sel(year="2028-01-01").values
    b = energy.sel(year="2029-01-01").values
    us = cmp.sel(estimate="lbnl-energy-2028")
    assert float(us["ours_median"]) == pytest.approx(
        float(np.median((b - a) / np.log(b / a) * US_SHARE))
    )
    assert "log-mean of 1 January 2028 and 2029" in str(us["basis"].item())
    assert float(us["ours_median"]) > float(np.median(a * US_SHARE))
    last = cmp.sel(estimate="iea-energy-2030")  # the last year: the year before's growth held
    assert "2029's growth held" in str(last["basis"].item())


def test_both_comparisons_name_their_bounds_alike(tree):
    # One vocabulary (docs/api.md): interval bounds are *_lower and *_upper on both sides, and
    # the workbench's own values are ours_*, in the outlook's comparison and in supply's.
    expected = {f"{side}_{part}" for side in ("published", "ours") for part in PARTS}
    outlook = compare_published(tree)
    shipments = compare_to_published(estimate_shipments(None, n_draws=50, seed=0))
    for cmp in (outlook, shipments):
        assert expected <= set(cmp.data_vars)
        assert not [v for v in cmp.data_vars if v.endswith(("_low", "_high"))]
