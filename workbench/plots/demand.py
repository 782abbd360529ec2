"""Charts of inference and training demand: rooflines, demand fans, training against inference.

Each builder takes a Dataset from :mod:`workbench.demand` (``decode_throughput`` or
``simulate``) and returns an ``alt.Chart``; none computes a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import xarray as xr

from workbench._validation import invalid, public
from workbench.plots.fan import fan_chart
from workbench.plots.labels import axis_title

__all__ = ["WORKLOADS", "demand_fans", "roofline_chart", "workload_chart"]

WORKLOADS = ("inference_h100e", "training_h100e", "other_h100e")


@public
def roofline_chart(
    throughput: xr.Dataset,
    *,
    x: str = "batch",
    y: str = "tokens_per_second_per_chip",
    color: str = "chip",
    width: int = 520,
    height: int = 300,
) -> alt.Chart:
    """Throughput against ``x`` (e.g. the batch) for each chip, on log axes.

    ``throughput`` is a :func:`workbench.demand.decode_throughput` (or prefill) result with
    dimensions ``x`` and ``color``; filled points mark where the memory-bandwidth roofline
    binds, hollow ones the compute roofline.
    """
    for name, dims in ((y, (x, color)), ("bound", (x, color))):
        if name not in throughput or not set(dims) <= set(throughput[name].dims):
            raise invalid(
                "throughput",
                f"a Dataset with {name!r} along {dims}",
                {k: v.dims for k, v in throughput.data_vars.items()},
            )
    if x not in throughput.coords:
        raise invalid(
            "throughput",
            f"a coordinate on {x!r} (give the DataArray coords={{{x!r}: values}})",
            "a dimension without coordinate values",
        )
    table = xr.Dataset({y: throughput[y], "bound": throughput["bound"]}).to_dataframe()
    table = table.reset_index()[[x, color, y, "bound"]]
    encoding = {
        "x": alt.X(f"{x}:Q", scale=alt.Scale(type="log"), title=axis_title(throughput[x]) or x),
        "y": alt.Y(f"{y}:Q", scale=alt.Scale(type="log"), title=axis_title(throughput[y])),
        "color": alt.Color(f"{color}:N", title=color),
    }
    lines = alt.Chart(table).mark_line().encode(**encoding)
    points = (
        alt.Chart(table)
        .mark_point(size=45)
        .encode(
            **encoding,
            fill=alt.condition(
                alt.datum.bound == "memory", alt.Fill(f"{color}:N", legend=None), alt.value("white")
            ),
            shape=alt.Shape("bound:N", title="roofline"),
            tooltip=[color, x, alt.Tooltip(f"{y}:Q", format=".3g"), "bound"],
        )
    )
    title = throughput.attrs.get("title", "Roofline throughput")
    return (lines + points).properties(title=title, width=width, height=height)


@public
def demand_fans(
    result: xr.Dataset,
    variables: Sequence[str] = ("tokens_per_second", "accelerators", "power"),
    *,
    levels: Sequence[float] = (0.5, 0.9),
    log: bool = True,
    width: int = 520,
    height: int = 240,
) -> alt.VConcatChart:
    """Fan charts (median, ``levels`` central bands) of simulated demand, one per variable.

    A variable with a ``chip`` dimension gets one fan per chip, with the narrowest band only.
    """
    charts = []
    for name in variables:
        if name not in result:
            raise invalid("variables", "variables of the result", name)
        da = result[name]
        color = next((d for d in da.dims if d not in ("draw", "year")), None)
        # Several overlapping fans stay legible with their narrowest band only.
        shown = levels if color is None else (min(levels),)
        charts.append(
            fan_chart(da, x="year", levels=shown, color=color, log=log, width=width, height=height)
        )
    return alt.vconcat(*charts)


@public
def workload_chart(
    result: xr.Dataset,
    *,
    variables: Sequence[str] | None = None,
    levels: Sequence[float] = (0.5, 0.9),
    log: bool = True,
    width: int = 520,
    height: int = 280,
) -> alt.Chart:
    """Demand by workload on one axis: a fan for each of inference, training and other AI.

    ``variables`` default: ``inference_h100e``, ``training_h100e`` and, where the result has
    it, ``other_h100e``.
    """
    if variables is None:
        variables = [v for v in WORKLOADS if v in result]
    parts = [result[name] for name in variables]
    labels = [da.attrs.get("workload", da.name) for da in parts]
    stacked = xr.concat(parts, dim=pd.Index(labels, name="workload"))
    units = parts[0].attrs.get("units", "")
    if any(da.attrs.get("units", "") != units for da in parts):
        raise invalid("variables", "variables in the same units", variables)
    # The shared part of the names: "H100-equivalents to install for inference" -> "...install".
    label = parts[0].attrs.get("long_name", "demand").split(" for ")[0]
    stacked.attrs = {"long_name": label, "units": units}
    return fan_chart(
        stacked,
        x="year",
        levels=levels,
        color="workload",
        log=log,
        title="Demand by workload",
        width=width,
        height=height,
    )
