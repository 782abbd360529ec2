"""Projected shipments: capacity growth by hand, ceiling caps, imputed TDP-less power."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.supply import installed_base, project_shipments, shipment_totals


def history(values, *, draws=4, chips=("A",), power=1000.0):
    quarters = pd.date_range("2025-01-01", periods=len(values), freq="QS")
    h100e = xr.DataArray(
        np.asarray(values, float)[:, None, None] * np.ones((1, len(chips), draws)),
        dims=("quarter", "chip", "draw"),
        coords={"quarter": quarters, "chip": list(chips)},
    )
    ds = xr.Dataset(
        {"h100e": h100e, "units": h100e / 2, "flops": h100e * 1e15, "power": h100e * power}
    )
    ds.attrs["seed"] = 0
    return ds


def test_capacity_growth_by_hand():
    shipments = history([100, 100, 100, 100])
    growth = {
        "packaging_growth": 2.0,
        "h100e_per_package_growth": 1.0,
        "power_per_package_growth": 1.0,
    }
    out = project_shipments(shipments, end="2026-04-01", growth=growth)
    future = out.sel(quarter=out.projected)
    # The recent mean (100) stands for the middle of the last four quarters (1.5 quarters back):
    # quarter k ahead is 100 * 2 ** ((k + 1.5) / 4).
    expected = 100 * 2.0 ** ((np.arange(1, 3) + 1.5) / 4)
    assert future.h100e.isel(draw=0).values == pytest.approx(expected)
    assert future.units.isel(draw=0).values == pytest.approx(expected / 2)
    assert out.attrs["projection_method"] == "capacity"


def test_end_takes_a_year_in_any_form():
    shipments = history([100, 100, 100, 100])
    last = [project_shipments(shipments, end=end).quarter.values[-1] for end in (2027, "2027")]
    assert last[0] == last[1] == np.datetime64("2027-10-01")


def test_better_chips_lower_units_and_power_per_h100e():
    shipments = history([100, 100, 100, 100])
    growth = {
        "packaging_growth": 1.0,
        "h100e_per_package_growth": 2.0,
        "power_per_package_growth": 1.0,
    }
    future = project_shipments(shipments, end=2026, growth=growth).sel(quarter="2026-10-01")
    years = (4 + 1.5) / 4
    assert future.h100e.isel(draw=0).item() == pytest.approx(100 * 2**years)
    assert future.units.isel(draw=0).item() == pytest.approx(50.0)  # packages do not grow
    assert future.power.isel(draw=0).item() == pytest.approx(100_000.0)  # power per package flat


def test_ceiling_caps_each_draw_and_reports_the_share():
    shipments = history([100, 100, 100, 100])
    growth = {
        "packaging_growth": 4.0,
        "h100e_per_package_growth": 1.0,
        "power_per_package_growth": 1.0,
    }
    ceiling = xr.Dataset(
        {"h100e": (("quarter", "draw"), np.full((1, 4), 150.0))},
        coords={"quarter": pd.DatetimeIndex(["2026-01-01"])},
    )
    out = project_shipments(shipments, end="2026-04-01", growth=growth, ceiling=ceiling)
    assert (out.h100e.sel(quarter="2026-01-01") == 150).all()
    assert out.capped_share.sel(quarter="2026-01-01").item() == 1.0
    assert out.capped_share.sel(quarter="2026-04-01").item() == 0.0


def test_power_of_chips_without_tdp_is_imputed_not_zero():
    shipments = history([10, 10], chips=("gpu", "tpu"))
    shipments["power"].loc[{"chip": "tpu"}] = np.nan
    totals = shipment_totals(shipments)
    assert totals.power.values == pytest.approx(np.full((2, 4), 20 * 1000.0))


def test_projection_feeds_the_installed_base_with_draws():
    rng = np.random.default_rng(0)
    shipments = history([100, 120, 140, 160], draws=200)
    shipments = shipments * xr.DataArray(rng.lognormal(0, 0.1, 200), dims="draw")
    shipments.attrs["seed"] = 0
    base = installed_base(project_shipments(shipments, end=2027), lifetime_years=5)
    assert base.h100e.dims == ("quarter", "draw")
    spread = base.h100e.quantile([0.05, 0.95], "draw")
    width = spread.sel(quantile=0.95) / spread.sel(quantile=0.05)
    assert width.isel(quarter=-1) > width.isel(quarter=3)  # the future is less certain


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": 2024}, "after the last quarter"),
        ({"method": "crystal"}, "'method' parameter"),
        ({"growth": {"chip_growth": 2}}, "'growth' parameter"),
    ],
)
def test_bad_projection_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        project_shipments(history([1, 1, 1, 1]), **kwargs)


@pytest.mark.parametrize(
    ("parameter", "made_by"), [("ceiling", "capacity_ceiling"), ("power_ceiling", "power_ceiling")]
)
def test_a_ceiling_must_have_the_projection_s_draws(parameter, made_by):
    # Draw j of the projection meets draw j of each ceiling (one capping rule, cap_draws).
    ceiling = xr.Dataset(
        {name: (("quarter", "draw"), np.ones((1, 3))) for name in ("h100e", "power")},
        coords={"quarter": [np.datetime64("2026-01-01", "ns")]},
    ).assign(facility_multiplier=("draw", np.ones(3)))
    with pytest.raises(
        ParameterError, match=rf"'{parameter}' parameter .* must be a {made_by} with 4 draws"
    ):
        project_shipments(history([1, 1, 1, 1]), **{parameter: ceiling})


def test_cap_draws_caps_each_draw_and_counts_the_share_cut():
    from workbench.supply.ceiling import cap_draws

    capped, share = cap_draws(np.array([1.0, 5.0, 3.0, 9.0]), np.array([2.0, 2.0, 4.0, 4.0]))
    assert capped.tolist() == [1.0, 2.0, 3.0, 4.0] and share == 0.5
