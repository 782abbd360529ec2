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
