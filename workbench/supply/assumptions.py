"""The assumptions behind shipment estimates: bundled tables, or the user's dict or files.

Shipments are revenue x compute share x chip mix / price. The defaults live in bundled tables
(``vendor_revenue``, ``compute_share``, ``shipment_mix``, ``shipment_prices``); a user replaces
any of them with a mapping entry or a file (``NAME.csv`` with its ``NAME.toml``), and every
replacement is checked here, once, with errors that name the entry and the offending value.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from workbench._time import quarter_key
from workbench._validation import check_level, invalid
from workbench.data import (
    load,
    load_table,
    to_calendar_quarters,
)
from workbench.data.table import FIRST_YEAR, LAST_YEAR, QUARTER
from workbench.errors import DataError, format_choices
from workbench.uncertainty import (
    DEFAULT_LEVEL,
    Beta,
    Distribution,
    Fixed,
    LogNormal,
    as_distribution,
)

__all__ = [
    "ASSUMPTION_KEYS",
    "MixRow",
    "ShareRow",
    "ShipmentAssumptions",
    "parse_period",
    "read_assumptions",
]

#: The entries an ``assumptions`` mapping may hold.
ASSUMPTION_KEYS = ("revenue", "compute_share", "mix", "prices", "tdp", "accelerators")
#: Bundled table replaced by each entry when ``assumptions`` is a folder.
TABLES = {
    "revenue": "vendor_revenue",
    "compute_share": "compute_share",
    "mix": "shipment_mix",
    "prices": "shipment_prices",
    "accelerators": "accelerators",
}
# Shares are rounded in sources; a mix within this of 1 is accepted and renormalised.
SHARE_SUM_TOLERANCE = 5e-3
_PERIOD = re.compile(
    r"^\s*(\d{4}\s*-?\s*Q[1-4])\s*(?:[-–/]|to|\.\.)\s*(\d{4}\s*-?\s*Q[1-4])\s*$", re.I
)
# A share or mix given without a period applies to every quarter: the span any table can hold
# (the data layer's quarter range, what datetime64[ns] represents without wrapping around).
_ALL_TIME = (
    np.datetime64(f"{FIRST_YEAR:04d}-01-01", "ns"),
    np.datetime64(f"{LAST_YEAR:04d}-10-01", "ns"),
)


def _entry(key: str) -> str:
    return f"assumptions[{key!r}]"


def _quarter_start(text: str, parameter: str) -> np.datetime64:
    """The start of quarter ``text``, read by the data layer's rule for ``quarter`` cells."""
    match = QUARTER.match(text.strip())
    if not match:
        raise invalid(parameter, "quarters written like '2024Q3'", text)
    year, q = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        # datetime64[ns] would wrap around silently (2300 becoming 1715).
        raise invalid(parameter, f"quarters in the years {FIRST_YEAR} to {LAST_YEAR}", text)
    return np.datetime64(f"{year:04d}-{3 * (q - 1) + 1:02d}-01", "ns")


def parse_period(label: str, parameter: str) -> tuple[np.datetime64, np.datetime64]:
    """First and last quarter (as quarter starts) of ``'2024Q1'`` or ``'2024Q1-2025Q4'``."""
    text = str(label)
    match = _PERIOD.match(text)
    if match:
        first = _quarter_start(match.group(1), parameter)
        last = _quarter_start(match.group(2), parameter)
    else:
        first = last = _quarter_start(text, parameter)
    if last < first:
        raise invalid(parameter, "periods whose last quarter >= first", text)
    return first, last


@dataclass(frozen=True)
class ShareRow:
    """Share of one revenue line spent on the mix's accelerators, over a period."""

    vendor: str
    first: np.datetime64
    last: np.datetime64
    revenue_vendor: str
    basis: str
    dist: Distribution

    @property
    def label(self) -> str:
        return f"{self.vendor} {_period_text(self.first, self.last)}"


@dataclass(frozen=True)
class MixRow:
    """One chip's share of a designer's accelerator revenue over a period."""

    vendor: str
    first: np.datetime64
    last: np.datetime64
    chip: str
    share: float
    spread: float

    @property
    def weight(self) -> Distribution:
        """The chip's unnormalised weight: lognormal, median ``share``, 90% factor ``spread``."""
        if self.spread == 1:
            return Fixed(self.share)
        return LogNormal.from_interval(self.share / self.spread, self.share * self.spread)


@dataclass
class ShipmentAssumptions:
    """Everything :func:`~workbench.supply.estimate_shipments` needs, checked."""

    revenue: xr.Dataset
    shares: list[ShareRow]
    mix: list[MixRow]
    prices: dict[str, Distribution]
    tdp: dict[str, Distribution] = field(default_factory=dict)
    accelerators: xr.Dataset | None = None
    sources: list[str] = field(default_factory=list)
    #: What the estimate is computed from, for its provenance: the tables used (bundled or
    #: the user's, each with its own attrs) and the user's plain values (no attrs: their
    #: source and licence stay unknown, see :func:`workbench._provenance.merge`).
    inputs: list[Any] = field(default_factory=list)

    def vendors(self) -> list[str]:
        """Designers with both a compute share and a mix."""
        with_share = {row.vendor for row in self.shares}
        return [v for v in dict.fromkeys(row.vendor for row in self.mix) if v in with_share]


def _period_text(first, last) -> str:
    if first == _ALL_TIME[0] and last == _ALL_TIME[1]:
        return "all quarters"
    a, b = quarter_key(first), quarter_key(last)
    return a if a == b else f"{a}-{b}"


def _as_table(value: Any, key: str) -> xr.Dataset | None:
    """A Dataset from a Dataset or a CSV path; None for other values.

    A CSV with its own ``NAME.toml`` is read with that metadata; one without is read with the
    schema of the bundled table it replaces, so every cell gets the data layer's checks (an
    error names the file, line and column) and the user writes no TOML to replace a table.
    """
    if isinstance(value, xr.Dataset):
        return value
    if isinstance(value, (str, Path)):
        path = Path(value).expanduser()
        if path.is_dir():
            raise invalid(_entry(key), "a CSV file, not a folder", str(path))
        return load_table(path, like=TABLES[key])
    return None


def read_assumptions(
    assumptions: Mapping[str, Any] | str | Path | None, vendors: Sequence[str] | None
) -> ShipmentAssumptions:
    """Bundled defaults with ``assumptions`` applied on top.

    Parameters
    ----------
    assumptions
        None; a folder holding replacement tables under the bundled names; or a mapping with
        any of :data:`ASSUMPTION_KEYS` (see :func:`~workbench.supply.estimate_shipments`).
    vendors
        The designers asked for (None: all), to interpret entries that apply to one designer.
    """
    if assumptions is None:
        overrides: dict[str, Any] = {}
    elif isinstance(assumptions, (str, Path)):
        folder = Path(assumptions).expanduser()
        if not folder.is_dir():
            raise invalid("assumptions", "a mapping or a folder of replacement tables", str(folder))
        overrides = {
            key: folder / f"{name}.csv"
            for key, name in TABLES.items()
            if (folder / f"{name}.csv").exists()
        }
    elif isinstance(assumptions, Mapping):
        overrides = dict(assumptions)
        unknown = [k for k in overrides if k not in ASSUMPTION_KEYS]
        if unknown:
            raise invalid(
                "assumptions",
                f"a mapping with keys {format_choices(ASSUMPTION_KEYS)}",
                unknown[0],
            )
    else:
        raise invalid("assumptions", "None, a mapping or a folder path", type(assumptions).__name__)
    single = vendors[0] if vendors is not None and len(vendors) == 1 else None
    # A CSV path is read once here; the readers below take the Dataset.
    for key in TABLES:
        if isinstance(overrides.get(key), (str, Path)):
            overrides[key] = _as_table(overrides[key], key)
    sources = []
    inputs: list[Any] = []
    for key, name in TABLES.items():
        sources.append(f"{name}: {'user' if key in overrides else 'bundled'}")
        if key not in overrides or (key == "prices" and isinstance(overrides[key], Mapping)):
            inputs.append(load(name))  # prices given as a mapping are merged over the bundled
        if key in overrides:
            inputs.append(overrides[key])
    if "tdp" in overrides:
        inputs.append(overrides["tdp"])
    accelerators = None
    if "accelerators" in overrides:
        accelerators = _as_table(overrides["accelerators"], "accelerators")
        if accelerators is None:
            raise invalid(
                _entry("accelerators"), "a Dataset or a CSV path", overrides["accelerators"]
            )
    return ShipmentAssumptions(
        revenue=_read_revenue(overrides.get("revenue"), single),
        shares=_read_shares(overrides.get("compute_share"), single),
        mix=_read_mix(overrides.get("mix"), single),
        prices=_read_prices(overrides.get("prices")),
        tdp=_read_tdp(overrides.get("tdp")),
        accelerators=accelerators,
        sources=sources,
        inputs=inputs,
    )


# ---------------------------------------------------------------------------------------------
# revenue


def _read_revenue(value: Any, single: str | None) -> xr.Dataset:
    """Revenue by calendar quarter; a table of fiscal quarters is allocated by days."""
    key = "revenue"
    if value is None:
        return to_calendar_quarters(load("vendor_revenue"))
    table = _as_table(value, key)
    if table is not None and "fiscal_quarter" in table.dims:
        try:
            table = to_calendar_quarters(table)
        except DataError as exc:
            raise invalid(
                _entry(key), "fiscal quarters with valid period dates", str(exc)
            ) from None
    if table is None:
        if isinstance(value, Mapping):
            value = pd.Series(
                {_quarter_start(str(q), _entry(key)): float(v) for q, v in value.items()}
            ).sort_index()
            value = xr.DataArray(value.values, dims="quarter", coords={"quarter": value.index})
        if not isinstance(value, xr.DataArray):
            raise invalid(
                _entry(key),
                "a Dataset, DataArray, {quarter: USD} mapping or CSV path",
                value,
            )
        if value.dims == ("quarter",):
            if single is None:
                raise invalid(
                    _entry(key),
                    "a (vendor, quarter) array when several vendors are asked",
                    value.dims,
                )
            value = value.expand_dims(vendor=[single])
        if set(value.dims) != {"vendor", "quarter"}:
            raise invalid(_entry(key), "an array with dims ('vendor', 'quarter')", value.dims)
        table = value.transpose("vendor", "quarter").to_dataset(name="revenue")
    if "revenue" not in table or "quarter" not in table.dims:
        raise invalid(
            _entry(key),
            "a table with a 'revenue' variable along 'quarter'",
            list(table.variables),
        )
    if not np.issubdtype(table["quarter"].dtype, np.datetime64):
        raise invalid(_entry(key), "a datetime64 'quarter' coordinate", table["quarter"].dtype)
    for var in ("revenue", "compute_revenue"):
        if var in table:
            values = np.asarray(table[var].values, dtype=float)
            bad = np.argwhere(values < 0)
            if bad.size:
                index = tuple(bad[0])
                where = {
                    dim: table[var][dim].values[i]
                    for dim, i in zip(table[var].dims, index, strict=True)
                }
                label = ", ".join(
                    quarter_key(v) if dim == "quarter" else str(v) for dim, v in where.items()
                )
                raise invalid(
                    _entry(key), "non-negative revenue in USD", (label, float(values[index]))
                )
    return table


# ---------------------------------------------------------------------------------------------
# compute share


def _share_distribution(spec: Any, label: str) -> Distribution:
    """A share from a number, a (low, high) 90% interval (beta), or any distribution spec."""
    parameter = _entry("compute_share")
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        low, high = (float(x) for x in spec)
        if not 0 < low < high < 1:
            raise invalid(parameter, "share intervals with 0 < low < high < 1", (label, low, high))
        return Beta.from_interval(low, high, name=parameter)
    dist = as_distribution(spec, name=parameter)
    lo, hi = dist.interval(0.999) if not dist.is_fixed else (dist.median, dist.median)
    if not (0 <= lo and hi <= 1):
        raise invalid(parameter, "shares between 0 and 1", (label, spec))
    return dist


def _read_shares(value: Any, single: str | None) -> list[ShareRow]:
    key = "compute_share"
    table = load("compute_share") if value is None else _as_table(value, key)
    if table is not None:
        return _shares_from_table(table)
    if single is None:
        raise invalid(_entry(key), "a table (Dataset or CSV) when several vendors are asked", value)
    periods: dict[str, Any]
    if isinstance(value, Mapping) and value and all(_looks_like_period(k) for k in value):
        periods = dict(value)
    else:
        periods = {None: value}
    rows = []
    for period, spec in periods.items():
        first, last = _ALL_TIME if period is None else parse_period(period, _entry(key))
        label = period or "all quarters"
        rows.append(
            ShareRow(single, first, last, single, "revenue", _share_distribution(spec, label))
        )
    _check_no_overlap([(r.vendor, r.first, r.last) for r in rows], _entry(key))
    return rows


def _looks_like_period(key: Any) -> bool:
    return isinstance(key, str) and bool(QUARTER.match(key.strip()) or _PERIOD.match(key))


def _shares_from_table(table: xr.Dataset) -> list[ShareRow]:
    parameter = _entry("compute_share")
    frame = _rows(table, required=("last_quarter", "low", "high"), parameter=parameter)
    rows = []
    for (vendor, first), row in frame.iterrows():
        label = f"{vendor} {quarter_key(first)}"
        low, high = float(row["low"]), float(row["high"])
        if not 0 < low < high < 1:
            raise invalid(parameter, "share intervals with 0 < low < high < 1", (label, low, high))
        level = _row_level(row, parameter)
        dist = Beta.from_interval(low, high, level=level, name=parameter)
        rows.append(
            ShareRow(
                vendor=str(vendor),
                first=np.datetime64(first, "ns"),
                last=np.datetime64(row["last_quarter"], "ns"),
                revenue_vendor=str(row.get("revenue_vendor") or vendor),
                basis=str(row.get("basis") or "revenue"),
                dist=dist,
            )
        )
    _check_no_overlap([(r.vendor, r.first, r.last) for r in rows], parameter)
    return rows


def _rows(table: xr.Dataset, *, required: Sequence[str], parameter: str) -> pd.DataFrame:
    """The table's populated rows as a DataFrame indexed by its key columns."""
    missing = [c for c in required if c not in table]
    if missing:
        raise invalid(parameter, f"a table with columns {format_choices(required)}", missing)
    frame = table.to_dataframe()
    return frame[frame[required[-1]].notna()]


def _check_no_overlap(spans: list[tuple[str, np.datetime64, np.datetime64]], parameter: str):
    by_vendor: dict[str, list[tuple]] = {}
    for vendor, first, last in spans:
        by_vendor.setdefault(vendor, []).append((first, last))
    for vendor, periods in by_vendor.items():
        periods.sort()
        for (a0, a1), (b0, b1) in itertools.pairwise(periods):
            if b0 <= a1:
                raise invalid(
                    parameter,
                    "periods that do not overlap for one vendor",
                    f"{vendor}: {_period_text(a0, a1)} and {_period_text(b0, b1)}",
                )


# ---------------------------------------------------------------------------------------------
# mix


def _read_mix(value: Any, single: str | None) -> list[MixRow]:
    key = "mix"
    parameter = _entry(key)
    table = load("shipment_mix") if value is None else _as_table(value, key)
    rows: list[MixRow] = []
    if table is not None:
        frame = _rows(table, required=("last_quarter", "share"), parameter=parameter)
        for (vendor, first, chip), row in frame.iterrows():
            spread = row["spread"] if "spread" in row and row["spread"] == row["spread"] else 1.0
            rows.append(
                MixRow(
                    str(vendor),
                    np.datetime64(first, "ns"),
                    np.datetime64(row["last_quarter"], "ns"),
                    str(chip),
                    float(row["share"]),
                    float(spread),
                )
            )
    else:
        if not isinstance(value, Mapping) or not value:
            raise invalid(
                parameter,
                "a table, a {chip: share} or a {period: {chip: share}} mapping",
                value,
            )
        if single is None:
            raise invalid(
                parameter, "a table (Dataset or CSV) when several vendors are asked", value
            )
        periods = value if all(_looks_like_period(k) for k in value) else {None: value}
        for period, shares in periods.items():
            first, last = _ALL_TIME if period is None else parse_period(period, parameter)
            if not isinstance(shares, Mapping):
                raise invalid(parameter, "{chip: share} mappings", shares)
            for chip, spec in shares.items():
                share, spread = _share_and_spread(spec, chip, parameter)
                rows.append(MixRow(single, first, last, str(chip), share, spread))
    _check_mix(rows, parameter)
    return rows


def _share_and_spread(spec: Any, chip: str, parameter: str) -> tuple[float, float]:
    if isinstance(spec, Mapping):
        share, spread = spec.get("share"), spec.get("spread", 1.0)
    elif isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        share, spread = spec
    else:
        share, spread = spec, 1.0
    try:
        share, spread = float(share), float(spread)
    except (TypeError, ValueError):
        raise invalid(
            parameter, "a share (number) or {'share': s, 'spread': f}", (chip, spec)
        ) from None
    return share, spread


def _check_mix(rows: list[MixRow], parameter: str) -> None:
    if not rows:
        raise invalid(parameter, "at least one chip share", rows)
    groups: dict[tuple, float] = {}
    for row in rows:
        if not (math.isfinite(row.share) and 0 < row.share <= 1):
            raise invalid(parameter, "shares in (0, 1]", (row.vendor, row.chip, row.share))
        if not (math.isfinite(row.spread) and row.spread >= 1):
            raise invalid(parameter, "spread factors >= 1", (row.vendor, row.chip, row.spread))
        key = (row.vendor, row.first, row.last)
        groups[key] = groups.get(key, 0.0) + row.share
    for (vendor, first, last), total in groups.items():
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            raise invalid(
                parameter,
                "chip shares summing to 1 for each vendor and period",
                f"{vendor} {_period_text(first, last)}: shares sum to {total:.4g}",
            )
    _check_no_overlap(list(groups), parameter)
    seen: dict[str, str] = {}
    for row in rows:
        if seen.setdefault(row.chip, row.vendor) != row.vendor:
            raise invalid(parameter, "each chip in one vendor's mix only", row.chip)


# ---------------------------------------------------------------------------------------------
# prices and power


def _row_level(row: pd.Series, parameter: str) -> float:
    """A row's interval level: its ``level`` cell, or the workbench's default when empty."""
    level = row.get("level", np.nan)
    return DEFAULT_LEVEL if pd.isna(level) else check_level(float(level), parameter)


def _price_distribution(
    chip: str, spec: Any, parameter: str, level: float = DEFAULT_LEVEL
) -> Distribution:
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        low, high = (float(x) for x in spec)
        if not 0 < low < high:
            raise invalid(
                parameter, "a price interval with 0 < low < high (USD)", (chip, low, high)
            )
        return LogNormal.from_interval(low, high, level=level, name=parameter)
    dist = as_distribution(spec, name=parameter)
    if dist.is_fixed and not dist.median > 0:
        raise invalid(parameter, "a positive price in USD", (chip, spec))
    return dist


def _read_prices(value: Any) -> dict[str, Distribution]:
    key = "prices"
    parameter = _entry(key)
    default = load("shipment_prices")
    table = _as_table(value, key) if value is not None else None
    prices = _prices_from_table(default, parameter)
    if table is not None:
        return _prices_from_table(table, parameter)
    if value is None:
        return prices
    if not isinstance(value, Mapping):
        raise invalid(parameter, "a {chip: price} mapping, a Dataset or a CSV path", value)
    for chip, spec in value.items():
        prices[str(chip)] = _price_distribution(str(chip), spec, parameter)
    return prices


def _prices_from_table(table: xr.Dataset, parameter: str) -> dict[str, Distribution]:
    if "chip" not in table.dims:
        raise invalid(parameter, "a table indexed by 'chip'", list(table.dims))
    frame = _rows(table, required=("low", "high"), parameter=parameter)
    prices = {}
    for chip, row in frame.iterrows():
        level = _row_level(row, parameter)
        prices[str(chip)] = _price_distribution(
            str(chip), (float(row["low"]), float(row["high"])), parameter, level
        )
    return prices


def _read_tdp(value: Any) -> dict[str, Distribution]:
    parameter = _entry("tdp")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise invalid(parameter, "a {chip: watts} mapping", value)
    out = {}
    for chip, spec in value.items():
        dist = as_distribution(spec, name=parameter)
        if not dist.interval(0.999)[0] > 0:
            raise invalid(parameter, "positive power in W", (chip, spec))
        out[str(chip)] = dist
    return out
