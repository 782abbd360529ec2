"""A readable text summary of a dataset: dimensions, variables with units, coverage, source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge

__all__ = ["coverage", "describe", "inventory"]


def coverage(ds: xr.Dataset) -> xr.Dataset:
    """Share of non-missing values of each variable, as a Dataset of scalars in [0, 1]."""
    out = {}
    for name, da in ds.data_vars.items():
        if da.size == 0:
            continue
        if da.dtype.kind in "fcmM":
            present = da.notnull()
        else:
            present = da.astype(str) != ""
        out[name] = float(present.mean())
    return xr.Dataset(
        {
            k: xr.DataArray(v, attrs={"units": "1", "long_name": f"coverage of {k}"})
            for k, v in out.items()
        },
        attrs={k: ds.attrs[k] for k in ("source", "license", "as_of") if k in ds.attrs},
    )


def _range(da: xr.DataArray) -> str:
    values = da.values
    if da.dtype.kind == "M":
        valid = values[~np.isnat(values)]
        if valid.size == 0:
            return ""
        first, last = (np.datetime_as_string(v, "D") for v in (valid.min(), valid.max()))
        return f"{first} → {last}"
    if da.dtype.kind in "fi":
        valid = values[np.isfinite(values)]
        if valid.size == 0:
            return ""
        return f"{valid.min():.3g} → {valid.max():.3g}"
    return ""


def describe(ds: xr.Dataset, *, name: str | None = None) -> str:
    """Summarise ``ds`` in a few lines of plain text (what ``workbench data show`` prints)."""
    title = ds.attrs.get("title", name or "dataset")
    lines = [f"{name}: {title}" if name else title]
    if ds.attrs.get("description"):
        first_paragraph = ds.attrs["description"].strip().split("\n\n")[0]
        lines.extend(f"  {line}" for line in first_paragraph.splitlines())
    dims = ", ".join(f"{d} ({n})" for d, n in ds.sizes.items())
    lines.append(f"  dimensions: {dims}")
    for dim in ds.dims:
        if dim in ds.coords and ds[dim].dtype.kind == "M":
            lines.append(f"  {dim} range: {_range(ds[dim])}")
    cov = coverage(ds)
    lines.append("  variables:")
    width = max((len(str(v)) for v in ds.data_vars), default=0)
    for var, da in ds.data_vars.items():
        units = da.attrs.get("units", "")
        share = f"{100 * float(cov[var]):.0f}% filled" if var in cov else ""
        extent = _range(da)
        detail = "; ".join(x for x in (f"[{units}]" if units else "", share, extent) if x)
        lines.append(f"    {var:<{width}}  {da.attrs.get('long_name', '')} {detail}".rstrip())
    if "source_quality" in ds:
        quality = ds["source_quality"].values.ravel()
        quality = quality[quality != ""]
        primary = int((quality == "primary").sum())
        lines.append(
            f"  primary sources: {primary} of {len(quality)} rows "
            f"({100 * primary / max(len(quality), 1):.0f}%)"
        )
    elif "source" in ds:
        lines.append("  primary sources: unknown (no source_quality column)")
    for key in ("source", "license", "as_of", "sha256"):
        if key in ds.attrs:
            lines.append(f"  {key}: {ds.attrs[key]}")
    return "\n".join(lines)


def newest_date(ds: xr.Dataset) -> np.datetime64:
    """The latest date in any datetime variable or coordinate of ``ds`` (NaT if none).

    A value that labels a calendar quarter (``attrs["period"] == "quarter"``) counts as the
    quarter's last day: a row about 2026Q2 is as new as 30 June 2026.
    """
    dates = []
    for name in [*ds.data_vars, *ds.coords]:
        if ds[name].dtype.kind == "M":
            values = ds[name].values.ravel()
            values = values[~np.isnat(values)]  # numpy's max would return NaT
            if values.size:
                newest = values.max()
                if ds[name].attrs.get("period") == "quarter":
                    newest = (pd.Timestamp(newest) + pd.offsets.QuarterEnd(0)).to_datetime64()
                dates.append(newest)
    return max(dates) if dates else np.datetime64("NaT", "ns")


def inventory() -> xr.Dataset:
    """One row per bundled table: title, size, coverage and freshness.

    Variables along ``dataset``: ``title``, ``entries`` (length of the first dimension),
    ``variables``, ``coverage`` (mean share of filled cells), ``primary_share`` (share of rows
    with a primary source; NaN for a table without ``source_quality``), ``newest`` (latest
    date found in the table), ``as_of`` (when it was last checked) and ``license``.
    """
    from workbench.data.catalog import list_datasets, load
    from workbench.data.sources import primary_share

    names = list_datasets()
    tables = [load(name) for name in names]

    def column(values, **attrs):
        return xr.DataArray(np.array(values), dims="dataset", attrs=attrs)

    return xr.Dataset(
        {
            "title": column([t.attrs.get("title", "") for t in tables], long_name="Title"),
            "entries": column(
                [next(iter(t.sizes.values())) for t in tables],
                long_name="Entries (length of the first dimension)",
                units="count",
            ),
            "variables": column(
                [len(t.data_vars) for t in tables], long_name="Variables", units="count"
            ),
            "coverage": column(
                [float(coverage(t).to_array().mean()) for t in tables],
                long_name="Mean share of filled cells",
                units="1",
            ),
            "primary_share": column(
                [primary_share(t) for t in tables],
                long_name="Share of rows whose source_quality is primary (NaN: not rated)",
                units="1",
            ),
            "newest": column(
                [newest_date(t) for t in tables], long_name="Newest date in the table"
            ),
            "as_of": column(
                [np.datetime64(t.attrs.get("as_of", "NaT"), "ns") for t in tables],
                long_name="Last checked against sources",
            ),
            "license": column([t.attrs.get("license", "") for t in tables], long_name="Licence"),
        },
        coords={"dataset": names},
        attrs={"title": "Bundled tables", **merge(*tables, method="workbench.data.inventory")},
    )
