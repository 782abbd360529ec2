"""Manufacturing ceiling, capped forecasts, and the published comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.data import load
from workbench.errors import ParameterError
from workbench.supply import (
    cap_forecast,
    capacity_ceiling,
    compare_to_published,
    estimate_shipments,
    forecast,
)

B200 = "NVIDIA B200 (HGX)"


def packaging_table(
    wafers=(30_000.0, 30_000.0), hbm=(1e18, 1e18), dies=(16.0, 16.0), yields=(0.9, 0.9)
):
    quarters = pd.date_range("2026-01-01", periods=2, freq="QS")
    cols = {"wafers": wafers, "dies_per_wafer": dies, "yield": yields, "hbm": hbm}
    data = {}
    for name, (lo, hi) in cols.items():
        data[f"{name}_low"] = ("quarter", [lo, lo])
        data[f"{name}_high"] = ("quarter", [hi, hi])
    data["reference_chip"] = ("quarter", np.array([B200, B200], dtype=object))
    return xr.Dataset(data, coords={"quarter": quarters}, attrs={"as_of": "2026-11-25"})


def test_fixed_inputs_give_hand_checked_ceiling():
    memory = float(load("accelerators")["memory"].sel(chip=B200))  # 180 GB
    table = packaging_table(hbm=(1e17, 1e17))
    c = capacity_ceiling(
        vendor="NVIDIA", n_draws=3, assumptions={"packaging": table, "allocation": {"NVIDIA": 0.5}}
    )
    # 30,000 wafers x 16 packages x 0.9 yield x 0.5 share = 216,000 packages;
    # 1e17 bytes of HBM x 0.5 / 180e9 bytes = 277,778 packages: packaging binds.
    np.testing.assert_allclose(c["packaging_units"], 216_000.0)
    np.testing.assert_allclose(c["hbm_units"], 1e17 * 0.5 / memory)
    np.testing.assert_allclose(c["units"], 216_000.0)
    np.testing.assert_allclose(c["h100e"], 216_000.0 * 2.25e15 / 9.894e14)
    np.testing.assert_array_equal(c["p_hbm_binds"], [0.0, 0.0])
    tight = capacity_ceiling(
        n_draws=2, assumptions={"packaging": packaging_table(hbm=(1e16, 1e16))}
    )
    np.testing.assert_allclose(tight["units"], 1e16 / memory)
    np.testing.assert_array_equal(tight["p_hbm_binds"], [1.0, 1.0])


def test_ceiling_uncertainty_widens_and_is_seeded():
    narrow = capacity_ceiling(
        n_draws=2000, seed=1, assumptions={"packaging": packaging_table(wafers=(28_000, 32_000))}
    )
    wide = capacity_ceiling(
        n_draws=2000, seed=1, assumptions={"packaging": packaging_table(wafers=(15_000, 60_000))}
    )
    width = lambda c: np.ptp(np.quantile(c["packaging_units"].isel(quarter=0), [0.05, 0.95]))  # noqa: E731
    assert width(wide) > 5 * width(narrow)
    xr.testing.assert_identical(
        capacity_ceiling(n_draws=100, seed=4), capacity_ceiling(n_draws=100, seed=4)
    )


def test_bundled_ceiling_grows_and_carries_provenance():
    c = capacity_ceiling(vendor="NVIDIA", n_draws=500, seed=0)
    median = c["units"].median("draw")
    assert median.isel(quarter=-1) > 5 * median.isel(quarter=0)
    assert c["units"].dims == ("quarter", "draw")
    for key in ("source", "license", "as_of"):
        assert c.attrs[key]
    assert c["hbm_supply"].attrs["units"] == "byte"


def quarterly_forecast(level=0.9):
    quarters = pd.date_range("2023-01-01", periods=12, freq="QS")
    series = xr.DataArray(
        1e5 * 1.2 ** np.arange(12),
        dims="quarter",
        coords={"quarter": quarters},
        name="units",
        attrs={"units": "1", "long_name": "Accelerators shipped"},
    )
    return forecast(series, steps=8, method="loglinear", level=level)


def test_cap_binds_when_ceiling_is_low_and_not_when_high():
    fc = quarterly_forecast()
    low = capacity_ceiling(
        n_draws=1000, assumptions={"packaging": packaging_table(wafers=(10.0, 10.0))}
    )
    high = capacity_ceiling(
        n_draws=1000, assumptions={"packaging": packaging_table(wafers=(1e9, 1e9))}
    )
    capped = cap_forecast(fc, low)
    t = pd.Timestamp("2026-01-01")
    assert float(capped["p_binds"].sel(quarter=t)) == 1.0
    np.testing.assert_allclose(capped["capped_mean"].sel(quarter=t), 10 * 16 * 0.9)
    free = cap_forecast(fc, high)
    assert float(free["p_binds"].sel(quarter=t)) == 0.0
    assert float(free["capped_mean"].sel(quarter=t)) == pytest.approx(
        float(fc.predict()["mean"].sel(quarter=t)), rel=0.05
    )
    # Quarters beyond the ceiling table stay uncapped (NaN), not zero.
    assert np.isnan(free["capped_mean"].sel(quarter="2027-01-01")).all()
    with pytest.raises(ParameterError, match=r"'variable' parameter of supply\.cap_forecast"):
        cap_forecast(fc, high, variable="flops")


def test_published_comparison_lines_up_scopes():
    shipments = estimate_shipments(None, n_draws=300, seed=0)
    cmp = compare_to_published(shipments)
    nvidia = cmp.sel(estimate="epoch-nvidia-2026-03")
    assert nvidia["vendors_covered"].item() == "NVIDIA"
    assert nvidia["coverage"].item() == 1.0
    assert 0.6 < nvidia["ratio"].item() < 1.6
    assert (
        cmp.sel(estimate="epoch-global-2026-01")["vendors_covered"].item() == "AMD, Google, NVIDIA"
    )
    # Epoch's TPU total spans 2023Q1-2025Q4; Broadcom's AI revenue covers calendar 2024Q1 on
    # (its first reported quarter, FY2024Q1, starts on 2023-10-30): 8 of 12 quarters.
    assert cmp.sel(estimate="epoch-tpu-2026-03")["coverage"].item() == pytest.approx(8 / 12)
    assert cmp["ours_lower"].attrs["units"] == "1"
    only_amd = compare_to_published(estimate_shipments("AMD", n_draws=50, seed=0))
    assert np.isnan(only_amd.sel(estimate="epoch-nvidia-2026-03")["ours_median"].item())


def test_ceiling_bad_inputs():
    with pytest.raises(ParameterError, match=r"'vendor' parameter of supply\.capacity_ceiling"):
        capacity_ceiling(vendor="Cerebras")
    with pytest.raises(ParameterError, match=r"'assumptions' parameter of supply\.capacity_ceil"):
        capacity_ceiling(assumptions={"wafers": 1})
    bad = packaging_table()
    bad["reference_chip"][:] = "NVIDIA H999"
    with pytest.raises(ParameterError, match=r"accelerators table.*'NVIDIA H999'"):
        capacity_ceiling(assumptions={"packaging": bad})


# --- the grid-power ceiling --------------------------------------------------------------


def test_power_ceiling_spreads_each_year_over_its_quarters():
    import xarray as xr

    from workbench.supply import power_ceiling

    table = xr.Dataset(
        {"low": ("year", [3990.0]), "high": ("year", [4010.0]), "level": ("year", [0.9])},
        coords={"year": [2027]},
        attrs={"license": "CC0-1.0", "as_of": "2026-01-01"},
    )
    p = power_ceiling(n_draws=500, seed=1, ai_share=0.5, table=table)
    assert p.power.dims == ("quarter", "draw") and p.sizes["quarter"] == 4
    assert p.power.values == pytest.approx(4000 / 4 * 0.5, rel=0.01)
    assert p.power.attrs["units"] == "MW"
    assert (p.facility_multiplier >= 1.3 * 1.1).all() and (p.facility_multiplier <= 1.8 * 1.5).all()
    assert p.attrs["random_streams"] == "supply.power_ceiling@1"
    # Provenance is the grid table's and the facility presets' (merged, never invented): the
    # facility_power table's licence was dropped before.
    facility = load("facility_power").attrs
    assert p.attrs["license"] == f"CC0-1.0; {facility['license']}"
    assert p.attrs["as_of"] == max("2026-01-01", facility["as_of"][:10])
    assert p.attrs["source"].startswith("workbench.supply.power_ceiling (AI share")
    unlabeled = power_ceiling(n_draws=10, table=table.drop_attrs())
    assert "unknown" in unlabeled.attrs["license"]
    with pytest.raises(ParameterError, match=r"'ai_share' parameter of supply\.power_ceiling"):
        power_ceiling(n_draws=10, ai_share=2.0)


def test_projected_shipments_fit_in_the_grid_power():
    from workbench.supply import power_ceiling, project_shipments

    shipments = estimate_shipments(None, n_draws=300, seed=0)
    grid = power_ceiling(n_draws=300, seed=0)
    projected = project_shipments(shipments, end=2029, power_ceiling=grid)
    future = projected.where(projected.projected, drop=True)
    covered = future.quarter.isin(grid.quarter)
    facility_mw = (future.power * grid.facility_multiplier / 1e6).where(covered, drop=True)
    last = projected.where(~projected.projected, drop=True).isel(quarter=-1)
    connected = last.power * grid.facility_multiplier / 1e6
    rebase = np.maximum(connected / grid.power.sel(quarter=last.quarter), 1.0)
    allowed = np.maximum(grid.power.sel(quarter=facility_mw.quarter) * rebase, connected)
    assert (facility_mw <= allowed * (1 + 1e-9)).all()
    assert float(projected.power_capped_share.max()) > 0  # the grid binds somewhere
    assert "supply.power_ceiling@0" in projected.attrs["random_streams"]


def test_the_grid_ceiling_never_falls_below_the_pace_already_connected():
    # The bundled ceiling's 2025 room for AI (median ~9 GW) is below what the revenue-based
    # estimates connected in 2025 (~11 GW) in about two thirds of draws: a ceiling the
    # observed history broke must not cut the next quarter below that history's pace.
    import xarray as xr

    from workbench.supply import power_ceiling, project_shipments

    shipments = estimate_shipments(None, n_draws=200, seed=0)
    tiny = xr.Dataset(
        {"low": ("year", [1.0, 1.0]), "high": ("year", [2.0, 2.0]), "level": ("year", [0.9, 0.9])},
        coords={"year": [2026, 2027]},
        attrs={"license": "CC0-1.0", "as_of": "2026-01-01"},
    )
    grid = power_ceiling(n_draws=200, seed=0, table=tiny)
    free = project_shipments(shipments, end=2027)
    capped = project_shipments(shipments, end=2027, power_ceiling=grid)
    pace = free.where(~free.projected, drop=True).isel(quarter=-1).power  # W at TDP, per draw
    future = capped.where(capped.projected, drop=True)
    unconstrained = free.where(free.projected, drop=True).power
    # The table's path is re-based on that pace; its growth (none here, the same interval
    # both years) kept: no quarter is cut below the last observed quarter's pace.
    expected = np.minimum(unconstrained, pace)
    np.testing.assert_allclose(future.power, expected, rtol=1e-6)
    assert float(capped.power_capped_share.max()) > 0


def test_a_grid_table_the_present_broke_is_rebased_with_its_growth_kept():
    # A table whose 2026 room is below what the last estimated quarter (2026Q2) connected, and
    # which doubles in 2027: the 2027 room is twice the observed pace, not the table's own.
    import xarray as xr

    from workbench.supply import power_ceiling, project_shipments

    shipments = estimate_shipments(None, n_draws=200, seed=0)
    table = xr.Dataset(
        {
            "low": ("year", [99.0, 198.0]),
            "high": ("year", [101.0, 202.0]),
            "level": ("year", [0.9, 0.9]),
        },
        coords={"year": [2026, 2027]},
        attrs={"license": "CC0-1.0", "as_of": "2026-01-01"},
    )
    grid = power_ceiling(n_draws=200, seed=0, table=table)
    free = project_shipments(shipments, end=2027)
    capped = project_shipments(shipments, end=2027, power_ceiling=grid)
    last = free.where(~free.projected, drop=True).isel(quarter=-1)
    assert str(last.quarter.values)[:10] == "2026-04-01"
    pace = last.power  # W at TDP per quarter, per draw
    in_2027 = capped.power.sel(quarter=slice("2027-01-01", "2027-10-01"))
    expected = np.minimum(free.power.sel(quarter=in_2027.quarter), 2.0 * pace)
    np.testing.assert_allclose(in_2027, expected, rtol=0.03)
    assert bool((in_2027 > 1.5 * pace).any())  # more room than the floor alone gives
