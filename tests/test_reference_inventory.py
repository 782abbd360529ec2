"""The H100-equivalent's definition and the inventory of bundled tables."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import data
from workbench.errors import DataError


def test_h100e_is_the_dense_bf16_peak_of_the_h100_sxm():
    # NVIDIA's H100 SXM datasheet: 989.4 TFLOP/s dense BF16 (1,979 with sparsity).
    assert data.h100e_peak() == pytest.approx(989.4e12)
    table = data.load("accelerators")
    assert data.h100e_peak(table) == float(
        table.peak_flops.sel(chip=data.H100E_CHIP, precision=data.H100E_PRECISION)
    )


def test_h100e_needs_the_reference_chip():
    table = data.load("accelerators")
    others = table.sel(chip=[c for c in table.chip.values if c != data.H100E_CHIP])
    with pytest.raises(DataError, match="lacks the reference chip 'NVIDIA H100 SXM'"):
        data.h100e_peak(others)


def test_inventory_has_a_row_per_table_with_counts_and_honest_provenance():
    inv = data.inventory()
    names = data.list_datasets()
    assert list(inv.dataset.values) == names
    models = data.load("models")
    assert int(inv.entries.sel(dataset="models")) == models.sizes["model"]
    assert int(inv["variables"].sel(dataset="models")) == len(models.data_vars)
    # Counts are whole numbers, labelled as counts.
    assert inv.entries.dtype.kind == "i" and inv.entries.attrs["units"] == "count"
    assert ((inv.coverage >= 0) & (inv.coverage <= 1)).all()
    assert np.issubdtype(inv.newest.dtype, np.datetime64)
    # The licence is the tables' own, merged; nothing is claimed that no table states.
    licences = {data.load(n).attrs.get("license", "unknown") for n in names}
    assert set(inv.attrs["license"].split("; ")) == licences
    assert inv.attrs["as_of"] == max(data.load(n).attrs["as_of"] for n in names)
