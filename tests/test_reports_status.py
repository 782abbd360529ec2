"""``workbench status`` and ``workbench report --dry-run`` (issue 14, item 7).

For each report: up to date, or what would build it and why; nothing runs, nothing is written.
"""

from __future__ import annotations

import json
import subprocess
import sys

from fixtures.notebooks.workspace import make_workspace


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def status(workspace, *args):
    command = [sys.executable, "-m", "workbench.cli", "status", *args, "--out", str(workspace.out)]
    return subprocess.run(
        command, env=workspace.environment(), cwd=workspace.root, capture_output=True, text=True
    )


def test_status_of_a_fresh_and_of_a_built_suite_says_why(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo", "chart"))
    fresh = status(workspace)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.splitlines() == [
        "chart: would build: never built",
        "echo: would build: never built",
        "2 would be built, 0 up to date (dry run: nothing ran)",
    ]
    assert not workspace.out.exists(), "status writes nothing"

    assert workspace.report().returncode == 0
    before = _tree(workspace.out)
    built = status(workspace)
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[:2] == ["chart: up to date", "echo: up to date"]

    changed = status(workspace, "echo", "-p", "count=4")
    assert "echo: would build: parameters changed ({} -> {'count': 4})" in changed.stdout

    (workspace.data / "tiny.csv").write_text("item,value\na,2\n")
    assert "echo: would build: data changed (tiny.csv)" in status(workspace, "echo").stdout

    notebook = workspace.notebooks / "chart.ipynb"
    content = json.loads(notebook.read_text())
    content["cells"][0]["source"] = "# A changed chart"
    notebook.write_text(json.dumps(content))
    assert "chart: would build: notebook chart.ipynb changed; data changed (tiny.csv)" in (
        status(workspace, "chart").stdout
    )
    assert _tree(workspace.out) == before, "status writes nothing"


def test_report_dry_run_runs_nothing_and_honours_force(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo",))
    assert workspace.report("echo").returncode == 0
    manifest = (workspace.published("echo") / "manifest.json").read_text()
    result = workspace.report("echo", "--dry-run", "--force")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "echo: would build: --force",
        "1 would be built, 0 up to date (dry run: nothing ran)",
    ]
    assert (workspace.published("echo") / "manifest.json").read_text() == manifest
    failed = workspace.report("echo", "-p", "fail=true")
    assert failed.returncode == 1
    again = workspace.report("echo", "-p", "fail=true", "--dry-run")
    assert "echo: would build: its last run failed" not in again.stdout  # the good one is published
    assert "echo: would build: parameters changed ({} -> {'fail': True})" in again.stdout
