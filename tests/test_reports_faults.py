"""Faults: a killed run, concurrent runs, a damaged manifest, a read-only folder.

Each ends with a complete report (the old one or the new one) and a clear message. A notebook
that raises is covered in test_cli_report.py; SIGKILL during publishing, at every step, in
test_reports_publish.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import filelock
import pytest
from fixtures.notebooks.workspace import assert_complete, make_workspace

from workbench.errors import ParameterError
from workbench.reports import build_report, plan, requests_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and links")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("faults"), notebooks=("echo",))
    first = workspace.report("echo")
    assert first.returncode == 0, first.stdout + first.stderr
    return workspace


def wait_for(path: Path, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.1)


def test_sigkill_during_a_run_keeps_the_old_report(workspace):
    folder = workspace.published("echo")
    old = assert_complete(folder, "echo")
    marker = workspace.root / "kernel-is-running"
    run = workspace.start("echo", "-p", "sleep_s=120", "-p", f"marker={marker}")
    try:
        wait_for(marker, run)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.communicate()
        # The kernel runs in a session of its own; it is this test's grandchild.
        if marker.exists():
            try:
                os.kill(int(marker.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert run.returncode == -signal.SIGKILL
    assert assert_complete(folder, "echo")["key"] == old["key"]
    assert len(list((folder / ".builds").iterdir())) == 2, "the killed build is left over"

    again = workspace.report("echo")
    assert "echo … up to date" in again.stdout
    assert len(list((folder / ".builds").iterdir())) == 1, "the next run cleans it up"


def test_two_concurrent_runs_of_one_report_do_not_interleave(workspace):
    folder = workspace.published("echo")
    args = ("echo", "-p", "sleep_s=2", "-p", "label=concurrent")
    runs = [workspace.start(*args)]
    time.sleep(0.3)
    runs.append(workspace.start(*args))
    results = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    outputs = sorted(stdout for stdout, _ in results)
    assert sum("echo … built in" in out for out in outputs) == 1, outputs
    assert sum("echo … up to date" in out for out in outputs) == 1, outputs
    waited = "".join(stderr for _, stderr in results)
    assert "report 'echo' is being built by another run; waiting for it to finish" in waited
    manifest = assert_complete(folder, "echo")
    assert manifest["parameters"]["label"] == "concurrent"
    # One of the two built; what .builds holds is history (good builds with manifests), never
    # a half-written run, and the published build is the newest.
    builds = sorted((folder / ".builds").iterdir())
    assert all((b / "manifest.json").is_file() for b in builds)
    assert (folder / ".current").resolve() == builds[-1].resolve()


def test_a_run_that_cannot_get_the_lock_in_time_fails_clearly(workspace, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(workspace.data))
    requests = requests_for(["echo"], folder=workspace.notebooks)
    (task,) = plan(requests, workspace.out, force=True, lock_timeout=0.2)
    outcomes = []
    with filelock.FileLock(workspace.published("echo") / ".lock"):
        # filelock is reentrant within a thread: contend from another one.
        thread = threading.Thread(target=lambda: outcomes.append(build_report(task)))
        thread.start()
        thread.join()
    (outcome,) = outcomes
    assert outcome.status == "failed"
    assert "report 'echo' is being built by another run" in outcome.message
    assert_complete(workspace.published("echo"), "echo")


def test_a_cell_over_the_timeout_fails_and_stops_its_kernel(workspace):
    folder = workspace.published("echo")
    old = assert_complete(folder, "echo")
    marker = workspace.root / "slow-kernel"
    # The cell would sleep 10 minutes; the run's own limit (timeout=120) fails the test if
    # the cell timeout does not stop it.
    args = ("echo", "-p", "sleep_s=600", "-p", f"marker={marker}", "--cell-timeout", "2")
    result = workspace.report(*args, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "echo … FAILED after" in result.stdout
    assert (
        "report 'echo' timed out at In [3] (import os): the cell ran for over 2 s "
        "(the cell timeout)" in result.stdout
    )
    assert assert_complete(folder, "echo")["key"] == old["key"]
    failed_run = max((folder / "failed").iterdir())
    assert "timed out at In [3]" in (failed_run / "error.txt").read_text()
    with pytest.raises(ProcessLookupError):  # the kernel was stopped, not left sleeping
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.kill(int(marker.read_text()), 0)
            time.sleep(0.2)


def test_a_cell_timeout_below_one_second_is_refused(workspace):
    requests = requests_for(["echo"], folder=workspace.notebooks)
    with pytest.raises(ParameterError, match="'cell_timeout' parameter of plan must be a whole"):
        plan(requests, workspace.out, cell_timeout=0)


def test_a_damaged_manifest_is_reported_and_the_report_rebuilt(workspace):
    folder = workspace.published("echo")
    (folder / "manifest.json").write_text('{"report": "echo", "stat')
    result = workspace.report("echo", "-p", "label=concurrent")
    assert result.returncode == 0, result.stderr
    assert "manifest.json is unreadable" in result.stderr
    assert "rebuilding report 'echo'" in result.stderr
    assert "echo … built in" in result.stdout
    assert assert_complete(folder, "echo")["parameters"] == {"label": "concurrent"}


def test_a_read_only_output_folder_keeps_the_old_report(workspace):
    folder = workspace.published("echo")
    old = assert_complete(folder, "echo")
    prefix = []
    if os.geteuid() == 0:  # root writes anywhere: drop the capabilities that allow it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    folders = [workspace.out, *[p for p in workspace.out.rglob("*") if p.is_dir()]]
    modes = {path: path.stat().st_mode for path in folders}
    try:
        for path in folders:
            path.chmod(modes[path] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        command = prefix + workspace.command("echo", "--force")
        result = subprocess.run(
            command,
            env=workspace.environment(),
            cwd=workspace.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        for path in folders:
            path.chmod(modes[path])
    assert result.returncode == 2
    # Refused before any kernel starts: the gallery and summary could not be written either.
    assert result.stdout == ""
    assert (
        f"error: cannot use {workspace.out} as the reports folder: cannot write in "
        f"{workspace.out} (Permission denied)" in result.stderr
    )
    assert assert_complete(folder, "echo")["key"] == old["key"]
