"""Reports use the publisher's full dataset when a download is cached, the bundled table else."""

from __future__ import annotations

import shutil

import pytest

from workbench import data
from workbench.reports.keys import input_hashes


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_CACHE", str(folder))
    return folder


def test_without_a_download_the_bundled_table_is_used(cache):
    models = data.load_best("models")
    assert models.sizes["model"] == data.load("models").sizes["model"]
    assert "bundled table 'models'" in models.attrs["origin"]
    assert "workbench data fetch epoch_notable_models" in models.attrs["origin"]
    assert not any(cache.iterdir())  # nothing was downloaded or written


def test_a_cached_download_is_preferred_and_named(cache, fixtures_dir):
    shutil.copy(fixtures_dir / "epoch_models_sample.csv", cache / "epoch_notable_models.csv")
    models = data.load_best("models")
    expected = data.read_epoch_models(fixtures_dir / "epoch_models_sample.csv")
    assert models.sizes["model"] == expected.sizes["model"]
    assert models.attrs["origin"].startswith("Epoch AI: notable AI models")
    assert "training_compute" in models and "publication_date" in models


def test_hardware_download_replaces_accelerators(cache, fixtures_dir):
    shutil.copy(fixtures_dir / "epoch_hardware_sample.csv", cache / "epoch_hardware.csv")
    hardware = data.load_best("accelerators")
    assert hardware.attrs["origin"].startswith("Epoch AI: machine learning hardware")
    assert {"peak_flops", "launch_price"} <= set(hardware.data_vars)


def test_tables_without_a_remote_load_as_bundled(cache):
    assert "bundled table 'token_volume'" in data.load_best("token_volume").attrs["origin"]


def test_a_cached_download_changes_report_keys(cache, fixtures_dir):
    before = input_hashes()
    shutil.copy(fixtures_dir / "epoch_models_sample.csv", cache / "epoch_notable_models.csv")
    after = input_hashes()
    assert set(after) - set(before) == {"cache/epoch_notable_models.csv"}
