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


#: What reading reports' state and hashing their inputs must not need: issue 14 asks for a
#: status under 1 s, and importing xarray alone takes about as long.
HEAVY = ("altair", "jinja2", "jsonschema", "nbformat", "numpy", "pandas", "papermill", "xarray")


def heavy_imports_of_status(workspace, *args) -> tuple[list[str], str]:
    """Run ``workbench status ARGS`` in a fresh interpreter: the heavy modules it imported."""
    code = (
        "import sys\n"
        "from workbench.cli import app\n"
        "try:\n"
        f"    app(['status', *{list(args)!r}, '--out', {str(workspace.out)!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"print('heavy:', *sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=workspace.environment(),
        cwd=workspace.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    *lines, last = result.stdout.splitlines()
    assert last.startswith("heavy:"), result.stdout
    return last.split()[1:], "\n".join(lines)


def test_status_of_a_suite_imports_none_of_the_heavy_libraries(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo",))
    assert heavy_imports_of_status(workspace) == (
        [],
        "echo: would build: never built\n1 would be built, 0 up to date (dry run: nothing ran)",
    )
    assert workspace.report().returncode == 0
    heavy, shown = heavy_imports_of_status(workspace)
    assert (heavy, shown.splitlines()[0]) == ([], "echo: up to date")
    (workspace.data / "tiny.csv").write_text("item,value\na,2\n")  # the reasons: history
    heavy, shown = heavy_imports_of_status(workspace)
    assert (heavy, shown.splitlines()[0]) == ([], "echo: would build: data changed (tiny.csv)")
    # (With -p the values are checked against the notebook's parameters, which papermill reads.)
