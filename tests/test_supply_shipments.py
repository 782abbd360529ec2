"""Shipments from revenue: hand-checkable numbers, uncertainty, seeds, bundled data."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from supply_cases import A100, H100, fixed_assumptions

from workbench.data import data_dir, load, to_calendar_quarters
from workbench.supply import estimate_shipments

H20 = "NVIDIA H20"


def test_fixed_inputs_give_hand_checked_numbers():
    ds = estimate_shipments("NVIDIA", n_draws=3, seed=0, assumptions=fixed_assumptions())
    acc = load("accelerators")
    bf16 = acc["peak_flops"].sel(precision="bf16")
    units = ds["units"].sel(quarter="2024-01-01")
    # 1e9 USD x 0.5 x 0.6 / 25,000 USD = 12,000 H100; 1e9 x 0.5 x 0.4 / 10,000 = 20,000 A100.
    np.testing.assert_allclose(units.sel(chip=H100), 12_000.0)
    np.testing.assert_allclose(units.sel(chip=A100), 20_000.0)
    np.testing.assert_allclose(ds["units"].sel(quarter="2024-04-01", chip=H100), 24_000.0)
    np.testing.assert_allclose(ds["flops"].sel(quarter="2024-01-01", chip=H100), 12_000 * 9.894e14)
    np.testing.assert_allclose(
        ds["h100e"].sel(quarter="2024-01-01", chip=A100),
        20_000 * float(bf16.sel(chip=A100)) / float(bf16.sel(chip=H100)),
    )
    np.testing.assert_allclose(ds["power"].sel(quarter="2024-01-01", chip=H100), 12_000 * 700.0)
    np.testing.assert_allclose(ds["accelerator_revenue"], [[5e8] * 3, [1e9] * 3])


def test_layout_units_and_provenance():
    ds = estimate_shipments("NVIDIA", n_draws=5, seed=0, assumptions=fixed_assumptions())
    assert ds["units"].dims == ("quarter", "chip", "draw")
    assert ds["quarter"].dtype == np.dtype("datetime64[ns]")
    assert list(pd.DatetimeIndex(ds["quarter"].values).month) == [1, 4]
    expected = {"units": "1", "h100e": "1", "flops": "FLOP/s", "power": "W", "price": "USD"}
    for name, units in expected.items():
        assert ds[name].attrs["units"] == units
        assert ds[name].attrs["long_name"]
    for key in ("source", "license", "as_of"):
        assert ds.attrs[key]
    assert list(ds["region"].values) == ["rest of world", "rest of world"]


def test_same_seed_same_numbers_other_seed_differs():
    a = estimate_shipments("AMD", n_draws=300, seed=7)
    b = estimate_shipments("AMD", n_draws=300, seed=7)
    c = estimate_shipments("AMD", n_draws=300, seed=8)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["units"].values, c["units"].values, equal_nan=True)


def _width(ds: xr.Dataset) -> float:
    total = ds["units"].sum("chip").isel(quarter=0)
    lo, hi = np.quantile(total.values, [0.05, 0.95])
    return hi - lo


def test_intervals_widen_with_price_uncertainty():
    narrow = fixed_assumptions(prices={H100: (24_000, 26_000), A100: (9_500, 10_500)})
    wide = fixed_assumptions(prices={H100: (15_000, 40_000), A100: (6_000, 16_000)})
    w_narrow = _width(estimate_shipments("NVIDIA", n_draws=2000, seed=1, assumptions=narrow))
    w_wide = _width(estimate_shipments("NVIDIA", n_draws=2000, seed=1, assumptions=wide))
    assert w_wide > 3 * w_narrow > 0


def test_intervals_widen_with_share_and_mix_uncertainty():
    fixed = estimate_shipments("NVIDIA", n_draws=500, seed=2, assumptions=fixed_assumptions())
    assert _width(fixed) == pytest.approx(0.0, abs=1e-6)
    share = fixed_assumptions(compute_share=(0.3, 0.7))
    assert _width(estimate_shipments("NVIDIA", n_draws=500, seed=2, assumptions=share)) > 0
    mix = fixed_assumptions(
        mix={H100: {"share": 0.6, "spread": 2}, A100: {"share": 0.4, "spread": 2}}
    )
    shipped = estimate_shipments("NVIDIA", n_draws=500, seed=2, assumptions=mix)
    assert _width(shipped) > 0
    # However the spreads draw, the mix still splits all accelerator revenue.
    revenue = (shipped["units"] * shipped["price"]).sum("chip")
    np.testing.assert_allclose(revenue, shipped["accelerator_revenue"])


def test_mix_by_period_and_china_region():
    mix = {"2024Q1": {H100: 0.5, H20: 0.5}, "2024Q2": {H100: 1.0}}
    prices = {H100: 25_000.0, H20: 12_500.0}
    ds = estimate_shipments(
        "NVIDIA", n_draws=2, seed=0, assumptions=fixed_assumptions(mix=mix, prices=prices)
    )
    assert ds["region"].sel(chip=H20).item() == "China"
    np.testing.assert_allclose(
        ds["units"].sel(chip=H20, quarter="2024-01-01"), 1e9 * 0.5 * 0.5 / 12_500
    )
    np.testing.assert_allclose(ds["units"].sel(chip=H20, quarter="2024-04-01"), 0.0)


def test_revenue_as_dataarray_and_prices_from_file(tmp_path):
    quarters = pd.date_range("2023-01-01", periods=3, freq="QS")
    revenue = xr.DataArray([1e9, 1e9, 1e9], dims="quarter", coords={"quarter": quarters})
    shutil.copy(data_dir() / "shipment_prices.toml", tmp_path / "shipment_prices.toml")
    (tmp_path / "shipment_prices.csv").write_text(
        "chip,vendor,dist,low,high,level,source,source_quality,notes\n"
        f"{H100},NVIDIA,lognormal,20000,20000.000001,0.9,test,estimate,\n"
        f"{A100},NVIDIA,lognormal,10000,10000.000001,0.9,test,estimate,\n"
    )
    ds = estimate_shipments(
        "NVIDIA",
        n_draws=2,
        seed=0,
        assumptions=fixed_assumptions(revenue=revenue, prices=tmp_path / "shipment_prices.csv"),
    )
    assert ds.sizes["quarter"] == 3
    np.testing.assert_allclose(ds["units"].sel(chip=H100), 1e9 * 0.5 * 0.6 / 20_000, rtol=1e-6)


def test_bundled_nvidia_estimate_is_plausible():
    ds = estimate_shipments("NVIDIA", n_draws=400, seed=0)
    calendar = to_calendar_quarters(load("vendor_revenue"))
    revenue = calendar["revenue"].sel(vendor="NVIDIA").dropna("quarter")
    np.testing.assert_array_equal(ds["quarter"].values, revenue["quarter"].values)
    assert np.isfinite(ds["units"].values).all()
    cumulative = ds["h100e"].sum("chip").sel(quarter=slice("2022", "2025")).sum("quarter")
    # Epoch AI's published median for the same scope is 13.7M H100e (5-95%: 11.9-15.5M).
    assert 8e6 < float(cumulative.median()) < 25e6
    china = ds["units"].where(ds["region"] == "China").sum("chip")
    assert float(china.sel(quarter="2025-07-01").max()) == 0.0  # H20 sales stopped in 2025
    assert float(china.sel(quarter="2024-04-01").min()) > 0


def test_all_vendors_and_google_from_broadcom_revenue():
    ds = estimate_shipments(None, n_draws=50, seed=0)
    assert set(ds["vendor"].values) == {"NVIDIA", "AMD", "Google"}
    tpu = ds["units"].where(ds["vendor"] == "Google").sum("chip", min_count=1)
    assert np.isnan(tpu.sel(quarter="2023-07-01")).all()  # before Broadcom's first reported quarter
    # Broadcom's first reported AI quarter (FY2024Q1) starts on 2023-10-30: calendar 2023Q4 is
    # not covered, so the first calendar quarter with TPU shipments is 2024Q1.
    assert np.isnan(tpu.sel(quarter="2023-10-01")).all()
    assert (tpu.sel(quarter="2024-01-01") > 0).all()
    google = estimate_shipments("Google", n_draws=50, seed=0)
    assert str(google["quarter"].values[0])[:10] == "2024-01-01"


def test_assumptions_folder_and_share_by_period(tmp_path):
    shutil.copy(data_dir() / "shipment_prices.toml", tmp_path / "shipment_prices.toml")
    bundled = (data_dir() / "shipment_prices.csv").read_text().splitlines()
    doubled = [bundled[0]] + [
        line.replace(",lognormal,20000,40000,", ",lognormal,40000,80000,") for line in bundled[1:]
    ]
    (tmp_path / "shipment_prices.csv").write_text("\n".join(doubled) + "\n")
    default = estimate_shipments("NVIDIA", n_draws=200, seed=0)
    dearer = estimate_shipments("NVIDIA", n_draws=200, seed=0, assumptions=tmp_path)
    h100 = {"chip": H100, "quarter": "2024-01-01"}
    np.testing.assert_allclose(dearer["units"].sel(**h100), default["units"].sel(**h100) / 2)
    assert "shipment_prices: user" in dearer.attrs["source"]
    shares = {"2024Q1": 0.5, "2024Q2": 0.25}
    ds = estimate_shipments(
        "NVIDIA", n_draws=2, seed=0, assumptions=fixed_assumptions(compute_share=shares)
    )
    np.testing.assert_allclose(ds["accelerator_revenue"].isel(draw=0), [5e8, 5e8])


def test_fiscal_revenue_becomes_calendar_quarters_by_days():
    # NVIDIA FY2025 Q1-Q2 (2024-01-29 to 2024-07-28, 91 days each) at 1e7 USD a day: only
    # calendar 2024Q2 (91 days) is covered in full; 2024Q1 lacks 1-28 January (NaN, not less).
    fiscal = load("vendor_revenue").sel(vendor=["NVIDIA"], fiscal_quarter=["FY2025Q1", "FY2025Q2"])[
        ["period_start", "period_end", "revenue"]
    ]
    fiscal["revenue"][:] = 91 * 1e7
    ds = estimate_shipments(
        "NVIDIA", n_draws=2, seed=0, assumptions=fixed_assumptions(revenue=fiscal)
    )
    assert [str(q)[:10] for q in ds["quarter"].values] == ["2024-04-01"]
    np.testing.assert_allclose(ds["accelerator_revenue"].sel(quarter="2024-04-01"), 91e7 * 0.5)
    assert ds["quarter"].attrs["long_name"] == "Calendar quarter"
