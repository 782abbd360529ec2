"""Gap charts render offline (vl-convert) with readable axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import vl_convert as vlc
import xarray as xr

from workbench.gap import compute_gap, drivers
from workbench.plots.fan import fan_chart
from workbench.plots.gap import shortfall_chart, supply_demand_chart, tornado_chart


def small_gap(rng):
    n = 300
    quarters = pd.date_range("2026", periods=12, freq="QS")
    years = pd.date_range("2026", periods=3, freq="YS")
    growth = xr.DataArray(rng.lognormal(0.5, 0.2, n), dims="draw")
    supply = xr.Dataset(
        {
            "h100e": 1e6
            * growth
            ** xr.DataArray(np.arange(12) / 4, dims="quarter", coords={"quarter": quarters})
        }
    )
    demand_growth = xr.DataArray(rng.lognormal(0.6, 0.3, n), dims="draw")
    demand = xr.Dataset(
        {
            "h100e": 1.1e6
            * demand_growth ** xr.DataArray(np.arange(3), dims="year", coords={"year": years})
        }
    )
    supply.attrs["seed"], demand.attrs["seed"] = 1, 2
    gap = compute_gap(supply, demand)
    inputs = {
        "supply": xr.Dataset({"growth": growth}),
        "demand": xr.Dataset({"growth": demand_growth}),
    }
    return gap, drivers(gap.surplus, inputs)


def test_gap_charts_render_with_year_labels(rng):
    gap, explained = small_gap(rng)
    shortfall = vlc.vegalite_to_svg(shortfall_chart(gap).to_json())
    assert "2027" in shortfall and "1798761600000" not in shortfall  # years, not epoch ms
    fans = vlc.vegalite_to_svg(supply_demand_chart(gap).to_json())
    assert "supply" in fans and "demand" in fans
    tornado = vlc.vegalite_to_svg(tornado_chart(explained, year="2028-01-01").to_json())
    assert "demand: growth" in tornado and "supply: growth" in tornado


def test_fan_chart_labels_units_from_attrs(rng):
    years = pd.date_range("2026", periods=4, freq="YS")
    da = xr.DataArray(
        rng.lognormal(0, 1, (4, 200)),
        dims=("year", "draw"),
        coords={"year": years},
        attrs={"units": "MW", "long_name": "Power"},
    )
    svg = vlc.vegalite_to_svg(fan_chart(da, x="year").to_json())
    assert "Power [MW]" in svg


def test_tornado_axis_title_comes_from_the_one_rule(rng, monkeypatch):
    """Issue 16: plots/gap.py held its own copy of the 'long_name [units]' rule."""
    import workbench.plots.gap as gap_plots

    calls = []

    def spy(label, units):
        calls.append((label, units))
        return f"<{label}|{units}>"

    monkeypatch.setattr(gap_plots, "with_units", spy)
    _, result = small_gap(rng)
    spec = tornado_chart(result, year="2028-01-01").to_json()
    assert calls, "the tornado chart's axis title goes through workbench.plots.labels"
    assert f"<{calls[-1][0]}|" in spec


def test_tornado_takes_a_year_in_any_form(rng):
    _, result = small_gap(rng)
    dated = tornado_chart(result, year="2028-01-01").to_dict()
    for year in (2028, "2028", np.datetime64("2028-01-01")):
        assert tornado_chart(result, year=year).to_dict()["datasets"] == dated["datasets"]
