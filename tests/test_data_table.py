"""The schema-driven CSV reader: good files load, bad files give a DataError naming the place."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from workbench.data import Column, Schema, Stack, read_table
from workbench.errors import DataError

SCHEMA = Schema(
    index=("name",),
    columns=(
        Column("name"),
        Column("day", "date", required=True),
        Column("flops", "float", units="FLOP/s", min=0, exclusive_min=True),
        Column("share", "float", units="1", min=0, max=1),
        Column("open", "bool"),
        Column("q", "quarter"),
    ),
    attrs={"title": "t", "license": "CC0", "as_of": "2026-01-01"},
)


def read(path, **options):
    """Read with the part of SCHEMA the file's header names (every declared column must exist)."""
    header = {h.strip() for h in path.read_bytes().split(b"\n")[0].decode("utf-8-sig").split(",")}
    columns = tuple(c for c in SCHEMA.columns if c.name in header or c.required or c.name == "name")
    return read_table(path, replace(SCHEMA, columns=columns), **options)


def write(tmp_path, text: str, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_types_units_and_missing_as_nan(tmp_path):
    path = write(
        tmp_path,
        "name,day,flops,share,open,q\na,2024-05-31,1e15,0.5,true,2024Q2\nb,2023-01,,,false,\n",
    )
    ds = read_table(path, SCHEMA)
    assert list(ds.name.values) == ["a", "b"]
    assert ds.day.dtype.kind == "M"
    assert str(ds.day.values[1])[:10] == "2023-01-01"
    assert ds.flops.attrs["units"] == "FLOP/s"
    assert np.isnan(ds.flops.values[1]) and np.isnan(ds.share.values[1])
    assert ds.open.dtype == bool
    assert str(ds.q.values[0])[:10] == "2024-04-01" and np.isnat(ds.q.values[1])
    assert len(ds.attrs["sha256"]) == 64 and ds.attrs["file"] == "t.csv"


def test_bom_and_stray_whitespace_in_header_are_handled(tmp_path):
    path = write(tmp_path, " name , day ,flops\r\n a ,2024-01-01, 3 \r\n", encoding="utf-8-sig")
    ds = read(path)
    assert ds.name.values.tolist() == ["a"] and ds.flops.values.tolist() == [3.0]


def test_multiline_quoted_cells_keep_line_numbers_right(tmp_path):
    path = write(tmp_path, 'name,day,flops\n"a\nstill a",2024-01-01,1\nb,2024-01-01,abc\n')
    with pytest.raises(DataError) as info:
        read(path)
    assert info.value.line == 4 and info.value.column == "flops"


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("name,flops\na,1\n", 1, "day", "required column is missing"),
        ("name,day\na,31/31/2024\n", 2, "day", "expected a date"),
        ("name,day,flops\na,2024-01-01,1e15\nb,2024-01-01,fast\n", 3, "flops", "expected a number"),
        ("name,day,flops\na,2024-01-01,-5\n", 2, "flops", "> 0"),
        ("name,day,flops\na,2024-01-01,0\n", 2, "flops", "> 0"),
        ("name,day,flops\na,2024-01-01,inf\n", 2, "flops", "finite"),
        ("name,day,share\na,2024-01-01,1.5\n", 2, "share", "<= 1"),
        ("name,day,open\na,2024-01-01,maybe\n", 2, "open", "true or false"),
        ("name,day,q\na,2024-01-01,2024Q5\n", 2, "q", "quarter"),
        ("name,day\na,\n", 2, "day", "required"),
        ("name,day\n,2024-01-01\n", 2, "name", "key is empty"),
        ("name,day\na,2024-01-01\nb,2024-01-02\na,2024-01-03\n", 4, "name", "duplicate key 'a'"),
        ("name,day\na,2024-01-01,surplus\n", 2, None, "3 fields"),
        ("name,day,day\na,2024-01-01,2024-01-01\n", 1, None, "repeats column"),
    ],
)
def test_bad_input_names_file_line_and_column(tmp_path, text, line, column, fragment):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read(path)
    err = info.value
    assert err.path == str(path)
    assert err.line == line
    assert err.column == column
    assert fragment in str(err)
    assert str(path) in str(err)


@pytest.mark.parametrize("text", ["", "   \n\n", "name,day\n"])
def test_empty_files_are_errors(tmp_path, text):
    with pytest.raises(DataError, match=r"empty|no data rows"):
        read(write(tmp_path, text))


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,day\ncaf\xe9,2024-01-01\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8") as info:
        read(path)
    assert info.value.line == 2
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv", SCHEMA)
    # A folder is named as one (tables and metadata share one reader of text files).
    with pytest.raises(DataError, match="is a folder, not a file"):
        read_table(tmp_path, SCHEMA)


def test_duplicates_can_be_renamed_and_keyless_rows_skipped(tmp_path):
    path = write(tmp_path, "name,day\na,2024-01-01\n,2024-01-01\na,2024-02-01\n")
    with pytest.warns(UserWarning):
        ds = read(path, on_duplicate="rename", on_missing_key="skip")
    assert ds.name.values.tolist() == ["a", "a (2)"]


def test_two_column_key_makes_two_dimensions_and_stacks_fold_columns(tmp_path):
    schema = Schema(
        index=("vendor", "quarter"),
        columns=(
            Column("vendor"),
            Column("quarter", "quarter"),
            Column("lo", "float", units="USD"),
            Column("hi", "float", units="USD"),
        ),
        stacks=(Stack("revenue", dim="bound", columns={"low": "lo", "high": "hi"}, units="USD"),),
    )
    path = write(tmp_path, "vendor,quarter,lo,hi\nX,2024Q1,1,2\nY,2024Q2,3,4\n")
    ds = read_table(path, schema)
    assert dict(ds.sizes) == {"vendor": 2, "quarter": 2, "bound": 2}
    assert ds.revenue.attrs["units"] == "USD"
    assert np.isnan(ds.revenue.sel(vendor="X").isel(quarter=1)).all()
    assert ds.revenue.sel(vendor="Y", bound="high").dropna("quarter").item() == 4
    with pytest.raises(DataError, match="duplicate key"):
        read_table(write(tmp_path, "vendor,quarter,lo,hi\nX,2024Q1,1,2\nX,2024Q1,3,4\n"), schema)


def test_schema_from_metadata_rejects_bad_metadata():
    good = {"title": "t", "license": "x", "as_of": "2026", "index": ["a"], "columns": {"a": {}}}
    assert Schema.from_metadata(good).index == ("a",)
    with pytest.raises(DataError, match="as_of"):
        Schema.from_metadata({k: v for k, v in good.items() if k != "as_of"})
    with pytest.raises(DataError, match="not declared"):
        Schema.from_metadata({**good, "index": ["b"]})
    with pytest.raises(DataError, match="unknown metadata keys"):
        Schema.from_metadata({**good, "columns": {"a": {"unit": "W"}}})
    with pytest.raises(DataError, match="dtype"):
        Schema.from_metadata({**good, "columns": {"a": {"dtype": "decimal"}}})
