"""workbench export: plain files, outside the reports folder, never over someone's files."""

from __future__ import annotations

import os

import pytest

from workbench.errors import ReportError
from workbench.reports.export import export_site


@pytest.fixture
def published(tmp_path):
    """A reports folder shaped as publishing leaves it: links into a hidden build."""
    out = tmp_path / "reports"
    build = out / "a" / ".builds" / "b1"
    build.mkdir(parents=True)
    (build / "a.html").write_text("<p>report a</p>")
    (build / "manifest.json").write_text("{}")
    os.symlink(".builds/b1", out / "a" / ".current")
    os.symlink(".current/a.html", out / "a" / "a.html")
    os.symlink(".current/manifest.json", out / "a" / "manifest.json")
    (out / "a" / ".lock").write_text("")
    (out / "index.html").write_text('<a href="a/a.html">a</a>')
    return out


def test_export_resolves_links_and_leaves_hidden_files_behind(published, tmp_path):
    written = export_site(published, tmp_path / "site")
    site = tmp_path / "site"
    assert sorted(map(str, written)) == ["a/a.html", "a/manifest.json", "index.html"]
    assert (site / "a" / "a.html").read_text() == "<p>report a</p>"
    assert not (site / "a" / "a.html").is_symlink()
    assert not (site / "a" / ".builds").exists() and not (site / "a" / ".lock").exists()


def test_an_earlier_export_is_replaced_but_other_folders_are_refused(published, tmp_path):
    site = tmp_path / "site"
    export_site(published, site)
    (site / "stale.html").write_text("old")
    export_site(published, site)
    assert not (site / "stale.html").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(ReportError, match="not an earlier export"):
        export_site(published, mine)
    assert (mine / "thesis.tex").read_text() == "precious"


def test_export_needs_a_gallery_and_a_folder_outside_it(published, tmp_path):
    with pytest.raises(ReportError, match="no gallery"):
        export_site(tmp_path / "empty", tmp_path / "site")
    with pytest.raises(ReportError, match="outside the reports folder"):
        export_site(published, published / "site")
