"""Fan charts: the median of a quantity over time with nested quantile bands across draws."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import xarray as xr

from workbench._validation import invalid, public
from workbench.plots.labels import with_units
from workbench.plots.theme import time_axis, time_tooltip

__all__ = ["fan_chart", "quantile_bands"]


@public
def quantile_bands(
    da: xr.DataArray,
    *,
    x: str,
    levels: Sequence[float] = (0.5, 0.9),
    dim: str = "draw",
    color: str | None = None,
) -> pd.DataFrame:
    """Tidy table of central bands: one row per ``x`` (and ``color``) and band level.

    Columns: ``x``, optional ``color``, ``level``, ``lower``, ``median``, ``upper``. Accepts
    draws along ``dim``, or ready-made quantiles along a ``quantile`` dimension, which must
    then hold each band's bounds (and the median) exactly.

    Raises
    ------
    ParameterError
        When ready-made quantiles lack a band's bounds, e.g. the 50% band of (0.05, 0.5, 0.95).
    """
    if dim in da.dims:
        probs = sorted({0.5, *(0.5 - lv / 2 for lv in levels), *(0.5 + lv / 2 for lv in levels)})
        chunked = da.chunk({dim: -1}) if da.chunks is not None else da
        q = chunked.quantile(probs, dim=dim).compute()
    elif "quantile" in da.dims:
        q = da
    else:
        raise invalid("da", f"a '{dim}' or 'quantile' dim", da.dims)
    rows = []
    available = [float(v) for v in q["quantile"].values]
    for level in levels:

        def at(p, level=level):
            # Exact quantiles only: "nearest" would pass off other bounds as this band's.
            match = np.flatnonzero(np.isclose(available, p, rtol=0, atol=1e-9))
            if match.size == 0:
                raise invalid(
                    "levels",
                    f"bands whose bounds are among the data's quantiles {available} "
                    f"(the {level:.0%} band needs {0.5 - level / 2:g} and {0.5 + level / 2:g})",
                    tuple(levels),
                )
            return q.isel(quantile=int(match[0])).drop_vars("quantile")

        bounds = xr.Dataset(
            {"lower": at(0.5 - level / 2), "median": at(0.5), "upper": at(0.5 + level / 2)}
        )
        frame = bounds.to_dataframe().reset_index()
        frame["level"] = f"{level:.0%}"
        rows.append(frame)
    table = pd.concat(rows, ignore_index=True)
    keep = [x, *([color] if color else []), "level", "lower", "median", "upper"]
    missing = [c for c in keep if c not in table.columns]
    if missing:
        raise invalid("x", "a dimension of the data", missing)
    return table[keep]


def fan_chart(
    da: xr.DataArray,
    *,
    x: str,
    levels: Sequence[float] = (0.5, 0.9),
    dim: str = "draw",
    color: str | None = None,
    log: bool = False,
    title: str | None = None,
    width: int = 520,
    height: int = 280,
) -> alt.Chart:
    """Median line with shaded central bands (e.g. 50% and 90%) of ``da`` against ``x``.

    The y axis is labelled from the variable's ``long_name`` and ``units``.
    """
    table = quantile_bands(da, x=x, levels=levels, dim=dim, color=color)
    label = da.attrs.get("long_name", da.name or "value")
    y_title = with_units(label, da.attrs.get("units"))
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    if log:
        table = table[(table["lower"] > 0) & np.isfinite(table["lower"])]
    if np.issubdtype(table[x].dtype, np.datetime64):
        x_enc = alt.X(f"{x}:T", title=x, axis=time_axis(x))
    else:
        x_enc = alt.X(f"{x}:Q", title=x)
    base = alt.Chart(table)
    opacity = alt.Opacity(
        "level:N",
        scale=alt.Scale(
            domain=[f"{lv:.0%}" for lv in sorted(levels)],
            range=list(np.linspace(0.45, 0.2, len(levels))),
        ),
        title="central band",
    )
    band_enc = {
        "x": x_enc,
        "y": alt.Y("lower:Q", scale=scale, title=y_title),
        "y2": "upper:Q",
        "opacity": opacity,
    }
    when = time_tooltip(x) if x_enc.shorthand.endswith(":T") else alt.Tooltip(f"{x}:Q")
    tips = [when, alt.Tooltip("median:Q", title=f"median {y_title}", format="~s")]
    line_enc = {"x": x_enc, "y": alt.Y("median:Q", scale=scale, title=y_title), "tooltip": tips}
    if color:
        band_enc["color"] = alt.Color(f"{color}:N")
        line_enc["color"] = alt.Color(f"{color}:N")
        tips.insert(0, alt.Tooltip(f"{color}:N"))
    bands = base.mark_area().encode(**band_enc)
    median = (
        base.transform_filter(alt.datum.level == f"{max(levels):.0%}")
        .mark_line()
        .encode(**line_enc)
    )
    return (bands + median).properties(title=title or label, width=width, height=height)
