"""Retries (issue 14, item 4): a run whose kernel died is tried again; a raising one is not."""

from __future__ import annotations

import json

import nbformat
from fixtures.notebooks.workspace import make_workspace
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def flaky_notebook(folder, marker):
    """A notebook whose kernel is killed on its first run only (as by the OOM killer)."""
    cells = [
        new_markdown_cell("# Flaky"),
        new_code_cell(f"marker = {str(marker)!r}", metadata={"tags": ["parameters"]}),
        new_code_cell(
            "import os, pathlib, signal\n"
            "if not pathlib.Path(marker).exists():\n"
            "    pathlib.Path(marker).touch()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "print('survived')"
        ),
    ]
    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    nbformat.write(notebook, folder / "flaky.ipynb")


def test_a_report_whose_kernel_died_is_retried_and_each_attempt_recorded(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=())
    flaky_notebook(workspace.notebooks, tmp_path / "killed-once")
    result = workspace.report("flaky", "--retries", "2", "--retry-delay", "0.5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "flaky … built in" in result.stdout
    assert "the kernel died (killed by signal 9 (SIGKILL))" in result.stderr
    assert "retrying in 0.5 s (attempt 2 of 3)" in result.stderr
    manifest = json.loads((workspace.published("flaky") / "manifest.json").read_text())
    (attempt,) = manifest["attempts"]
    assert "the kernel died" in attempt["error"]
    failed = list((workspace.published("flaky") / "failed").iterdir())
    assert [str(p) for p in failed] == [attempt["failed_run"]]


def test_without_retries_a_dead_kernel_fails_the_report(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=())
    flaky_notebook(workspace.notebooks, tmp_path / "killed-once")
    result = workspace.report("flaky")
    assert result.returncode == 1
    assert "the kernel died" in result.stdout


def test_a_notebook_that_raises_is_not_retried(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo",))
    result = workspace.report("echo", "-p", "fail=true", "--retries", "3", "--retry-delay", "0")
    assert result.returncode == 1
    assert "retrying" not in result.stderr
    assert len(list((workspace.published("echo") / "failed").iterdir())) == 1
