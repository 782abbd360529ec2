"""The bundled tables: conventions every table keeps, and the content each must cover."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import data
from workbench.errors import DataError

CORE = ["accelerators", "models", "token_volume", "vendor_revenue"]


def test_core_datasets_are_listed():
    assert set(CORE) <= set(data.list_datasets())


@pytest.mark.parametrize("name", data.list_datasets())
def test_every_table_keeps_the_conventions(name):
    ds = data.load(name)
    for key in ("title", "source", "license", "as_of", "sha256"):
        assert ds.attrs.get(key), f"{name} lacks the {key!r} attribute"
    assert ds.attrs["sha256"] == data.file_sha256(data.dataset_path(name))
    for dim in ds.dims:
        assert not dim.startswith("dim_"), f"{name} has an unnamed dimension {dim}"
    for var, da in ds.data_vars.items():
        assert da.attrs.get("long_name"), f"{name}.{var} lacks long_name"
        if da.dtype.kind in "fiu":
            # Units per variable, or per row in a named column (tables of mixed inputs).
            per_row = da.attrs.get("units_column")
            assert da.attrs.get("units") or (per_row and per_row in ds), f"{name}.{var} lacks units"
            assert not (da == 0).any(), f"{name}.{var} has zeros (missing must be NaN)"
    assert "source" in ds, f"{name} has no per-row source"
    present = ds["source"].values
    rows = present[present != ""] if ds["source"].ndim > 1 else present
    assert all(s.strip() for s in rows), f"{name} has a row without a source"


def test_load_returns_an_independent_copy():
    first = data.load("accelerators")
    first["tdp"][:] = -1
    assert (data.load("accelerators").tdp.fillna(1) > 0).all()


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(DataError, match="'models'"):
        data.load("modles")


def test_data_dir_can_be_overridden(tmp_path, monkeypatch):
    (tmp_path / "tiny.csv").write_text("k,v,source\na,1,https://example.org\n")
    (tmp_path / "tiny.toml").write_text(
        'title = "Tiny"\nlicense = "CC0-1.0"\nas_of = "2026-01-01"\nindex = ["k"]\n'
        '[columns.k]\n[columns.v]\ndtype = "float"\nunits = "W"\n[columns.source]\n'
    )
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    assert data.list_datasets() == ["tiny"]
    assert data.load("tiny").v.attrs["units"] == "W"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "absent"))
    with pytest.raises(DataError, match="does not exist"):
        data.list_datasets()


def test_models_cover_2012_to_the_frontier_and_chinese_labs():
    ds = data.load("models")
    assert ds.sizes["model"] >= 80
    years = ds.publication_date.dt.year
    assert years.min() <= 2012 and years.max() >= 2025
    names = " ".join(ds.model.values)
    for fragment in [
        "GPT-3",
        "GPT-4",
        "PaLM",
        "Gemini",
        "Llama",
        "Claude",
        "Grok",
        "ERNIE",
        "GLM",
        "Qwen",
        "DeepSeek-V2",
        "DeepSeek-V3",
        "DeepSeek-R1",
        "Yi",
        "Baichuan",
        "Kimi",
        "Hunyuan",
    ]:
        assert fragment in names, f"models lacks {fragment}"
    assert (ds.country == "China").sum() >= 10
    assert ds.training_compute.count() >= 60
    assert ds.training_compute.attrs["units"] == "FLOP"
    assert ds.open_weights.dtype.kind in "bf"


def test_accelerators_cover_the_named_chips_with_dense_peaks():
    ds = data.load("accelerators")
    assert ds.sizes["chip"] >= 25
    names = " ".join(ds.chip.values)
    for fragment in [
        "V100",
        "A100",
        "A800",
        "H100",
        "H800",
        "H20",
        "H200",
        "B200",
        "MI250X",
        "MI300X",
        "MI325X",
        "MI355X",
        "TPU v4",
        "TPU v5e",
        "TPU v5p",
        "TPU v6e",
        "Ironwood",
        "Trainium",
        "Trainium2",
        "Gaudi 2",
        "Gaudi 3",
        "Ascend 910B",
        "Ascend 910C",
        "RTX 4090",
        "RTX 5090",
    ]:
        assert fragment in names, f"accelerators lacks {fragment}"
    assert set(ds.precision.values) == {"fp64", "fp32", "tf32", "bf16", "fp8", "fp4", "int8"}
    peak = ds.peak_flops
    # Dense peaks rise as precision falls, wherever both are published.
    for wide, narrow in [("fp32", "bf16"), ("bf16", "fp8"), ("fp8", "fp4")]:
        both = peak.sel(precision=wide).notnull() & peak.sel(precision=narrow).notnull()
        assert (peak.sel(precision=wide) <= peak.sel(precision=narrow)).where(both, True).all()
    h100 = ds.sel(chip="NVIDIA H100 SXM")
    assert h100.peak_flops.sel(precision="bf16").item() == pytest.approx(989.4e12, rel=0.01)
    assert h100.memory_bandwidth.item() == pytest.approx(3.35e12, rel=0.01)
    assert set(ds.market_region.values) >= {"global", "china"}


def test_vendor_revenue_fiscal_quarters_run_without_gaps_or_overlaps():
    ds = data.load("vendor_revenue")
    assert {"NVIDIA", "AMD", "Broadcom"} <= set(ds.vendor.values)
    assert "quarter" not in ds.dims  # rows are fiscal quarters as reported, never relabelled
    nvidia = ds.sel(vendor="NVIDIA").dropna("fiscal_quarter", subset=["revenue"])
    assert nvidia.fiscal_quarter.values[0] == "FY2022Q4"
    for vendor in ds.vendor.values:
        rows = ds.sel(vendor=vendor).dropna("fiscal_quarter", subset=["revenue"])
        rows = rows.sortby("period_start")
        starts, ends = rows.period_start.values, rows.period_end.values
        assert (starts[1:] - ends[:-1] == np.timedelta64(1, "D")).all(), f"{vendor} has a gap"
        weeks = (ends - starts + np.timedelta64(1, "D")) / np.timedelta64(7, "D")
        assert set(weeks) <= {13.0, 14.0}, f"{vendor} has a quarter of {set(weeks)} weeks"
    assert ds.revenue.attrs["units"] == "USD"
    assert "fiscal" in ds.revenue.attrs["long_name"]
    assert set(np.unique(ds.source_quality.values)) <= {"primary", "secondary", "estimate", ""}


def test_token_volume_has_several_providers():
    ds = data.load("token_volume")
    assert len(set(ds.provider.values)) >= 5
    assert (ds.refers_to <= ds.date).all()


def test_inventory_gives_each_tables_share_of_primary_rows():
    inventory = data.inventory()
    assert inventory.primary_share.sel(dataset="vendor_revenue").item() == 1.0
    assert inventory.primary_share.attrs["units"] == "1"
    newest = inventory.newest.sel(dataset="vendor_revenue").values
    assert str(newest)[:10] == "2026-08-02"  # NaT cells in the table do not hide the newest date
