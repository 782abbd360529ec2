"""Charts of chip supply: shipments, installed base, forecasts, ceilings, published estimates.

Each builder takes the Dataset a :mod:`workbench.supply` function returns and gives back an
``alt.Chart``; they reshape and summarise draws for display but run no analysis.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import xarray as xr

from workbench._validation import invalid, public
from workbench.plots.fan import fan_chart as _fan_chart
from workbench.plots.labels import axis_title
from workbench.plots.theme import time_axis, time_tooltip

__all__ = [
    "backtest_chart",
    "ceiling_chart",
    "comparison_chart",
    "cumulative_chart",
    "forecast_chart",
    "installed_base_chart",
    "shipments_chart",
]


def fan_chart(da: xr.DataArray, **kwargs) -> alt.Chart:
    """:func:`workbench.plots.fan.fan_chart`, quiet about quarters a vendor does not cover.

    Those quarters are NaN in every draw by design; their quantiles are NaN too, and numpy's
    "All-NaN slice" warning would only clutter a report.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        return _fan_chart(da, **kwargs)


def _grouped(shipments: xr.Dataset, variable: str, by: str | None) -> xr.DataArray:
    if variable not in shipments:
        raise invalid(
            "variable", f"a variable of the dataset {list(shipments.data_vars)}", variable
        )
    da = shipments[variable]
    if "chip" not in da.dims:
        return da
    if by is None:
        summed = da.sum("chip", min_count=1)
    elif by == "chip":
        summed = da
    elif by in shipments.coords:
        summed = da.groupby(by).sum("chip", min_count=1)
    else:
        raise invalid("by", "None, 'chip' or a coordinate along chip", by)
    summed.attrs = dict(da.attrs)
    return summed


@public
def shipments_chart(
    shipments: xr.Dataset,
    *,
    variable: str = "units",
    by: str | None = "region",
    levels: Sequence[float] = (0.5, 0.9),
    log: bool = False,
    title: str | None = None,
) -> alt.Chart:
    """Quarterly shipments: median and central bands across draws, split by ``by``."""
    da = _grouped(shipments, variable, by)
    return fan_chart(
        da, x="quarter", levels=levels, color=by, log=log, title=title or da.attrs.get("long_name")
    )


@public
def cumulative_chart(
    shipments: xr.Dataset,
    *,
    variable: str = "h100e",
    by: str | None = None,
    comparison: xr.Dataset | None = None,
    levels: Sequence[float] = (0.5, 0.9),
    title: str | None = None,
) -> alt.Chart:
    """Cumulative shipments since the first quarter, with published estimates as points.

    ``by`` (e.g. ``"vendor"``) draws one fan per group. ``comparison`` is a
    :func:`workbench.supply.compare_to_published` result: its published figures for the same
    quantity and grouping (per vendor with ``by="vendor"``, else the totals) are drawn at the
    end of their periods with their ranges.
    """
    names = {
        "units": "Cumulative accelerators shipped",
        "h100e": "Cumulative H100-equivalents shipped",
    }
    da = _grouped(shipments, variable, by).fillna(0).cumsum("quarter")
    da.attrs = {
        **shipments[variable].attrs,
        "long_name": names.get(variable, f"Cumulative {variable}"),
    }
    chart = fan_chart(
        da, x="quarter", levels=levels, color=by, title=title or da.attrs["long_name"]
    )
    if comparison is None:
        return chart
    frame = comparison.to_dataframe().reset_index()
    frame = frame[frame["quantity"] == variable]
    single = (
        len({str(v) for v in shipments["vendor"].values}) == 1
        if "vendor" in shipments.coords
        else True
    )
    if by == "vendor":
        frame = frame[~frame["vendors_covered"].str.contains(",")]
        frame = frame.assign(vendor=frame["vendors_covered"])
    elif not single:
        frame = frame[frame["vendors_covered"].str.contains(",")]
    if frame.empty:
        return chart
    frame = frame.assign(
        quarter=pd.to_datetime(frame["last_quarter"]),
        label=frame["publisher"] + ": " + frame["estimate"] + " (" + frame["kind"] + ")",
    )
    encode = {"x": alt.X("quarter:T", axis=time_axis("quarter")), "y": "published_median:Q"}
    if by == "vendor":
        encode["color"] = alt.Color("vendor:N")
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=80, color="black")
        .encode(
            **encode,
            shape=alt.Shape("label:N", title="published"),
            tooltip=[
                "estimate",
                "publisher",
                "period",
                "published_lower",
                "published_median",
                "published_upper",
                "source",
            ],
        )
    )
    bars = (
        alt.Chart(frame.dropna(subset=["published_lower", "published_upper"]))
        .mark_rule(color="black")
        .encode(
            x=alt.X("quarter:T", axis=time_axis("quarter")),
            y="published_lower:Q",
            y2="published_upper:Q",
        )
    )
    return chart + bars + points


@public
def installed_base_chart(
    base: xr.Dataset,
    *,
    variable: str = "flops",
    by: str | None = None,
    levels: Sequence[float] = (0.5, 0.9),
    log: bool = False,
    title: str | None = None,
) -> alt.Chart:
    """Installed base over time (e.g. FLOP/s or MW), optionally split by a breakdown."""
    name = variable if by is None else f"{variable}_by_{by}"
    if name not in base:
        raise invalid(
            "variable",
            f"a variable of the dataset {list(base.data_vars)}",
            name,
        )
    da = base[name]
    return fan_chart(
        da, x="quarter", levels=levels, color=by, log=log, title=title or da.attrs.get("long_name")
    )


def forecast_chart(
    forecast: xr.Dataset, *, title: str | None = None, log: bool = False
) -> alt.Chart:
    """History, point forecast and interval; the capped forecast and ceiling when present.

    ``forecast`` is ``supply.cap_forecast``'s result or a forecast's ``predict()``; a
    forecast results object itself is drawn from its ``predict()``.
    """
    if not isinstance(forecast, xr.Dataset) and callable(getattr(forecast, "predict", None)):
        forecast = forecast.predict()
    dim = next(iter(forecast["observed"].dims))
    frame = (
        forecast.drop_vars([v for v in forecast.data_vars if dim not in forecast[v].dims])
        .to_dataframe()
        .reset_index()
    )
    is_time = np.issubdtype(frame[dim].dtype, np.datetime64)
    axis = time_axis(dim) if is_time else alt.Axis()
    x = alt.X(f"{dim}:{'T' if is_time else 'Q'}", title=dim, axis=axis)
    y_title = axis_title(forecast["observed"])
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    level = forecast.attrs.get("level", 0.9)
    base = alt.Chart(frame)
    observed = base.mark_line(color="black").encode(
        x=x, y=alt.Y("observed:Q", title=y_title, scale=scale)
    )
    band = base.mark_area(opacity=0.25, color="steelblue").encode(x=x, y="lower:Q", y2="upper:Q")
    mean = base.mark_line(color="steelblue", strokeDash=[4, 2]).encode(
        x=x, y="mean:Q", tooltip=[dim, "mean", "lower", "upper"]
    )
    layers = [band, observed, mean]
    if "capped_mean" in frame:
        capped = frame.dropna(subset=["capped_mean"])
        cb = alt.Chart(capped)
        layers += [
            cb.mark_area(opacity=0.3, color="darkorange").encode(
                x=x, y="capped_lower:Q", y2="capped_upper:Q"
            ),
            cb.mark_line(color="darkorange").encode(
                x=x, y="capped_mean:Q", tooltip=[dim, "capped_mean", "ceiling_median", "p_binds"]
            ),
            cb.mark_line(color="firebrick", strokeDash=[2, 2]).encode(x=x, y="ceiling_median:Q"),
            cb.mark_point(color="firebrick", filled=True).encode(
                x=x,
                y="ceiling_median:Q",
                size=alt.Size("p_binds:Q", title="P(cap binds)", scale=alt.Scale(domain=[0, 1])),
            ),
        ]
    method = forecast.attrs.get("method", "")
    heading = (
        title
        or f"{forecast['observed'].attrs.get('long_name', 'series')}: {method} forecast, "
        f"{level:.0%} interval"
    )
    return alt.layer(*layers).properties(title=heading, width=520, height=280)


@public
def backtest_chart(
    scores: xr.Dataset, *, metric: str = "mase", title: str | None = None
) -> alt.Chart:
    """Backtest error per model; for MASE a rule at 1 marks the naive one-step benchmark."""
    if metric not in scores:
        raise invalid("metric", "'mase' or 'mape'", metric)
    frame = scores[[metric]].to_dataframe().reset_index()
    best = scores.attrs.get("best", "")
    frame["chosen"] = frame["model"] == best
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{metric}:Q", title=axis_title(scores[metric])),
            y=alt.Y("model:N", sort="x", title=None),
            color=alt.Color(
                "chosen:N",
                scale=alt.Scale(domain=[True, False], range=["darkorange", "steelblue"]),
                title="lowest MASE model",
            ),
            tooltip=["model", metric],
        )
    )
    heading = title or f"Rolling-origin backtest ({scores.attrs.get('steps', '')}-step horizon)"
    chart = bars
    if metric == "mase":
        chart = bars + alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 2]).encode(
            x="x:Q"
        )
    return chart.properties(title=heading, width=420, height=160)


@public
def ceiling_chart(
    ceiling: xr.Dataset,
    *,
    variable: str = "h100e",
    shipments: xr.Dataset | None = None,
    levels: Sequence[float] = (0.5, 0.9),
    title: str | None = None,
) -> alt.Chart:
    """The manufacturing ceiling per quarter, with estimated shipments (median) as points."""
    chart = fan_chart(
        ceiling[variable],
        x="quarter",
        levels=levels,
        title=title or ceiling[variable].attrs.get("long_name"),
    )
    if shipments is None:
        return chart
    shipped = _grouped(shipments, variable, None).median("draw")
    frame = shipped.rename("shipped").to_dataframe().reset_index().dropna(subset=["shipped"])
    points = (
        alt.Chart(frame)
        .mark_point(color="black", filled=True)
        .encode(
            x=alt.X("quarter:T", axis=time_axis("quarter")),
            y="shipped:Q",
            tooltip=[time_tooltip("quarter"), "shipped:Q"],
        )
    )
    return chart + points


def comparison_chart(comparison: xr.Dataset, *, title: str | None = None) -> alt.Chart:
    """Workbench against published cumulative estimates, one row per estimate."""
    frame = comparison.to_dataframe().reset_index()
    ours = frame.assign(
        who="workbench",
        low=frame["ours_lower"],
        mid=frame["ours_median"],
        high=frame["ours_upper"],
    )
    theirs = frame.assign(
        who=frame["publisher"],
        low=frame["published_lower"],
        mid=frame["published_median"],
        high=frame["published_upper"],
    )
    tidy = pd.concat([ours, theirs], ignore_index=True)
    tidy["row"] = (
        tidy["estimate"]
        + " ("
        + tidy["quantity"]
        + ", "
        + tidy["period"]
        + ", workbench covers "
        + (100 * tidy["coverage"]).round().astype(int).astype(str)
        + "% of it)"
    )
    base = alt.Chart(tidy)
    y = alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=420))
    offset = alt.YOffset("who:N")
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title="cumulative count"), x2="high:Q", y=y, yOffset=offset, color="who:N"
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="mid:Q",
        y=y,
        yOffset=offset,
        color=alt.Color("who:N", title=None),
        shape=alt.Shape("kind:N", title="published as"),
        tooltip=["estimate", "who", "low", "mid", "high", "coverage", "vendors_covered", "source"],
    )
    return (rules + points).properties(
        title=title or "Cumulative shipments: workbench vs published", width=480, height=220
    )
