"""Building one report: skip it if its key is unchanged, else run it, then publish or keep it.

:func:`build_report` is what every engine runs (in this process, in a process pool, or on a
dask worker), so a :class:`ReportTask` carries everything it needs and both it and the
:class:`ReportOutcome` it returns pickle.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import ReportError
from workbench.reports.manifest import Manifest, package_versions, read_manifest, write_manifest
from workbench.reports.publish import KEEP_BUILDS, ReportFolder
from workbench.reports.sweep import member_folder

#: Bytes of output a cell keeps by default (the runner's limit; importing it would load jupyter).
DEFAULT_MAX_OUTPUT = 10_000_000
#: Called with (cell number, cells) as each cell of a notebook run in this process starts;
#: set by :func:`cell_progress` (:func:`~workbench.reports.batch.run_tasks` sets it in each
#: engine, a worker's hook sending the cells back). The runner reads it.
CELL_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("cell_progress", default=None)


@contextlib.contextmanager
def cell_progress(hook):
    """Call ``hook(cell, cells)`` as each cell of the notebooks built in this block starts."""
    token = CELL_PROGRESS.set(hook)
    try:
        yield
    finally:
        CELL_PROGRESS.reset(token)


__all__ = ["ReportOutcome", "ReportTask", "build_report", "reasons_to_build"]

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
        ``<out>/<report>/<key=value,...>``; in another language than English, inside
        ``<out>/<lang>/`` (``<out>/zh/<report>``).
    key
        The cache key (:func:`workbench.reports.keys.report_key`).
    parameters
        Checked values to inject, by name.
    sweep
        For a sweep member, its swept values; else empty.
    inputs
        What the key covers beside the notebook (:func:`workbench.reports.keys.input_hashes`
        and the modules beside the notebook), recorded in the manifest.
    no_input
        Hide code cells in the HTML.
    force
        Rebuild even when the key is unchanged.
    lock_timeout
        Seconds to wait for another run of the same report; None waits as long as it takes.
    cell_timeout
        Seconds any one cell may run before the run fails; None lets cells run on.
    max_output
        Bytes of output each cell keeps; the rest is cut, with a note in the report.
    retries
        Further attempts for a run whose kernel died or whose cell timed out (never for a
        notebook that raised).
    retry_delay
        Seconds before the first retry; each further one waits twice as long.
    keep
        Good builds kept as the report's history, the published one included.
    lang
        The report's language (its ``lang`` parameter, when it declares one).
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
    max_output: int = DEFAULT_MAX_OUTPUT
    retries: int = 0
    retry_delay: float = 10.0
    keep: int = KEEP_BUILDS
    lang: str = "en"

    @property
    def out(self) -> Path:
        """The reports folder the task publishes into (the gallery's folder)."""
        folder = self.folder.parent.parent if self.sweep else self.folder.parent
        return folder if self.lang == "en" else folder.parent

    @property
    def label(self) -> str:
        """``compute_outlook``, for a sweep member ``compute_outlook[scenario=high]``, in
        Chinese ``zh/compute_outlook``."""
        label = f"{self.report}[{member_folder(self.sweep)}]" if self.sweep else self.report
        return label if self.lang == "en" else f"{self.lang}/{label}"


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
    cell
        For a notebook that failed: the cell, as the notebook shows it (``In [3]``).
    """

    label: str
    status: str
    folder: Path
    duration_s: float
    message: str = ""
    failed_run: Path | None = None
    html: Path | None = None
    cell: str = ""

    @property
    def ok(self) -> bool:
        """Whether the report is up to date (built now or skipped)."""
        return self.status != FAILED


def build_report(task: ReportTask) -> ReportOutcome:
    """Build ``task``'s report unless it is up to date; never leave it half-published.

    Holds the report's lock throughout, so a concurrent run of the same report waits and then
    finds it up to date. A failing notebook leaves the published report as it was and is kept
    under ``failed/<time>/`` with its error. A run whose kernel died or timed out is tried
    again up to ``task.retries`` times, with a doubling delay; each attempt is recorded in the
    manifest's ``attempts``.

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
            folder.remove_stale_builds(task.keep)  # left by runs that were killed
            if not task.force and _is_up_to_date(folder, task):
                return outcome(SKIPPED, html=task.folder / folder.html_name)
            attempts: list[dict] = []
            while True:
                build = folder.new_build()
                failure = _run(task, folder, build, attempts)
                if failure is None:
                    folder.publish(build, task.keep)
                    return outcome(BUILT, html=task.folder / folder.html_name)
                failed_run = folder.keep_failed(build)
                attempts.append({"error": str(failure), "failed_run": str(failed_run)})
                if len(attempts) > task.retries or not _is_transient(failure):
                    break
                delay = task.retry_delay * 2 ** (len(attempts) - 1)
                logger.warning(
                    "%s; retrying in %g s (attempt %d of %d)",
                    failure,
                    delay,
                    len(attempts) + 1,
                    task.retries + 1,
                )
                time.sleep(delay)
    except ReportError as exc:
        return outcome(FAILED, message=str(exc))
    except OSError as exc:  # a disk that fills up or goes away mid-run
        return outcome(FAILED, message=f"report {task.label!r} could not be written: {exc}")
    tried = f"; {len(attempts)} attempts" if len(attempts) > 1 else ""
    message = f"{failure} (kept in {failed_run}{tried})"
    cell = getattr(failure, "cell", "")
    return outcome(FAILED, message=message, failed_run=failed_run, cell=cell)


def _is_transient(failure: ReportError) -> bool:
    """A kernel that died or a cell that timed out may succeed again; a raising cell will not."""
    return getattr(failure, "ename", "") in ("DeadKernelError", "CellTimeoutError")


def reasons_to_build(task: ReportTask) -> list[str]:
    """Why ``task``'s report would be built now; empty when it is up to date.

    Reads the published report only (no lock, nothing written): what ``--dry-run`` shows.
    """
    return _reasons(ReportFolder(task.folder, task.report), task)


def _is_up_to_date(folder: ReportFolder, task: ReportTask) -> bool:
    return not _reasons(folder, task, warn=True)


def _reasons(folder: ReportFolder, task: ReportTask, *, warn: bool = False) -> list[str]:
    if task.force:
        return ["--force"]
    if folder.current_build() is None:
        return ["never built"]
    try:
        manifest = read_manifest(folder.path)
    except ReportError as exc:
        if warn:
            logger.warning("%s; rebuilding report %r", exc, task.label)
        return [f"its manifest is damaged ({exc})"]
    if not all((folder.path / name).is_file() for name in folder.published_names):
        return ["some of its files are missing"]
    if not manifest.ok:
        return ["its last run failed"]
    if manifest.key == task.key:
        return []
    return _what_changed(manifest, task)


def _what_changed(manifest: Manifest, task: ReportTask) -> list[str]:
    """The parts of the key that differ from the published build's, as far as it says."""
    from workbench import __version__
    from workbench.reports.history import input_changes
    from workbench.reports.keys import file_digest

    reasons = []
    if manifest.notebook_sha256 is None:
        reasons.append("built by a workbench that did not record the notebook's digest")
    elif manifest.notebook_sha256 != file_digest(task.notebook):
        reasons.append(f"notebook {task.notebook.name} changed")
    if manifest.parameters != task.parameters:
        reasons.append(f"parameters changed ({manifest.parameters} -> {task.parameters})")
    reasons += input_changes(manifest.inputs, task.inputs)
    built_by = manifest.versions.get("compute-workbench")
    if built_by and built_by != __version__:
        reasons.append(f"workbench version changed ({built_by} -> {__version__})")
    if manifest.no_input != task.no_input:
        reasons.append("--no-input changed")
    return reasons or ["rendering options changed (such as --max-output)"]


def _run(
    task: ReportTask, folder: ReportFolder, build: Path, attempts: list[dict] | None = None
) -> ReportError | None:
    """Run the notebook into ``build`` and write its manifest; return the error if it failed.

    ``attempts`` are the earlier, failed attempts of this build (retries), recorded in the
    manifest.
    """
    from workbench.reports import html, runner  # heavy imports (jupyter, nbconvert): only to run
    from workbench.reports.headlines import read_headlines
    from workbench.reports.keys import file_digest
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
        notebook_sha256=file_digest(task.notebook),
        attempts=list(attempts or []),
    )
    failure = None
    try:
        manifest.defaults = {
            name: p.default for name, p in inspect_parameters(task.notebook).items()
        }
        manifest.title = runner.notebook_title(task.notebook, default=task.report, lang=task.lang)
        logger.info("running %s (%s)", task.label, task.notebook)
        runner.execute_notebook(
            task.notebook,
            notebook,
            task.parameters,
            report=task.label,
            cwd=build,
            kernel_log=build / KERNEL_LOG,
            cell_timeout=task.cell_timeout,
            max_output=task.max_output,
        )
    except ReportError as exc:
        failure = exc
    try:
        if notebook.exists():
            html.render_html(
                notebook, build / folder.html_name, show_code=not task.no_input, lang=task.lang
            )
            manifest.html = folder.html_name
    except Exception as exc:  # nbconvert raises many types; a report without HTML is a failure
        failure = failure or ReportError(
            f"report {task.label!r} ran but its HTML could not be rendered: "
            f"{type(exc).__name__}: {exc}"
        )
    if failure is None and notebook.exists():
        try:
            manifest.headlines = read_headlines(notebook)
        except ReportError as exc:
            failure = exc
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
