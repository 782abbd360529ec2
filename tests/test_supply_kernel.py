"""Issue 16 in supply: one vocabulary, provenance merged from the inputs, messages by name."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest
import xarray as xr
from supply_cases import fixed_assumptions
from test_supply_installed_base import hand_built

from workbench import supply
from workbench.data import dataset_path, load
from workbench.errors import DataError, ParameterError
from workbench.supply import compare_to_published, estimate_shipments, installed_base


def test_none_means_every_vendor_and_all_still_works_with_a_warning():
    every = estimate_shipments(None, n_draws=20, seed=0)
    assert set(every["vendor"].values) == {"NVIDIA", "AMD", "Google"}
    with pytest.warns(DeprecationWarning, match="vendor=None"):
        old = estimate_shipments("all", n_draws=20, seed=0)
    xr.testing.assert_identical(old, every)


def test_the_deprecation_warning_points_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate_shipments("all", n_draws=5, seed=0)
        installed_base(hand_built([1, 2]), pue="air")
    assert [w.filename for w in caught] == [__file__, __file__]


def test_cooling_names_the_pue_choice_and_pue_still_works_with_a_warning():
    shipped = hand_built([10, 20, 30])
    liquid = installed_base(shipped, lifetime_years=5, cooling="liquid", seed=3)
    with pytest.warns(DeprecationWarning, match=r"'pue' parameter of supply\.installed_base"):
        old = installed_base(shipped, lifetime_years=5, pue="liquid", seed=3)
    xr.testing.assert_identical(old, liquid)
    # The bundled liquid-cooling PUE is 1.08-1.2.
    assert 1.08 <= float(liquid["pue"].min()) and float(liquid["pue"].max()) <= 1.2
    with pytest.raises(ParameterError, match=r"'pue' parameter of supply\.installed_base"):
        installed_base(shipped, cooling="air", pue="liquid")


def test_regions_are_declared_once_and_label_the_region_coordinate():
    every = estimate_shipments(None, n_draws=5, seed=0)
    assert isinstance(supply.REGIONS, tuple)
    assert set(every["region"].values) == set(supply.REGIONS)


def test_user_values_do_not_inherit_the_bundled_licence():
    # Every entry replaced by plain numbers except the bundled accelerators table: the result
    # cannot claim the bundled tables' CC-BY-4.0 for the user's revenue, shares, mix and prices.
    ds = estimate_shipments("NVIDIA", n_draws=3, seed=0, assumptions=fixed_assumptions())
    assert "unknown" in ds.attrs["license"].split("; ")
    assert "user-supplied data" in ds.attrs["source"]
    bundled = estimate_shipments("NVIDIA", n_draws=3, seed=0)
    assert bundled.attrs["license"] == "CC-BY-4.0"
    assert bundled.attrs["as_of"] == max(
        load(n).attrs["as_of"]
        for n in ("vendor_revenue", "compute_share", "shipment_mix", "shipment_prices")
    )


def test_installed_base_keeps_an_unknown_licence_unknown():
    shipped = hand_built([10, 20, 30])
    del shipped.attrs["license"]
    base = installed_base(shipped, lifetime_years=5, cooling=1.2, server_overhead=1.3)
    assert base.attrs["license"] == "unknown"
    # With numbers for both multipliers the facility_power table is not an input.
    assert "facility_power" not in base.attrs["source"]
    preset = installed_base(shipped, lifetime_years=5)
    assert preset.attrs["license"] == "unknown; CC-BY-4.0"
    assert "facility_power" in preset.attrs["source"]


def test_compare_to_published_keeps_an_unknown_licence_unknown():
    shipments = estimate_shipments("NVIDIA", n_draws=20, seed=0)
    del shipments.attrs["license"]
    assert compare_to_published(shipments).attrs["license"] == "unknown; CC-BY-4.0"


def test_installed_base_refuses_power_in_megawatts_rather_than_dividing_again():
    shipped = hand_built([10, 20, 30])
    shipped["power"] = shipped["power"] / 1e6
    shipped["power"].attrs["units"] = "MW"
    with pytest.raises(ParameterError, match=r"'shipments' parameter of supply\.installed_base"):
        installed_base(shipped)


def test_messages_name_the_public_function_without_owner():
    with pytest.raises(ParameterError, match=r"'n_draws' parameter of supply\.estimate_shipments"):
        estimate_shipments(n_draws=0)
    with pytest.raises(ParameterError, match=r"'vendor'.*did you mean 'NVIDIA'"):
        estimate_shipments("NVIDA", n_draws=5)
    with pytest.raises(ParameterError, match=r"'level' parameter of supply\.compare_to_published"):
        compare_to_published(estimate_shipments(n_draws=5), level=1.5)
    assert np.isfinite(estimate_shipments(n_draws=5)["units"].sum())


def test_a_quarter_outside_what_datetime64_holds_is_refused_not_wrapped_around():
    # np.datetime64("2300-01-01", "ns") is 1715-06-13: the quarter must be refused, by the
    # data layer's rule for quarter cells.
    revenue = {"2300Q1": 1e9, "2300Q2": 2e9}
    with pytest.raises(ParameterError, match=r"quarters in the years 1678 to 2261; got '2300Q1'"):
        estimate_shipments(assumptions=fixed_assumptions(revenue=revenue), n_draws=5)


def test_an_empty_level_cell_means_the_default_level_not_nan():
    table = load("compute_share")
    nvidia = estimate_shipments("NVIDIA", n_draws=200, seed=0)
    blank = table.copy()
    blank["level"] = blank["level"].where(blank["vendor"] != "NVIDIA")
    assert blank["level"].isnull().any()
    refilled = estimate_shipments(
        "NVIDIA", n_draws=200, seed=0, assumptions={"compute_share": blank}
    )
    assert np.isfinite(refilled["accelerator_revenue"]).any()
    xr.testing.assert_allclose(refilled["units"], nvidia["units"])
    with pytest.raises(ParameterError, match=r"compute_share.*\(0, 1\); got 90"):
        estimate_shipments(
            "NVIDIA",
            n_draws=5,
            assumptions={"compute_share": table.assign(level=table.level * 100)},
        )


def test_a_replacement_csv_without_toml_is_read_with_the_bundled_schema(tmp_path):
    bundled = dataset_path("shipment_prices").read_text()
    # Prices doubled, written without a TOML: the bundled table's columns and key apply.
    header, *rows = bundled.splitlines()
    lines = [header]
    for row in csv.reader(rows):
        row[3], row[4] = str(2 * float(row[3])), str(2 * float(row[4]))
        lines.append(",".join(f'"{cell}"' for cell in row))
    (tmp_path / "shipment_prices.csv").write_text("\n".join(lines) + "\n")
    default = estimate_shipments("NVIDIA", n_draws=200, seed=0)
    dearer = estimate_shipments("NVIDIA", n_draws=200, seed=0, assumptions=tmp_path)
    np.testing.assert_allclose(dearer["units"].sum("chip"), default["units"].sum("chip") / 2)
    # The user's file claims no licence; the bundled table's does not extend to it.
    assert "unknown" in dearer.attrs["license"].split("; ")
    assert "user table shipment_prices.csv" in dearer.attrs["source"]
    # A bad cell is reported by the data layer: file, line, column and value.
    lines[2] = lines[2].replace(lines[2].split(",")[3], '"cheap"', 1)
    (tmp_path / "shipment_prices.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"shipment_prices.csv.*line 3.*low"):
        estimate_shipments("NVIDIA", n_draws=5, assumptions=tmp_path)


def test_the_missing_tdp_warning_points_at_the_caller():
    from workbench import supply

    shipments = supply.estimate_shipments("Google", n_draws=50, seed=0)  # TPUs: no TDP at all
    with pytest.warns(UserWarning, match="no published TDP") as caught:
        supply.installed_base(shipments)
    assert [w.filename for w in caught if "TDP" in str(w.message)] == [__file__]
