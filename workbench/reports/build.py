"""Building one report: skip it if its key is unchanged, else run it, then publish or keep it.

:func:`build_report` is what every engine runs (in this process, in a process pool, or on a
dask worker), so a :class:`ReportTask` carries everything it needs and both it and the
:class:`ReportOutcome` it returns pickle.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import ReportError
from workbench.reports.manifest import Manifest, package_versions, read_manifest, write_manifest
from workbench.reports.publish import ReportFolder
from workbench.reports.sweep import member_folder

__all__ = ["ReportOutcome", "ReportTask", "build_report"]

logger = logging.getLogger(__name__)

BUILT, SKIPPED, FAILED = "built", "skipped", "failed"
KERNEL_LOG = "kernel.log"


@dataclass(frozen=True)
class ReportTask:
    """One report to build: a notebook, its checked parameters and where it is published.

    Attributes
    ----------
    report
        The report's name; its files are ``<report>.html`` and ``<report>.ipynb``.
    notebook
        The source notebook (an absolute path, so any worker finds it).
    folder
        The published folder: ``<out>/<report>`` or, for a sweep member,
        ``<out>/<report>/<key=value,...>``.
    key
        The cache key (:func:`workbench.reports.keys.report_key`).
    parameters
        Checked values to inject, by name.
    sweep
        For a sweep member, its swept values; else empty.
    inputs
        sha256 of the bundled dataset files, recorded in the manifest.
    no_input
        Hide code cells in the HTML.
    force
        Rebuild even when the key is unchanged.
    lock_timeout
        Seconds to wait for another run of the same report; None waits as long as it takes.
    cell_timeout
        Seconds any one cell may run before the run fails; None lets cells run on.
    """

    report: str
    notebook: Path
    folder: Path
    key: str
    parameters: dict = field(default_factory=dict)
    sweep: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    no_input: bool = False
    force: bool = False
    lock_timeout: float | None = None
    cell_timeout: int | None = None

    @property
    def out(self) -> Path:
        """The reports folder the task publishes into (the gallery's folder)."""
        return self.folder.parent.parent if self.sweep else self.folder.parent

    @property
    def label(self) -> str:
        """``compute_outlook`` or, for a sweep member, ``compute_outlook[scenario=high]``."""
        return f"{self.report}[{member_folder(self.sweep)}]" if self.sweep else self.report


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one :class:`ReportTask`.

    Attributes
    ----------
    label
        The task's label.
    status
        ``built``, ``skipped`` (key unchanged) or ``failed``.
    folder
        The report's published folder.
    duration_s
        Seconds spent, including waiting for the lock.
    message
        For a failure: what went wrong, naming the report, the cell and the error.
    failed_run
        For a notebook that failed: the folder the failed run was kept in.
    html
        The published HTML page, when there is one.
    """

    label: str
    status: str
    folder: Path
    duration_s: float
    message: str = ""
    failed_run: Path | None = None
    html: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether the report is up to date (built now or skipped)."""
        return self.status != FAILED


def build_report(task: ReportTask) -> ReportOutcome:
    """Build ``task``'s report unless it is up to date; never leave it half-published.

    Holds the report's lock throughout, so a concurrent run of the same report waits and then
    finds it up to date. A failing notebook leaves the published report as it was and is kept
    under ``failed/<time>/`` with its error.

    Returns
    -------
    ReportOutcome
        Failures are returned, not raised, so a batch goes on with its other reports.
    """
    clock = time.monotonic()
    folder = ReportFolder(task.folder, task.report)

    def outcome(status: str, **details) -> ReportOutcome:
        return ReportOutcome(task.label, status, task.folder, time.monotonic() - clock, **details)

    try:
        folder.prepare()
        with folder.lock(task.lock_timeout):
            folder.remove_stale_builds()  # left by runs that were killed
            if not task.force and _is_up_to_date(folder, task):
                return outcome(SKIPPED, html=task.folder / folder.html_name)
            build = folder.new_build()
            failure = _run(task, folder, build)
            if failure is None:
                folder.publish(build)
                return outcome(BUILT, html=task.folder / folder.html_name)
            failed_run = folder.keep_failed(build)
    except ReportError as exc:
        return outcome(FAILED, message=str(exc))
    except OSError as exc:  # a disk that fills up or goes away mid-run
        return outcome(FAILED, message=f"report {task.label!r} could not be written: {exc}")
    return outcome(FAILED, message=f"{failure} (kept in {failed_run})", failed_run=failed_run)


def _is_up_to_date(folder: ReportFolder, task: ReportTask) -> bool:
    if folder.current_build() is None:
        return False
    try:
        manifest = read_manifest(folder.path)
    except ReportError as exc:
        logger.warning("%s; rebuilding report %r", exc, task.label)
        return False
    complete = all((folder.path / name).is_file() for name in folder.published_names)
    return manifest.ok and manifest.key == task.key and complete


def _run(task: ReportTask, folder: ReportFolder, build: Path) -> ReportError | None:
    """Run the notebook into ``build`` and write its manifest; return the error if it failed."""
    from workbench.reports import html, runner  # heavy imports (jupyter, nbconvert): only to run
    from workbench.reports.params import inspect_parameters

    started = datetime.now(UTC)
    clock = time.monotonic()
    notebook = build / folder.notebook_name
    manifest = Manifest(
        report=task.report,
        notebook=str(task.notebook),
        status="running",
        key=task.key,
        title=task.report,
        parameters=task.parameters,
        sweep=task.sweep,
        inputs=task.inputs,
        versions=package_versions(),
        started=started.isoformat(timespec="seconds"),
        no_input=task.no_input,
        executed_notebook=folder.notebook_name,
    )
    failure = None
    try:
        manifest.defaults = {
            name: p.default for name, p in inspect_parameters(task.notebook).items()
        }
        manifest.title = runner.notebook_title(task.notebook, default=task.report)
        logger.info("running %s (%s)", task.label, task.notebook)
        runner.execute_notebook(
            task.notebook,
            notebook,
            task.parameters,
            report=task.label,
            cwd=build,
            kernel_log=build / KERNEL_LOG,
            cell_timeout=task.cell_timeout,
        )
    except ReportError as exc:
        failure = exc
    try:
        if notebook.exists():
            html.render_html(notebook, build / folder.html_name, show_code=not task.no_input)
            manifest.html = folder.html_name
    except Exception as exc:  # nbconvert raises many types; a report without HTML is a failure
        failure = failure or ReportError(
            f"report {task.label!r} ran but its HTML could not be rendered: "
            f"{type(exc).__name__}: {exc}"
        )
    if failure is not None:
        _write_error(build, failure)
    else:  # the kernel's own log helps explain a failure; a good report does not need it
        (build / KERNEL_LOG).unlink(missing_ok=True)
    manifest.status = "ok" if failure is None else "failed"
    manifest.error = None if failure is None else str(failure)
    manifest.finished = datetime.now(UTC).isoformat(timespec="seconds")
    manifest.duration_s = round(time.monotonic() - clock, 3)
    if not notebook.exists():
        manifest.executed_notebook = None
    write_manifest(build, manifest)  # last: a build with a manifest is complete
    return failure


def _write_error(build: Path, error: ReportError) -> None:
    details = getattr(error, "details", "")
    (build / "error.txt").write_text(f"{error}\n\n{details}".rstrip() + "\n", encoding="utf-8")
