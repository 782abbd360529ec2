"""The bundled tables, loaded by name.

Where they live and which there are is :mod:`~workbench.data.paths` (re-exported here).
"""

from __future__ import annotations

import functools
from pathlib import Path

import xarray as xr

from workbench._provenance import UNKNOWN
from workbench._validation import invalid
from workbench.data.metadata import read_metadata
from workbench.data.paths import ENV_VAR, data_dir, dataset_path, list_datasets
from workbench.data.table import Schema, read_table

__all__ = [
    "ENV_VAR",
    "data_dir",
    "dataset_path",
    "list_datasets",
    "load",
    "load_table",
    "read_metadata",
    "table_from",
]


def load_table(
    csv_path: str | Path, metadata_path: str | Path | None = None, *, like: str | None = None
) -> xr.Dataset:
    """Load any CSV that has a metadata file in the bundled format (``NAME.toml`` beside it).

    This is how users load their own tables (assumptions, scenarios, training runs) with the
    same checks as the bundled ones. With ``like`` (a bundled table's name), a CSV without its
    own ``NAME.toml`` is read with that table's columns and key, but not its provenance: its
    source names the user's file and its licence and date are ``"unknown"`` (the bundled
    table's CC-BY-4.0 does not extend to a user's numbers).
    """
    csv_path = Path(csv_path)
    if like is not None and metadata_path is None and not csv_path.with_suffix(".toml").exists():
        meta = read_metadata(dataset_path(like).with_suffix(".toml"))
        meta.update(
            title=f"{csv_path.name}: the user's replacement for {like}",
            source=f"user table {csv_path.name} (read with the {like} schema)",
            license=UNKNOWN,
            as_of=UNKNOWN,
        )
        return read_table(csv_path, Schema.from_metadata(meta, path=csv_path))
    metadata_path = Path(metadata_path) if metadata_path else csv_path.with_suffix(".toml")
    stamp = _stamp(csv_path, metadata_path)
    return _read_cached(str(csv_path), str(metadata_path), stamp).copy(deep=True)


def load(name: str) -> xr.Dataset:
    """Load bundled table ``name`` as an ``xarray.Dataset``.

    Dimensions are the table's key columns; numeric variables carry ``units`` and
    ``long_name``; the dataset's attrs carry ``title``, ``source``, ``license``, ``as_of``
    and the file's ``sha256``. Missing values are NaN.

    Examples
    --------
    >>> from workbench.data import load
    >>> models = load("models")
    >>> models.training_compute.attrs["units"]
    'FLOP'
    """
    path = dataset_path(name)
    ds = load_table(path)
    ds.attrs.setdefault("name", name)
    # Each variable carries the table's provenance, so a fit given ds.x alone can cite it.
    cited = {k: ds.attrs[k] for k in ("source", "license", "as_of") if k in ds.attrs}
    for variable in ds.variables.values():
        for key, value in cited.items():
            variable.attrs.setdefault(key, value)
    return ds


def table_from(value, name: str, parameter: str) -> xr.Dataset:
    """A table an analysis was given in place of bundled table ``name``.

    ``None`` is the bundled table; a Dataset is used as it is; a CSV path is read with its own
    ``NAME.toml``, or else with ``name``'s schema (``load_table(..., like=name)``).
    """
    if value is None:
        return load(name)
    if isinstance(value, xr.Dataset):
        return value
    if isinstance(value, (str, Path)):
        return load_table(value, like=name)
    raise invalid(parameter, f"a Dataset, a CSV path or None (the bundled {name})", value)


def _stamp(*paths: Path) -> tuple:
    return tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in paths)


@functools.lru_cache(maxsize=64)
def _read_cached(csv_path: str, metadata_path: str, stamp: tuple) -> xr.Dataset:
    # Keyed on the files' modification stamps; callers get a deep copy to modify freely.
    meta = read_metadata(metadata_path)
    meta.setdefault(
        "source",
        f"Compute Workbench curated table {Path(csv_path).name}; each row cites its own "
        "source in the variable 'source'",
    )
    return read_table(csv_path, Schema.from_metadata(meta, path=metadata_path))
