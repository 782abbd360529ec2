"""Charts of the bundled tables: models' training compute, accelerators, revenue, tokens."""

from __future__ import annotations

import altair as alt
import pandas as pd
import xarray as xr

from workbench.plots.labels import axis_title
from workbench.plots.theme import log_axis

__all__ = [
    "accelerator_chart",
    "revenue_chart",
    "token_volume_chart",
    "training_compute_chart",
]


def training_compute_chart(models: xr.Dataset, *, color: str = "domain") -> alt.Chart:
    """Training compute of each model against its publication date, on a log axis."""
    table = (
        models[["publication_date", "training_compute", "organization", color]]
        .to_dataframe()
        .reset_index()
        .dropna(subset=["training_compute"])
    )
    return (
        alt.Chart(table)
        .mark_circle(size=55, opacity=0.75)
        .encode(
            x=alt.X("publication_date:T", title="Publication date"),
            y=alt.Y(
                "training_compute:Q",
                scale=alt.Scale(type="log"),
                axis=log_axis(),
                title=axis_title(models.training_compute),
            ),
            color=alt.Color(f"{color}:N", title=color.replace("_", " ")),
            tooltip=[
                "model",
                "organization",
                "publication_date:T",
                alt.Tooltip("training_compute:Q", format=".2e"),
            ],
        )
        .properties(title="Training compute of notable AI models", width=560, height=320)
    )


def accelerator_chart(
    accelerators: xr.Dataset, variable: str = "peak_flops", *, precision: str = "bf16"
) -> alt.Chart:
    """One accelerator property (default: dense bf16 peak) against release date, log axis."""
    da = accelerators[variable]
    if "precision" in da.dims:
        da = da.sel(precision=precision)
    title = axis_title(accelerators[variable])
    if "precision" in accelerators[variable].dims:
        title = f"{title}, {precision} precision"
    table = (
        xr.Dataset(
            {"value": da, "release_date": accelerators.release_date, "vendor": accelerators.vendor}
        )
        .to_dataframe()
        .reset_index()
        .dropna(subset=["value"])
    )
    return (
        alt.Chart(table)
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("release_date:T", title="Release date"),
            y=alt.Y("value:Q", scale=alt.Scale(type="log"), axis=log_axis(), title=title),
            color=alt.Color("vendor:N"),
            tooltip=["chip", "vendor", "release_date:T", alt.Tooltip("value:Q", format=".3e")],
        )
        .properties(title=title, width=420, height=280)
    )


def revenue_chart(vendor_revenue: xr.Dataset) -> alt.Chart:
    """Data-centre / AI revenue by vendor per fiscal quarter, as reported, at each quarter's end."""
    table = (
        vendor_revenue[["revenue", "period_end"]]
        .to_dataframe()
        .reset_index()
        .dropna(subset=["revenue"])
    )
    table["revenue_busd"] = table["revenue"] / 1e9
    return (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(
            x=alt.X("period_end:T", title="End of fiscal quarter"),
            y=alt.Y("revenue_busd:Q", title="Revenue per fiscal quarter [billion USD]"),
            color="vendor:N",
            tooltip=[
                "vendor",
                "fiscal_quarter",
                "period_end:T",
                alt.Tooltip("revenue_busd:Q", format=".1f"),
            ],
        )
        .properties(title="Data-centre / AI revenue per fiscal quarter", width=560, height=280)
    )


def token_volume_chart(token_volume: xr.Dataset) -> alt.Chart:
    """Stated tokens per month by provider against the date the figure refers to, log axis."""
    table = pd.DataFrame(
        {
            "refers_to": token_volume.refers_to.values,
            "tokens_per_month": token_volume.tokens_per_month.values,
            "provider": token_volume.provider.values,
            "scope": token_volume.scope.values,
        }
    )
    return (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(
            x=alt.X("refers_to:T", title="Date the figure refers to"),
            y=alt.Y(
                "tokens_per_month:Q",
                scale=alt.Scale(type="log"),
                axis=log_axis(),
                title=axis_title(token_volume.tokens_per_month),
            ),
            color="provider:N",
            detail="scope:N",
            tooltip=[
                "provider",
                "scope",
                "refers_to:T",
                alt.Tooltip("tokens_per_month:Q", format=".2e"),
            ],
        )
        .properties(
            title="Tokens processed per month, as stated by providers", width=560, height=280
        )
    )
