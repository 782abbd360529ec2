"""One convention for time coordinates, and one way to ask for a year.

Annual results are indexed by ``year`` and quarterly ones by ``quarter``, both datetime64
(the first day of the period: ``2030-01-01``, ``2024-04-01``), so xarray aligns, resamples and
slices them as dates. Wherever a year is asked for, an ``int`` is accepted (``2030``), as are a
date string (``"2030"``, ``"2030-01-01"``), a ``datetime64`` or a ``pandas.Timestamp``;
:func:`to_year` turns any of them into the int, :func:`select_year` into the coordinate.

Examples
--------
>>> import numpy as np, xarray as xr
>>> da = xr.DataArray([1.0, 2.0], dims="year", coords={"year": year_coord([2029, 2030])})
>>> float(select_year(da, 2030))
2.0
>>> to_year("2030-01-01"), quarter_label(np.datetime64("2024-04-01")), quarter_key("2024-06-30")
(2030, '2024 Q2', '2024Q2')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from workbench._validation import invalid

__all__ = [
    "bound",
    "quarter_coord",
    "quarter_key",
    "quarter_label",
    "select_year",
    "time_dim",
    "to_year",
    "year_coord",
    "years_of",
]

TIME_DIMS = ("quarter", "year")  # the two time dimensions, the finer first


def to_year(value, parameter: str = "year") -> int:
    """The calendar year of ``value`` (int, date string, datetime64, Timestamp, date)."""
    if isinstance(value, bool):
        raise invalid(parameter, "a year (e.g. 2030)", value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, str | np.datetime64 | dt.date | pd.Timestamp):
        try:
            return int(pd.Timestamp(value).year)
        except (TypeError, ValueError):
            pass
    raise invalid(parameter, "a year (e.g. 2030 or '2030-01-01')", value)


def bound(value, parameter: str, *, end: bool = False) -> np.datetime64:
    """The instant a period's ``start`` (or inclusive ``end``) refers to, as datetime64[ns].

    A bare year (``2030``, ``"2030"``) is the whole year: from its 1 January, or to its last
    instant when it ends a period; a date is that date. (Read as a timestamp, an int would be
    nanoseconds after 1970.)
    """
    if isinstance(value, int | np.integer | float | np.floating) and not isinstance(value, bool):
        year = to_year(value, parameter)
    elif isinstance(value, str) and value.strip().isdigit():
        year = to_year(value, parameter)
    else:
        try:
            return np.datetime64(pd.Timestamp(value), "ns")
        except (TypeError, ValueError) as exc:
            raise invalid(parameter, "a year (e.g. 2030) or a date", value) from exc
    first = np.datetime64(f"{year + 1 if end else year:04d}-01-01", "ns")
    return first - np.timedelta64(1, "ns") if end else first


def year_coord(years: Iterable) -> np.ndarray:
    """A ``year`` coordinate (datetime64, 1 January) from years given in any accepted form."""
    return np.array([f"{to_year(y):04d}-01-01" for y in years], dtype="datetime64[ns]")


def quarter_coord(quarters: Iterable) -> tuple[str, np.ndarray, dict]:
    """A ``quarter`` coordinate (datetime64, first day of the quarter) for ``Dataset(coords=)``."""
    values = pd.DatetimeIndex(quarters).values.astype("datetime64[ns]")
    return ("quarter", values, {"long_name": "Calendar quarter"})


def years_of(coord) -> np.ndarray:
    """The int years of a ``year`` coordinate (datetime64 or already ints)."""
    values = np.asarray(getattr(coord, "values", coord))
    if np.issubdtype(values.dtype, np.datetime64):
        return pd.DatetimeIndex(values).year.to_numpy()
    return values.astype(int)


def time_dim(obj: xr.DataArray | xr.Dataset, parameter: str) -> str:
    """The time dimension of ``obj`` (``quarter`` before ``year``); refused if it has neither."""
    for dim in TIME_DIMS:
        if dim in obj.dims:
            return dim
    raise invalid(parameter, "data with a 'quarter' or 'year' dimension", tuple(obj.dims))


def select_year(obj: xr.DataArray | xr.Dataset, year, dim: str = "year"):
    """``obj`` at ``year`` along ``dim``, whatever form ``year`` and the coordinate take."""
    wanted = to_year(year)
    years = years_of(obj[dim])
    hits = np.flatnonzero(years == wanted)
    if hits.size == 0:
        have = f"{years.min()}–{years.max()}" if years.size else "none"
        raise invalid("year", f"a year the result covers ({have})", year)
    return obj.isel({dim: int(hits[0])})


def quarter_label(value) -> str:
    """``"2024 Q2"`` for a date in the second quarter of 2024 (or a Period): for readers."""
    stamp = value.start_time if isinstance(value, pd.Period) else pd.Timestamp(value)
    return f"{stamp.year} Q{stamp.quarter}"


def quarter_key(value) -> str:
    """``"2024Q2"``, as the bundled tables and messages about their rows write a quarter."""
    stamp = value.start_time if isinstance(value, pd.Period) else pd.Timestamp(value)
    return f"{stamp.year}Q{stamp.quarter}"
