"""Progress and logs of `workbench report`: per-cell progress, logs above it, -v everywhere."""

from __future__ import annotations

import io

import pytest
from fixtures.notebooks.workspace import make_workspace
from typer.testing import CliRunner

from workbench.cli import _Progress, app
from workbench.reports.build import ReportOutcome

runner = CliRunner()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Task:
    label = "compute_outlook"


def test_on_a_terminal_the_running_line_counts_cells_and_logs_go_above_it():
    screen = _Terminal()
    progress = _Progress(2, stream=screen)
    progress.start(_Task())
    progress.cell(3, 31)
    assert screen.getvalue().endswith("\r\x1b[K[1/2] compute_outlook … cell 3/31")
    progress.interrupt()  # a log line is about to be printed
    assert screen.getvalue().endswith("\r\x1b[K")
    progress.redraw()
    assert screen.getvalue().endswith("[1/2] compute_outlook … cell 3/31")


def test_in_a_log_file_there_are_no_cell_counts_and_logs_start_their_own_line(capsys):
    log = io.StringIO()
    progress = _Progress(1, stream=log)
    progress.start(_Task())
    progress.cell(3, 31)
    assert log.getvalue() == "[1/1] compute_outlook … "
    progress.interrupt()
    progress.redraw()
    assert log.getvalue() == "[1/1] compute_outlook … \n[1/1] compute_outlook … "
    progress.finish(ReportOutcome("compute_outlook", "skipped", folder=None, duration_s=0.1))
    assert capsys.readouterr().out == "up to date\n"


@pytest.mark.parametrize(
    "command",
    [
        ["data", "list", "-v"],
        ["data", "show", "models", "-v"],
        ["data", "check", "models", "--verbose"],
        ["status", "-v"],
        ["report", "--dry-run", "-v"],
        ["-v", "status"],
    ],
)
def test_verbose_is_accepted_on_every_subcommand(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, command)
    assert "No such option" not in result.output, result.output
    assert result.exit_code in (0, 1), result.output  # data check exits 1 with findings


def test_each_log_line_is_printed_once_and_never_inside_a_progress_line(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("chart",))
    result = workspace.report("chart", "-v")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Executing notebook with kernel") == 1
    assert result.stderr.count("Input Notebook:") == 1
    assert "INFO" not in result.stdout  # logs go to stderr, progress to stdout
    assert result.stdout.splitlines()[-2].startswith("[1/1] chart … built in")


def test_the_runner_reports_each_cell_as_it_starts(tmp_path):
    from workbench import reports
    from workbench.reports.build import cell_progress

    workspace = make_workspace(tmp_path, notebooks=("chart",))
    request = reports.requests_for(["chart"], folder=workspace.notebooks)
    (task,) = reports.plan(request, workspace.out)
    seen = []
    with cell_progress(lambda cell, cells: seen.append((cell, cells))):
        outcome = reports.build_report(task)
    assert outcome.status == "built", outcome.message
    cells = seen[0][1]
    assert seen == [(n, cells) for n in range(1, cells + 1)]
