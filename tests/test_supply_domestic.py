"""Chinese domestic accelerators (Huawei Ascend) added to the revenue-based supply estimate."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data import load
from workbench.errors import ParameterError
from workbench.gap.questions import china_vs_world
from workbench.supply import (
    domestic_china_shipments,
    estimate_shipments,
    installed_base,
    with_domestic_china,
)


def test_domestic_draws_follow_the_table_and_are_chinese():
    table = load("china_domestic_shipments")
    ds = domestic_china_shipments(n_draws=4000, seed=3)
    assert ds.units.dims == ("quarter", "chip", "draw")
    assert set(ds.region.values) == {"China"}
    assert set(ds.vendor.values) == {"Huawei", "Cambricon"}
    assert set(ds.attrs["chips"].split(", ")) == {
        "Huawei Ascend 910B",
        "Huawei Ascend 910C",
        "Cambricon Siyuan 590 (MLU590)",
    }
    yearly = ds.units.groupby("quarter.year").sum()
    for chip in ds.chip.values:
        for year in table.year.values:
            low = table.low.sel(chip=chip, year=year).item()
            if np.isnan(low):  # no row: the chip counts none that year
                assert float(abs(yearly.sel(chip=chip, year=year)).max()) == 0
                continue
            high = table.high.sel(chip=chip, year=year).item()
            q05, q95 = np.quantile(yearly.sel(chip=chip, year=year), [0.05, 0.95])
            # The 90% interval of a year's units is the table's interval.
            assert q05 == pytest.approx(low, rel=0.08) and q95 == pytest.approx(high, rel=0.08)
    per_unit = (ds.h100e / ds.units).sel(chip="Huawei Ascend 910C", quarter="2025-04-01")
    assert 0.75 * 0.95 < float(per_unit.median()) < 0.81 * 1.05
    assert np.isnan(ds.power).all()  # no TDP published: unknown, not zero
    again = domestic_china_shipments(n_draws=4000, seed=3)
    np.testing.assert_array_equal(again.units.values, ds.units.values)


def test_china_share_includes_huawei_and_names_it():
    shipments = estimate_shipments(None, n_draws=200, seed=0)
    combined = with_domestic_china(shipments)
    assert "Huawei" in combined.attrs["vendors"] and "Cambricon" in combined.attrs["vendors"]
    assert "Cambricon Siyuan 590 (MLU590)" in combined.attrs["chips_china_domestic"]
    assert combined.attrs["china_domestic_from"] == "2024Q1"
    before = china_vs_world(installed_base(shipments, breakdown="region"))
    after = china_vs_world(installed_base(combined, breakdown="region"))
    assert "Huawei" in after.attrs["coverage"] and "Cambricon" in after.attrs["coverage"]
    quarter = {"quarter": "2026-01-01"}
    # Adding chips only China makes raises China's share at every quantile.
    assert (after.china_share.sel(**quarter) > before.china_share.sel(**quarter)).all()
    # Revenue-based chips are unchanged by the addition.
    np.testing.assert_array_equal(
        combined.h100e.sel(chip=shipments.chip.values).values, shipments.h100e.values
    )


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ParameterError, match="n_draws"):
        domestic_china_shipments(n_draws=0)
    shipments = estimate_shipments("NVIDIA", n_draws=20, seed=0)
    with pytest.raises(ParameterError, match="domestic"):
        with_domestic_china(shipments, domestic_china_shipments(n_draws=10))
