"""Installed base: retirement by a lifetime distribution, power with overhead and PUE."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from workbench.errors import ParameterError
from workbench.supply import estimate_shipments, installed_base, survival
from workbench.supply.shipments import impute_power


def hand_built(units, *, tdp=500.0, h100e=2.0, n_draws=2, regions=None):
    """Shipments of one (or more) chips, the same in every draw."""
    units = np.asarray(units, dtype=float)
    if units.ndim == 1:
        units = units[:, None]
    n_q, n_c = units.shape
    quarters = pd.date_range("2024-01-01", periods=n_q, freq="QS")
    data = np.repeat(units[..., None], n_draws, axis=2)
    dims = ("quarter", "chip", "draw")
    chips = [f"chip{i}" for i in range(n_c)]
    return xr.Dataset(
        {
            "units": (dims, data),
            "h100e": (dims, data * h100e),
            "flops": (dims, data * h100e * 1e15),
            "power": (dims, data * tdp),
        },
        coords={
            "quarter": quarters,
            "chip": chips,
            "draw": np.arange(n_draws),
            "region": ("chip", regions or ["rest of world"] * n_c),
            "vendor": ("chip", ["X"] * n_c),
        },
        attrs={"seed": 0, "source": "test", "license": "CC0", "as_of": "2026-11-25"},
    )


def test_fixed_lifetime_is_a_hand_checkable_cut_off():
    shipped = hand_built([10, 20, 30, 40, 50, 60])
    base = installed_base(shipped, lifetime_years=1, cooling=1.5, server_overhead=1.2)
    # A one-year life keeps each quarter's shipments for exactly four quarters.
    np.testing.assert_allclose(base["units"].isel(draw=0), [10, 30, 60, 100, 140, 180])
    np.testing.assert_allclose(base["h100e"].isel(draw=1), [20, 60, 120, 200, 280, 360])
    # 180 chips x 500 W x 1.2 x 1.5 = 162 kW = 0.162 MW
    np.testing.assert_allclose(base["power"].isel(quarter=-1), 0.162)
    np.testing.assert_allclose(base["it_power"].isel(quarter=-1), 0.09)
    assert base["power"].attrs["units"] == "MW"
    assert base["flops"].attrs["units"] == "FLOP/s"
    assert base["units"].dims == ("quarter", "draw")
    for key in ("source", "license", "as_of"):
        assert base.attrs[key]


def test_survival_is_smooth_for_an_interval_and_a_step_for_a_number():
    np.testing.assert_array_equal(survival(5, [4.99, 5.0, 5.01]), [1.0, 0.0, 0.0])
    curve = survival((4, 6), np.linspace(0, 10, 41))
    assert curve[0] == 1.0 and curve[-1] == 0.0
    assert np.all(np.diff(curve) <= 0)
    inside = curve[(np.linspace(0, 10, 41) > 4.2) & (np.linspace(0, 10, 41) < 5.8)]
    assert np.all((inside > 0) & (inside < 1))  # retirements spread out, no cliff
    # Lognormal with 90% interval (4, 6): median sqrt(24) years, P(life > 5) = 0.434.
    mu, sigma = np.log(24) / 2, np.log(6 / 4) / (2 * 1.6448536)
    exact = 1 - stats.norm.cdf((np.log(5) - mu) / sigma)
    assert float(survival((4, 6), [5.0])[0]) == pytest.approx(exact, abs=1e-3)


def test_lifetime_distribution_retires_gradually():
    shipped = hand_built([100] + [0] * 31)
    base = installed_base(shipped, lifetime_years=(4, 6), cooling=1.2, server_overhead=1.3)
    stock = base["units"].isel(draw=0).values
    assert stock[0] == 100 and stock[11] == pytest.approx(100, rel=0.01)
    assert 0 < stock[20] < 100 and stock[31] < 1


def test_breakdown_by_region_sums_to_total_and_nan_lead_in_counts_as_zero():
    units = np.array([[np.nan, 5], [np.nan, 5], [4, 5], [4, 5]], dtype=float)
    shipped = hand_built(units, regions=["China", "rest of world"])
    base = installed_base(
        shipped, lifetime_years=10, breakdown="region", cooling=1.1, server_overhead=1.1
    )
    np.testing.assert_allclose(base["units"].isel(draw=0), [5, 10, 19, 28])
    np.testing.assert_allclose(base["units_by_region"].sum("region"), base["units"])
    assert list(base["region"].values) == ["China", "rest of world"]


def test_missing_tdp_makes_power_nan_not_zero():
    shipped = hand_built([1, 1])
    shipped["power"][:] = np.nan
    with pytest.warns(UserWarning, match="no published TDP for"):
        base = installed_base(shipped, lifetime_years=5, cooling=1.2, server_overhead=1.3)
    assert np.isnan(base["power"]).all()
    assert np.isfinite(base["units"]).all()


def test_power_interval_widens_with_pue_uncertainty_and_presets_hold():
    shipped = hand_built([100, 100], n_draws=2000)
    liquid = installed_base(
        shipped, lifetime_years=5, cooling="liquid", server_overhead=1.5, seed=3
    )
    air = installed_base(shipped, lifetime_years=5, cooling="air", server_overhead=1.5, seed=3)
    wide = installed_base(
        shipped, lifetime_years=5, cooling=(1.05, 2.0), server_overhead=1.5, seed=3
    )
    assert 1.08 <= float(liquid["pue"].min()) and float(liquid["pue"].max()) <= 1.2
    assert 1.4 <= float(air["pue"].min()) and float(air["pue"].max()) <= 1.6
    width = {
        k: np.ptp(np.quantile(b["power"].isel(quarter=-1), [0.05, 0.95]))
        for k, b in {"liquid": liquid, "wide": wide}.items()
    }
    assert width["wide"] > 3 * width["liquid"]


def test_seeded_and_reproducible_on_bundled_shipments():
    shipped = estimate_shipments("NVIDIA", n_draws=200, seed=4)
    a = installed_base(shipped)
    b = installed_base(shipped)
    xr.testing.assert_identical(a, b)
    # The shipments' seed, on the installed base's own named stream.
    assert a.attrs["seed"] == 4
    assert a.attrs["random_streams"] == "supply.installed_base@4, supply.shipments@4"
    assert np.isfinite(a["power"]).all()
    assert (a["h100e"].isel(quarter=-1) > a["h100e"].isel(quarter=0)).all()


def test_bad_inputs_name_the_parameter():
    shipped = hand_built([1, 2])
    with pytest.raises(
        ParameterError, match=r"'lifetime_years' parameter of supply\.installed_base"
    ):
        installed_base(shipped, lifetime_years=(6, 4))
    with pytest.raises(ParameterError, match=r"'cooling' parameter of supply\.installed_base"):
        installed_base(shipped, cooling="underwater")
    with pytest.raises(ParameterError, match=r"'cooling'.*got \(0.9, 1.2\)"):
        installed_base(shipped, cooling=(0.9, 1.2))
    with pytest.raises(ParameterError, match="'breakdown'"):
        installed_base(shipped, breakdown="country")
    with pytest.raises(ParameterError, match="'shipments'"):
        installed_base(shipped.drop_vars("power"))
    gappy = shipped.assign_coords(quarter=pd.to_datetime(["2024-01-01", "2024-07-01"]))
    with pytest.raises(ParameterError, match="consecutive calendar quarters"):
        installed_base(gappy)


def test_liquid_cooling_over_all_vendors_gives_power_and_names_the_estimated_chips():
    """Issue 13: the README's installed_base(..., pue="liquid") gave NaN power silently."""
    shipments = estimate_shipments(None, n_draws=50, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        base = installed_base(shipments, lifetime_years=(4, 6), cooling="liquid")
    power = base["power"].isel(quarter=-1)
    assert np.isfinite(power).all() and float(power.min()) > 0
    assert "Google TPU7x (Ironwood)" in base["power"].attrs["imputed_for"]
    # The TPUs' share is at the fleet's W per H100e: the total equals the known chips' power
    # scaled up by all H100e over the known chips' H100e, quarter by quarter.
    nvidia_amd = shipments.sel(chip=[c for c in shipments.chip.values if "TPU" not in c])
    q = shipments.isel(quarter=-1)
    known = nvidia_amd.isel(quarter=-1)
    expected = known.power.sum("chip") * q.h100e.sum("chip") / known.h100e.sum("chip")
    np.testing.assert_allclose(impute_power(shipments).power.isel(quarter=-1).sum("chip"), expected)
    # Chips alone without a TDP (Google's TPUs) cannot be estimated: NaN, and a warning.
    with pytest.warns(UserWarning, match=r"no published TDP for .*Google TPU v4.*no chip"):
        alone = installed_base(estimate_shipments("Google", n_draws=20, seed=0))
    assert np.isnan(alone["power"].isel(quarter=-1)).all()
