"""The short view of `workbench data check` that the data_overview report shows."""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench import data


def test_counts_add_up_to_the_findings():
    findings = data.check_tables()
    counts = data.count_findings(findings)
    total = sum(int(counts[k].sum()) for k in counts.data_vars)
    assert total == findings.sizes["finding"]
    for kind in counts.data_vars:
        assert counts[kind].attrs["units"] == "count"
        assert counts[kind].dtype.kind == "i"
    # Every table with a finding has a row; a kind a table lacks counts zero, not NaN.
    assert set(counts.table.values) == set(findings.table.values)


def test_counts_of_a_hand_made_list():
    findings = xr.Dataset(
        {
            "table": ("finding", np.array(["a", "a", "b"], dtype=object)),
            "kind": ("finding", np.array(["stale", "not primary", "stale"], dtype=object)),
        }
    )
    counts = data.count_findings(findings)
    assert counts["stale"].sel(table="a") == 1 and counts["stale"].sel(table="b") == 1
    assert counts["not primary"].sel(table="b") == 0
