"""Tables for readers: datasets as formatted tables, numbers written once, the same way.

One place turns a Dataset into what a report shows: multipliers ("399 M", "1.3 T"),
intervals ("399 M (208–827 M)"), percentages, integer counts, quarters as "2024 Q2", years as
"2024", units in the headers, and the sources in a numbered footnote. Notebooks call
:func:`reader_table` instead of displaying ``to_dataframe()``, so no report shows a raw repr or
a float with six decimals.

The numbers themselves are written by :mod:`workbench.numbers` (``si``, ``interval``,
``percent``, ``count``, ``quarter_label``, re-exported here).

Examples
--------
>>> import xarray as xr
>>> table = reader_table(xr.Dataset({"h100e": ("year", [3.99e8])}, coords={"year": [2030]}))
>>> table.to_frame().iloc[0, 0]
'399 M'
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from workbench.errors import ParameterError
from workbench.i18n import translate
from workbench.numbers import _MISSING, bounded, count, interval, percent, quarter_label, si, span
from workbench.plots.labels import with_units

__all__ = [
    "ReaderTable",
    "count",
    "interval",
    "percent",
    "quarter_label",
    "reader_table",
    "si",
    "span",
    "variables_table",
]

# Dimensionless variables whose names say they are shares of a whole: shown as percentages.
_SHARE_WORDS = ("share", "probability", "coverage", "utilisation", "utilization", "p_")


class ReaderTable:
    """A formatted table (strings, headers with units) and its numbered sources.

    Displays as HTML in notebooks and reports; :meth:`to_frame` gives the table.
    """

    def __init__(self, frame: pd.DataFrame, sources: list[str], caption: str | None = None):
        self.frame = frame
        self.sources = sources
        self.caption = caption

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def _repr_html_(self) -> str:
        table = self.frame.to_html(escape=True, border=0, classes="workbench-table")
        parts = []
        if self.caption:
            parts.append(f"<p><strong>{html.escape(self.caption)}</strong></p>")
        parts.append(table)
        if self.sources:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in self.sources)
            label = html.escape(translate("Sources:"))
            parts.append(f'<ol class="workbench-sources"><small>{label}</small>{items}</ol>')
        return "\n".join(parts)

    def __repr__(self) -> str:
        text = self.frame.to_string()
        notes = "".join(f"\n[{i}] {s}" for i, s in enumerate(self.sources, 1))
        return text + notes


def _kind(da: xr.DataArray) -> str:
    if da.dtype.kind in "OUS":
        return "text"
    if da.dtype.kind == "M":
        return "date"
    if da.dtype.kind == "b":
        return "flag"
    name = str(da.name or "").lower()
    dimensionless = da.attrs.get("units") in (None, "", "1")
    values = da.values[np.isfinite(da.values)] if da.dtype.kind == "f" else da.values
    if dimensionless and any(word in name for word in _SHARE_WORDS):
        if values.size == 0 or (values.min() >= 0 and values.max() <= 1):
            return "percent"
    if da.dtype.kind in "iu" or (
        da.attrs.get("units") == "1"
        and values.size
        and np.allclose(values, np.round(values))
        and not any(word in name for word in _SHARE_WORDS)
    ):
        return "count"
    return "number"


def _cell(value, kind: str) -> str:
    if kind == "text":
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if kind == "date":
        return _MISSING if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "flag":
        return translate("yes") if value else translate("no")
    if kind == "percent":
        return percent(value)
    if kind == "count":
        # Millions of units read better as "15.9 M" than as eight digits.
        return si(value) if np.isfinite(value) and abs(value) >= 1e6 else count(value)
    return si(value)


def _index_label(values: pd.Index, name: str) -> list[str]:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
        if name == "year" or (
            (stamps.month == 1).all()
            and (stamps.day == 1).all()
            and len(set(stamps.year)) == len(stamps)
        ):
            return [str(s.year) for s in stamps]
        if name == "quarter" or ((stamps.day == 1).all() and set(stamps.month) <= {1, 4, 7, 10}):
            return [quarter_label(s) for s in stamps]
        return [s.strftime("%Y-%m-%d") for s in stamps]
    if pd.api.types.is_float_dtype(values):
        return [si(v) for v in values]
    return [str(v) for v in values]


def reader_table(
    data: xr.Dataset | xr.DataArray,
    *,
    columns: list[str] | None = None,
    formats: Mapping[str, str] | None = None,
    level: float = 0.9,
    caption: str | None = None,
) -> ReaderTable:
    """A dataset as a table for readers.

    Parameters
    ----------
    data
        One-dimensional variables along a shared dimension (the table's rows). A ``draw``
        dimension is summarised as median and ``level`` interval; a ``quantile`` dimension
        holding 0.5 and the ``level`` bounds is written the same way.
    columns
        Variables to show, in order (default: all data variables but ``source``).
    formats
        Per variable: ``"number"``, ``"percent"``, ``"count"``, ``"text"`` or ``"date"``; by
        default chosen from the variable's dtype, units and name (shares and probabilities as
        percentages, whole dimensionless numbers as counts).
    level
        The interval's level, for ``draw`` or ``quantile`` data.
    caption
        A title shown above the table.

    Returns
    -------
    ReaderTable
        Headers ``long_name [units]``; a ``source`` variable (or the dataset's ``source``
        attribute) becomes numbered references in a footnote.
    """
    ds = data.to_dataset(name=data.name or "value") if isinstance(data, xr.DataArray) else data
    formats = dict(formats or {})
    names = columns or [n for n in ds.data_vars if n != "source"]
    # ``x_lower``/``x_upper`` beside ``x`` (the fits' convention) make one interval column.
    paired = {n for n in names if f"{n}_lower" in ds and f"{n}_upper" in ds}
    names = [n for n in names if not any(n in (f"{p}_lower", f"{p}_upper") for p in paired)]
    bounds = (0.5 - level / 2, 0.5, 0.5 + level / 2)
    out: dict[str, list[str]] = {}
    index = None
    for name in names:
        da = ds[name]
        if "draw" in da.dims and da.dtype.kind in "fiu":
            da = da.quantile(list(bounds), dim="draw").assign_attrs(da.attrs)
        if name in paired:
            low, high = ds[f"{name}_lower"], ds[f"{name}_upper"]
            kind = formats.get(name) or _kind(da)
            writer = percent if kind == "percent" else si
            cells = [
                interval(m, lo, hi)
                if kind != "percent"
                else bounded(writer(m), f"{writer(lo)}–{writer(hi)}")
                for m, lo, hi in zip(
                    np.atleast_1d(da.values),
                    np.atleast_1d(low.values),
                    np.atleast_1d(high.values),
                    strict=True,
                )
            ]
        elif "quantile" in da.dims:
            picks = [da.sel(quantile=q, method="nearest") for q in bounds]
            if not all(
                np.isclose(float(p["quantile"]), q) for p, q in zip(picks, bounds, strict=True)
            ):
                raise ParameterError.invalid(
                    "level", "reader_table", f"a level whose bounds {bounds} {name!r} holds", level
                )
            low, mid, high = (p.drop_vars("quantile") for p in picks)
            kind = formats.get(name) or _kind(mid.rename(name))
            writer = percent if kind == "percent" else si
            cells = [
                bounded(writer(m), f"{writer(lo)}–{writer(hi)}")
                if kind == "percent"
                else interval(m, lo, hi)
                for m, lo, hi in zip(
                    np.atleast_1d(mid.values),
                    np.atleast_1d(low.values),
                    np.atleast_1d(high.values),
                    strict=True,
                )
            ]
            da = mid
        else:
            kind = formats.get(name) or _kind(da)
            cells = [_cell(v, kind) for v in np.atleast_1d(da.values)]
        if da.ndim > 1:
            raise ParameterError.invalid(
                "data", "reader_table", f"one-dimensional variables; {name!r} has", da.dims
            )
        if da.ndim == 1 and index is None:
            dim = da.dims[0]
            index = pd.Index(_index_label(da[dim].to_index(), dim), name=translate(str(dim)))
        label = translate(da.attrs.get("long_name", name))
        header = with_units(label, None if kind in ("percent", "count") else da.attrs.get("units"))
        if kind == "percent":
            header = f"{label} [%]"
        if header in out:  # two variables described alike: keep both, told apart by name
            header = f"{header} ({name})"
        out[header] = cells
    if index is None:  # a single row: name it by the instant selected, if there is one
        stamps = [c for c in ds.coords.values() if c.ndim == 0 and c.dtype.kind == "M"]
        name = stamps[0].name if stamps else None
        label = _index_label(pd.DatetimeIndex([stamps[0].values]), name)[0] if stamps else ""
        index = pd.Index([label], name=name and translate(str(name)))
    frame = pd.DataFrame(out, index=index)
    sources: list[str] = []
    if "source" in ds.data_vars:
        refs = []
        for value in np.atleast_1d(ds["source"].values):
            text = str(value)
            if text not in sources:
                sources.append(text)
            refs.append(f"[{sources.index(text) + 1}]")
        frame[translate("source")] = refs
    elif ds.attrs.get("source"):
        sources.append(str(ds.attrs["source"]))
    return ReaderTable(frame, sources, caption)


def variables_table(ds: xr.Dataset, *, caption: str | None = None) -> ReaderTable:
    """What a dataset holds: one row per variable with its units, how filled it is and its range.

    The dataset's ``source`` attribute (and licence) is the footnote.
    """
    rows = {}
    for name, da in ds.data_vars.items():
        filled = float(da.notnull().mean()) if da.size else float("nan")
        values = da.values.ravel()
        span = ""
        if da.dtype.kind in "fiu" and np.isfinite(values.astype(float)).any():
            span = f"{si(np.nanmin(values))} – {si(np.nanmax(values))}"
        elif da.dtype.kind == "M" and da.notnull().any():
            stamps = pd.to_datetime(values[~pd.isna(values)])
            span = f"{stamps.min():%Y-%m-%d} – {stamps.max():%Y-%m-%d}"
        rows[name] = {
            translate("Description"): translate(str(da.attrs.get("long_name", name))),
            translate("Units"): str(da.attrs.get("units", "")),
            translate("Filled [%]"): percent(filled),
            translate("Range"): span,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = translate("variable")
    sources = [str(ds.attrs["source"])] if ds.attrs.get("source") else []
    if ds.attrs.get("license"):
        sources.append(translate("License: {license}", license=ds.attrs["license"]))
    return ReaderTable(frame, sources, caption)
