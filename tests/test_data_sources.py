"""Sources an analyst can cite: source_quality, no aggregator sites, and ``data check``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from workbench import data
from workbench.data.sources import AGGREGATOR_DOMAINS, source_domains
from workbench.errors import DataError, ParameterError

# Every bundled table is checked: none may cite an aggregator or content site.
CHECKED = data.list_datasets()


def test_every_bundled_table_is_checked():
    assert {"vendor_revenue", "accelerators", "models", "demand_scenarios"} <= set(CHECKED)


@pytest.mark.parametrize("name", CHECKED)
def test_no_row_cites_an_aggregator_site(name):
    found = data.aggregator_sources(data.load(name))
    assert not found, f"{name}: rows citing aggregator sites: {found}"


def test_aggregator_domains_match_hosts_and_their_subdomains_only():
    assert source_domains("https://www.smbom.com/news/1 ; see https://a.b.org:8080/x") == [
        "smbom.com",
        "a.b.org",
    ]
    ds = _table(
        ["x", "y", "z"],
        [
            "https://smbom.com/a",
            "https://news.smbom.com/b ; https://investor.nvidia.com/q",
            "https://notsmbom.com/c",
        ],
    )
    assert data.aggregator_sources(ds) == [("x", "smbom.com"), ("y", "news.smbom.com")]
    assert {"dailywise.app", "moneycheck.com", "parameter.io", "slicast.com"} <= AGGREGATOR_DOMAINS


def _table(keys, sources, quality=None, notes=None):
    import xarray as xr

    variables = {"source": ("k", np.array(sources, dtype=object))}
    if quality is not None:
        variables["source_quality"] = ("k", np.array(quality, dtype=object))
    if notes is not None:
        variables["notes"] = ("k", np.array(notes, dtype=object))
    return xr.Dataset(variables, coords={"k": keys})


def test_vendor_revenue_rows_are_all_primary():
    ds = data.load("vendor_revenue")
    assert data.primary_share(ds) == 1.0
    table = data.load("accelerators").drop_vars("source_quality")
    assert np.isnan(data.primary_share(table))  # no column: unknown


META = """\
title = "t"
license = "CC0-1.0"
as_of = "2026-01-01"
index = ["k"]
max_age_days = 30

[columns.k]
[columns.day]
dtype = "date"
[columns.source]
required = true
[columns.source_quality]
required = true
[columns.notes]
"""


def write_table(folder, rows: str, meta: str = META, name: str = "t"):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text("k,day,source,source_quality,notes\n" + rows)
    (folder / f"{name}.toml").write_text(meta)
    return folder / f"{name}.csv"


def test_source_quality_takes_only_the_three_values(tmp_path):
    good = write_table(tmp_path, "a,2026-01-01,https://x.org,primary,\nb,2026-01-01,x,estimate,\n")
    assert data.load_table(good).source_quality.values.tolist() == ["primary", "estimate"]
    bad = write_table(tmp_path, "a,2026-01-01,https://x.org,official,\n")
    with pytest.raises(DataError, match="'primary', 'secondary' or 'estimate'") as info:
        data.load_table(bad)
    assert info.value.line == 2 and info.value.column == "source_quality"
    meta = META.replace(
        "[columns.source_quality]\n", '[columns.source_quality]\nchoices = ["gold"]\n'
    )
    with pytest.raises(DataError, match="source_quality: choices must be among"):
        data.load_table(write_table(tmp_path, "a,2026-01-01,x,primary,\n", meta))


def test_check_lists_stale_tables_unprimary_rows_unconfirmed_notes_and_aggregators(
    tmp_path, monkeypatch
):
    write_table(
        tmp_path,
        "a,2026-01-01,https://ir.example.com/q1,primary,\n"
        "b,2026-02-01,https://smbom.com/x,secondary,\n"
        "c,2026-03-01,https://ir.example.com/q3,primary,value unconfirmed by the company\n",
    )
    write_table(tmp_path, "a,2026-11-20,https://ir.example.com/q,primary,\n", name="fresh")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    found = data.check_tables(today=dt.date(2026, 12, 1))
    rows = sorted(zip(found.table.values, found.kind.values, found.row.values, strict=True))
    assert rows == [
        ("t", "aggregator", "b"),
        ("t", "not primary", "b"),
        ("t", "stale", ""),
        ("t", "unconfirmed", "c"),
    ]
    stale = found.detail.values[list(found.kind.values).index("stale")]
    assert "2026-03-01" in stale and "limit 30" in stale
    assert data.check_tables(["fresh"], today=dt.date(2026, 12, 1)).sizes["finding"] == 0
    assert (
        data.check_tables(["t"], max_age_days=400, today=dt.date(2026, 12, 1)).sizes["finding"] == 3
    )
    with pytest.raises(ParameterError, match="max_age_days"):
        data.check_tables(max_age_days=0)


def test_check_of_the_bundled_vendor_revenue_lists_nothing_but_its_age():
    found = data.check_tables(["vendor_revenue"])
    assert set(found.kind.values) <= {"stale"}


def test_a_row_about_a_quarter_is_as_new_as_the_quarters_end(tmp_path, monkeypatch):
    from workbench.data.describe import newest_date

    # shipment_mix's newest rows are about 2026Q2 (labelled 2026-04-01); the quarter's data run
    # to 30 June, and the latest vendor quarter is 2026Q2 too: 2026-04-01 called it stale.
    quarter_meta = META.replace('dtype = "date"', 'dtype = "quarter"')
    write_table(tmp_path, "a,2026Q2,https://ir.example.com/q,primary,\n", quarter_meta)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    table = data.load("t")
    assert table.day.attrs["period"] == "quarter"
    assert newest_date(table) == np.datetime64("2026-06-30")
    assert data.check_tables(["t"], today=dt.date(2026, 7, 30)).sizes["finding"] == 0
    stale = data.check_tables(["t"], today=dt.date(2026, 8, 1))
    assert "newest date 2026-06-30" in str(stale.detail.values[0])
