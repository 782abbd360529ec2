"""Cache keys: what changes a report's key, and what does not."""

from __future__ import annotations

import pytest

from workbench.errors import ReportError
from workbench.reports.keys import input_hashes, report_key


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "tiny.csv").write_text("item,value\na,1\n")
    (folder / "tiny.toml").write_text('title = "tiny"\n')
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def notebook(tmp_path):
    path = tmp_path / "report.ipynb"
    path.write_text('{"cells": []}')
    return path


def test_input_hashes_cover_each_dataset_csv_and_metadata(data_dir):
    hashes = input_hashes()
    assert set(hashes) == {"tiny.csv", "tiny.toml"}
    assert all(len(value) == 64 for value in hashes.values())


def test_missing_data_folder_is_a_report_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "absent"))
    with pytest.raises(ReportError, match="cannot fingerprint the bundled datasets"):
        input_hashes()


def test_key_is_stable_and_ignores_parameter_order(notebook):
    inputs = {"tiny.csv": "a" * 64}
    first = report_key(notebook, {"a": 1, "b": [1, 2]}, inputs)
    assert first == report_key(notebook, {"b": [1, 2], "a": 1}, inputs)
    assert len(first) == 64


def test_key_changes_with_each_ingredient(notebook, data_dir):
    inputs = input_hashes()
    base = report_key(notebook, {"a": 1}, inputs)
    assert report_key(notebook, {"a": 2}, inputs) != base
    assert report_key(notebook, {"a": 1.0, "b": 1}, inputs) != base
    assert report_key(notebook, {"a": 1}, inputs, no_input=True) != base
    assert report_key(notebook, {"a": 1}, inputs, version="99.0") != base
    (data_dir / "tiny.csv").write_text("item,value\na,2\n")
    assert report_key(notebook, {"a": 1}, input_hashes()) != base
    notebook.write_text('{"cells": [], "metadata": {}}')
    assert report_key(notebook, {"a": 1}, inputs) != base


def test_key_of_a_missing_notebook_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="cannot read notebook"):
        report_key(tmp_path / "absent.ipynb", {}, {})
