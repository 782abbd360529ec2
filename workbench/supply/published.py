"""The workbench's cumulative shipments against independent published estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge
from workbench._validation import check_level, invalid, public
from workbench.data import load, load_table

__all__ = ["compare_to_published"]

QUANTITIES = {"units": "units", "h100e": "h100e"}


@public
def compare_to_published(
    shipments: xr.Dataset,
    *,
    estimates: xr.Dataset | str | Path | None = None,
    level: float = 0.9,
) -> xr.Dataset:
    """Cumulative estimated shipments over each published estimate's scope and period.

    Parameters
    ----------
    shipments
        A :func:`~workbench.supply.estimate_shipments` result (with ``vendor`` along ``chip``).
    estimates
        A table like the bundled ``published_estimates`` (Dataset or CSV path); default the
        bundled one.
    level
        Probability of the workbench's central interval.

    Returns
    -------
    xr.Dataset
        Along ``estimate``: the published ``published_low``, ``published_median``,
        ``published_high``; the workbench's ``estimate_lower``, ``estimate_median``,
        ``estimate_upper`` over the same vendors and quarters; ``ratio`` (workbench median
        over published median); ``coverage`` (share of the period's quarters the workbench
        estimates); ``vendors_covered``, ``first_quarter``, ``last_quarter``.
    """
    if not isinstance(shipments, xr.Dataset) or "vendor" not in shipments.coords:
        raise invalid(
            "shipments",
            "a Dataset from estimate_shipments (vendor along chip)",
            type(shipments).__name__,
        )
    level = check_level(level)
    if estimates is None:
        table = load("published_estimates")
    elif isinstance(estimates, xr.Dataset):
        table = estimates
    else:
        table = load_table(estimates)
    ours_vendors = sorted({str(v) for v in shipments["vendor"].values})
    probs = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    rows = []
    for name in table["estimate"].values:
        row = table.sel(estimate=name)
        quantity = str(row["quantity"].item())
        if quantity not in QUANTITIES:
            raise invalid("estimates", "quantities 'units' or 'h100e'", (name, quantity))
        vendor = str(row["vendor"].item())
        scope = ours_vendors if vendor == "all" else [v for v in ours_vendors if v == vendor]
        first, last = row["first_quarter"].values, row["last_quarter"].values
        period = pd.date_range(first, last, freq="QS")
        values = np.full(3, np.nan)
        coverage = 0.0
        if scope:
            var = shipments[QUANTITIES[quantity]].where(shipments["vendor"].isin(scope), drop=True)
            var = var.sel(quarter=slice(first, last)).sum("chip", min_count=1)
            covered = var.notnull().all("draw")
            coverage = float(covered.sum()) / len(period)
            if coverage > 0:
                values = np.quantile(var.where(covered, drop=True).sum("quarter").values, probs)
        rows.append(
            {
                "estimate": str(name),
                "published_low": float(row["low"]),
                "published_median": float(row["median"]),
                "published_high": float(row["high"]),
                "estimate_lower": values[0],
                "estimate_median": values[1],
                "estimate_upper": values[2],
                "coverage": coverage,
                "vendors_covered": ", ".join(scope),
                "quantity": quantity,
                "kind": str(row["kind"].item()),
                "publisher": str(row["publisher"].item()),
                "period": f"{pd.Timestamp(first).year}Q{pd.Timestamp(first).quarter}-"
                f"{pd.Timestamp(last).year}Q{pd.Timestamp(last).quarter}",
                "first_quarter": pd.Timestamp(first),
                "last_quarter": pd.Timestamp(last),
                "source": str(row["source"].item()),
            }
        )
    frame = pd.DataFrame(rows).set_index("estimate")
    frame["ratio"] = frame["estimate_median"] / frame["published_median"]
    ds = xr.Dataset.from_dataframe(frame)
    for var in (
        "published_low",
        "published_median",
        "published_high",
        "estimate_lower",
        "estimate_median",
        "estimate_upper",
    ):
        ds[var].attrs = {"units": "1", "long_name": var.replace("_", " ").capitalize()}
    ds["ratio"].attrs = {"units": "1", "long_name": "Workbench median / published median"}
    ds["coverage"].attrs = {
        "units": "1",
        "long_name": "Share of the period the workbench estimates",
    }
    ds.attrs = {
        "title": "Cumulative shipments: workbench against published estimates",
        **merge(shipments, table, method="workbench.supply.compare_to_published"),
        "level": float(level),
    }
    return ds
