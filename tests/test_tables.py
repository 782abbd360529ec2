"""Reader tables: numbers formatted once, intervals, counts, quarters, units and sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.tables import count, interval, percent, quarter_label, reader_table, si


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (399_000_000, "399 M"),
        (1.3e12, "1.3 T"),
        (2.547469e10, "25.5 B"),
        (10.465736, "10.5"),
        (0.000123, "0.000123"),
        (-450_000_000, "-450 M"),
        (2.5e25, "2.5 × 10²⁵"),
        (float("nan"), "–"),
    ],
)
def test_si_multipliers(value, text):
    assert si(value) == text


def test_interval_percent_count_quarter():
    assert interval(399e6, 208e6, 827e6) == "399 M (208–827 M)"
    assert interval(2e9, 800e6, 3e9) == "2 B (800 M–3 B)"
    assert interval(2.0, 2.0, 2.0) == "2", "an exact value needs no interval"
    assert percent(0.1234) == "12%" and percent(0.0052) == "0.52%"
    assert count(12345.0) == "12,345"
    assert quarter_label("2024-04-01") == "2024 Q2"


def test_reader_table_from_draws_with_units_quarters_and_sources(rng):
    quarters = pd.date_range("2024-01-01", periods=3, freq="QS")
    ds = xr.Dataset(
        {
            "power": (("quarter", "draw"), rng.lognormal(np.log(4e2), 0.1, (3, 500))),
            "units": ("quarter", np.array([1200.0, 3400.0, 5600.0])),
            "china_share": ("quarter", np.array([0.1, 0.12, 0.15])),
            "source": ("quarter", ["A report", "A report", "B filing"]),
        },
        coords={"quarter": quarters},
    )
    ds["power"].attrs = {"long_name": "Power", "units": "MW"}
    ds["units"].attrs = {"long_name": "Accelerators", "units": "1"}
    ds["china_share"].attrs = {"long_name": "China's share", "units": "1"}
    table = reader_table(ds)
    frame = table.to_frame()
    assert list(frame.index) == ["2024 Q1", "2024 Q2", "2024 Q3"]
    assert list(frame.columns) == ["Power [MW]", "Accelerators", "China's share [%]", "source"]
    assert frame.iloc[0, 1] == "1,200" and frame.iloc[2, 2] == "15%"
    assert frame.iloc[0, 0].count("(") == 1 and "–" in frame.iloc[0, 0]
    assert list(frame["source"]) == ["[1]", "[1]", "[2]"]
    assert table.sources == ["A report", "B filing"]
    page = table._repr_html_()
    assert "B filing" in page and "e+" not in page and "0.000000" not in page


def test_reader_table_from_quantiles_needs_the_interval_bounds():
    years = pd.date_range("2026", periods=2, freq="YS")
    da = xr.DataArray(
        [[1e9, 2e9], [2e9, 4e9], [3e9, 8e9]],
        dims=("quantile", "year"),
        coords={"quantile": [0.05, 0.5, 0.95], "year": years},
        name="h100e",
        attrs={"long_name": "Installed base", "units": "H100e"},
    )
    frame = reader_table(da).to_frame()
    assert list(frame.index) == ["2026", "2027"]
    assert frame.iloc[1, 0] == "4 B (2–8 B)"
    assert list(frame.columns) == ["Installed base [H100e]"]
    with pytest.raises(ParameterError, match="level"):
        reader_table(da, level=0.5)
    latest = reader_table(da.isel(year=-1)).to_frame()
    assert list(latest.index) == ["2027"], "one row is named by the instant selected"


def test_large_counts_get_a_multiplier():
    ds = xr.Dataset({"n": ("k", np.array([15_993_218.0, 1200.0]))}, coords={"k": ["a", "b"]})
    ds["n"].attrs = {"long_name": "Accelerators", "units": "1"}
    assert list(reader_table(ds).to_frame()["Accelerators"]) == ["16 M", "1,200"]


def test_lower_and_upper_variables_become_one_interval_column():
    ds = xr.Dataset(
        {
            "growth": ("series", [12.7, 2.0]),
            "growth_lower": ("series", [10.1, 2.0]),
            "growth_upper": ("series", [15.3, 2.0]),
            "doubling": ("series", [5.31, 18.0]),
        },
        coords={"series": ["trend", "Moore"], "budget": ("series", [1e21, 1e24])},
    )
    ds["growth"].attrs = {"long_name": "Growth multiplier", "units": "1"}
    ds["doubling"].attrs = {"long_name": "Doubling time", "units": "month"}
    frame = reader_table(ds).to_frame()
    assert list(frame.columns) == ["Growth multiplier", "Doubling time [month]"]
    assert frame.loc["trend", "Growth multiplier"] == "12.7 (10.1–15.3)"
    budgets = reader_table(ds.swap_dims(series="budget")[["doubling"]]).to_frame()
    assert list(budgets.index) == ["1 × 10²¹", "1 × 10²⁴"]


def test_a_dimension_across_columns_ratios_and_rescaled_units():
    years = pd.date_range("2026", periods=2, freq="YS")
    q = [0.05, 0.5, 0.95]
    base = np.array([[1.0, 2.0, 4.0], [2.0, 4.0, 8.0]])
    ds = xr.Dataset(
        {
            "power": (("cooling", "year", "quantile"), np.stack([base, base / 2]) * 1e3),
            "ratio": (("year", "quantile"), base / 4),
            "saved": ("year", [500.0, 1500.0]),
        },
        coords={"cooling": ["air", "liquid"], "year": years, "quantile": q},
    )
    ds["power"].attrs = {"long_name": "Facility power", "units": "MW"}
    ds["ratio"].attrs = {"long_name": "Supply / demand", "units": "1"}
    ds["saved"].attrs = {"long_name": "Power saved", "units": "MW"}
    table = reader_table(ds, across="cooling", units={"power": "GW", "saved": "GW"})
    frame = table.to_frame()
    assert list(frame.columns) == [
        ("Facility power [GW]", "air"),
        ("Facility power [GW]", "liquid"),
        ("Supply / demand", ""),
        ("Power saved [GW]", ""),
    ]
    assert frame.loc["2026", ("Facility power [GW]", "air")] == "2 (1–4)"
    assert frame.loc["2027", ("Facility power [GW]", "liquid")] == "2 (1–4)"
    assert frame.loc["2026", ("Supply / demand", "")] == "0.5× (0.25–1×)"
    assert frame.loc["2027", ("Power saved [GW]", "")] == "1.5"
    with pytest.raises(ParameterError, match="'units' parameter"):
        reader_table(ds, units={"power": "TWh"})
    with pytest.raises(ParameterError, match="'formats' parameter"):
        reader_table(ds, formats={"power": "fancy"})


def test_medians_with_bounds_years_as_years_and_bare_names_as_words():
    ds = xr.Dataset(
        {
            "year": ("estimate", [np.nan, 2030.0]),
            "vendors_covered": ("estimate", ["AMD, NVIDIA", "NVIDIA"]),
            "ours_lower": ("estimate", [1e6, 2e6]),
            "ours_median": ("estimate", [2e6, 3e6]),
            "ours_upper": ("estimate", [3e6, 5e6]),
            "p_binds": ("estimate", [0.25, 1.0]),
        },
        coords={"estimate": ["a", "b"]},
    )
    ds["ours_median"].attrs = {"long_name": "Outlook", "units": "1"}
    frame = reader_table(ds).to_frame()
    assert list(frame.columns) == ["Year", "Vendors covered", "Outlook", "P binds [%]"]
    assert list(frame["Year"]) == ["–", "2030"], "a year is never written '2,030'"
    assert list(frame["Outlook"]) == ["2 M (1–3 M)", "3 M (2–5 M)"]


def test_a_fit_is_a_table_of_its_estimates_with_notes_and_source(rng):
    from workbench import scaling

    dates = pd.date_range("2015-01-01", periods=30, freq="90D")
    years = np.arange(30) * 90 / 365.25
    y = xr.DataArray(
        10 ** (20 + 0.5 * years + rng.normal(0, 0.05, 30)),
        dims="model",
        name="training_compute",
        attrs={"units": "FLOP", "long_name": "Training compute", "source": "a table"},
    )
    fit = scaling.fit_trend(y, xr.DataArray(dates, dims="model"))
    table = reader_table(fit)
    frame = table.to_frame()
    assert table.caption == "Exponential trend of Training compute"
    assert list(frame.columns) == ["Estimate (90% interval)"]
    assert "growth per year (x)" in frame.index
    cell = frame.loc["growth per year (x)"].iloc[0]
    assert cell.startswith("3.1") and "(" in cell, cell
    assert table.notes[0].startswith("points: 30 from 2015-01-01")
    assert "points: 30" in table._repr_html_()
    with pytest.raises(ParameterError, match="'data' parameter"):
        reader_table(object())


def test_tables_in_chinese_translate_headers_cases_and_notes():
    from workbench import i18n

    ds = xr.Dataset(
        {"ratio": (("distribution", "year"), [[0.5, 1.0], [0.4, 0.8]])},
        coords={"distribution": ["prior", "posterior"], "year": [2026, 2030]},
    )
    ds["ratio"].attrs = {"long_name": "Supply / demand (h100e)", "units": "1"}
    i18n.set_language("zh")
    try:
        table = reader_table(
            ds,
            across="distribution",
            notes=["segment intervals are conditional on the chosen break dates"],
        )
        frame = table.to_frame()
    finally:
        i18n.set_language("en")
    assert list(frame.columns) == [
        ("供给 / 需求（h100e）", "先验"),
        ("供给 / 需求（h100e）", "后验"),
    ]
    assert frame.iloc[0, 0] == "0.5 倍"
    assert table.notes == ["各分段的区间以所选断点日期为条件"]


def test_backtest_and_published_tables_describe_bare_variables():
    from workbench.tables import backtest_scores_table, published_table

    scores = xr.Dataset(
        {
            name: ("target", values)
            for name, values in {
                "coverage_50": [0.5, 0.25],
                "coverage_90": [1.0, 0.9],
                "crps": [0.1, 0.2],
                "naive_coverage_50": [0.1, 0.0],
                "naive_coverage_90": [0.2, 0.3],
                "naive_crps": [0.4, 0.5],
                "crps_skill": [0.75, 0.6],
                "n": [6, 12],
            }.items()
        },
        coords={"target": ["all", "installed_h100e"]},
    )
    frame = backtest_scores_table(scores).to_frame()
    assert list(frame.index) == ["All targets", "Installed base (H100e, from revenue)"]
    assert frame.loc["All targets", "Coverage of the 50% interval [%]"] == "50%"
    assert frame.loc["All targets", "CRPS skill against the naive trend [%]"] == "75%"
    assert frame.loc["All targets", "Observations scored"] == "6"
    assert "long_name" not in scores["coverage_50"].attrs, "the input is left as it is"
    published = xr.Dataset(
        {
            "publisher": ("estimate", ["IEA"]),
            "year": ("estimate", [2030.0]),
            "units": ("estimate", ["TWh"]),
            "published_median": ("estimate", [945.0], {"long_name": "Published median"}),
            "ours_lower": ("estimate", [385.0]),
            "ours_median": ("estimate", [1910.0], {"long_name": "Outlook, median"}),
            "ours_upper": ("estimate", [6800.0]),
            "ratio": ("estimate", [2.02], {"units": "1", "long_name": "Outlook / published"}),
            "ratio_lower": ("estimate", [0.41]),
            "ratio_upper": ("estimate", [7.2]),
            "scope": ("estimate", ["all data centres"]),
            "source": ("estimate", ["IEA (2025)"]),
        },
        coords={"estimate": ["iea-2030"]},
    )
    table = published_table(published)
    row = table.to_frame().iloc[0]
    assert row["Publisher"] == "IEA" and row["Year the figure refers to"] == "2030"
    assert row["Outlook"] == "1.91 k (385–6.8 k)" and row["Outlook / published"] == "2× (0.41–7.2×)"
    assert table.sources == ["IEA (2025)"]
    assert published["ours_median"].attrs["long_name"] == "Outlook, median", "input untouched"
