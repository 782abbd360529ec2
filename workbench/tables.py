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
from workbench.numbers import (
    _MISSING,
    bounded,
    count,
    interval,
    kind_of,
    percent,
    quarter_label,
    ratio,
    ratio_span,
    si,
    span,
    year,
)
from workbench.plots.labels import with_units

__all__ = [
    "ReaderTable",
    "backtest_scores_table",
    "backtest_table",
    "calibration_table",
    "count",
    "interval",
    "percent",
    "published_table",
    "quarter_label",
    "ratio",
    "reader_table",
    "si",
    "span",
    "variables_table",
]

FORMATS = ("number", "percent", "ratio", "count", "year", "text", "date", "flag")
# SI prefixes a table may rescale a unit by ("MW" shown as "GW").
_PREFIXES = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


class ReaderTable:
    """A formatted table (strings, headers with units), notes and its numbered sources.

    Displays as HTML in notebooks and reports; :meth:`to_frame` gives the table.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        sources: list[str],
        caption: str | None = None,
        notes: list[str] | None = None,
    ):
        self.frame = frame
        self.sources = sources
        self.caption = caption
        self.notes = list(notes or [])

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def _repr_html_(self) -> str:
        table = self.frame.to_html(escape=True, border=0, classes="workbench-table")
        parts = []
        if self.caption:
            parts.append(f"<p><strong>{html.escape(self.caption)}</strong></p>")
        parts.append(table)
        if self.notes:
            lines = "<br>".join(html.escape(n) for n in self.notes)
            parts.append(f'<p class="workbench-notes"><small>{lines}</small></p>')
        if self.sources:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in self.sources)
            label = html.escape(translate("Sources:"))
            parts.append(f'<ol class="workbench-sources"><small>{label}</small>{items}</ol>')
        return "\n".join(parts)

    def __repr__(self) -> str:
        text = "\n".join([*([self.caption] if self.caption else []), self.frame.to_string()])
        text += "".join(f"\n{n}" for n in self.notes)
        return text + "".join(f"\n[{i}] {s}" for i, s in enumerate(self.sources, 1))


def _kind(da: xr.DataArray) -> str:
    if da.dtype.kind in "OUST":
        return "text"
    if da.dtype.kind == "M":
        return "date"
    if da.dtype.kind == "b":
        return "flag"
    return kind_of(
        da.values,
        name=str(da.name or ""),
        units=da.attrs.get("units"),
        long_name=str(da.attrs.get("long_name", "")),
    )


def _cell(value, kind: str) -> str:
    if kind == "text":
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if kind == "date":
        return _MISSING if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "flag":
        return translate("yes") if value else translate("no")
    if kind == "percent":
        return percent(value)
    if kind == "ratio":
        return ratio(value)
    if kind == "year":
        return year(value)
    if kind == "count":
        # Millions of units read better as "15.9 M" than as eight digits.
        return si(value) if np.isfinite(value) and abs(value) >= 1e6 else count(value)
    return si(value)


def _bounded_cell(median, lower, upper, kind: str) -> str:
    """A median with its interval, written as the column's kind is."""
    if float(lower) == float(upper) == float(median):
        return _cell(median, kind)
    if kind == "percent":
        return bounded(percent(median), f"{percent(lower)}–{percent(upper)}")
    if kind == "ratio":
        return bounded(ratio(median), ratio_span(lower, upper))
    return interval(median, lower, upper)


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
    if name == "level" and pd.api.types.is_numeric_dtype(values):  # an interval's level
        return [percent(v) for v in values]
    if pd.api.types.is_float_dtype(values):
        return [year(v) if name == "year" else si(v) for v in values]
    return [str(v) for v in values]


def _unit_factor(source: str | None, target: str, name: str) -> float:
    """The factor from ``source`` units to ``target``, which differ by an SI prefix only."""
    for prefix, scale in _PREFIXES.items():
        if source and source.startswith(prefix) and len(source) > len(prefix):
            base = source[len(prefix) :]
            for other, other_scale in _PREFIXES.items():
                if target == other + base:
                    return scale / other_scale
    raise ParameterError.invalid(
        "units", "reader_table", f"units {name!r} ({source}) converts to by an SI prefix", target
    )


def _paired(ds: xr.Dataset, names: list[str]) -> dict[str, tuple[str, str]]:
    """Variables with interval bounds beside them: ``x`` (or ``x_median``) and x_lower/x_upper."""
    found = {}
    for name in names:
        base = name.removesuffix("_median")
        if f"{base}_lower" in ds and f"{base}_upper" in ds:
            found[name] = (f"{base}_lower", f"{base}_upper")
    return found


def reader_table(
    data,
    *,
    columns: list[str] | None = None,
    formats: Mapping[str, str] | None = None,
    level: float = 0.9,
    caption: str | None = None,
    across: str | None = None,
    units: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
) -> ReaderTable:
    """A dataset (or a fit's estimates) as a table for readers, in the current language.

    Parameters
    ----------
    data
        One-dimensional variables along a shared dimension (the table's rows). A ``draw``
        dimension is summarised as median and ``level`` interval; a ``quantile`` dimension
        holding 0.5 and the ``level`` bounds is written the same way, and so are variables
        ``x`` (or ``x_median``) with ``x_lower`` and ``x_upper`` beside them. A results object
        of a fit (anything with ``summary(level)``, e.g. :func:`workbench.scaling.fit_trend`'s)
        gives its estimates with their intervals, the summary's notes below.
    columns
        Variables to show, in order (default: all data variables but ``source``).
    formats
        Per variable, one of :data:`FORMATS`: ``"number"`` ("399 M"), ``"percent"``,
        ``"ratio"`` ("0.39×"), ``"count"``, ``"year"``, ``"text"``, ``"date"`` or ``"flag"``; by
        default chosen from the variable's dtype, units, name and ``long_name``
        (:func:`workbench.numbers.kind_of`: shares and probabilities as percentages,
        ``ratio`` and "a / b" as ratios, whole dimensionless numbers as counts).
    level
        The interval's level, for ``draw`` or ``quantile`` data and for fits.
    caption
        A title shown above the table (a fit's own title by default).
    across
        A dimension whose values become columns side by side (``"distribution"`` puts prior
        and posterior next to each other; ``"cooling"`` air and liquid): each variable that
        has it gives one column per value, under its header, a second header row naming the
        value (translated).
    units
        Per variable, units to show it in instead of its own, differing by an SI prefix
        (``{"power": "GW"}`` for a variable in MW).
    notes
        Lines shown below the table (a dataset's ``coverage`` attribute, say), translated
        through the message catalogue.

    Returns
    -------
    ReaderTable
        Headers ``long_name [units]`` translated through the message catalogue; a ``source``
        variable (or the dataset's ``source`` attribute) becomes numbered references in a
        footnote.
    """
    if not isinstance(data, xr.Dataset | xr.DataArray):
        return _fit_table(data, level, caption, notes)
    ds = data.to_dataset(name=data.name or "value") if isinstance(data, xr.DataArray) else data
    formats = dict(formats or {})
    for kind in formats.values():
        if kind not in FORMATS:
            raise ParameterError.invalid("formats", "reader_table", f"one of {FORMATS}", kind)
    units = dict(units or {})
    names = columns or [n for n in ds.data_vars if n != "source"]
    paired = _paired(ds, names)
    bounds_of = {b for pair in paired.values() for b in pair}
    names = [n for n in names if n not in bounds_of]
    out: dict[tuple[str, str], list[str]] = {}  # (header, case) -> cells
    index = None
    for name in names:
        for header, cells, shown in _columns(ds, name, paired, formats, units, level, across):
            if shown.ndim > 1:
                raise ParameterError.invalid(
                    "data", "reader_table", f"one-dimensional variables; {name!r} has", shown.dims
                )
            if shown.ndim == 1 and index is None:
                dim = shown.dims[0]
                labels = _index_label(shown[dim].to_index(), dim)
                index = pd.Index(labels, name=translate(str(dim)))
            if header in out:  # two variables described alike: keep both, told apart by name
                header = (f"{header[0]} ({name})", *header[1:])
            out[header] = cells
    if index is None:  # a single row: name it by the instant selected, if there is one
        stamps = [c for c in ds.coords.values() if c.ndim == 0 and c.dtype.kind == "M"]
        name = stamps[0].name if stamps else None
        label = _index_label(pd.DatetimeIndex([stamps[0].values]), name)[0] if stamps else ""
        index = pd.Index([label], name=name and translate(str(name)))
    sources: list[str] = []
    if "source" in ds.data_vars:
        refs = []
        for value in np.atleast_1d(ds["source"].values):
            text = str(value)
            if text not in sources:
                sources.append(text)
            refs.append(f"[{sources.index(text) + 1}]")
        out[(translate("source"), "")] = refs
    elif ds.attrs.get("source"):
        sources.append(str(ds.attrs["source"]))
    frame = pd.DataFrame(dict(enumerate(out.values())), index=index)
    # One header row per variable; with ``across``, a second row names each column's case.
    frame.columns = (
        pd.MultiIndex.from_tuples(list(out)) if across else pd.Index([h for h, _ in out])
    )
    return ReaderTable(frame, sources, caption, [translate(n) for n in notes or []])


def _columns(ds, name, paired, formats, units, level, across):
    """The column(s) of variable ``name``: (header, cells, the values along the rows)."""
    da = ds[name]
    low = high = None
    if name in paired:
        low, high = (ds[b] for b in paired[name])
    if name in units:
        factor = _unit_factor(da.attrs.get("units"), units[name], name)
        scaled = {**da.attrs, "units": units[name]}
        da = (da * factor).assign_attrs(scaled)
        if low is not None:
            low, high = low * factor, high * factor
    bounds = (0.5 - level / 2, 0.5, 0.5 + level / 2)
    if "draw" in da.dims and da.dtype.kind in "fiu":
        da = da.quantile(list(bounds), dim="draw").assign_attrs(da.attrs)
    if "quantile" in da.dims and low is None:
        picks = [da.sel(quantile=q, method="nearest") for q in bounds]
        if not all(np.isclose(float(p["quantile"]), q) for p, q in zip(picks, bounds, strict=True)):
            raise ParameterError.invalid(
                "level", "reader_table", f"a level whose bounds {bounds} {name!r} holds", level
            )
        low, da, high = (p.drop_vars("quantile") for p in picks)
    kind = formats.get(name) or _kind(da.rename(name))
    # A variable nobody described is headed by its name as words: "vendors_covered" reads
    # "Vendors covered".
    label = translate(da.attrs.get("long_name") or name.replace("_", " ").capitalize())
    shown_units = None if kind in ("percent", "count", "ratio", "year") else da.attrs.get("units")
    if across is not None and across in da.dims:
        values = list(da[across].values)
        labels = _index_label(da[across].to_index(), across)
        parts = [
            (
                translate(label) if da[across].dtype.kind in "OUST" else label,
                da.sel({across: value}),
                None if low is None else low.sel({across: value}),
                None if high is None else high.sel({across: value}),
            )
            for value, label in zip(values, labels, strict=True)
        ]
    else:
        parts = [("", da, low, high)]
    header = f"{label} [%]" if kind == "percent" else with_units(label, shown_units)
    found = []
    for case, mid, lo, hi in parts:
        if lo is None:
            cells = [_cell(v, kind) for v in np.atleast_1d(mid.values)]
        else:
            cells = [
                _bounded_cell(m, a, b, kind)
                for m, a, b in zip(
                    np.atleast_1d(mid.values),
                    np.atleast_1d(lo.values),
                    np.atleast_1d(hi.values),
                    strict=True,
                )
            ]
        found.append(((header, case), cells, mid))
    return found


def _fit_table(fit, level: float, caption: str | None, notes: list[str] | None) -> ReaderTable:
    """A fit's estimates (its ``summary``) as a reader table: one row per estimate."""
    summary = fit.summary(level) if callable(getattr(fit, "summary", None)) else fit
    if not all(hasattr(summary, a) for a in ("rows", "title", "notes")):
        raise ParameterError.invalid(
            "data", "reader_table", "a Dataset, a DataArray or a fit's results", type(fit).__name__
        )
    header = translate("Estimate")
    if summary.interval_label:
        header = translate(
            "{estimate} ({interval})", estimate=header, interval=translate(summary.interval_label)
        )
    rows = {}
    for name, estimate, lower, upper in summary.rows:
        bounded_ = lower is not None and upper is not None
        rows[translate(name)] = interval(estimate, lower, upper) if bounded_ else si(estimate)
    frame = pd.DataFrame({header: rows})
    provenance = getattr(fit, "provenance", {}) or {}
    sources = [str(provenance["source"])] if provenance.get("source") else []
    lines = [translate(note) for note in [*summary.notes, *(notes or [])]]
    return ReaderTable(frame, sources, caption or translate(summary.title), lines)


# -- tables of results whose variables come without a description ---------------------------
# The gap's calibration record, backtest and published comparison name some variables only by
# their key; these functions describe them for readers (the descriptions are msgids of the
# catalogue) and leave the datasets as the gap returns them.


def _described(ds: xr.Dataset, described: Mapping[str, Mapping[str, str]]) -> xr.Dataset:
    """``ds`` with the attrs of ``described`` on its variables (theirs kept where they have
    a ``long_name``)."""
    out = ds.copy()
    for name, attrs in described.items():
        if name in out.variables and "long_name" not in out[name].attrs:
            out[name].attrs = {**out[name].attrs, **attrs}
    return out


def _named_targets(ds: xr.Dataset) -> xr.Dataset:
    """Backtest targets (``installed_h100e``) as their descriptions, where the rows show them."""
    names = {
        "all": {"long_name": "All targets"},
        "installed_h100e": {"long_name": "Installed base (H100e, from revenue)"},
        "google_tokens_per_month": {"long_name": "Google's tokens per month"},
    }
    if "target" not in ds.variables:
        return ds
    shown = [translate(names.get(str(t), {}).get("long_name", str(t))) for t in ds["target"].values]
    return ds.assign_coords(target=ds["target"].copy(data=np.array(shown, dtype=object)))


def calibration_table(tree, *, level: float = 0.9) -> ReaderTable:
    """The observations a calibrated outlook was conditioned on, with what the prior and the
    posterior draws predicted for each (median and ``level`` interval).

    ``tree`` is a :func:`workbench.gap.outlook` result (or its ``calibration`` node).
    """
    record = (
        tree["calibration"].to_dataset() if "calibration" in getattr(tree, "children", {}) else tree
    )
    record = _described(
        record,
        {
            "quantity": {"long_name": "Quantity"},
            "kind": {"long_name": "Kind of observation (a value or a lower bound)"},
        },
    )
    names = ["quantity", "kind", "observed", "simulated_prior", "simulated_posterior"]
    return reader_table(record, columns=[n for n in names if n in record], level=level)


def backtest_scores_table(scores: xr.Dataset) -> ReaderTable:
    """:func:`workbench.gap.backtest_scores` for readers: coverage of the intervals and CRPS of
    the outlook re-run from older data, beside the naive trend's, per target."""
    scores = _described(
        _named_targets(scores),
        {
            "coverage_50": {"long_name": "Coverage of the 50% interval"},
            "coverage_90": {"long_name": "Coverage of the 90% interval"},
            "crps": {"long_name": "CRPS of log"},
            "naive_coverage_50": {"long_name": "Naive trend: coverage of the 50% interval"},
            "naive_coverage_90": {"long_name": "Naive trend: coverage of the 90% interval"},
            "naive_crps": {"long_name": "Naive trend: CRPS of log"},
            "crps_skill": {"long_name": "CRPS skill against the naive trend"},
            "n": {"long_name": "Observations scored", "units": "1"},
        },
    )
    names = ["coverage_50", "coverage_90", "naive_coverage_50", "naive_coverage_90", "crps"]
    names += ["naive_crps", "crps_skill", "n"]
    return reader_table(scores, columns=names, formats={"crps_skill": "percent"})


def backtest_table(result: xr.Dataset, *, level: float = 0.9) -> ReaderTable:
    """Each forecast of :func:`workbench.gap.backtest`: when it was made, what it forecast,
    the observation, the forecast's median and ``level`` interval, whether its intervals held
    the observation, and its CRPS beside the naive trend's."""
    result = _described(
        _named_targets(result),
        {
            "as_of": {"long_name": "Data published before"},
            "target": {"long_name": "Quantity"},
            "time": {"long_name": "Date observed"},
            "observed": {"long_name": "Observed"},
            "forecast_q": {"long_name": "Forecast"},
            "in_50": {"long_name": "Inside the 50% interval"},
            "in_90": {"long_name": "Inside the 90% interval"},
            "naive_crps": {"long_name": "Naive trend: CRPS of log"},
        },
    )
    names = ["as_of", "target", "time", "observed", "forecast_q", "in_50", "in_90", "crps"]
    names += ["naive_crps"]
    # Each forecast is its own row, numbered from 1 as readers count.
    result = result.assign_coords(forecast=np.arange(1, result.sizes["forecast"] + 1))
    return reader_table(result, columns=[n for n in names if n in result], level=level)


def published_table(comparison: xr.Dataset) -> ReaderTable:
    """:func:`workbench.gap.compare_published` for readers: each published figure beside the
    outlook's median and interval in the same units, and their ratio."""
    comparison = _described(
        comparison,
        {
            "publisher": {"long_name": "Publisher"},
            "year": {"long_name": "Year the figure refers to"},
            "units": {"long_name": "Units"},
            "scope": {"long_name": "What the figure covers"},
        },
    )
    comparison["ours_median"] = comparison["ours_median"].assign_attrs(long_name="Outlook")
    names = ["publisher", "year", "published_median", "ours_median", "units", "ratio", "scope"]
    return reader_table(comparison, columns=[n for n in names if n in comparison])


def variables_table(ds: xr.Dataset, *, caption: str | None = None) -> ReaderTable:
    """What a dataset holds: one row per variable with its units, how filled it is and its range.

    The caption is ``caption``, else the dataset's ``name`` and ``title`` attributes (a bundled
    table's, translated); the dataset's ``source`` attribute (and licence) is the footnote.
    """
    if caption is None and ds.attrs.get("title"):
        title = translate(str(ds.attrs["title"]))
        name = ds.attrs.get("name")
        caption = translate("{name}: {title}", name=name, title=title) if name else title
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
