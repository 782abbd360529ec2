"""Fuzz: mangled CSVs fed to every loader give a Dataset or a DataError, never anything else."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.data import (
    dataset_path,
    load_table,
    read_epoch_chip_sales,
    read_epoch_hardware,
    read_epoch_models,
)
from workbench.errors import DataError, WorkbenchError

FIXTURES = Path(__file__).parent / "fixtures"
LOADERS = {
    "models": (read_epoch_models, (FIXTURES / "epoch_models_sample.csv").read_bytes()),
    "hardware": (read_epoch_hardware, (FIXTURES / "epoch_hardware_sample.csv").read_bytes()),
    "chip_sales": (read_epoch_chip_sales, (FIXTURES / "epoch_chip_sales_sample.csv").read_bytes()),
    "bundled": (None, dataset_path("accelerators").read_bytes()[:4000]),
}
NASTY = [
    b"",
    b",",
    b'"',
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"nan",
    b"-1",
    b"1e999",
    b"inf",
    b"abc",
    b"0",
    b"\x00",
    b"\xff",
    b"2024-13-45",
    b" ",
    b";",
    b'""',
    b"1,2,3",
]


@st.composite
def mangled(draw):
    name = draw(st.sampled_from(sorted(LOADERS)))
    blob = bytearray(LOADERS[name][1])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "swap_lines"]))
        pos = draw(st.integers(0, max(len(blob) - 1, 0)))
        if action == "insert":
            blob[pos:pos] = draw(st.sampled_from(NASTY))
        elif action == "delete":
            del blob[pos : pos + draw(st.integers(1, 40))]
        elif action == "replace":
            blob[pos : pos + 1] = draw(st.sampled_from(NASTY))
        elif action == "truncate":
            del blob[pos:]
        else:
            lines = bytes(blob).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            blob = bytearray(b"\n".join(lines))
    return name, bytes(blob)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=mangled())
def test_loaders_return_a_dataset_or_raise_data_error(tmp_path_factory, case):
    name, blob = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "table.csv"
    path.write_bytes(blob)
    reader = LOADERS[name][0]
    if reader is None:
        (folder / "table.toml").write_bytes(
            dataset_path("accelerators").with_suffix(".toml").read_bytes()
        )
        reader = load_table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = reader(path)
        except DataError as exc:
            assert str(path) in str(exc) or "table" in str(exc)
            return
    assert isinstance(result, xr.Dataset)
    assert all(size > 0 for size in result.sizes.values())


# Metadata and CSV text together: metadata drawn as a structure of mostly valid, sometimes
# invalid values (so that most examples get past TOML and reach the schema and the reader),
# written out as TOML, sometimes damaged; CSV text with cells that fit the dtypes, or not.
NAMES = ["a", "b", "c", "d"]
VALID_CELLS = {
    "str": ["x", "y", "GPU", '"a,b"'],
    "float": ["1", "2.5", "3e23", "0.5"],
    "int": ["1", "7", "42"],
    "date": ["2024-01-01", "2023-06", "2020", "3/31/2024"],
    "quarter": ["2024Q3", "2025Q1"],
    "bool": ["true", "false"],
}
NASTY_CELLS = [
    "",
    "-1",
    "1e400",
    "nan",
    "maybe",
    "3024-01-01",
    "1500",
    "2024Q5",
    "9999Q1",
    '"',
    " ",
    "2.5.1",
    "1,000",
]
# Changes that each break a valid metadata file in one way.
CORRUPTIONS = [
    ("top", "columns", 5),
    ("top", "index", 5),
    ("top", "index", []),
    ("top", "index", ["z"]),
    ("top", "index", ["a", "a"]),
    ("top", "ordered", 3),
    ("top", "ordered", [["a", "z"]]),
    ("top", "title", None),
    ("top", "as_of", None),
    ("top", "extra", [1, 2]),
    ("column", "min", "zero"),
    ("column", "min", True),
    ("column", "max", -5),
    ("column", "dtype", "decimal"),
    ("column", "required", "yes"),
    ("column", "unit", "W"),
    ("column", "header", ""),
    ("column", "units_column", "z"),
    ("column", "choices", []),
    ("column", "choices", ["x"]),
    ("column", "units", 1),
    ("stack", "columns", ["c", "d"]),
    ("stack", "columns", {}),
    ("stack", "unit", "W"),
    ("stack", "dim", "s"),
    ("stack", "dim", "a"),
    ("stack", "columns", {"p": "a"}),
    ("bytes", "truncate", None),
    ("bytes", "latin-1", None),
]


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def metadata_and_csv(draw):
    """A valid metadata file and a CSV that fits it, then a few corruptions of either."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    dtypes = {n: draw(st.sampled_from(sorted(VALID_CELLS))) for n in names}
    top = {"title": "t", "license": "CC0-1.0", "as_of": "2026-01-01"}
    key = names[: draw(st.integers(1, min(2, len(names))))]
    top["index"] = key
    columns = {}
    for name in names:
        spec = {"dtype": dtypes[name]}
        if dtypes[name] in ("float", "int"):
            spec["units"] = "1"
            if draw(st.booleans()):
                spec["min"] = draw(st.sampled_from([0, -10, 1]))
            if draw(st.booleans()):
                spec["max"] = 1e30
        if dtypes[name] == "str" and draw(st.booleans()):
            spec["choices"] = ["x", "y", "GPU", "a,b"]
        spec["required"] = draw(st.booleans())
        columns[name] = spec
    numeric = [n for n in names if dtypes[n] in ("float", "int") and n not in key]
    stacks = {}
    if len(numeric) >= 1 and draw(st.booleans()):
        stacks["s"] = {"dim": "k", "columns": {f"p{i}": n for i, n in enumerate(numeric)}}
    if len(numeric) >= 2 and draw(st.booleans()):
        top["ordered"] = [numeric]
    corruptions = draw(st.lists(st.sampled_from(CORRUPTIONS), max_size=2))
    damage = None
    for where, key, value in corruptions:
        if where == "top":
            if value is None:
                top.pop(key, None)
            else:
                top[key] = value
        elif where == "column":
            columns[draw(st.sampled_from(names))][key] = value
        elif where == "stack":
            stacks.setdefault("s", {"dim": "k", "columns": {"p": names[-1]}})[key] = value
        else:
            damage = key
    text = "".join(f"{k} = {toml_value(v)}\n" for k, v in top.items() if k != "columns")
    if "columns" in top:
        text += f"columns = {toml_value(top['columns'])}\n"
    for kind, tables in (("columns", columns), ("stack", stacks)):
        for name, spec in tables.items():
            text += f"[{kind}.{name}]\n" + "".join(
                f"{k} = {toml_value(v)}\n" for k, v in spec.items()
            )
    meta = text.encode()
    if damage == "truncate":
        meta = meta[: draw(st.integers(0, len(meta)))]
    elif damage == "latin-1":
        meta = text.replace('"t"', '"t\xe9"').encode("latin-1")

    header = [str(columns[n].get("header", n)) for n in names]
    if draw(st.sampled_from(range(6))) == 0:  # a column renamed, dropped or added
        header = draw(st.permutations([*header, "e"]))[: draw(st.integers(1, len(header) + 1))]
    rows = []
    for i in range(draw(st.integers(0, 5))):
        cells = []
        for name in names:
            good = VALID_CELLS[dtypes[name]]
            if name in key and dtypes[name] == "str":
                good = [f"k{i}"]
            nasty = draw(st.sampled_from(range(10))) == 0
            cells.append(draw(st.sampled_from(NASTY_CELLS if nasty else good)))
        if draw(st.sampled_from(range(12))) == 0:  # a field too many or too few
            cells = cells[:-1] if draw(st.booleans()) else [*cells, "x"]
        rows.append(",".join(cells))
    csv_text = "\n".join([",".join(header), *rows]) + "\n"
    return meta, csv_text.encode()


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=metadata_and_csv())
def test_any_metadata_and_csv_give_a_dataset_or_a_workbench_error(tmp_path_factory, case):
    meta, text = case
    folder = tmp_path_factory.mktemp("fuzzmeta")
    (folder / "t.toml").write_bytes(meta)
    (folder / "t.csv").write_bytes(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = load_table(folder / "t.csv")
        except WorkbenchError as exc:
            assert str(folder) in str(exc), exc
            return
    assert isinstance(result, xr.Dataset)
    assert all(size > 0 for size in result.sizes.values())
