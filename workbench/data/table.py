"""Read a CSV table with a declared schema into an ``xarray.Dataset``.

One reader serves the bundled tables (schema from their ``.toml`` metadata), the publishers'
formats (schemas declared in :mod:`workbench.data.epoch`) and users' own files. It parses
every cell itself so that each problem is reported as a :class:`~workbench.errors.DataError`
naming the file, the 1-based line, the column and the value, and it builds the dataset only
after the whole file has passed, so a bad file never yields a half-loaded dataset.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from workbench.data.metadata import DTYPES, check_metadata, read_text
from workbench.data.paths import file_sha256
from workbench.errors import DataError, format_choices

__all__ = ["Column", "Schema", "Stack", "check_grid", "file_sha256", "read_table"]

# Cells that mean "no value" in the publishers' files; the bundled tables use empty cells only.
MISSING = frozenset({"", "nan", "NaN", "NA", "N/A", "n/a", "null", "NULL", "None", "-", "—"})
TRUE = frozenset({"true", "yes", "y", "1", "t"})
FALSE = frozenset({"false", "no", "n", "0", "f"})
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y", "%m/%d/%Y", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
# Whole years inside what datetime64[ns] holds (1677-09-21 to 2262-04-11): a date outside
# would silently wrap around (3024 becoming 1854).
FIRST_YEAR, LAST_YEAR = 1678, 2261
#: Largest dense grid a multi-column key may unstack into (all variables together).
MAX_GRID_BYTES = 1 << 30


@dataclass(frozen=True)
class Column:
    """One column of a table and the variable it becomes."""

    name: str
    dtype: str = "str"
    units: str | None = None
    long_name: str | None = None
    description: str | None = None
    required: bool = False
    min: float | None = None
    exclusive_min: bool = False
    max: float | None = None
    header: str | None = None  # the file's own column name, when it differs from ``name``
    zero_is_missing: bool = False  # some publishers write 0 for "unknown"
    units_column: str | None = None  # units differ by row and are given in this column
    choices: tuple[str, ...] | None = None  # the only values a text column may hold

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise DataError(
                f"dtype must be {format_choices(DTYPES)}; got {self.dtype!r}", column=self.name
            )
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))

    @property
    def file_header(self) -> str:
        return self.header or self.name


@dataclass(frozen=True)
class Stack:
    """Several numeric columns folded into one variable along a new dimension."""

    name: str
    dim: str
    columns: Mapping[str, str]  # coordinate label -> column name
    units: str | None = None
    long_name: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Schema:
    """A table's columns, key and provenance.

    ``ordered`` lists groups of columns whose values must not decrease along each row where
    present (``("start_date", "end_date")``, ``("p05", "median", "p95")``).
    """

    columns: tuple[Column, ...]
    index: tuple[str, ...]
    stacks: tuple[Stack, ...] = ()
    attrs: Mapping[str, str] = field(default_factory=dict)
    ordered: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @classmethod
    def from_metadata(cls, meta: Mapping, *, path: str | Path = "<metadata>") -> Schema:
        """Build a schema from a parsed ``NAME.toml`` metadata mapping (see data/README.md).

        The mapping is checked against :data:`~workbench.data.metadata.METADATA_SCHEMA` first.
        """
        meta = check_metadata(meta, path=path)
        columns = tuple(Column(name=name, **spec) for name, spec in meta["columns"].items())
        stacks = tuple(Stack(name=name, **spec) for name, spec in meta.get("stack", {}).items())
        attrs = {
            k: str(v) for k, v in meta.items() if k not in ("columns", "stack", "index", "ordered")
        }
        return cls(
            columns=columns,
            index=tuple(meta["index"]),
            stacks=stacks,
            attrs=attrs,
            ordered=tuple(tuple(group) for group in meta.get("ordered", ())),
        )


def read_table(
    path: str | Path,
    schema: Schema,
    *,
    on_duplicate: Literal["error", "rename"] = "error",
    on_missing_key: Literal["error", "skip"] = "error",
    on_short_row: Literal["error", "skip"] = "error",
) -> xr.Dataset:
    """Read ``path`` as ``schema`` describes and return a Dataset.

    Parameters
    ----------
    path
        A CSV file (UTF-8, with or without a byte-order mark).
    schema
        Columns, key and provenance attributes.
    on_duplicate
        ``"error"`` raises on a repeated key; ``"rename"`` keeps every row, suffixing repeats
        with `` (2)``, `` (3)`` … and warning (publishers' files sometimes repeat a name).
    on_missing_key
        ``"error"`` raises on a row with no key; ``"skip"`` drops it with a warning.
    on_short_row
        ``"skip"`` drops, with a warning, a row that holds a single field (a bare label line,
        as Epoch AI's hardware export has); ``"error"`` raises. Any other row whose field count
        differs from the header's is always an error: its cells would be shifted.

    Raises
    ------
    DataError
        Naming the file, the 1-based line and the column of the first problem found.
    """
    path = Path(path)
    header, records = _read_records(path, on_short_row)
    positions = _locate_columns(path, header, schema)
    values: dict[str, list] = {col.name: [] for col in schema.columns}
    lines: list[int] = []
    key_columns = [schema.column(name) for name in schema.index]
    for line, record in records:
        cells = {col.name: record[positions[col.name]].strip() for col in schema.columns}
        if any(cells[k.name] in MISSING for k in key_columns):
            if on_missing_key == "skip":
                warnings.warn(f"{path}, line {line}: row without a key skipped", stacklevel=2)
                continue
            empty = next(k.name for k in key_columns if cells[k.name] in MISSING)
            raise DataError("the key is empty", path=path, line=line, column=empty)
        row = {col.name: _parse_cell(cells[col.name], col, path, line) for col in schema.columns}
        _check_order(row, schema, path, line)
        for name, value in row.items():
            values[name].append(value)
        lines.append(line)
    if not lines:
        raise DataError("the file has a header but no data rows", path=path)
    keys = _unique_keys(path, values, lines, schema, on_duplicate)
    attrs = dict(schema.attrs)
    attrs.setdefault("source", str(path))
    attrs["sha256"] = file_sha256(path)
    attrs["file"] = path.name
    return _to_dataset(values, keys, schema, attrs, path)


def _read_records(path: Path, on_short_row: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the records with the 1-based line each starts on."""
    text = read_text(path, encoding="utf-8-sig")
    if not text.strip():
        raise DataError("the file is empty", path=path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"is not valid CSV ({exc})", path=path, line=start) from None
    # Every row has exactly the header's fields: one more or one fewer means a stray or a
    # missing comma (an unquoted "Google, DeepMind"), and every later cell would be shifted.
    width = len(header)
    kept = []
    for line, record in records:
        if len(record) < width and on_short_row == "skip" and len(record) == 1:
            warnings.warn(f"{path}, line {line}: a row with a single field skipped", stacklevel=3)
            continue
        if len(record) != width:
            raise DataError(
                f"the row has {len(record)} fields but the header has {width} (an unquoted "
                "comma, or a missing one?)",
                path=path,
                line=line,
            )
        kept.append((line, record))
    return header, kept


def _locate_columns(path: Path, header: list[str], schema: Schema) -> dict[str, int]:
    """Position of each declared column in the header; every declared column must be there."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name in seen:
            raise DataError(f"the header repeats column {name!r}", path=path, line=1)
        seen[name] = i
    positions: dict[str, int] = {}
    declared = {col.file_header for col in schema.columns}
    for col in schema.columns:
        pos = seen.get(col.file_header)
        if pos is None:
            spare = [h for h in header if h and h not in declared]
            close = difflib.get_close_matches(col.file_header, spare, n=3, cutoff=0.6)
            hint = (
                f"the closest header names are {', '.join(map(repr, close))}"
                if close
                else f"the header has {', '.join(repr(h) for h in header if h)}"
            )
            kind = "required" if col.required or col.name in schema.index else "declared"
            raise DataError(
                f"the {kind} column is missing from the header; {hint}",
                path=path,
                line=1,
                column=col.file_header,
            )
        positions[col.name] = pos
    return positions


def _check_order(row: dict, schema: Schema, path: Path, line: int) -> None:
    for group in schema.ordered:
        present = [(name, row[name]) for name in group if row[name] is not None]
        for (a, va), (b, vb) in itertools.pairwise(present):
            if vb < va:
                col_a, col_b = schema.column(a), schema.column(b)
                word = "before" if col_b.dtype in ("date", "quarter") else "below"
                raise DataError(
                    f"{col_b.file_header!r} ({_shown(vb)}) is {word} {col_a.file_header!r} "
                    f"({_shown(va)})",
                    path=path,
                    line=line,
                    column=col_b.file_header,
                )


def _shown(value) -> str:
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value, "D"))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _parse_cell(text: str, col: Column, path: Path, line: int):
    def fail(problem: str):
        raise DataError(f"{problem}; got {text!r}", path=path, line=line, column=col.file_header)

    if text in MISSING:
        if col.required:
            raise DataError("a value is required", path=path, line=line, column=col.file_header)
        return None
    if col.dtype == "str":
        if col.choices is not None and text not in col.choices:
            fail(f"expected {format_choices(col.choices)}")
        return text
    if col.dtype in ("float", "int"):
        number = text[1:] if col.units == "USD" and text.startswith("$") else text
        if THOUSANDS.match(number):
            number = number.replace(",", "")
        try:
            value = float(number) if "_" not in number else float("invalid")
        except ValueError:
            fail("expected a number")
        if not math.isfinite(value):
            fail("expected a finite number")
        if value == 0 and col.zero_is_missing:
            return None
        if col.dtype == "int" and value != int(value):
            fail("expected a whole number")
        if col.min is not None and (value < col.min or (col.exclusive_min and value == col.min)):
            fail(f"expected a number {'>' if col.exclusive_min else '>='} {col.min:g}")
        if col.max is not None and value > col.max:
            fail(f"expected a number <= {col.max:g}")
        return value
    if col.dtype == "bool":
        lowered = text.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        fail("expected true or false")
    if col.dtype == "date":
        for fmt in DATE_FORMATS:
            try:
                when = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if not FIRST_YEAR <= when.year <= LAST_YEAR:
                fail(f"expected a date in the years {FIRST_YEAR} to {LAST_YEAR}")
            return np.datetime64(when, "ns")
        fail("expected a date such as 2024-05-31")
    if col.dtype == "quarter":
        match = QUARTER.match(text)
        if not match:
            fail("expected a quarter such as 2024Q3")
        year, q = int(match.group(1)), int(match.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            fail(f"expected a quarter in the years {FIRST_YEAR} to {LAST_YEAR}")
        return np.datetime64(f"{year:04d}-{3 * (q - 1) + 1:02d}-01", "ns")
    raise AssertionError(col.dtype)  # unreachable: dtypes are checked in Column


def _unique_keys(path, values, lines, schema, on_duplicate) -> list[tuple]:
    keys = list(zip(*(values[name] for name in schema.index), strict=True))
    first_line: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    renamed = False
    for i, key in enumerate(keys):
        if key not in first_line:
            first_line[key] = lines[i]
            continue
        label = ", ".join(str(k) for k in key)
        if on_duplicate == "error" or len(schema.index) > 1:
            raise DataError(
                f"duplicate key {label!r} (first on line {first_line[key]})",
                path=path,
                line=lines[i],
                column=", ".join(schema.index),
            )
        counts[key] = counts.get(key, 1) + 1
        new_key = (f"{key[0]} ({counts[key]})",)
        values[schema.index[0]][i] = new_key[0]
        keys[i] = new_key
        renamed = True
        warnings.warn(
            f"{path}, line {lines[i]}: duplicate {schema.index[0]} {label!r} kept as "
            f"{new_key[0]!r}",
            stacklevel=3,
        )
    if renamed and len(set(keys)) != len(keys):
        raise DataError("duplicate keys remain after renaming", path=path)
    return keys


def check_grid(sizes: Mapping[str, int], *, rows: int, variables: int, path) -> None:
    """Refuse to unstack ``rows`` into a dense grid of ``sizes`` that would not fit in memory.

    A multi-column key becomes one dimension per column; when the columns vary together
    (10^5 rows, each a new pair) the grid has 10^10 cells, almost all empty.
    """
    cells = math.prod(sizes.values())
    need = cells * variables * 8
    if need > MAX_GRID_BYTES:
        shape = " x ".join(f"{n:,} {name}" for name, n in sizes.items())
        raise DataError(
            f"the key ({', '.join(sizes)}) spans {shape} = {cells:.3g} combinations for "
            f"{rows:,} rows: as a grid the table would need {need / 2**30:.1f} GiB (at most "
            f"{MAX_GRID_BYTES / 2**30:g} GiB is allowed); key on one column instead",
            path=path,
            column=", ".join(sizes),
        )


def _as_array(values: list, dtype: str) -> np.ndarray:
    if dtype in ("float", "int"):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if dtype in ("date", "quarter"):
        return np.array(
            [np.datetime64("NaT", "ns") if v is None else v for v in values],
            dtype="datetime64[ns]",
        )
    if dtype == "bool":
        # A missing boolean cannot be NaN in a bool array: keep it as a float 0/1/NaN.
        if any(v is None for v in values):
            return np.array([np.nan if v is None else float(v) for v in values])
        return np.array(values, dtype=bool)
    return np.array(["" if v is None else v for v in values], dtype=object)


def _grid(values: np.ndarray, shape: tuple[int, ...], codes) -> np.ndarray:
    """Row values placed on a grid of ``shape`` at the key's level ``codes``; holes missing.

    Holes are NaN, NaT for dates, and NaN in an object array for text and booleans (the
    promotion xarray's ``Dataset.from_dataframe`` makes).
    """
    if math.prod(shape) == len(values):
        grid = np.zeros(shape, values.dtype)
    elif values.dtype.kind in "fM":
        grid = np.full(shape, np.nan if values.dtype.kind == "f" else np.datetime64("NaT"))
        grid = grid.astype(values.dtype)
    else:
        grid = np.full(shape, np.nan, dtype=object)
    grid[tuple(codes)] = values
    return grid


def _variable_attrs(col: Column | Stack) -> dict[str, str]:
    attrs = {"long_name": col.long_name or col.name.replace("_", " ")}
    if col.units is not None:
        attrs["units"] = col.units
    if getattr(col, "units_column", None):
        attrs["units_column"] = col.units_column
    if col.description:
        attrs["description"] = col.description
    if getattr(col, "dtype", None) == "quarter":
        # Each value labels a calendar quarter by its first day (what freshness reads).
        attrs["period"] = "quarter"
    return attrs


def _to_dataset(values, keys, schema: Schema, attrs, path: Path) -> xr.Dataset:
    columns = {
        col.name: _as_array(values[col.name], col.dtype)
        for col in schema.columns
        if col.name not in schema.index
    }
    dims = tuple(schema.index)
    if len(schema.index) == 1:
        index = pd.Index([k[0] for k in keys], name=schema.index[0])
        coords, data = {dims[0]: index}, {name: (dims, v) for name, v in columns.items()}
    else:
        # One dimension per key column, a dense grid of their values (what
        # Dataset.from_dataframe makes of a MultiIndex, without its assignment per column).
        index = pd.MultiIndex.from_tuples(keys, names=list(schema.index))
        check_grid(
            {name: len(level) for name, level in zip(schema.index, index.levels, strict=True)},
            rows=len(keys),
            variables=max(len(columns), 1),
            path=path,
        )
        coords = dict(zip(dims, index.levels, strict=True))
        shape = tuple(len(level) for level in index.levels)
        data = {name: (dims, _grid(v, shape, index.codes)) for name, v in columns.items()}
    ds = xr.Dataset(data, coords=coords)
    if len(schema.index) > 1:
        ds = ds.sortby(list(schema.index))
    # Fills and attributes are set on the variables in place: assigning to the Dataset column
    # by column would align and merge every time (it was most of a table's load).
    for col in schema.columns:
        if col.name not in ds.variables:
            continue
        variable = ds.variables[col.name]
        if col.name in ds.data_vars and variable.dtype == object:
            missing = pd.isnull(variable.values)  # a text cell left empty, or a grid's hole
            if missing.any():
                variable.values = np.where(missing, "", variable.values)
        variable.attrs = _variable_attrs(col)
    for stack in schema.stacks:
        parts = [ds[column] for column in stack.columns.values()]
        da = xr.concat(parts, dim=pd.Index(list(stack.columns), name=stack.dim))
        da = da.transpose(*schema.index, stack.dim)
        da.attrs = _variable_attrs(stack)
        ds = ds.drop_vars(list(stack.columns.values()))
        ds[stack.name] = da
    ds.attrs = attrs
    return ds
