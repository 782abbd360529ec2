"""The workbench's cumulative shipments against independent published estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge
from workbench._time import quarter_key
from workbench._validation import check_level, invalid, public
from workbench.data import table_from

__all__ = ["compare_by_quarter", "compare_to_published"]

QUANTITIES = {"units": "units", "h100e": "h100e"}
# Rows the outlook is compared with (workbench.gap.compare_published), not shipments.
OUTLOOK_QUANTITIES = ("energy", "power", "production_h100e")


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
        Along ``estimate``: the published ``published_lower``, ``published_median``,
        ``published_upper``; the workbench's ``ours_lower``, ``ours_median``,
        ``ours_upper`` over the same vendors and quarters; ``ratio`` (workbench median
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
    table = table_from(estimates, "published_estimates", "estimates")
    ours_vendors = sorted({str(v) for v in shipments["vendor"].values})
    probs = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    rows = []
    for name in table["estimate"].values:
        row = table.sel(estimate=name)
        quantity = str(row["quantity"].item())
        if quantity in OUTLOOK_QUANTITIES:
            continue
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
                "published_lower": float(row["low"]),
                "published_median": float(row["median"]),
                "published_upper": float(row["high"]),
                "ours_lower": values[0],
                "ours_median": values[1],
                "ours_upper": values[2],
                "coverage": coverage,
                "vendors_covered": ", ".join(scope),
                "quantity": quantity,
                "kind": str(row["kind"].item()),
                "publisher": str(row["publisher"].item()),
                "period": f"{quarter_key(first)}-{quarter_key(last)}",
                "first_quarter": pd.Timestamp(first),
                "last_quarter": pd.Timestamp(last),
                "source": str(row["source"].item()),
            }
        )
    frame = pd.DataFrame(rows).set_index("estimate")
    frame["ratio"] = frame["ours_median"] / frame["published_median"]
    ds = xr.Dataset.from_dataframe(frame)
    for var in ("published_lower", "published_median", "published_upper"):
        ds[var].attrs = {"units": "1", "long_name": var.replace("_", " ").capitalize()}
    ours = {"lower": "Workbench, lower", "median": "Workbench, median", "upper": "Workbench, upper"}
    for part, long_name in ours.items():
        ds[f"ours_{part}"].attrs = {"units": "1", "long_name": long_name}
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


@public
def compare_by_quarter(
    shipments: xr.Dataset,
    published: xr.Dataset,
    *,
    quantity: str = "h100e",
    level: float = 0.9,
) -> xr.Dataset:
    """The workbench's shipments against a published per-quarter estimate, quarter by quarter.

    A total over several years can agree while the quarters do not (a fiscal/calendar shift
    moves volume between neighbours); this compares each calendar quarter both cover.

    Parameters
    ----------
    shipments
        A :func:`~workbench.supply.estimate_shipments` result.
    published
        Per-quarter estimates along ``quarter``, ``chip`` and ``quantile`` (0.05, 0.5, 0.95)
        with a ``manufacturer`` per chip, as :func:`workbench.data.read_epoch_chip_sales`
        reads Epoch AI's chip-sales files (or ``data.fetch("epoch_chip_sales_nvidia")``).
    quantity
        ``"h100e"`` or ``"units"``.
    level
        Probability of the workbench's central interval.

    Returns
    -------
    xr.Dataset
        Along ``quarter`` (those both cover): ``ours_lower``, ``ours_median``,
        ``ours_upper`` (the workbench, over the published file's manufacturers);
        ``published_lower``, ``published_median``, ``published_upper``; ``ratio`` (medians);
        ``inside`` (the published median lies in the workbench's interval); the log widths
        of both intervals. Attrs: ``quarters``, ``quarters_outside``, ``median_ratio``,
        ``width_ratio`` (median of our log width over theirs).

    Notes
    -----
    The published file gives quantiles per chip; a quarter's published interval is the sum of
    its chips' quantiles, exact when the chips' errors move together (they share one revenue
    line) and otherwise wider than the true interval of the sum.
    """
    if not isinstance(shipments, xr.Dataset) or "vendor" not in shipments.coords:
        raise invalid(
            "shipments",
            "a Dataset from estimate_shipments (vendor along chip)",
            type(shipments).__name__,
        )
    if quantity not in QUANTITIES:
        raise invalid("quantity", "'units' or 'h100e'", quantity)
    level = check_level(level)
    needed = {"quarter", "chip", "quantile"}
    if not needed <= set(published.dims) or quantity not in published:
        raise invalid(
            "published",
            f"per-quarter estimates with dims {sorted(needed)} and a {quantity!r} variable",
            dict(published.sizes),
        )
    makers = {str(m).lower() for m in np.atleast_1d(published["manufacturer"].values)}
    ours_vendor = [str(v).lower() in makers for v in shipments["vendor"].values]
    if not any(ours_vendor):
        raise invalid(
            "published",
            "estimates for a vendor the shipments cover "
            f"({sorted({str(v) for v in shipments['vendor'].values})})",
            sorted(makers),
        )
    ours = shipments[QUANTITIES[quantity]].isel(chip=np.flatnonzero(ours_vendor))
    ours = ours.sum("chip", min_count=1)
    theirs = published[quantity].sum("chip", min_count=1)
    common = np.intersect1d(ours["quarter"].values, theirs["quarter"].values)
    ours = ours.sel(quarter=common)
    complete = (
        ours.notnull().all("draw").values
        & theirs.sel(quarter=common).notnull().all("quantile").values
    )
    common = common[complete]
    if common.size == 0:
        raise invalid(
            "published",
            "estimates for quarters the shipments cover",
            "no common quarter",
        )
    probs = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    q = ours.sel(quarter=common).quantile(probs, dim="draw").values  # (prob, quarter)
    theirs = theirs.sel(quarter=common)
    low, mid, high = (theirs.sel(quantile=p, method="nearest").values for p in (0.05, 0.5, 0.95))
    inside = (mid >= q[0]) & (mid <= q[2])
    ours_width = np.log(q[2] / q[0])
    their_width = np.log(high / low)

    def var(values, long_name, units="1"):
        return ("quarter", values, {"units": units, "long_name": long_name})

    unit = "1"
    ds = xr.Dataset(
        {
            "ours_lower": var(q[0], f"Workbench {level:.0%} interval, lower", unit),
            "ours_median": var(q[1], "Workbench median", unit),
            "ours_upper": var(q[2], f"Workbench {level:.0%} interval, upper", unit),
            "published_lower": var(low, "Published 5th percentile", unit),
            "published_median": var(mid, "Published median", unit),
            "published_upper": var(high, "Published 95th percentile", unit),
            "ratio": var(q[1] / mid, "Workbench median / published median"),
            "inside": ("quarter", inside, {"long_name": "Published median inside our interval"}),
            "estimate_log_width": var(ours_width, "Log width of the workbench interval"),
            "published_log_width": var(their_width, "Log width of the published 90% interval"),
        },
        coords={"quarter": common},
        attrs={
            "title": f"Shipments per calendar quarter ({quantity}): workbench against published",
            **merge(shipments, published, method="workbench.supply.compare_by_quarter"),
            "level": float(level),
            "quantity": quantity,
            "vendors": ", ".join(sorted(makers)),
            "quarters": int(common.size),
            "quarters_outside": int((~inside).sum()),
            "median_ratio": float(np.median(q[1] / mid)),
            "width_ratio": float(np.median(ours_width / their_width)),
        },
    )
    return ds
