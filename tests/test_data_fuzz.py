"""Fuzz: mangled CSVs fed to every loader give a Dataset or a DataError, never anything else."""

from __future__ import annotations

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
from workbench.errors import DataError

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
