"""Axes and legends, defined once (workbench.plots.theme), checked on generated charts."""

from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc
import xarray as xr

import workbench.plots  # noqa: F401  (enables the theme)
from workbench import data
from workbench.plots import data as data_charts
from workbench.plots.fan import fan_chart
from workbench.plots.theme import NUMBER_FORMAT, THEME, decade_legend, log_axis

_LABEL = re.compile(r">([^<]{1,16})</text>")
_LONG_NUMBER = re.compile(r"\d{1,3}(,\d{3}){2,}")  # "10,000,000,000"


def labels(chart: alt.TopLevelMixin) -> list[str]:
    return _LABEL.findall(vlc.vegalite_to_svg(chart.to_json()))


def test_the_theme_is_active_with_si_ticks_on_quantitative_axes():
    assert alt.theme.active == THEME
    config = fan_chart(yearly(1e10), x="year").to_dict()["config"]
    assert config["axisQuantitative"]["format"] == NUMBER_FORMAT == "~s"


def yearly(scale: float, sign: float = 1.0) -> xr.DataArray:
    years = pd.date_range("2026", periods=5, freq="YS")
    draws = np.random.default_rng(1).lognormal(0, 0.3, (5, 300)) * scale * sign
    return xr.DataArray(
        draws, dims=("year", "draw"), coords={"year": years}, attrs={"units": "W", "long_name": "P"}
    )


def test_themed_specs_are_valid_vega_lite():
    """JupyterChart re-validates each spec; an invalid theme key fails every chart in JupyterLab."""
    models = data.load("models")
    for chart in (fan_chart(yearly(1e10), x="year"), data_charts.training_compute_chart(models)):
        alt.Chart.from_dict(chart.to_dict())


def test_large_values_read_with_si_prefixes_not_digit_groups():
    # Issue 13: axes read "10,000,000,000" and "−450,000,000".
    for chart in (fan_chart(yearly(1e10), x="year"), fan_chart(yearly(4.5e8, -1), x="year")):
        shown = labels(chart)
        assert not [t for t in shown if _LONG_NUMBER.search(t) or "e+" in t], shown
        assert any(re.fullmatch(r"−?\d+(\.\d+)?[kMG]", t) for t in shown), shown


def test_year_axes_show_years_only():
    shown = labels(fan_chart(yearly(1.0), x="year"))
    assert {"2026", "2027", "2028", "2029", "2030"} <= set(shown)
    assert not {"April", "July", "October"} & set(shown), shown


def test_log_axes_are_labelled_at_decades():
    models = data.load("models")
    shown = labels(data_charts.training_compute_chart(models, color="domain"))
    decades = [t for t in shown if re.fullmatch("10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", t)]
    assert len(decades) >= 5 and "10¹⁸" in decades, shown
    assert not [t for t in shown if "e+" in t], "no 1e+18 labels"
    spec = log_axis().to_dict()
    assert "labelExpr" in spec and "format" not in spec


def test_continuous_colour_gets_a_gradient_legend():
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [1, 2, 3], "c": [1e18, 1e20, 1e22]})
    chart = (
        alt.Chart(frame)
        .mark_point()
        .encode(
            x="x",
            y="y",
            color=alt.Color("c:Q", scale=alt.Scale(type="log"), legend=decade_legend()),
        )
    )
    svg = vlc.vegalite_to_svg(chart.to_json())
    assert "linearGradient" in svg, "a gradient, not ~30 entries"
    assert "10²⁰" in svg or "10¹⁸" in svg


def _values(spec, key):
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(spec, list):
        for item in spec:
            yield from _values(item, key)


def test_quarterly_and_dated_axes_are_labelled_by_year_and_tooltips_name_the_quarter():
    import warnings

    from workbench import supply
    from workbench.plots import supply as supply_charts
    from workbench.plots.theme import time_axis, time_tooltip

    for dim in ("year", "quarter", "date"):
        assert time_axis(dim).to_dict()["format"] == "%Y"
    assert time_tooltip("quarter").to_dict()["format"] == "%Y Q%q"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shipments = supply.estimate_shipments("NVIDIA", n_draws=50, seed=0)
        spec = supply_charts.shipments_chart(shipments, by="region").to_dict()
    axes = [a for a in _values(spec, "axis") if isinstance(a, dict)]
    assert axes and all(a.get("format") == "%Y" for a in axes)
    tips = [t for group in _values(spec, "tooltip") for t in group]
    assert {"field": "quarter", "format": "%Y Q%q", "type": "temporal"} in tips
