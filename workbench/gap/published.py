"""The outlook beside published estimates of the same quantities: ours, theirs, the ratio.

Rows of the bundled ``published_estimates`` table that the outlook can answer (energy, power,
cumulative H100e sold or producible, for all vendors) are set beside the outlook's draws of
the same quantity, after the conversion the row states (``conversion``): a US figure is
compared with the world outlook times :data:`US_SHARE`; a figure for all data centres with
the outlook's AI accelerators only, so that the ratio reads as AI's share. Power and energy
are demand's on the installed fleet: the share of the fleet demand occupies times the
fleet's facility power (the chips' TDPs, server overhead and PUE;
:func:`workbench.gap.compute_gap` restates demand on the supply). Energy is what is consumed:
that share at most the whole fleet (demand beyond it has no chips to run on), times demand's
load factor. Per-vendor sales estimates are compared by
:func:`workbench.supply.compare_to_published`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge
from workbench._validation import check_level, invalid, public
from workbench.data import table_from
from workbench.gap.core import compute_gap

__all__ = ["HOURS_PER_YEAR", "US_SHARE", "compare_published"]

HOURS_PER_YEAR = 8766.0
# The US share of AI supercomputer performance, May 2025 (Epoch AI, 2025-06-05:
# https://epoch.ai/data-insights/ai-supercomputers-performance-share-by-country).
US_SHARE = 0.75
REGION_SHARE = {"world": 1.0, "us": US_SHARE}
TO_TABLE_UNITS = {"TWh": 1.0, "GW": 1e-3, "1": 1.0}  # from the outlook's TWh, MW, count


def _in_year(da: xr.DataArray, year: int) -> xr.DataArray | None:
    """``da``'s value in ``year``: the annual point, or the mean of the year's quarters."""
    dim = "quarter" if "quarter" in da.dims else "year"
    times = pd.DatetimeIndex(da[dim].values)
    mask = times.year == year
    if not mask.any() or (dim == "quarter" and mask.sum() < 4):
        return None
    return da.isel({dim: np.flatnonzero(mask)}).mean(dim)


def _over_year(da: xr.DataArray, year: int) -> tuple[xr.DataArray | None, str]:
    """``da``, an annual rate at 1 January of each year, averaged over ``year``.

    Energy used in a year is the integral of a rate that grows through it; the 1 January value
    alone is its floor (a market tripling a year uses 1.8 times it). Between 1 January of
    ``year`` and of the next the rate is taken to grow exponentially, whose mean is the
    logarithmic mean ``(b - a) / ln(b / a)`` of the two ends, per draw. In the outlook's last
    year the next value is the last one grown by the year before's growth (held, per draw);
    with no year before either, the 1 January value stands. The note says which.
    """
    if "year" not in da.dims:
        return _in_year(da, year), "mean of the year's quarters"
    start, end = _in_year(da, year), _in_year(da, year + 1)
    if start is None:
        return None, ""
    when = f"mean over {year} (log-mean of 1 January {year} and {year + 1})"
    if end is None:
        before = _in_year(da, year - 1)
        if before is None:
            return start, f"at 1 January {year} (one year only)"
        end = start * (start / before)
        when = f"mean over {year} (1 January {year} and {year + 1}, {year - 1}'s growth held)"
    a, b = start.values, end.values
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(np.isclose(a, b), a, (b - a) / np.log(b / a))
    return start.copy(data=mean), when


def _fleet_power(tree: xr.DataTree) -> tuple[xr.DataArray, xr.DataArray]:
    """Demand's facility power on the installed fleet [MW]: needed, and served.

    Needed: the share of the fleet demand occupies × the fleet's facility power (the chips
    that serve demand are the supply's, and so are their TDPs); served: the same, at most the
    whole fleet (demand beyond it has no chips to draw power). At demand's instants (quarter
    ends, or 1 January), from the outlook's paired draws.
    """
    demand = tree["demand"].to_dataset()
    paired = compute_gap(tree["supply"].to_dataset(), demand)
    needed = paired["demand_power"]
    return needed, np.minimum(needed, paired["supply_power"])


def _ours(tree: xr.DataTree, row: xr.Dataset, fleet) -> tuple[xr.DataArray | None, str]:
    quantity = str(row["quantity"].item())
    demand = tree["demand"].to_dataset()
    if quantity in ("h100e", "units", "production_h100e"):
        variable = "units" if quantity == "units" else "h100e"
        shipments = tree["shipments"][variable]
        first, last = row["first_quarter"].values, row["last_quarter"].values
        period = pd.date_range(first, last, freq="QS")
        have = shipments.sel(quarter=slice(first, last))
        if have.sizes["quarter"] < len(period):
            return None, f"shipments cover {have.sizes['quarter']} of {len(period)} quarters"
        return have.sum("quarter"), f"cumulative shipments ({variable}), {len(period)} quarters"
    year = int(row["year"].item())
    if quantity == "power":
        value = _in_year(fleet()[0], year)
        return value, "demand on the installed fleet: its share of the fleet's facility power"
    if quantity == "energy":
        load = demand["power_load_factor"]
        value, when = _over_year(fleet()[1] * load * HOURS_PER_YEAR / 1e6, year)
        if value is not None:
            return value, (
                f"demand served by the installed fleet: its share of the fleet's facility "
                f"power (at most all of it) x demand's load factor, {when}"
            )
        power = _in_year(tree["supply"]["power"], year)
        if power is None or "power_load_factor" not in demand:
            return None, f"{year} is outside the outlook"
        load = demand["power_load_factor"]
        energy = power * load.values * HOURS_PER_YEAR / 1e6
        return energy, "installed base: full-load facility power x demand's load factor"
    raise invalid("estimates", "quantities energy, power, h100e, units, production_h100e", quantity)


@public
def compare_published(
    tree: xr.DataTree,
    *,
    estimates: xr.Dataset | str | Path | None = None,
    level: float = 0.9,
) -> xr.Dataset:
    """The outlook's median and interval beside each comparable published estimate.

    Parameters
    ----------
    tree
        A :func:`~workbench.gap.outlook` result (calibrated or not).
    estimates
        A table like the bundled ``published_estimates`` (Dataset or CSV path).
    level
        Probability of the outlook's central interval.

    Returns
    -------
    xarray.Dataset
        Along ``estimate``: the published ``published_lower``, ``published_median``,
        ``published_upper``; the outlook's ``ours_lower``, ``ours_median``, ``ours_upper`` in
        the row's ``units`` after its conversion; ``ratio`` (our median over theirs) with
        ``ratio_lower`` and ``ratio_upper`` (our interval over their median); ``quantity``,
        ``year``, ``region``, ``units``, ``scope``, ``conversion``, ``basis`` (which of our
        variables), ``publisher`` and ``source``. A row the outlook does not cover is NaN,
        with ``basis`` saying why.
    """
    if not isinstance(tree, xr.DataTree) or not {"demand", "shipments", "supply"} <= set(
        tree.children
    ):
        raise invalid("tree", "a workbench.gap.outlook result", type(tree))
    level = check_level(level)
    table = table_from(estimates, "published_estimates", "estimates")
    probs = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    fleet = functools.cache(lambda: _fleet_power(tree))
    rows = []
    for name in table["estimate"].values:
        row = table.sel(estimate=name)
        if str(row["vendor"].item()) != "all":
            continue  # per-vendor sales: workbench.supply.compare_to_published
        region = str(row["region"].item()) if "region" in row else "world"
        units = str(row["units"].item()) if "units" in row else "1"
        if region not in REGION_SHARE or units not in TO_TABLE_UNITS:
            raise invalid(
                "estimates",
                f"regions {sorted(REGION_SHARE)} and units {sorted(TO_TABLE_UNITS)}",
                (str(name), region, units),
            )
        ours, basis = _ours(tree, row, fleet)
        values = np.full(3, np.nan)
        if ours is not None:
            scaled = np.asarray(ours.values, dtype=float) * REGION_SHARE[region]
            values = np.quantile(scaled * TO_TABLE_UNITS[units], probs)
        year = row["year"].item() if "year" in row else np.nan
        rows.append(
            {
                "estimate": str(name),
                "publisher": str(row["publisher"].item()),
                "quantity": str(row["quantity"].item()),
                "year": float(year) if year is not None else np.nan,
                "region": region,
                "units": units,
                "scope": str(row["scope"].item()) if "scope" in row else "",
                "conversion": str(row["conversion"].item()) if "conversion" in row else "",
                "basis": basis,
                "kind": str(row["kind"].item()),
                "published_lower": float(row["low"]),
                "published_median": float(row["median"]),
                "published_upper": float(row["high"]),
                "ours_lower": values[0],
                "ours_median": values[1],
                "ours_upper": values[2],
                "source": str(row["source"].item()),
            }
        )
    frame = pd.DataFrame(rows).set_index("estimate")
    for part in ("", "_lower", "_upper"):
        column = "ours_median" if not part else f"ours{part}"
        frame[f"ratio{part}"] = frame[column] / frame["published_median"]
    ds = xr.Dataset.from_dataframe(frame)
    for var in ("published_lower", "published_median", "published_upper"):
        ds[var].attrs = {"long_name": var.replace("_", " ").capitalize(), "units_from": "units"}
    for var in ("ours_lower", "ours_median", "ours_upper"):
        ds[var].attrs = {"long_name": f"Outlook, {var[5:]}", "units_from": "units"}
    ds["ratio"].attrs = {"units": "1", "long_name": "Outlook median / published median"}
    ds["ratio_lower"].attrs = {"units": "1", "long_name": "Outlook lower bound / published"}
    ds["ratio_upper"].attrs = {"units": "1", "long_name": "Outlook upper bound / published"}
    ds.attrs = {
        "title": "The outlook beside published estimates",
        "level": float(level),
        "calibrated": tree.attrs.get("calibrated", ""),
        "us_share": US_SHARE,
        # The outlook's provenance and the published table's (merged: never invented).
        **merge(tree, table, method="workbench.gap.compare_published"),
    }
    return ds
