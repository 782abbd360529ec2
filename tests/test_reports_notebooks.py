"""Finding report notebooks: the folder, the default suite and names."""

from __future__ import annotations

import pytest

from workbench.errors import ReportError
from workbench.reports import notebooks


@pytest.fixture
def folder(tmp_path, monkeypatch):
    for name in ("zeta", "compute_outlook", "alpha", ".hidden"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    (tmp_path / "notes.md").write_text("not a notebook")
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(tmp_path))
    return tmp_path


def test_environment_variable_chooses_the_folder(folder):
    assert notebooks.notebooks_dir() == folder


def test_missing_override_folder_is_a_report_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(tmp_path / "absent"))
    with pytest.raises(ReportError, match="WORKBENCH_NOTEBOOKS_DIR names a folder"):
        notebooks.notebooks_dir()


def test_checkout_folder_is_used_without_override(monkeypatch):
    monkeypatch.delenv("WORKBENCH_NOTEBOOKS_DIR", raising=False)
    from pathlib import Path

    checkout = Path(notebooks.__file__).resolve().parents[2]
    if not (checkout / "notebooks").is_dir():
        pytest.skip("not a source checkout with a notebooks/ folder")
    assert notebooks.notebooks_dir() == checkout / "notebooks"


def test_default_suite_puts_compute_outlook_first_then_alphabetical(folder):
    assert notebooks.default_suite() == ["compute_outlook", "alpha", "zeta"]
    (folder / "compute_outlook.ipynb").unlink()
    assert notebooks.default_suite() == ["alpha", "zeta"]


def test_find_notebook_by_name_or_path(folder, tmp_path):
    assert notebooks.find_notebook("alpha") == folder / "alpha.ipynb"
    assert notebooks.find_notebook(str(folder / "zeta.ipynb")) == folder / "zeta.ipynb"


def test_unknown_notebook_lists_the_choices(folder):
    with pytest.raises(ReportError) as caught:
        notebooks.find_notebook("alpah")
    assert "unknown report 'alpah'" in str(caught.value)
    assert "'alpha', 'compute_outlook' or 'zeta'" in str(caught.value)
    with pytest.raises(ReportError, match="does not exist"):
        notebooks.find_notebook("missing.ipynb")
