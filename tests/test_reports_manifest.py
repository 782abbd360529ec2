"""Manifests: written atomically, read back, and refused with a clear message when damaged."""

from __future__ import annotations

import json

import pytest

from workbench.errors import ReportError
from workbench.reports.manifest import Manifest, package_versions, read_manifest, write_manifest


def test_manifest_round_trips(tmp_path):
    manifest = Manifest(
        report="demo",
        notebook="/n/demo.ipynb",
        status="ok",
        key="k" * 64,
        parameters={"years": [2025, 2030], "ratio": 0.5},
        inputs={"tiny.csv": "a" * 64},
        versions=package_versions(),
        started="2026-11-25T01:00:00+00:00",
        finished="2026-11-25T01:00:05+00:00",
        duration_s=5.0,
    )
    path = write_manifest(tmp_path, manifest)
    assert path == tmp_path / "manifest.json"
    assert read_manifest(tmp_path) == manifest
    assert read_manifest(path).ok
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_package_versions_name_python_and_the_report_stack():
    versions = package_versions()
    assert {"python", "compute-workbench", "papermill", "nbconvert"} <= set(versions)


def test_unknown_fields_from_a_newer_workbench_are_ignored(tmp_path):
    content = {"report": "demo", "notebook": "n", "status": "ok", "key": "k", "future": 1}
    (tmp_path / "manifest.json").write_text(json.dumps(content))
    assert read_manifest(tmp_path).report == "demo"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"report": "demo", "stat', "is unreadable"),
        ("[1, 2]", "is unreadable (not a JSON object)"),
        ('{"report": "demo"}', "is incomplete (no notebook, status, key)"),
        ('{"report": "demo", "notebook": "n", "status": "ok", "key": 3}', "is incomplete"),
        ("\udcff", "is unreadable"),
    ],
)
def test_damaged_manifests_are_refused_naming_the_file(tmp_path, text, problem):
    path = tmp_path / "manifest.json"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(ReportError, match="manifest .*manifest.json " + problem.split(" (")[0]):
        read_manifest(path)


def test_missing_manifest_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        read_manifest(tmp_path / "manifest.json")
