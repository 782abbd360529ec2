"""Publishing: one atomic switch from build to build, even when killed at any step."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading

import filelock
import pytest

from workbench.errors import ReportError
from workbench.reports.publish import KEEP_FAILED_RUNS, ReportFolder


def stage(folder: ReportFolder, content: str) -> os.PathLike:
    """A build whose three files all say ``content``."""
    build = folder.new_build()
    for name in folder.published_names:
        (build / name).write_text(content)
    return build


def published_content(folder: ReportFolder) -> str | None:
    """The content every published file agrees on; None if nothing is published."""
    contents = set()
    for name in folder.published_names:
        path = folder.path / name
        contents.add(path.read_text() if path.exists() else None)
    assert len(contents) == 1, f"published files disagree: {contents}"
    return contents.pop()


@pytest.fixture
def folder(tmp_path):
    report = ReportFolder(tmp_path / "reports" / "demo", "demo")
    report.prepare()
    return report


def test_publish_links_every_file_to_the_current_build(folder):
    first = stage(folder, "old")
    folder.publish(first)
    assert published_content(folder) == "old"
    assert os.readlink(folder.path / "demo.html") == ".current/demo.html"
    second = stage(folder, "new")
    folder.publish(second)
    assert published_content(folder) == "new"
    assert folder.current_build().resolve() == second
    assert not first.exists(), "the previous build is removed once replaced"


def test_stale_builds_are_removed_but_not_the_current_one(folder):
    folder.publish(stage(folder, "old"))
    stale = stage(folder, "killed half-way")
    folder.remove_stale_builds()
    assert not stale.exists()
    assert published_content(folder) == "old"


def test_failed_runs_are_kept_and_pruned(folder):
    kept = [folder.keep_failed(stage(folder, f"failure {i}")) for i in range(KEEP_FAILED_RUNS + 2)]
    runs = folder.failed_runs()
    assert len(runs) == KEEP_FAILED_RUNS
    assert runs == kept[-KEEP_FAILED_RUNS:]
    assert (runs[-1] / "demo.html").read_text() == f"failure {KEEP_FAILED_RUNS + 1}"
    assert published_content(folder) is None


def test_lock_held_elsewhere_times_out_with_a_clear_message(folder):
    holder = filelock.FileLock(folder.path / ".lock")
    with holder:
        # filelock locks are per-process reentrant; contend from another thread's lock object.
        errors = []

        def contend():
            try:
                with ReportFolder(folder.path, "demo").lock(timeout=0.2):
                    pass
            except ReportError as exc:
                errors.append(str(exc))

        thread = threading.Thread(target=contend)
        thread.start()
        thread.join()
    assert errors and "report 'demo' is being built by another run" in errors[0]
    assert "held for over 0.2 s" in errors[0]


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_sigkill_at_any_step_of_publishing_leaves_old_or_new_complete(tmp_path):
    """Kill a publishing process before each of its file-system calls in turn."""
    mutating_calls = [
        (os, "symlink"),
        (os, "replace"),
        (os, "rename"),
        (os, "unlink"),
        (os, "fsync"),
        (shutil, "rmtree"),
    ]
    outcomes = []
    for kill_at in range(1, 100):
        report = ReportFolder(tmp_path / f"run{kill_at}" / "demo", "demo")
        report.prepare()
        report.publish(stage(report, "old"))
        new_build = stage(report, "new")
        pid = os.fork()
        if pid == 0:  # the child publishes, and dies at call number `kill_at`
            calls = 0

            def dying(original, kill_at=kill_at):
                def wrapper(*args, **kwargs):
                    nonlocal calls
                    calls += 1
                    if calls == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return original(*args, **kwargs)

                return wrapper

            for module, name in mutating_calls:
                setattr(module, name, dying(getattr(module, name)))
            try:
                report.publish(new_build)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status)
        outcomes.append((published_content(report), killed))
        if not killed:
            break
        # Whatever was killed, the next run cleans up and publishes.
        report.remove_stale_builds()
        report.publish(stage(report, "next"))
        assert published_content(report) == "next"
    assert {content for content, _ in outcomes} == {"old", "new"}
    assert outcomes[-1] == ("new", False), "the last attempt ran to completion"
    assert len(outcomes) > 5, "publishing makes several file-system calls to kill between"


def test_prepare_refuses_an_unwritable_place(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the reports folder should be")
    with pytest.raises(ReportError, match="cannot write report 'demo' in"):
        ReportFolder(blocker / "demo", "demo").prepare()
