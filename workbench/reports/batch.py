"""Batches: from the reports asked for, to checked tasks, to outcomes, on one of three engines.

:func:`plan` checks every parameter of every report before anything runs (no kernel starts
when one is wrong), expands sweeps and computes each report's key. :func:`run_tasks` then
builds the tasks one after the other, in ``jobs`` local processes, or on a dask.distributed
cluster. :func:`write_summary` records what happened.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import queue
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbench.errors import ParameterError, ReportError
from workbench.i18n import LANGUAGES, check_language
from workbench.reports.build import (
    DEFAULT_MAX_OUTPUT,
    FAILED,
    ReportOutcome,
    ReportTask,
    build_report,
    cell_progress,
)
from workbench.reports.files import write_atomically
from workbench.reports.keys import input_hashes, local_module_hashes, report_key
from workbench.reports.notebooks import default_suite, find_notebook
from workbench.reports.output import check_output_folder, check_report_name, claim_output_folder
from workbench.reports.params import (
    NotebookParameter,
    check_parameters,
    current_name,
    describe_parameters,
    inspect_parameters,
    parse_assignment,
)
from workbench.reports.publish import KEEP_BUILDS
from workbench.reports.sweep import expand_sweep, member_folder, parse_sweep, sweep_values

__all__ = [
    "SUMMARY_NAME",
    "ReportRequest",
    "check_scheduler",
    "plan",
    "requests_for",
    "run_tasks",
    "write_summary",
]

logger = logging.getLogger(__name__)

SUMMARY_NAME = "summary.json"
#: The protocols of dask.distributed's scheduler addresses.
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ucx", "ws", "wss")


@dataclass(frozen=True)
class ReportRequest:
    """A report as asked for, before its parameters are checked and its sweep expanded.

    Attributes
    ----------
    report
        The report's name (its folder and file names).
    notebook
        The notebook to run.
    parameters
        Values by name: text from the command line, or typed values from ``reports.toml``.
    sweep
        Values to sweep, by name; every combination becomes one report.
    text
        Whether the values are command-line text, to parse by each parameter's declared kind.
    """

    report: str
    notebook: Path
    parameters: Mapping[str, object] = field(default_factory=dict)
    sweep: Mapping[str, Sequence[object]] = field(default_factory=dict)
    text: bool = False


def requests_for(
    names: Sequence[str] = (),
    assignments: Sequence[str] = (),
    sweeps: Sequence[str] = (),
    folder: Path | None = None,
) -> list[ReportRequest]:
    """The requests of a command line: notebook names, ``KEY=VALUE`` texts and sweeps.

    With no names, the default suite (:func:`~workbench.reports.notebooks.default_suite`).
    With several notebooks, each parameter and sweep goes to the notebooks that declare it;
    one that none of them declares is an error.
    """
    names = list(dict.fromkeys(names)) or default_suite(folder)
    if not names:
        raise ReportError(f"no notebooks to run in {folder or 'the notebooks folder'}")
    notebooks = {Path(name).stem: find_notebook(name, folder) for name in names}
    parameters = dict(parse_assignment(text) for text in assignments)
    sweep = dict(parse_sweep(text) for text in sweeps)
    if len(notebooks) == 1 or not (parameters or sweep):
        return [
            ReportRequest(report, notebook, parameters, sweep, text=True)
            for report, notebook in notebooks.items()
        ]
    declared = {report: inspect_parameters(nb) for report, nb in notebooks.items()}
    for name in {**parameters, **sweep}:
        if not any(name in params for params in declared.values()):
            listing = "\n".join(describe_parameters(r, p) for r, p in declared.items())
            raise ParameterError(
                f"Unknown parameter {name!r}: none of the reports {', '.join(notebooks)} "
                f"declares it.\n{listing}",
                parameter=name,
            )
    return [
        ReportRequest(
            report,
            notebook,
            {k: v for k, v in parameters.items() if k in declared[report]},
            {k: v for k, v in sweep.items() if k in declared[report]},
            text=True,
        )
        for report, notebook in notebooks.items()
    ]


def plan(
    requests: Sequence[ReportRequest],
    out: Path,
    *,
    no_input: bool = False,
    force: bool = False,
    lock_timeout: float | None = None,
    cell_timeout: int | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
    retries: int = 0,
    retry_delay: float = 10.0,
    keep: int = KEEP_BUILDS,
    lang: str | None = None,
) -> list[ReportTask]:
    """Check every request's parameters, expand sweeps and key each report; run nothing.

    ``cell_timeout`` (seconds, or None for no limit) bounds each cell of every report: a
    scheduled run with a hung cell then fails, keeps its failed run and frees the report's
    lock, instead of holding it for ever. It is not part of the cache key.

    ``max_output`` (bytes) is what each cell keeps of its output; the rest is cut with a note
    in the report. It is part of the cache key: a larger limit changes the report.

    ``retries`` more attempts are made of a run whose kernel died or whose cell timed out,
    the first after ``retry_delay`` seconds, each further one after twice as long.

    ``keep`` good builds of each report are kept as its run history (the published one
    included; :mod:`~workbench.reports.history`).

    ``lang`` (``--lang``) sets the ``lang`` parameter of every report, which must declare it;
    a report whose ``lang`` (from here or its own parameters) is not English is published in
    ``<out>/<lang>/<report>/``.

    Raises
    ------
    ParameterError
        For an unknown parameter or a value not of the declared kind (before any kernel), or
        a ``cell_timeout`` that is not a positive whole number of seconds.
    ReportError
        When two requests would publish into the same folder, a report's name is not a plain
        name, a notebook lies inside its own report's folder (publishing would replace it),
        ``out`` cannot be used (:func:`~workbench.reports.output.check_output_folder`), or
        datasets cannot be read.
    """
    if cell_timeout is not None and (
        isinstance(cell_timeout, bool) or not isinstance(cell_timeout, int) or cell_timeout < 1
    ):
        raise ParameterError.invalid(
            "cell_timeout", "plan", "a whole number of seconds, at least 1", cell_timeout
        )
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ParameterError.invalid("keep", "plan", "a whole number of builds, at least 1", keep)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ParameterError.invalid("retries", "plan", "a whole number, at least 0", retries)
    if (
        isinstance(retry_delay, bool)
        or not isinstance(retry_delay, int | float)
        or not (retry_delay >= 0)
    ):
        raise ParameterError.invalid(
            "retry_delay", "plan", "a number of seconds, at least 0", retry_delay
        )
    if isinstance(max_output, bool) or not isinstance(max_output, int) or max_output < 1:
        raise ParameterError.invalid(
            "max_output", "plan", "a whole number of bytes, at least 1", max_output
        )
    if lang is not None:
        check_language(lang, "workbench report --lang")
    out = check_output_folder(out)
    inputs = input_hashes()
    tasks: list[ReportTask] = []
    for request in requests:
        check_report_name(request.report)
        if request.report in LANGUAGES:
            raise ReportError(
                f"a report may not be named {request.report!r}: the folder of the reports in "
                "that language has the name"
            )
        declared: dict[str, NotebookParameter] = {}
        if request.parameters or request.sweep or lang is not None:
            declared = inspect_parameters(request.notebook)
        given = dict(request.parameters)
        if lang is not None:
            if "lang" not in declared:
                raise ParameterError(
                    f"Report {request.report!r} cannot be built in {lang!r}: its notebook "
                    "declares no 'lang' parameter (add `lang = \"en\"  # report language "
                    f"[one of: {', '.join(LANGUAGES)}]` to its parameters cell, a "
                    "workbench.i18n.set_language(lang) call and lang-XX narrative cells).",
                    parameter="lang",
                )
            given["lang"] = lang
        if "lang" in request.sweep:
            raise ParameterError(
                f"Report {request.report!r}: 'lang' cannot be swept; build each language with "
                "--lang (or give two entries).",
                parameter="lang",
            )
        fixed = check_parameters(request.report, declared, given, text=request.text)
        language = str(fixed.get("lang", LANGUAGES[0]))
        check_language(language, f"report {request.report!r}")
        swept = {
            current_name(declared, name): [
                check_parameters(request.report, declared, {name: value}, text=request.text)[
                    current_name(declared, name)
                ]
                for value in sweep_values(name, values)
            ]
            for name, values in request.sweep.items()
        }
        both = sorted(fixed.keys() & swept.keys())
        if both:
            raise ParameterError(
                f"Parameter {both[0]!r} of report {request.report!r} is both set (-p or "
                "parameters) and swept; give it once.",
                parameter=both[0],
            )
        notebook_inputs = {**inputs, **local_module_hashes(request.notebook)}
        for member in expand_sweep(swept) if swept else [{}]:
            parameters = {**fixed, **member}
            folder = (out if language == LANGUAGES[0] else out / language) / request.report
            if member:
                folder = folder / member_folder(member)
            tasks.append(
                ReportTask(
                    report=request.report,
                    notebook=Path(request.notebook).resolve(),
                    folder=folder,
                    key=report_key(
                        request.notebook,
                        parameters,
                        notebook_inputs,
                        no_input=no_input,
                        max_output=None if max_output == DEFAULT_MAX_OUTPUT else max_output,
                    ),
                    parameters=parameters,
                    sweep=member,
                    inputs=notebook_inputs,
                    no_input=no_input,
                    force=force,
                    lock_timeout=lock_timeout,
                    cell_timeout=cell_timeout,
                    max_output=max_output,
                    retries=retries,
                    retry_delay=float(retry_delay),
                    keep=keep,
                    lang=language,
                )
            )
    seen: dict[Path, str] = {}
    for task in tasks:
        if task.folder in task.notebook.parents or task.folder == task.notebook:
            raise ReportError(
                f"notebook {task.notebook} is inside the folder of its own report "
                f"{task.label!r} ({task.folder}), where publishing would replace it; "
                "give --out another folder, or move the notebook"
            )
        if task.folder in seen:
            raise ReportError(
                f"reports {seen[task.folder]!r} and {task.label!r} would both be published "
                f"in {task.folder}; give them different names"
            )
        seen[task.folder] = task.label
    return tasks


def check_scheduler(address: str) -> str:
    """``address`` if it is a dask scheduler's address, ``PROTOCOL://HOST:PORT``.

    ``HOST:PORT`` alone means ``tcp://HOST:PORT``, as in dask; IPv6 hosts are bracketed
    (``tcp://[::1]:8786``).

    Raises
    ------
    ParameterError
        For anything else (``garbage``, ``http://…``, ``tcp://[::1``), naming the protocols.
    """
    from urllib.parse import urlsplit

    text = str(address).strip()
    expected = (
        f"a dask scheduler address PROTOCOL://HOST:PORT, with PROTOCOL one of "
        f"{', '.join(SCHEDULER_PROTOCOLS)} (such as tcp://10.0.0.5:8786)"
    )
    error = ParameterError.invalid("scheduler", "workbench report", expected, address)
    try:
        parts = urlsplit(text if "://" in text else f"tcp://{text}")
        port = parts.port
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number
        raise error from None
    if (
        parts.scheme not in SCHEDULER_PROTOCOLS
        or not parts.hostname
        or port is None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise error
    return text


def run_tasks(
    tasks: Sequence[ReportTask],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_start: Callable[[ReportTask], None] | None = None,
    on_outcome: Callable[[ReportOutcome], None] | None = None,
    on_cell: Callable[[ReportTask, int, int], None] | None = None,
) -> list[ReportOutcome]:
    """Build ``tasks`` and return their outcomes, in the order they finished.

    The callbacks are called in this thread, whichever engine builds the reports: a worker
    process or a dask worker reports a task's start and each cell back as it happens.

    Parameters
    ----------
    tasks
        From :func:`plan`.
    jobs
        Reports built at once, each in its own process (1: one after the other, here).
    scheduler
        A dask.distributed scheduler's address (``tcp://host:port``); the reports are built on
        its workers, which must have the workbench installed and see the same files.
    on_start
        Called as each task starts (also a task that turns out to be up to date).
    on_outcome
        Called with each outcome as it arrives.
    on_cell
        Called with ``(task, cell, cells)`` as each cell of a running notebook starts
        (``cell`` counts from 1).
    """
    if jobs < 1:
        raise ParameterError.invalid("jobs", "run_tasks", "at least 1", jobs)
    if scheduler and jobs > 1:
        raise ParameterError(
            "Give --jobs or --scheduler, not both: the cluster decides how many run at once.",
            parameter="jobs",
        )
    if scheduler:
        check_scheduler(scheduler)
    events = _Events(tasks, on_start, on_outcome, on_cell)
    for out in dict.fromkeys(task.out for task in tasks):
        claim_output_folder(out)
    if scheduler:
        return _run_on_cluster(tasks, scheduler, events)
    if jobs > 1 and len(tasks) > 1:
        return _run_in_processes(tasks, jobs, events)
    outcomes = []
    for index, task in enumerate(tasks):
        # Without on_cell, a caller's own cell_progress block stays in force.
        cells = on_cell is not None
        outcomes.append(_build_reporting(task, index, events.dispatch, cells=cells))
        events.finished(outcomes[-1], index)
    return outcomes


def write_summary(
    out: Path, outcomes: Sequence[ReportOutcome], started: datetime, finished: datetime
) -> Path:
    """Write ``<out>/summary.json``: counts and every report's status, time and message."""
    counts = {status: 0 for status in ("built", "skipped", "failed")}
    for outcome in outcomes:
        counts[outcome.status] += 1
    summary = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "counts": counts,
        "ok": counts["failed"] == 0,
        "reports": [
            {
                "report": outcome.label,
                "status": outcome.status,
                "duration_s": round(outcome.duration_s, 3),
                "folder": str(outcome.folder),
                "message": outcome.message,
                "failed_run": None if outcome.failed_run is None else str(outcome.failed_run),
            }
            for outcome in outcomes
        ],
    }
    path = claim_output_folder(out) / SUMMARY_NAME
    try:
        write_atomically(path, json.dumps(summary, indent=2) + "\n")
    except OSError as exc:
        raise ReportError(f"cannot write the summary {path}: {exc.strerror or exc}") from exc
    return path


# What a task's builder reports back while it runs, as plain tuples (they cross pipes and
# dask's msgpack): (_STARTED, index) and (_CELL, index, cell, cells), index into the tasks.
_STARTED, _CELL = "started", "cell"
#: Seconds between looks at the running builds for their outcomes, between progress events.
_POLL_SECONDS = 0.1


def _send_cell(send: Callable[[tuple], None], index: int, cell: int, cells: int) -> None:
    send((_CELL, index, cell, cells))


def _build_reporting(
    task: ReportTask, index: int, send: Callable[[tuple], None], *, cells: bool = True
) -> ReportOutcome:
    """:func:`build_report`, sending its start (and, with ``cells``, each cell's) to ``send``.

    The one way each engine builds: here, in a worker process, on a dask worker.
    """
    send((_STARTED, index))
    progress = functools.partial(_send_cell, send, index)
    with cell_progress(progress) if cells else contextlib.nullcontext():
        return build_report(task)


class _Events:
    """The callbacks of :func:`run_tasks`, fed with what the builders report, in one thread.

    A cell reported after its task's outcome (a worker's pipe delivers it late) is dropped:
    the report is no longer running.
    """

    def __init__(self, tasks, on_start, on_outcome, on_cell):
        self.tasks = list(tasks)
        self.on_start = on_start
        self.on_outcome = on_outcome
        self.on_cell = on_cell
        self.done: set[int] = set()

    def dispatch(self, event: Sequence) -> None:
        kind, index, *cells = event
        if index in self.done:
            return
        if kind == _STARTED and self.on_start is not None:
            self.on_start(self.tasks[index])
        elif kind == _CELL and self.on_cell is not None:
            self.on_cell(self.tasks[index], *cells)

    def finished(self, outcome: ReportOutcome, index: int) -> None:
        self.done.add(index)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def gather(self, futures: Mapping, inbox) -> list[ReportOutcome]:
        """Outcomes of ``futures`` (future -> task index) as they finish, passing on the
        events that arrive in ``inbox`` (a queue) meanwhile."""
        outcomes = []
        pending = dict(futures)
        while pending:
            try:
                event = inbox.get(timeout=_POLL_SECONDS)
                while True:  # all that has arrived, before the outcomes that follow it
                    self.dispatch(event)
                    event = inbox.get_nowait()
            except queue.Empty:
                pass
            for future in [future for future in pending if future.done()]:
                index = pending.pop(future)
                outcomes.append(_result(future, self.tasks[index]))
                self.finished(outcomes[-1], index)
        return outcomes


def _run_in_processes(tasks, jobs, events: _Events) -> list[ReportOutcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": a forked copy of a process that has started threads (zmq, dask) can deadlock.
    context = multiprocessing.get_context("spawn")
    inbox = context.Queue()  # the workers' progress; given to each as it is spawned
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(), inbox),
    )
    try:
        with pool:
            futures = {
                pool.submit(_build_in_worker, task, index): index
                for index, task in enumerate(tasks)
            }
            return events.gather(futures, inbox)
    finally:
        inbox.close()
        inbox.cancel_join_thread()  # nothing this process put in it needs delivering


#: In a worker process of :func:`_run_in_processes`: where its progress goes.
_PROGRESS_INBOX = None


def _start_worker(parent: int, inbox) -> None:
    """Set up a worker process: it ends with ``parent`` and reports progress into ``inbox``."""
    global _PROGRESS_INBOX
    _PROGRESS_INBOX = inbox
    # Progress not yet sent when the worker ends is of no use: never wait to flush it.
    inbox.cancel_join_thread()
    _die_with_parent(parent)


def _build_in_worker(task: ReportTask, index: int) -> ReportOutcome:
    """:func:`build_report` in a worker process, reporting its start and cells to the parent."""
    return _build_reporting(task, index, _PROGRESS_INBOX.put)


def _die_with_parent(parent: int) -> None:
    """Make this worker process end when ``parent``, the run that started it, ends.

    A worker of a parent killed with SIGKILL would otherwise go on building and publishing,
    then block for ever writing its result to a pipe no one reads. On Linux the kernel sends
    the worker SIGKILL as its parent dies (``PR_SET_PDEATHSIG``); elsewhere a thread checks
    once a second. The worker's notebook kernel notices its own parent (this worker) is
    gone and exits too (ipykernel's parent poller).
    """
    import threading

    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still watches
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="workbench-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _run_on_cluster(tasks, address, events: _Events) -> list[ReportOutcome]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise ReportError(f"--scheduler needs dask.distributed: {exc}") from exc
    try:
        # Waits dask's distributed.comm.timeouts.connect (30 s unless configured).
        client = Client(address)
    except (OSError, TimeoutError) as exc:
        raise ReportError(f"cannot reach the dask scheduler at {address}: {exc}") from exc
    # The workers log their progress as events of a topic of this run's own, which the
    # scheduler passes to this client; its handler runs in the client's thread, so the
    # events are queued for this one.
    topic = f"workbench-progress-{secrets.token_hex(8)}"
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    try:
        client.subscribe_topic(topic, lambda event: inbox.put(event[1]))
        futures = {
            client.submit(_build_on_dask_worker, task, index, topic, pure=False): index
            for index, task in enumerate(tasks)
        }
        return events.gather(futures, inbox)
    finally:
        with contextlib.suppress(Exception):  # a scheduler gone away: nothing to undo
            client.unsubscribe_topic(topic)
        client.close()


def _build_on_dask_worker(task: ReportTask, index: int, topic: str) -> ReportOutcome:
    """:func:`build_report` on a dask worker, logging its start and cells under ``topic``."""
    from distributed import get_worker

    worker = get_worker()

    def send(event: tuple) -> None:
        worker.log_event(topic, list(event))

    return _build_reporting(task, index, send)


def _result(future, task: ReportTask) -> ReportOutcome:
    """A future's outcome; a worker that crashed or could not import becomes a failure."""
    try:
        return future.result()
    except Exception as exc:
        return ReportOutcome(
            task.label,
            FAILED,
            task.folder,
            0.0,
            message=f"report {task.label!r} could not be built by its worker: "
            f"{type(exc).__name__}: {exc}",
        )
