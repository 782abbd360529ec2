"""Progress and logs of `workbench report`: per-cell progress, logs above it, -v everywhere."""

from __future__ import annotations

import io
import os
import re
import sys

import pytest
from fixtures.notebooks.workspace import make_workspace
from typer.testing import CliRunner

from workbench.cli import _ParallelProgress, _Progress, app
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
    progress.cell(_Task(), 3, 31)
    assert screen.getvalue().endswith("\r\x1b[K[1/2] compute_outlook … cell 3/31")
    progress.interrupt()  # a log line is about to be printed
    assert screen.getvalue().endswith("\r\x1b[K")
    progress.redraw()
    assert screen.getvalue().endswith("[1/2] compute_outlook … cell 3/31")


def test_in_a_log_file_there_are_no_cell_counts_and_logs_start_their_own_line(capsys):
    log = io.StringIO()
    progress = _Progress(1, stream=log)
    progress.start(_Task())
    progress.cell(_Task(), 3, 31)
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


class _Named:
    def __init__(self, label):
        self.label = label


def _built(label):
    return ReportOutcome(label, "built", folder=None, duration_s=1.5)


def test_reports_built_at_once_share_one_running_line_on_a_terminal(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((80, 24)))
    screen = _Terminal()
    progress = _ParallelProgress(3, stream=screen)
    progress.start(_Named("chip_supply"))
    progress.start(_Named("compute_outlook"))
    progress.cell(_Named("chip_supply"), 12, 40)
    progress.cell(_Named("compute_outlook"), 3, 55)
    assert screen.getvalue().endswith("\r\x1b[Kchip_supply 12/40 · compute_outlook 3/55")
    progress.interrupt()  # a log line
    assert screen.getvalue().endswith("\r\x1b[K")
    progress.redraw()
    progress.finish(_built("chip_supply"))
    ended = "\r\x1b[K[1/3] chip_supply: built in 1.5 s → \n"
    assert screen.getvalue().endswith(ended + "compute_outlook 3/55")
    progress.cell(_Named("chip_supply"), 13, 40)  # late news of an ended report: dropped
    assert screen.getvalue().endswith("compute_outlook 3/55")
    progress.start(_Named("a_report_with_a_long_name_" + "x" * 80))
    assert len(screen.getvalue().rsplit("\x1b[K", 1)[1]) == 79  # cut to the terminal


def test_reports_built_at_once_print_only_their_ends_in_a_log_file():
    log = io.StringIO()
    progress = _ParallelProgress(2, stream=log)
    progress.start(_Named("chip_supply"))
    progress.cell(_Named("chip_supply"), 12, 40)
    progress.interrupt()
    progress.redraw()
    progress.finish(_built("chip_supply"))
    progress.finish(ReportOutcome("echo", "skipped", folder=None, duration_s=0.1))
    assert log.getvalue() == "[1/2] chip_supply: built in 1.5 s → \n[2/2] echo: up to date\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal")
def test_jobs_show_each_running_report_s_cells_on_a_terminal(tmp_path):
    import pty
    import subprocess

    workspace = make_workspace(tmp_path, notebooks=("chart", "echo"))
    primary, secondary = pty.openpty()
    try:
        run = subprocess.run(
            workspace.command("--jobs", "2", "-p", "sleep_s=1"),
            env={**workspace.environment(), "COLUMNS": "200"},
            cwd=workspace.root,
            stdout=secondary,
            stderr=subprocess.PIPE,
            timeout=180,
        )
        os.close(secondary)
        screen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(primary)
    assert run.returncode == 0, run.stderr
    text = screen.decode()
    drawn = [part.split("\r")[0] for part in text.split("\x1b[K")]
    for report in ("chart", "echo"):  # each running report's cells, on the one running line
        cells = rf"(^| · ){report} (\d+)/(\d+)( · |$)"
        assert any(re.search(cells, part) for part in drawn), drawn
    ended = [line for line in re.sub(r"\r\x1b\[K", "\n", text).splitlines() if "built in" in line]
    assert sorted(line.split(":")[0][6:] for line in ended) == ["chart", "echo"]
