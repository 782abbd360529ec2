"""Cache keys: what changes a report's key, and what does not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.errors import ReportError
from workbench.reports.keys import (
    CODE,
    LOCAL,
    PACKAGE,
    code_hashes,
    input_hashes,
    local_module_hashes,
    report_key,
)


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
    data = {name for name in hashes if not name.startswith((CODE, PACKAGE))}
    assert data == {"tiny.csv", "tiny.toml"}
    assert all(len(value) == 64 for name, value in hashes.items() if not name.startswith(PACKAGE))


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


def test_a_line_of_the_package_changes_the_key_a_test_does_not(tmp_path, notebook):
    # The case, in a scratch copy of the checkout: a fix in workbench/gap/*.py must
    # rebuild the reports (their numbers change); an edit to a test must not.
    import workbench

    checkout = tmp_path / "checkout"
    package = checkout / "workbench"
    shutil.copytree(
        Path(workbench.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    (checkout / "tests").mkdir()
    (checkout / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    before = code_hashes(package)
    key = report_key(notebook, {}, before)
    assert CODE + "workbench/gap/core.py" in before
    assert any(name.startswith(PACKAGE + "numpy") for name in before)

    (checkout / "tests" / "test_x.py").write_text("def test_x():\n    assert True\n")
    assert code_hashes(package) == before

    core = package / "gap" / "core.py"
    core.write_text(core.read_text() + "# a one-line fix\n")
    after = code_hashes(package)
    assert [n for n in after if after[n] != before.get(n)] == [CODE + "workbench/gap/core.py"]
    assert report_key(notebook, {}, after) != key


def test_modules_beside_the_notebook_count(tmp_path, notebook):
    assert local_module_hashes(notebook) == {}
    (tmp_path / "helpers.py").write_text("X = 1\n")
    first = local_module_hashes(notebook)
    assert list(first) == [LOCAL + "helpers.py"]
    (tmp_path / "helpers.py").write_text("X = 2\n")
    assert local_module_hashes(notebook) != first


def test_status_says_which_code_or_dependency_changed(tmp_path, notebook):
    from workbench.reports.build import ReportTask, _what_changed
    from workbench.reports.keys import file_digest
    from workbench.reports.manifest import Manifest

    old = {"models.csv": "a", CODE + "workbench/gap/core.py": "b", PACKAGE + "numpy": "2.3.0"}
    new = {**old, CODE + "workbench/gap/core.py": "c", PACKAGE + "numpy": "2.4.0"}
    manifest = Manifest(
        report="r",
        notebook=str(notebook),
        status="ok",
        key="k",
        inputs=old,
        notebook_sha256=file_digest(notebook),
    )
    task = ReportTask(report="r", notebook=notebook, folder=tmp_path, key="k2", inputs=new)
    reasons = _what_changed(manifest, task)
    assert "code changed (workbench/gap/core.py)" in reasons
    assert "dependency changed (numpy 2.3.0 -> 2.4.0)" in reasons
    assert not any(r.startswith("data changed") for r in reasons)


def test_loading_a_table_does_not_compile_the_uri_grammar():
    # jsonschema imports rfc3987_syntax when installed (JupyterLab brings it), which took
    # 4-6 s of every process that loads a table (and of `workbench status`).
    pytest.importorskip("rfc3987_syntax")
    code = "import sys, workbench.data; print('rfc3987_syntax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
