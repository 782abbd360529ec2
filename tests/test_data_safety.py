"""Issue 11, items 11-15: bad data gives a DataError naming the place, never quiet garbage.

Each test reproduces a case exactly as the issue states it.
"""

from __future__ import annotations

import textwrap

import pytest

from workbench.data import dataset_path, load_table, read_epoch_chip_sales, read_epoch_models
from workbench.errors import DataError

META = """\
title = "t"
license = "CC0-1.0"
as_of = "2026-01-01"
index = ["name"]

[columns.name]
dtype = "str"

[columns.day]
dtype = "date"

[columns.value]
dtype = "float"
units = "1"
min = 0
"""


def table(tmp_path, csv_text: str, meta_text: str = META, name: str = "t"):
    csv_path = tmp_path / f"{name}.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    (tmp_path / f"{name}.toml").write_text(meta_text, encoding="utf-8")
    return csv_path


# -- 11. dates outside pandas' nanosecond range -------------------------------------------------


@pytest.mark.parametrize("day", ["3024-01-01", "1500-06-30", "3024", "1500"])
def test_out_of_range_dates_in_load_table_name_file_line_and_column(tmp_path, day):
    path = table(tmp_path, f"name,day,value\na,2024-01-01,1\nb,{day},2\n")
    with pytest.raises(DataError, match="1678") as info:
        load_table(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 3, "day")


def test_out_of_range_quarter_is_refused(tmp_path):
    meta = META.replace('dtype = "date"', 'dtype = "quarter"')
    path = table(tmp_path, "name,day,value\na,3024Q1,1\n", meta)
    with pytest.raises(DataError) as info:
        load_table(path)
    assert (info.value.line, info.value.column) == (2, "day")


def test_out_of_range_dates_in_the_epoch_readers(tmp_path, fixtures_dir):
    models = tmp_path / "models.csv"
    models.write_text(
        (fixtures_dir / "epoch_models_sample.csv").read_text().replace("2015-12-10", "3024-12-10")
    )
    with pytest.raises(DataError) as info:
        read_epoch_models(models)
    assert info.value.column == "Publication date" and info.value.line == 4
    sales = tmp_path / "sales.csv"
    text = (fixtures_dir / "epoch_chip_sales_sample.csv").read_text()
    sales.write_text(text.replace("1/1/2024,3/31/2024", "1/1/1500,3/31/1500", 1))
    with pytest.raises(DataError) as info:
        read_epoch_chip_sales(sales)
    assert info.value.column == "Start date" and info.value.line == 2


# -- 12. a row with one extra (or one missing) field -------------------------------------------

MODELS_HEADER = (
    "model,publication_date,organization,country,domain,parameters,active_parameters,"
    "training_compute,training_tokens,open_weights,source,notes\n"
)


def test_an_unquoted_comma_in_a_bundled_table_row_is_a_field_count_error(tmp_path):
    # "Google, DeepMind" unquoted: every later cell moves one column to the right, and with an
    # empty last cell the row used to load (the parameter count landing in another column).
    csv_text = (
        MODELS_HEADER
        + 'Good,2024-01-01,"Google, DeepMind",,,1e9,,2e24,,true,https://example.org,\n'
        + "Shifted,2024-01-01,Google, DeepMind,,,1e9,,2e24,,true,https://example.org,\n"
    )
    path = tmp_path / "models.csv"
    path.write_text(csv_text)
    (tmp_path / "models.toml").write_bytes(dataset_path("models").with_suffix(".toml").read_bytes())
    with pytest.raises(DataError, match="13 fields but the header has 12") as info:
        load_table(path)
    assert info.value.line == 3


def test_an_unquoted_comma_in_an_epoch_row_is_a_field_count_error(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_models_sample.csv").read_text()
    bad = tmp_path / "models.csv"
    bad.write_text(
        text.replace(
            "Beta Vision,Vision,Image classification,Lab B,",
            "Beta Vision,Vision,Image classification,Google, DeepMind,",
        )
    )
    with pytest.raises(DataError, match="fields but the header has") as info:
        read_epoch_models(bad)
    assert info.value.line == 4


def test_a_row_with_a_field_missing_is_refused(tmp_path):
    path = table(tmp_path, "name,day,value\na,2024-01-01,1\nb,2024-01-01\n")
    with pytest.raises(DataError, match="2 fields but the header has 3") as info:
        load_table(path)
    assert info.value.line == 3


# -- 13. a declared column missing from the header ---------------------------------------------


def test_a_declared_column_missing_from_the_header_names_the_closest_headers(tmp_path):
    path = table(tmp_path, "name,day,valeu\na,2024-01-01,1\n")
    with pytest.raises(DataError, match="'valeu'") as info:
        load_table(path)
    assert info.value.column == "value" and info.value.line == 1


def test_a_declared_optional_column_missing_from_an_epoch_file_is_refused(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_models_sample.csv").read_text()
    bad = tmp_path / "models.csv"
    bad.write_text(text.replace("Training compute (FLOP)", "Training compute FLOP", 1))
    with pytest.raises(DataError, match="'Training compute FLOP'") as info:
        read_epoch_models(bad)
    assert info.value.column == "Training compute (FLOP)"


# -- 14. chip-sales rows with p05 > p95, or an end before the start -----------------------------


def test_chip_sales_with_p05_above_p95_are_refused(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_chip_sales_sample.csv").read_text()
    bad = tmp_path / "sales.csv"
    bad.write_text(text.replace("1000,700,1400", "1000,1700,1400", 1))
    with pytest.raises(DataError, match="5th percentile") as info:
        read_epoch_chip_sales(bad)
    assert info.value.line == 2


def test_chip_sales_with_units_p05_above_p95_are_refused(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_chip_sales_sample.csv").read_text()
    bad = tmp_path / "sales.csv"
    bad.write_text(text.replace("5000,3500,7000", "5000,9500,7000", 1))
    with pytest.raises(DataError, match="5th percentile") as info:
        read_epoch_chip_sales(bad)
    assert info.value.line == 2


def test_chip_sales_ending_before_they_start_are_refused(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_chip_sales_sample.csv").read_text()
    bad = tmp_path / "sales.csv"
    bad.write_text(text.replace("1/1/2024,3/31/2024", "1/1/2024,12/31/2023", 1))
    with pytest.raises(DataError, match="before") as info:
        read_epoch_chip_sales(bad)
    assert info.value.line == 2 and info.value.column == "End date"


# -- 15. malformed metadata --------------------------------------------------------------------

STACK_META = META + textwrap.dedent(
    """
    [columns.other]
    dtype = "float"
    units = "1"
    """
)


@pytest.mark.parametrize(
    ("meta", "fragment"),
    [
        (META.split("[columns")[0] + "columns = 5\n", "columns"),
        (META.replace('index = ["name"]', "index = 5"), "index"),
        (META.replace("min = 0", 'min = "zero"'), "min"),
        (STACK_META + '[stack.s]\ndim = "d"\ncolumns = ["value", "other"]\n', "columns"),
        (
            STACK_META + '[stack.s]\ndim = "d"\ncolumns = {a = "value", b = "other"}\nunit = "1"\n',
            "unit",
        ),
        (STACK_META + '[stack.s]\ndim = "s"\ncolumns = {a = "value", b = "other"}\n', "dim"),
    ],
    ids=["columns=5", "index=5", "min=zero", "list-stack", "unknown-stack-key", "dim=key"],
)
def test_malformed_metadata_is_a_data_error_naming_the_key(tmp_path, meta, fragment):
    path = table(tmp_path, "name,day,value,other\na,2024-01-01,1,2\n", meta)
    with pytest.raises(DataError, match=fragment) as info:
        load_table(path)
    assert info.value.path == str(tmp_path / "t.toml")


def test_metadata_that_is_not_utf8(tmp_path):
    path = table(tmp_path, "name,day,value\na,2024-01-01,1\n")
    (tmp_path / "t.toml").write_bytes(META.replace('"t"', '"t\xe9"').encode("latin-1"))
    with pytest.raises(DataError, match="UTF-8") as info:
        load_table(path)
    assert info.value.line == 1


def test_metadata_path_that_is_a_folder(tmp_path):
    path = table(tmp_path, "name,day,value\na,2024-01-01,1\n")
    (tmp_path / "t.toml").unlink()
    (tmp_path / "t.toml").mkdir()
    with pytest.raises(DataError, match="folder"):
        load_table(path)


def test_a_two_column_key_with_1e5_unique_pairs_is_refused_before_a_dense_reshape(tmp_path):
    meta = META.replace('index = ["name"]', 'index = ["name", "other"]') + (
        '\n[columns.other]\ndtype = "str"\n'
    )
    rows = "".join(f"n{i},2024-01-01,1,o{i}\n" for i in range(100_000))
    path = table(tmp_path, "name,day,value,other\n" + rows, meta)
    with pytest.raises(DataError, match="combinations") as info:
        load_table(path)
    assert "GiB" in str(info.value)
