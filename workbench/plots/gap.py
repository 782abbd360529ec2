"""Charts of the compute gap: supply against demand, shortfall odds, and the drivers' tornado."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import xarray as xr

from workbench._time import select_year
from workbench.plots.fan import quantile_bands
from workbench.plots.labels import with_units
from workbench.plots.theme import time_axis

__all__ = ["shortfall_chart", "supply_demand_chart", "tornado_chart"]


def supply_demand_chart(gap: xr.Dataset, *, unit: str | None = None, log: bool = True) -> alt.Chart:
    """Supply and demand fans (median, 50% and 90% bands) on one axis."""
    unit = unit or gap.attrs.get("unit", "h100e")
    period = gap.attrs.get("period", "year")
    frames = []
    for side in ("supply", "demand"):
        table = quantile_bands(gap[f"{side}_{unit}"], x=period)
        table["side"] = side
        frames.append(table)
    table = pd.concat(frames, ignore_index=True)
    if log:
        table = table[table["lower"] > 0]
    da = gap[f"supply_{unit}"]
    title = da.attrs.get("long_name", unit).replace("Supply, ", "")
    y_title = with_units(title, da.attrs.get("units"))
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    base = alt.Chart(table)
    x = alt.X(f"{period}:T", title=period, axis=time_axis(period))
    bands = base.mark_area().encode(
        x=x,
        y=alt.Y("lower:Q", scale=scale, title=y_title),
        y2="upper:Q",
        color=alt.Color(
            "side:N", scale=alt.Scale(domain=["supply", "demand"], range=["#1f77b4", "#d62728"])
        ),
        opacity=alt.Opacity(
            "level:N",
            scale=alt.Scale(domain=["50%", "90%"], range=[0.4, 0.15]),
            title="central band",
        ),
    )
    lines = (
        base.transform_filter(alt.datum.level == "90%")
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=alt.Y("median:Q", scale=scale), color="side:N")
    )
    return (bands + lines).properties(
        title=f"Supply against demand: {title}", width=560, height=300
    )


def shortfall_chart(gap: xr.Dataset) -> alt.Chart:
    """Probability that demand exceeds supply, per period."""
    period = gap.attrs.get("period", "year")
    table = gap["shortfall_probability"].to_dataframe().reset_index()
    stamps = pd.DatetimeIndex(table[period])
    # Whole years as integers: Vega would read year strings such as "2026" as dates.
    table[period] = stamps.year if period == "year" else stamps.to_period("Q").astype(str)
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X(f"{period}:O", title=period, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "shortfall_probability:Q",
                title="P(demand > supply)",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "shortfall_probability:Q",
                scale=alt.Scale(scheme="redyellowgreen", reverse=True),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip(f"{period}:T"),
                alt.Tooltip("shortfall_probability:Q", format=".0%"),
            ],
        )
        .properties(title="Probability of a shortfall", width=560, height=220)
    )


def tornado_chart(result: xr.Dataset, *, top: int = 10, **select) -> alt.Chart:
    """Tornado chart of :func:`workbench.gap.drivers`: each input's swing around the median.

    ``select`` picks one value of any extra dimension, e.g. ``year=2030`` (a year in any
    form :func:`workbench._time.to_year` reads: ``2030``, ``"2030-01-01"``, a date).
    """
    year = select.pop("year", None)
    ds = result.sel(select) if select else result
    if year is not None:
        ds = select_year(ds, year)
    # Rank by strength in the selection shown (the result is ranked across all its years).
    order = np.argsort(-np.abs(ds["rank_correlation"].fillna(0).values), kind="stable")
    ds = ds.isel(input=order[:top])
    table = pd.DataFrame(
        {
            "input": ds.input.values,
            "low": ds["low"].values,
            "high": ds["high"].values,
            "rank_correlation": ds["rank_correlation"].values,
            "first_order": ds["first_order"].values,
        }
    )
    median = float(ds["median"])
    order = list(table["input"])
    x_title = with_units(
        result["median"].attrs.get("long_name", "output"), result["low"].attrs.get("units")
    )
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("input:N", sort=order, title=None),
            x=alt.X("low:Q", title=x_title),
            x2="high:Q",
            color=alt.Color(
                "rank_correlation:Q",
                scale=alt.Scale(scheme="redblue", domain=[-1, 1]),
                title="rank corr.",
            ),
            tooltip=[
                "input",
                alt.Tooltip("rank_correlation:Q", format=".2f"),
                alt.Tooltip("first_order:Q", format=".0%", title="variance share"),
                alt.Tooltip("low:Q", format=".3g"),
                alt.Tooltip("high:Q", format=".3g"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"median": [median]})).mark_rule(color="black").encode(x="median:Q")
    )
    return (bars + rule).properties(
        title="What drives the spread (input in its lowest → highest decile)",
        width=520,
        height=max(120, 26 * len(table)),
    )
