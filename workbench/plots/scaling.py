"""Charts of scaling trends and loss laws.

Each builder takes the Dataset a :mod:`workbench.scaling` result's ``to_dataset()`` (or
``compute_optimal()``, ``growth_comparison()``) returns and gives back an ``alt.Chart``;
they reshape for display and run no analysis.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import xarray as xr

from workbench._validation import invalid, public
from workbench.plots.labels import axis_title
from workbench.plots.theme import decade_legend, log_axis, time_axis, time_tooltip

__all__ = [
    "compute_optimal_chart",
    "growth_comparison_chart",
    "loss_law_chart",
    "trend_chart",
]

_TREND_NEEDS = ("trend", "trend_lower", "trend_upper", "observed", "observed_time")
_BANDS = {"trend": "trend", "observation": "observation"}


def _require(ds: xr.Dataset, names, what: str) -> None:
    missing = [n for n in names if n not in ds]
    if missing:
        raise invalid("ds", what, f"a dataset lacking {missing}")


@public
def trend_chart(
    trends: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    band: str = "trend",
    title: str | None = None,
    width: int = 560,
    height: int = 320,
) -> alt.Chart:
    """Points, fitted exponential trend and its band on a log axis.

    Parameters
    ----------
    trends
        A ``TrendFit.to_dataset()``, or a mapping of series name to such datasets (drawn in
        one chart, one colour each, e.g. all notable models and the frontier).
    band
        ``"trend"``: the interval of the fitted line; ``"observation"``: where new points
        are expected.
    title
        Chart title; default the variable's long name.
    """
    if band not in _BANDS:
        raise invalid("band", "'trend' or 'observation'", band)
    series = {"trend": trends} if isinstance(trends, xr.Dataset) else dict(trends)
    if not series:
        raise invalid("trends", "at least one dataset", trends)
    points, lines = [], []
    for name, ds in series.items():
        _require(ds, _TREND_NEEDS, "a TrendFit.to_dataset()")
        dim = ds["observed"].dims[0]
        frame = pd.DataFrame(
            {
                "date": pd.to_datetime(ds["observed_time"].values),
                "value": ds["observed"].values,
                "label": [str(v) for v in ds[dim].values],
                "series": name,
            }
        )
        points.append(frame)
        lines.append(
            pd.DataFrame(
                {
                    "date": pd.to_datetime(ds["time"].values),
                    "trend": ds["trend"].values,
                    "lower": ds[f"{band}_lower"].values,
                    "upper": ds[f"{band}_upper"].values,
                    "series": name,
                    "doubling": f"{float(ds['doubling_time_months']):.1f} months",
                }
            )
        )
    first = next(iter(series.values()))
    y_title = axis_title(first["observed"], str(first.attrs.get("variable", "value")))
    level = first[f"{band}_lower"].attrs.get("level")
    band_note = f"{level:.0%} band of the {band}" if level else band
    scale = alt.Scale(type="log")
    colour = alt.Color("series:N", title=None)
    x = alt.X("date:T", title="Date", axis=time_axis("date"))
    band_layer = (
        alt.Chart(pd.concat(lines, ignore_index=True))
        .mark_area(opacity=0.2)
        .encode(x=x, y=alt.Y("lower:Q", scale=scale, title=y_title), y2="upper:Q", color=colour)
    )
    line_layer = (
        alt.Chart(pd.concat(lines, ignore_index=True))
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("trend:Q", scale=scale),
            color=colour,
            tooltip=["series:N", alt.Tooltip("doubling:N", title="doubling time")],
        )
    )
    point_layer = (
        alt.Chart(pd.concat(points, ignore_index=True))
        .mark_circle(size=40, opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("value:Q", scale=scale),
            color=colour,
            tooltip=["label:N", time_tooltip("date"), alt.Tooltip("value:Q", format=".3g")],
        )
    )
    return (band_layer + line_layer + point_layer).properties(
        title=alt.TitleParams(
            title or first["observed"].attrs.get("long_name", "Trend"), subtitle=band_note
        ),
        width=width,
        height=height,
    )


@public
def growth_comparison_chart(
    comparison: xr.Dataset, *, title: str | None = None, width: int = 480
) -> alt.Chart:
    """Growth multipliers over a span (trend with its interval, Moore's-law references).

    Takes ``workbench.scaling.growth_comparison(...)``; bars on a log axis with the trend's
    interval as an error bar.
    """
    _require(
        comparison,
        ("growth", "growth_lower", "growth_upper"),
        "a growth_comparison() dataset",
    )
    frame = comparison[["growth", "growth_lower", "growth_upper"]].to_dataframe().reset_index()
    frame["label"] = frame["growth"].map(lambda g: f"x{g:.3g}")
    months = comparison.attrs.get("months", "")
    y = alt.Y("series:N", title=None, sort=None)
    x_title = comparison["growth"].attrs.get("long_name", "Growth multiplier")
    # Bars grow from x1 (no growth): a log axis has no zero to start from.
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.7)
        .encode(
            x=alt.X("growth:Q", scale=alt.Scale(type="log", domainMin=1), title=x_title),
            x2=alt.datum(1),
            y=y,
        )
    )
    errors = alt.Chart(frame).mark_rule().encode(x="growth_lower:Q", x2="growth_upper:Q", y=y)
    labels = (
        alt.Chart(frame).mark_text(align="left", dx=4).encode(x="growth_upper:Q", y=y, text="label")
    )
    default = f"Growth over {months:g} months" if months else "Growth"
    return (bars + errors + labels).properties(title=title or default, width=width)


@public
def loss_law_chart(
    fit: xr.Dataset,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    width: int = 560,
    height: int = 320,
) -> alt.Chart:
    """Observed final losses and the fitted law, against parameter count, per compute budget.

    Takes ``LossLawFit.to_dataset()``; runs are grouped by their compute ``6 N D`` (rounded
    to two significant figures) so each IsoFLOP profile shows as one coloured curve.
    ``subtitle`` says what the runs are (the runs' ``title``: "Synthetic training runs").
    """
    _require(fit, ("params", "tokens", "loss", "fitted_loss"), "a LossLawFit dataset")
    compute = 6.0 * fit["params"].values * fit["tokens"].values
    rounded = np.array([float(f"{c:.2g}") for c in compute])
    frame = pd.DataFrame(
        {
            "params": fit["params"].values,
            "loss": fit["loss"].values,
            "fitted": fit["fitted_loss"].values,
            "budget": [f"{c:.1e} FLOP" for c in rounded],
            "budget_value": rounded,
        }
    ).sort_values(["budget_value", "params"])
    colour = alt.Color(
        "budget_value:Q",
        title="Compute 6ND [FLOP]",
        scale=alt.Scale(type="log", scheme="viridis"),
        legend=decade_legend(),
    )
    x = alt.X("params:Q", scale=alt.Scale(type="log"), title="Parameters", axis=log_axis())
    y_title = axis_title(fit["loss"], "Loss")
    points = (
        alt.Chart(frame)
        .mark_circle(size=30, opacity=0.7)
        .encode(x=x, y=alt.Y("loss:Q", scale=alt.Scale(zero=False), title=y_title), color=colour)
    )
    curves = alt.Chart(frame).mark_line().encode(x=x, y="fitted:Q", color=colour, detail="budget:N")
    return (points + curves).properties(
        title=alt.TitleParams(
            title or "Loss law fit: observed (points) and fitted (lines)", subtitle=subtitle or ""
        ),
        width=width,
        height=height,
    )


@public
def compute_optimal_chart(
    allocation: xr.Dataset,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    width: int = 560,
    height: int = 320,
) -> alt.Chart:
    """Compute-optimal parameters and tokens against budget, log-log, with bands if present.

    Takes ``LossLawFit.compute_optimal(C)`` (or ``IsoFLOPFit.predict(C)``); ``subtitle`` says
    what the runs are, before the band's level.
    """
    _require(allocation, ("params", "tokens"), "an allocation dataset")
    frames = []
    for name, label in (("params", "Parameters N"), ("tokens", "Training tokens D")):
        frame = pd.DataFrame(
            {
                "budget": allocation["budget"].values,
                "value": allocation[name].values,
                "lower": allocation[f"{name}_lower"].values
                if f"{name}_lower" in allocation
                else np.nan,
                "upper": allocation[f"{name}_upper"].values
                if f"{name}_upper" in allocation
                else np.nan,
                "quantity": label,
            }
        )
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    log = alt.Scale(type="log")
    x = alt.X(
        "budget:Q",
        scale=log,
        title=axis_title(allocation["budget"], "Budget"),
        axis=log_axis(),
    )
    colour = alt.Color("quantity:N", title=None)
    line = (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q", scale=log, title="Compute-optimal count", axis=alt.Axis(format="~s")
            ),
            color=colour,
            tooltip=[
                "quantity:N",
                alt.Tooltip("budget:Q", format=".2e"),
                alt.Tooltip("value:Q", format=".3g"),
            ],
        )
    )
    layers = line
    if table["lower"].notna().any():
        level = allocation["params_lower"].attrs.get("level")
        band = (
            alt.Chart(table.dropna(subset=["lower", "upper"]))
            .mark_area(opacity=0.2)
            .encode(x=x, y=alt.Y("lower:Q", scale=log), y2="upper:Q", color=colour)
        )
        layers = band + line
        band_note = f"band: {level:.0%} bootstrap interval" if level else ""
    else:
        band_note = ""
    lines = [text for text in (subtitle, band_note) if text]
    return layers.properties(
        title=alt.TitleParams(title or "Compute-optimal allocation (C = 6ND)", subtitle=lines),
        width=width,
        height=height,
    )
