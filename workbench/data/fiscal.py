"""Fiscal quarters as reported, allocated to calendar quarters by days.

Companies report revenue for their own fiscal quarters: NVIDIA's end on the last Sunday of
January, April, July and October, Broadcom's on the Sunday closest to the end of January,
April, July and October, AMD's on the last Saturday of March, June, September and December.
Comparing them with one another, or with estimates made by calendar quarter (Epoch AI's), needs
one rule, applied here once: each fiscal quarter's revenue is spread evenly over its days, and
a calendar quarter receives the revenue of the days it contains.

Two edges need care, and both are stated in the result:

- A calendar quarter that the reported periods do not cover fully is NaN, except that up to
  :data:`MAX_EDGE_DAYS` days at either end of the reported span (a 52/53-week calendar ending a
  few days before the calendar quarter does) take the daily rate of the nearest fiscal quarter.
- A sub-line reported only from some quarter on (NVIDIA's Data Center compute and networking,
  split out from fiscal 2025) is, for at most :data:`MAX_PART_DAYS` days of a calendar quarter,
  estimated as the total line on those days times the sub-line's share of the total in the
  nearest fiscal quarter that reports both.

Days filled by either rule are counted in the variable ``estimated_days``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from workbench.errors import DataError

__all__ = ["MAX_EDGE_DAYS", "MAX_PART_DAYS", "to_calendar_quarters"]

#: Uncovered days at the ends of a vendor's reported span filled at the nearest daily rate.
MAX_EDGE_DAYS = 7
#: Days of a calendar quarter on which a sub-line may be estimated from its total's share.
MAX_PART_DAYS = 31
_DAY = np.timedelta64(1, "D")


def to_calendar_quarters(
    table: xr.Dataset,
    *,
    lines: tuple[str, ...] | None = None,
    parts: Mapping[str, str] | None = None,
) -> xr.Dataset:
    """Allocate revenue reported by fiscal quarter to calendar quarters by days.

    Parameters
    ----------
    table
        A table in the ``vendor_revenue`` layout: dimensions ``vendor`` and ``fiscal_quarter``,
        variables ``period_start`` and ``period_end`` (first and last day of each fiscal
        quarter, inclusive) and the revenue lines (USD).
    lines
        The variables to allocate (default: every numeric variable in USD).
    parts
        Sub-lines and the total each is part of (default: ``compute_revenue`` and
        ``networking_revenue`` of ``revenue``, those present).

    Returns
    -------
    xarray.Dataset
        Dimensions ``vendor`` and ``quarter`` (datetime64, the calendar quarter's first day),
        the allocated lines (USD per calendar quarter, NaN where not covered) and
        ``estimated_days`` (days of the quarter filled by the edge or sub-line rule).

    Raises
    ------
    DataError
        When a vendor's fiscal quarters overlap, end before they start, or lack dates.

    Examples
    --------
    >>> from workbench.data import load, to_calendar_quarters
    >>> calendar = to_calendar_quarters(load("vendor_revenue"))
    >>> calendar.revenue.attrs["long_name"]
    'Data-centre / AI revenue per calendar quarter'
    """
    for name in ("period_start", "period_end"):
        if name not in table:
            raise DataError(f"the table has no {name!r} variable", column=name)
    if lines is None:
        lines = tuple(
            name
            for name, da in table.data_vars.items()
            if da.dtype.kind == "f" and da.attrs.get("units") == "USD"
        )
    if parts is None:
        parts = {p: "revenue" for p in ("compute_revenue", "networking_revenue") if p in lines}
    results = {}
    for vendor in table["vendor"].values:
        rows = table.sel(vendor=vendor)
        present = rows["period_start"].notnull() & rows["period_end"].notnull()
        has_value = np.zeros(rows.sizes["fiscal_quarter"], dtype=bool)
        for line in lines:
            has_value |= rows[line].notnull().values
        missing = np.flatnonzero(has_value & ~present.values)
        if missing.size:
            label = str(rows["fiscal_quarter"].values[missing[0]])
            raise DataError(
                f"{vendor} {label} has revenue but no period dates", column="period_start"
            )
        rows = rows.isel(fiscal_quarter=np.flatnonzero(present.values))
        if rows.sizes["fiscal_quarter"]:
            results[str(vendor)] = _allocate(str(vendor), rows, lines, parts)
    if not results:
        raise DataError("no fiscal quarter with dates to allocate", column="period_start")
    results = {k: r for k, r in results.items() if len(r[0])}
    if not results:
        raise DataError("no calendar quarter is fully covered by the fiscal quarters given")
    start = min(r[0][0] for r in results.values())
    stop = max(r[0][-1] for r in results.values())
    quarters = pd.date_range(start, stop, freq="QS")
    out = xr.Dataset(
        coords={
            "vendor": np.array(list(results), dtype=object),
            "quarter": quarters.values.astype("datetime64[ns]"),
        }
    )
    for line in (*lines, "estimated_days"):
        grid = np.full((len(results), len(quarters)), np.nan)
        for i, (index, values) in enumerate(results.values()):
            grid[i, quarters.get_indexer(index)] = values[line]
        out[line] = (("vendor", "quarter"), grid)
    for line in lines:
        attrs = dict(table[line].attrs)
        name = str(attrs.get("long_name", line)).removesuffix(" per fiscal quarter")
        attrs["long_name"] = f"{name} per calendar quarter"
        attrs["description"] = (
            "Fiscal-quarter revenue as reported, allocated to calendar quarters by days "
            "(workbench.data.to_calendar_quarters)."
        )
        out[line].attrs = attrs
    out["estimated_days"].attrs = {
        "units": "day",
        "long_name": "Days of the quarter estimated (edge rate or sub-line share)",
    }
    out["quarter"].attrs = {"long_name": "Calendar quarter (start)"}
    out.attrs = {k: v for k, v in table.attrs.items() if k not in ("sha256", "file")}
    out.attrs["calendar"] = (
        "calendar quarters; fiscal quarters allocated by days "
        f"(edges up to {MAX_EDGE_DAYS} days at the nearest rate, sub-lines up to "
        f"{MAX_PART_DAYS} days from their share of the total)"
    )
    return out


def _allocate(vendor: str, rows: xr.Dataset, lines, parts) -> tuple[pd.DatetimeIndex, dict]:
    starts = rows["period_start"].values.astype("datetime64[D]")
    ends = rows["period_end"].values.astype("datetime64[D]")
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    labels = rows["fiscal_quarter"].values[order]
    for i in range(len(starts)):
        if ends[i] < starts[i]:
            raise DataError(f"{vendor} {labels[i]} ends before it starts", column="period_end")
        if i and starts[i] <= ends[i - 1]:
            raise DataError(f"{vendor} {labels[i]} overlaps {labels[i - 1]}", column="period_start")
    first, last = starts[0] - MAX_EDGE_DAYS, ends[-1] + MAX_EDGE_DAYS
    days = np.arange(first, last + _DAY, _DAY)
    period = np.full(len(days), -1)  # which fiscal quarter each day belongs to
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        period[(days >= a) & (days <= b)] = i
    edge = period < 0
    before, after = days < starts[0], days > ends[-1]
    period[before], period[after] = 0, len(starts) - 1  # the edges take the nearest rate
    period_days = (ends - starts).astype(int) + 1
    estimated = edge & (before | after)
    rates = {}
    for line in lines:
        per_day = rows[line].values[order].astype(float) / period_days
        rate = per_day[period]
        rate[edge & ~(before | after)] = np.nan  # a gap between reported quarters
        rates[line] = rate
    part_estimated = np.zeros(len(days), dtype=bool)
    for part, total in parts.items():
        if part not in rates or total not in rates:
            continue
        share = rows[part].values[order] / rows[total].values[order]
        known = np.flatnonzero(np.isfinite(share))
        if not known.size:
            continue
        # The share of the nearest fiscal quarter that reports both lines.
        nearest = known[np.abs(np.arange(len(starts))[:, None] - known[None, :]).argmin(axis=1)]
        fill = np.isnan(rates[part]) & np.isfinite(rates[total])
        rates[part] = np.where(fill, rates[total] * share[nearest][period], rates[part])
        part_estimated |= fill
    day_index = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    quarter = day_index.to_period("Q").start_time
    frame = pd.DataFrame(rates, index=day_index)
    frame["_edge"] = estimated
    frame["_part"] = part_estimated
    grouped = frame.groupby(quarter)
    index = pd.DatetimeIndex(sorted(set(quarter)))
    # A quarter reaching outside the (edge-extended) span lacks days and stays NaN.
    full = grouped.size().reindex(index).values == _days_in_quarter(index)
    edge_days = grouped["_edge"].sum().reindex(index).values
    part_days = grouped["_part"].sum().reindex(index).values
    values: dict[str, np.ndarray] = {}
    for line in lines:
        sums = grouped[line].sum(min_count=1).reindex(index).values
        complete = grouped[line].count().reindex(index).values == _days_in_quarter(index)
        ok = full & complete
        if line in parts:
            ok &= part_days <= MAX_PART_DAYS
        values[line] = np.where(ok, sums, np.nan)
    any_value = np.zeros(len(index), dtype=bool)
    any_part = np.zeros(len(index), dtype=bool)
    for line in lines:
        any_value |= np.isfinite(values[line])
        any_part |= np.isfinite(values[line]) & (line in parts)
    values["estimated_days"] = np.where(
        any_value, edge_days + np.where(any_part, part_days, 0), np.nan
    )
    keep = np.flatnonzero(any_value)
    if not keep.size:
        return index[:0], {k: v[:0] for k, v in values.items()}
    span = slice(keep[0], keep[-1] + 1)
    return index[span], {k: v[span] for k, v in values.items()}


def _days_in_quarter(index: pd.DatetimeIndex) -> np.ndarray:
    return ((index + pd.offsets.QuarterBegin(startingMonth=1)) - index).days.values
