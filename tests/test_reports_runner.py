"""The runner's pieces that need no kernel: failure messages, titles, SVG ids, the kernel."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbench.reports import runner

TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mRuntimeError\x1b[0m                              Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[4], line 2\x1b[0m\n\x1b[1;32m      1\x1b[0m \x1b[38;5;28;01mif\x1b[39;00m"
    " fail:\n\x1b[0;32m----> 2\x1b[0m     \x1b[38;5;28;01mraise\x1b[39;00m RuntimeError("
    "\x1b[38;5;124mf\x1b[39m\x1b[38;5;124m'\x1b[39m\x1b[38;5;124masked\x1b[39m\x1b[38;5;124m'"
    "\x1b[39m)\n",
    "\x1b[0;31mRuntimeError\x1b[0m: asked",
]


def failure(traceback, source="if fail:\n    raise RuntimeError(f'asked')"):
    return SimpleNamespace(
        exec_count=4,
        cell_index=5,
        source=source,
        ename="RuntimeError",
        evalue="asked\nsecond line",
        traceback=traceback,
    )


def test_failure_names_cell_line_code_and_error():
    error = runner._failure("echo", failure(TRACEBACK))
    assert str(error) == (
        "report 'echo' failed at In [4], line 2 (raise RuntimeError(f'asked')): RuntimeError: asked"
    )
    assert error.cell == "In [4]"
    assert "\x1b" not in error.details and "Traceback" in error.details


def test_failure_without_an_ipython_traceback_names_the_cell_start():
    error = runner._failure("echo", failure(["RuntimeError: asked"]))
    assert str(error) == "report 'echo' failed at In [4] (if fail:): RuntimeError: asked"


def test_timeout_names_the_last_cell_started(tmp_path):
    notebook = new_notebook(
        cells=[
            new_code_cell("x = 1", execution_count=1),
            new_code_cell("import time\ntime.sleep(99)", execution_count=2),
            new_code_cell("y = 2"),
        ]
    )
    starts = ["2026-11-25T01:00:00", "2026-11-25T01:00:01", None]  # the third never ran
    for cell, started in zip(notebook.cells, starts, strict=True):
        cell.metadata["papermill"] = {"start_time": started}
    output = tmp_path / "out.ipynb"
    nbformat.write(notebook, output)
    error = runner._timeout("echo", output, 5, TimeoutError("Cell execution timed out"))
    assert str(error) == (
        "report 'echo' timed out at In [2] (import time): the cell ran for over 5 s "
        "(the cell timeout)"
    )
    assert error.cell == "In [2]" and "timed out" in error.details


def test_timeout_without_an_executed_notebook_still_explains(tmp_path):
    error = runner._timeout("echo", tmp_path / "absent.ipynb", 5, TimeoutError("late"))
    assert str(error).startswith("report 'echo' timed out at a cell: the cell ran for over 5 s")


def test_title_is_the_first_heading(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("intro\n\n## The title\n# Later")]), path)
    assert runner.notebook_title(path, default="n") == "The title"
    nbformat.write(new_notebook(cells=[new_code_cell("1")], metadata={"title": "Meta"}), path)
    assert runner.notebook_title(path, default="n") == "Meta"
    path.write_text("{broken")
    assert runner.notebook_title(path, default="n") == "n"


def test_kernel_is_this_python_with_the_report_environment():
    spec = runner.ReportKernelManager(kernel_name="anything").kernel_spec
    assert spec.argv[0] == sys.executable
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]
    assert spec.env == {"WORKBENCH_REPORT": "1", "WORKBENCH_CHART_RENDERER": "report"}


def test_reports_import_no_analysis_and_nothing_heavy_until_a_notebook_runs():
    """The runner runs notebooks whatever they contain; an up-to-date suite stays quick."""
    code = (
        "import sys, workbench.cli, workbench.reports, workbench.reports.runner\n"
        "analysis = tuple(f'workbench.{m}' for m in ('scaling', 'supply', 'demand', 'gap'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(analysis)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
    light = (
        "import sys, workbench.reports\n"
        "print(sorted(m for m in ('papermill', 'nbconvert', 'jupyter_client', 'nbformat')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", light], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
