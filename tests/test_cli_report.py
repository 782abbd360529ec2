"""`workbench report` end to end on the fixture notebooks: runs, skips, parameters, failures."""

from __future__ import annotations

import json
import re
import time

import nbformat
import pytest
from fixtures.notebooks.workspace import assert_complete, make_workspace

from workbench.data import file_sha256


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("cli_report"))


@pytest.fixture(scope="module")
def first_run(workspace):
    """The default suite, cold: broken fails, chart and echo are built."""
    return workspace.report()


def executed_output(path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )


def test_default_suite_prints_a_progress_line_per_notebook(first_run):
    lines = first_run.stdout.splitlines()
    assert lines[0].startswith("[1/3] broken … FAILED after")
    assert re.match(r"\[2/3\] chart … built in [\d.]+ s → reports/chart/chart.html", lines[2])
    assert lines[3].startswith("[3/3] echo … built in")
    assert lines[-1].startswith("2 built, 0 up to date, 1 failed in")
    assert lines[-1].endswith("gallery: reports/index.html")


def test_a_failing_notebook_gives_exit_1_and_names_cell_and_error(first_run):
    assert first_run.returncode == 1
    assert (
        "report 'broken' failed at In [2], line 1 (raise ValueError(\"boom <b>bold</b> & more\")): "
        "ValueError: boom <b>bold</b> & more" in first_run.stdout
    )
    assert "error: 1 report(s) failed: broken" in first_run.stderr


def test_the_failed_run_is_kept_with_its_error(first_run, workspace):
    folder = workspace.published("broken")
    (failed_run,) = (folder / "failed").iterdir()
    assert str(failed_run) in first_run.stdout
    assert {p.name for p in failed_run.iterdir()} >= {
        "broken.ipynb",
        "broken.html",
        "error.txt",
        "manifest.json",
    }
    error = (failed_run / "error.txt").read_text()
    assert "Traceback" in error and "ValueError: boom" in error
    assert "\x1b[" not in error, "colour codes are stripped"
    manifest = json.loads((failed_run / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "In [2]" in manifest["error"]
    assert manifest["title"] == "Broken on purpose"
    assert not (folder / "broken.html").exists(), "nothing is published for a failure"


def test_manifest_records_how_the_report_was_made(first_run, workspace):
    manifest = assert_complete(workspace.published("echo"), "echo")
    assert manifest["report"] == "echo"
    assert manifest["title"] == "Echo <parameters> & co"
    assert manifest["parameters"] == {}
    assert manifest["defaults"]["count"] == "3"
    data = {k: v for k, v in manifest["inputs"].items() if not k.startswith(("code/", "package/"))}
    assert data == {
        "tiny.csv": file_sha256(workspace.data / "tiny.csv"),
        "tiny.toml": file_sha256(workspace.data / "tiny.toml"),
    }
    assert "code/workbench/reports/keys.py" in manifest["inputs"]
    assert manifest["inputs"]["package/papermill"] == manifest["versions"]["papermill"]
    assert {"python", "compute-workbench", "papermill"} <= set(manifest["versions"])
    assert len(manifest["key"]) == 64
    assert manifest["started"] <= manifest["finished"]
    assert manifest["duration_s"] > 0
    assert manifest["notebook"] == str(workspace.notebooks / "echo.ipynb")


def test_kernel_is_this_python_with_the_report_environment(first_run, workspace):
    output = executed_output(workspace.published("echo") / "echo.ipynb")
    assert "report env: 1 report" in output
    assert "[3, 0.5, True, 'base', [2025, 2030], [], {'a': 1}, None]" in output


def test_html_has_static_charts_and_no_online_scripts(first_run, workspace):
    page = (workspace.published("chart") / "chart.html").read_text()
    assert "<script src" not in page
    assert not re.search(r"<(script|link)[^>]+https?://", page)
    assert "cdn" not in page.lower()
    assert "<svg" in page and "role-mark" in page
    assert "<title>A small chart</title>" in page


def test_gallery_and_summary_are_written(first_run, workspace):
    page = (workspace.out / "index.html").read_text()
    for name in ("broken", "chart", "echo"):
        assert f'href="{name}/' in page
    assert "Echo &lt;parameters&gt; &amp; co" in page
    summary = json.loads((workspace.out / "summary.json").read_text())
    assert summary["counts"] == {"built": 2, "skipped": 0, "failed": 1}
    assert summary["ok"] is False


def test_an_unchanged_suite_is_skipped_in_seconds(first_run, workspace):
    started = time.monotonic()
    again = workspace.report("chart", "echo")
    elapsed = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert "[1/2] chart … up to date" in again.stdout
    assert again.stdout.splitlines()[-1].startswith("0 built, 2 up to date, 0 failed")
    assert elapsed < 10, f"an up-to-date suite took {elapsed:.1f} s"


def test_parameters_from_the_command_line_are_typed_and_keyed(first_run, workspace):
    args = ("echo", "-p", "count=7", "-p", "years=2020,2021", "-p", "label=hello world")
    built = workspace.report(*args, "-p", "enabled=no")
    assert built.returncode == 0, built.stdout + built.stderr
    folder = workspace.published("echo")
    manifest = assert_complete(folder, "echo")
    assert manifest["parameters"] == {
        "count": 7,
        "years": [2020, 2021],
        "label": "hello world",
        "enabled": False,
    }
    output = executed_output(folder / "echo.ipynb")
    assert "[7, 0.5, False, 'hello world', [2020, 2021], [], {'a': 1}, None]" in output

    same = workspace.report(*args, "-p", "enabled=no")
    assert "echo … up to date" in same.stdout
    build = (folder / ".current").resolve()
    forced = workspace.report(*args, "-p", "enabled=no", "--force")
    assert "echo … built in" in forced.stdout
    assert (folder / ".current").resolve() != build
    assert build.exists(), "the replaced build is kept as the report's history"
    from workbench.reports.history import history

    assert build.name in [b.id for b in history(folder)]


def test_no_input_hides_code_cells(first_run, workspace, tmp_path):
    result = workspace.report("echo", "--no-input", out=tmp_path / "reports")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "reports" / "echo"
    page = (folder / "echo.html").read_text()
    assert "report env: 1 report" in page
    assert "time.sleep" not in page
    assert assert_complete(folder, "echo")["no_input"] is True


def test_code_is_hidden_by_default_and_shown_folded_with_show_code(first_run, workspace, tmp_path):
    hidden = workspace.report("echo", out=tmp_path / "hidden")
    assert hidden.returncode == 0, hidden.stderr
    page = (tmp_path / "hidden" / "echo" / "echo.html").read_text()
    assert "report env: 1 report" in page and "time.sleep" not in page
    shown = workspace.report("echo", "--show-code", out=tmp_path / "shown")
    assert shown.returncode == 0, shown.stderr
    page = (tmp_path / "shown" / "echo" / "echo.html").read_text()
    assert '<details class="workbench-code">' in page and "time" in page
    assert assert_complete(tmp_path / "shown" / "echo", "echo")["no_input"] is False


def test_an_unknown_parameter_stops_before_any_kernel(first_run, workspace):
    builds_before = sorted(workspace.out.glob("*/.builds/*"))
    result = workspace.report("echo", "-p", "cuont=3")
    assert result.returncode == 2
    assert "Unknown parameter 'cuont' for report 'echo' (did you mean 'count'?)" in result.stderr
    assert "count: int = 3  # how many" in result.stderr
    assert result.stdout == ""
    assert sorted(workspace.out.glob("*/.builds/*")) == builds_before


def test_a_value_of_the_wrong_type_stops_before_any_kernel(first_run, workspace):
    result = workspace.report("echo", "-p", "count=2.5")
    assert result.returncode == 2
    assert (
        "The 'count' parameter of report 'echo' must be an integer; got '2.5' instead."
        in result.stderr
    )
    assert result.stdout == ""


def test_parameters_go_to_the_notebooks_that_declare_them(workspace):
    from workbench.reports import requests_for

    requests = requests_for(["chart", "echo"], ["points=3", "count=2"], [], workspace.notebooks)
    assert {r.report: dict(r.parameters) for r in requests} == {
        "chart": {"points": "3"},
        "echo": {"count": "2"},
    }


def test_a_parameter_no_selected_notebook_declares_is_an_error(workspace):
    result = workspace.report("chart", "echo", "-p", "nope=1")
    assert result.returncode == 2
    assert "Unknown parameter 'nope': none of the reports chart, echo declares it." in (
        result.stderr
    )
    assert "Parameters of report 'chart' (with defaults):" in result.stderr


def test_an_unknown_notebook_lists_the_choices(workspace):
    result = workspace.report("nope")
    assert result.returncode == 2
    assert "unknown report 'nope'" in result.stderr
    assert "'broken', 'chart' or 'echo'" in result.stderr


def test_config_does_not_combine_with_parameters(workspace, tmp_path):
    config = tmp_path / "reports.toml"
    config.write_text("[reports.echo]\n")
    result = workspace.report("--config", str(config), "-p", "count=1")
    assert result.returncode == 2
    assert "do not combine with --config" in result.stderr


def test_a_parameter_both_set_and_swept_is_an_error(workspace):
    result = workspace.report("echo", "-p", "count=1", "--sweep", "count=2,3")
    assert result.returncode == 2
    assert "Parameter 'count' of report 'echo' is both set" in result.stderr


def test_a_value_outside_a_notebooks_choices_stops_before_any_kernel(tmp_path):
    # The case on the bundled flagship: `-p scenario=bul` ran a kernel for 7 s and
    # ended with a cut message ("got 'bul' i…").
    import subprocess
    import sys

    out = tmp_path / "reports"
    command = [sys.executable, "-m", "workbench.cli", "report", "compute_outlook"]
    result = subprocess.run(
        [*command, "-p", "scenario=bul", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        "The 'scenario' parameter of report 'compute_outlook' must be one of 'bear', 'base', "
        "'bull', or a path ending .csv; got 'bul' instead. (did you mean 'bull'?)"
    ) in result.stderr
    assert result.stdout == ""
    assert not out.exists()  # nothing written, so no kernel ran
