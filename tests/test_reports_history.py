"""Run history: builds kept with their headline values, what changed, `workbench report diff`."""

from __future__ import annotations

import json

import pytest
from fixtures.notebooks.workspace import make_workspace

from workbench.errors import ParameterError
from workbench.reports.headlines import MIMETYPE, headline, headline_text, read_headlines
from workbench.reports.history import changes, history
from workbench.reports.manifest import Manifest


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory):
    """The headline notebook built three times, the tiny table changed before each rebuild."""
    workspace = make_workspace(tmp_path_factory.mktemp("history"), notebooks=("headline",))
    results = []
    for value in (1, 5, 9):
        (workspace.data / "tiny.csv").write_text(f"item,value\na,{value}\n")
        results.append(workspace.report("headline"))
    return workspace, results


def test_each_build_is_kept_with_its_headline_values(three_builds):
    workspace, results = three_builds
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    builds = history(workspace.published("headline"))
    assert len(builds) == 3
    values = [[h["value"] for h in b.manifest.headlines] for b in builds]
    assert values == [[1.0], [5.0], [9.0]]
    assert builds[-1].manifest.headlines[0] == {
        "name": "total",
        "value": 9.0,
        "units": "1",
        "lower": None,
        "upper": None,
        "text": "9",
    }
    # The executed notebook holds them too (the manifest is a copy).
    published = workspace.published("headline") / "headline.ipynb"
    assert read_headlines(published) == builds[-1].manifest.headlines


def test_report_diff_says_what_changed_between_builds(three_builds):
    workspace, _ = three_builds
    result = workspace.report("diff", "headline")  # --out is the workspace's
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    builds = history(workspace.published("headline"))
    assert lines[0].startswith(f"headline: {builds[1].id} (") and f"→ {builds[2].id} (" in lines[0]
    assert "  total: 5 → 9" in lines
    assert "  data changed (tiny.csv)" in lines
    first, last = builds[0].id, builds[-1].id
    result = workspace.report("diff", "headline", first, last)
    assert "  total: 1 → 9" in result.stdout.splitlines()
    wrong = workspace.report("diff", "headline", first, "nope")
    assert wrong.returncode == 2
    assert "'NEW' parameter of report diff headline must be one of its builds" in wrong.stderr


def test_the_gallery_shows_the_history_and_the_latest_change(three_builds):
    workspace, _ = three_builds
    page = (workspace.out / "index.html").read_text()
    assert "since the previous build:" in page and "<li>total: 5 → 9</li>" in page
    assert "<li>data changed (tiny.csv)</li>" in page
    assert "3 build(s) kept" in page


def test_keep_bounds_the_history_and_the_published_build_stays(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("headline",))
    for value in (1, 2, 3):
        (workspace.data / "tiny.csv").write_text(f"item,value\na,{value}\n")
        assert workspace.report("headline", "--keep", "2").returncode == 0
    builds = history(workspace.published("headline"))
    assert [b.manifest.headlines[0]["value"] for b in builds] == [2.0, 3.0]
    current = (workspace.published("headline") / ".current").resolve().name
    assert builds[-1].id == current
    single = make_workspace(tmp_path / "single", notebooks=("headline",))
    single.report("headline")
    refused = single.report("diff", "headline")
    assert refused.returncode == 2 and "keeps 1 build(s): a diff needs two" in refused.stderr


def _manifest(**fields):
    return Manifest(report="r", notebook="r.ipynb", status="ok", key="k", **fields)


def test_changes_list_headlines_parameters_notebook_and_inputs():
    old = _manifest(
        headlines=[{"name": "P(shortfall) 2030", "value": 39.0, "units": "%"}],
        parameters={"n_draws": 1000},
        inputs={"models.csv": "a", "code/workbench/gap/core.py": "b", "package/numpy": "2.3.0"},
        notebook_sha256="x",
    )
    new = _manifest(
        headlines=[
            {"name": "P(shortfall) 2030", "value": 47.0, "units": "%"},
            {"name": "supply 2030 (H100e)", "value": 2.52e8, "units": "1"},
        ],
        parameters={"n_draws": 2000, "scenario": "bull"},
        inputs={"models.csv": "c", "code/workbench/gap/core.py": "d", "package/numpy": "2.4.0"},
        notebook_sha256="y",
    )
    assert changes(old, new) == [
        "P(shortfall) 2030: 39% → 47%",
        "supply 2030 (H100e): none → 252 M",
        "parameter n_draws: 1000 → 2000",
        "parameter scenario: default → bull",
        "notebook changed",
        "code changed (workbench/gap/core.py)",
        "dependency changed (numpy 2.3.0 -> 2.4.0)",
        "data changed (models.csv)",
    ]
    assert changes(new, new) == []


def test_headline_records_and_refuses_bad_input(tmp_path):
    record = headline("ratio 2030", 0.45, units="1", lower=0.12, upper=1.7)
    assert record["text"] == "0.45 (0.12–1.7)" and headline_text(record) == record["text"]
    assert headline("x", float("nan"))["value"] is None  # unknown stays unknown
    assert headline_text({"name": "p", "value": 83.2, "units": "%"}) == "83%"
    with pytest.raises(ParameterError, match="'name' parameter of headline"):
        headline("", 1.0)
    with pytest.raises(ParameterError, match="'value' parameter of headline"):
        headline("x", "a lot")
    notebook = tmp_path / "n.ipynb"
    outputs = [
        {"output_type": "display_data", "data": {MIMETYPE: {"name": "a", "value": 1}}},
        {"output_type": "display_data", "data": {MIMETYPE: {"name": "a", "value": 2}}},
    ]
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))
    assert [h["value"] for h in read_headlines(notebook)] == [2]  # a re-run replaces
