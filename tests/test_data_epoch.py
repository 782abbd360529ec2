"""Readers of Epoch AI's published formats: hand-written fixtures, then the real snapshots."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.data import read_epoch_chip_sales, read_epoch_hardware, read_epoch_models
from workbench.errors import DataError


def test_models_fixture(fixtures_dir):
    with pytest.warns(UserWarning, match="duplicate model 'Alpha LM'"):
        ds = read_epoch_models(fixtures_dir / "epoch_models_sample.csv")
    assert ds.sizes["model"] == 4
    assert "Alpha LM (2)" in ds.model.values
    assert ds.publication_date.dtype == "datetime64[ns]"
    a = ds.sel(model="Alpha LM")
    assert a.training_compute.item() == 8.4e22 and a.parameters.item() == 7e9
    assert ds.training_compute.attrs["units"] == "FLOP"
    gamma = ds.sel(model="Gamma Chat")
    # A zero dataset size means "unknown" in the publisher's file: NaN, never 0.
    assert np.isnan(gamma.training_data_size.item()) and np.isnan(gamma.parameters.item())
    assert ds.notable.sel(model="Alpha LM").item() and not gamma.notable.item()
    assert gamma.country.item() == "China"
    assert ds.sel(model="Alpha LM").organization.item() == "Lab A"
    assert "source" in ds.attrs and ds.attrs["license"] == "CC-BY-4.0"


def test_hardware_fixture_with_bom(fixtures_dir):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = read_epoch_hardware(fixtures_dir / "epoch_hardware_sample.csv")
    assert any("without a key" in str(w.message) for w in caught)
    assert ds.sizes == {"chip": 3, "precision": 9}
    x = ds.sel(chip="Chip X100")
    assert x.peak_flops.sel(precision="bf16").item() == 9.89e14
    assert np.isnan(x.peak_flops.sel(precision="fp64").item())
    assert x.launch_price.item() == 30_000.0  # "$30,000.00" in the file
    assert x.memory_bandwidth.attrs["units"] == "byte/s"
    assert np.isnan(ds.tdp.sel(chip="Chip Y1").item())  # 0 W means unknown
    assert np.isnat(ds.release_date.sel(chip="Chip Y1").values)


def test_chip_sales_fixture(fixtures_dir):
    ds = read_epoch_chip_sales(fixtures_dir / "epoch_chip_sales_sample.csv")
    assert ds.sizes == {"quarter": 2, "chip": 2, "quantile": 3}
    assert ds.h100e.sel(chip="Chip A", quantile=0.5).values.tolist() == [1000.0, 1500.0]
    assert np.isnan(ds.units.sel(chip="Chip B").isel(quarter=1)).all()
    assert str(ds.quarter.values[1])[:10] == "2024-04-01"
    assert (
        (ds.h100e.sel(quantile=0.05) <= ds.h100e.sel(quantile=0.95))
        .where(ds.h100e.sel(quantile=0.5).notnull(), True)
        .all()
    )


def test_missing_required_column_names_it(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_models_sample.csv").read_text()
    bad = tmp_path / "models.csv"
    bad.write_text(text.replace("Publication date", "Published"))
    with pytest.raises(DataError, match="Publication date") as info:
        read_epoch_models(bad)
    assert info.value.line == 1


def test_chip_sales_rejects_periods_off_the_calendar_quarter(tmp_path, fixtures_dir):
    text = (fixtures_dir / "epoch_chip_sales_sample.csv").read_text()
    bad = tmp_path / "sales.csv"
    bad.write_text(text.replace("4/1/2024", "5/1/2024"))
    with pytest.raises(DataError, match="calendar quarter"):
        read_epoch_chip_sales(bad)


# The real snapshots (beside the development checkout only; skipped elsewhere).


def test_real_models_snapshot_loads_every_row(epoch_snapshot):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_epoch_models(epoch_snapshot("all_ml_systems_2025-06.csv"))
    assert ds.sizes["model"] == 1892
    assert ds.notable.sum() > 500
    assert ds.training_compute.count() > 500
    assert (ds.training_compute > 0).where(ds.training_compute.notnull(), True).all()
    assert ds.publication_date.notnull().all()


def test_real_hardware_snapshot(epoch_snapshot):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_epoch_hardware(epoch_snapshot("ml_hardware_2025.csv"))
    assert ds.sizes["chip"] > 1000
    assert ds.peak_flops.sel(precision="bf16").count() > 20
    assert ds.peak_flops.attrs["units"] == "FLOP/s"


def test_real_tpu_chip_sales_snapshot(epoch_snapshot):
    ds = read_epoch_chip_sales(epoch_snapshot("tpu_calendar_quarter_chip_timelines.csv"))
    assert {"units", "h100e"} <= set(ds.data_vars)
    assert ds.sizes["quantile"] == 3 and ds.sizes["chip"] >= 4
    median = ds.h100e.sel(quantile=0.5)
    assert ((ds.h100e.sel(quantile=0.05) <= median) | median.isnull()).all()
