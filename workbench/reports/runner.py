"""Running one notebook: papermill executes it on the workbench's own Python, nbconvert renders it.

The kernel is ``sys.executable -m ipykernel_launcher``, described in memory
(:class:`ReportKernelManager`), so a fresh virtual environment runs reports without
``ipykernel install`` and a report never runs on some other Python that Jupyter happens to
know. The kernel's environment has ``WORKBENCH_REPORT=1`` and ``WORKBENCH_CHART_RENDERER=report``
(``workbench.plots`` then writes each chart's spec and a static SVG, offline);
:mod:`workbench.reports.html` renders the page.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.translators import PythonTranslator, papermill_translators
from traitlets import Integer, Unicode
from traitlets.config import Config

from workbench.errors import ReportError
from workbench.reports.build import CELL_PROGRESS, DEFAULT_MAX_OUTPUT
from workbench.reports.html import notebook_title
from workbench.reports.params import python_literal

__all__ = [
    "DEFAULT_MAX_OUTPUT",
    "KERNEL_ENVIRONMENT",
    "NotebookFailure",
    "ParameterTranslator",
    "ReportEngine",
    "ReportKernelManager",
    "ReportNotebookClient",
    "execute_notebook",
    "notebook_title",
]

logger = logging.getLogger(__name__)

#: Set in the kernel's environment for every report.
KERNEL_ENVIRONMENT = {"WORKBENCH_REPORT": "1", "WORKBENCH_CHART_RENDERER": "report"}
_KERNEL_NAME = "workbench-report"
_ENGINE_NAME = "workbench-report"
# Run in the kernel before the notebook (no name is left in the notebook's namespace).
_KERNEL_SETUP = '__import__("workbench.reports.kernel", fromlist=["setup"]).setup()'
# Default reprs (<Styler at 0x7f…>) differ from run to run; the address says nothing to a reader.
_OBJECT_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{4,16}>")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"^Cell In\[\d*\], line (\d+)", re.MULTILINE)
_MARKED_LINE = re.compile(r"^-+> ?(\d+) (.*)$", re.MULTILINE)


class ReportKernelManager(AsyncKernelManager):
    """A kernel manager that always starts this Python as the kernel.

    Whatever kernel name a notebook's metadata gives, the kernel is ``sys.executable`` with
    :data:`KERNEL_ENVIRONMENT`; no kernelspec needs to be installed. The kernel process's own
    output (start-up notices, shutdown messages; not the notebook's, which travels over
    Jupyter's protocol) goes to :attr:`kernel_log` rather than between the progress lines.
    """

    kernel_log = Unicode("", help="A file for the kernel process's own output.").tag(config=True)

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
                f"--IPKernelApp.exec_lines={[_KERNEL_SETUP]!r}",
            ],
            display_name="Compute Workbench (report)",
            language="python",
            env=dict(KERNEL_ENVIRONMENT),
        )

    async def start_kernel(self, **kwargs):
        if not self.kernel_log:
            return await super().start_kernel(**kwargs)
        with open(self.kernel_log, "ab") as log:  # the kernel keeps its own copy of the handle
            kwargs.setdefault("stdout", log)
            kwargs.setdefault("stderr", log)
            started = await super().start_kernel(**kwargs)
        # Kept to tell, after a failure, whether the kernel died and of which signal.
        _KERNEL_PROCESSES[self.kernel_log] = getattr(self.provisioner, "process", None)
        return started


# The kernel process of each run, by its kernel log (one per build folder).
_KERNEL_PROCESSES: dict[str, object] = {}


class ReportNotebookClient(PapermillNotebookClient):
    """Papermill's notebook client, keeping at most :attr:`max_output` bytes of each cell.

    A cell that prints hundreds of megabytes would otherwise be held in memory and written
    into the executed notebook and its HTML whole. What is over the limit is dropped as it
    arrives (errors are always kept: they explain a failure), and the cell ends with a note
    saying how much was cut.
    """

    max_output = Integer(DEFAULT_MAX_OUTPUT, help="Bytes of output kept per cell.").tag(config=True)

    def papermill_execute_cells(self):
        hook = CELL_PROGRESS.get()
        if hook is None:
            return super().papermill_execute_cells()
        start = self.nb_man.cell_start
        total = len(self.nb.cells)

        def cell_start(cell, cell_index=None, **kwargs):
            hook(cell_index + 1, total)
            return start(cell, cell_index, **kwargs)

        self.nb_man.cell_start = cell_start
        try:
            return super().papermill_execute_cells()
        finally:
            del self.nb_man.cell_start

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] not in ("stream", "display_data", "execute_result"):
            return super().output(outs, msg, display_id, cell_index)
        kept = self._kept.setdefault(cell_index, 0)
        size = _output_size(msg)
        room = self.max_output - kept
        if size <= room:
            self._kept[cell_index] = kept + size
            return super().output(outs, msg, display_id, cell_index)
        if msg["msg_type"] == "stream" and room > 0:  # keep the part of the text that fits
            text = msg["content"]["text"].encode()[:room].decode(errors="ignore")
            msg = {**msg, "content": {**msg["content"], "text": text}}
            super().output(outs, msg, display_id, cell_index)
            size -= len(text.encode())
        self._kept[cell_index] = self.max_output
        cut = self._cut.setdefault(cell_index, {"bytes": 0, "note": None})
        cut["bytes"] += size
        note = _cut_note(cut["bytes"], self.max_output)
        if cut["note"] is None:
            cut["note"] = nbformat.v4.new_output("stream", name="stderr", text=note)
            outs.append(cut["note"])
        else:
            cut["note"]["text"] = note
        return None

    @property
    def _kept(self) -> dict:
        return self.__dict__.setdefault("_kept_bytes", {})

    @property
    def _cut(self) -> dict:
        return self.__dict__.setdefault("_cut_bytes", {})


class ReportEngine(NBClientEngine):
    """Papermill's nbclient engine, with :class:`ReportNotebookClient`."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        kwargs.pop("input_path", None)
        kwargs.pop("startup_timeout", None)
        timeout = kwargs.pop("timeout", None)
        client = ReportNotebookClient(
            nb_man,
            **kwargs,
            timeout=execution_timeout or timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return client.execute()


papermill_engines.register(_ENGINE_NAME, ReportEngine)


class ParameterTranslator(PythonTranslator):
    """Papermill's translator for the report kernel: the parameters cell, from values alone.

    Papermill's own Python translator writes types it does not know (bytes, tuples, sets)
    as their ``str()`` inside quotes, without escaping, so a crafted value becomes code.
    Every value here is written by :func:`~workbench.reports.params.python_literal`, which
    accepts JSON's types only and builds the source from the value.
    """

    @classmethod
    def translate(cls, val):
        return python_literal(val)

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        lines = [cls.comment(comment)]
        lines += [cls.assign(name, cls.translate(value)) for name, value in parameters.items()]
        return "\n".join(lines) + "\n"


# Found by kernel name before papermill's translator for the language.
papermill_translators.register(_KERNEL_NAME, ParameterTranslator)


class NotebookFailure(ReportError):
    """A notebook raised while running; names the cell and the error.

    Attributes
    ----------
    cell
        How the cell is shown in the notebook: ``In [3]`` (or its position when never run).
    ename, evalue
        The error's type and message.
    details
        The full traceback, as plain text.
    """

    def __init__(self, message: str, *, cell: str, ename: str, evalue: str, details: str):
        super().__init__(message)
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        self.details = details


def execute_notebook(
    source: Path,
    output: Path,
    parameters: dict[str, object],
    *,
    report: str,
    cwd: Path | None = None,
    kernel_log: Path | None = None,
    cell_timeout: int | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
) -> None:
    """Run ``source`` with ``parameters`` injected and write the executed notebook to ``output``.

    Parameters
    ----------
    source
        The notebook to run (it is not changed).
    output
        Where the executed notebook goes; written also when a cell fails, up to that cell.
    parameters
        Values for the notebook's ``parameters`` cell (checked beforehand).
    report
        The report's name, for messages.
    cwd
        The kernel's working folder (default: the output's folder).
    kernel_log
        A file for the kernel process's own output (default: this process's).
    cell_timeout
        Seconds any one cell may run; the kernel is then stopped and the run fails. None (the
        default) lets cells run as long as they take.
    max_output
        Bytes of output each cell keeps (:class:`ReportNotebookClient`).

    Raises
    ------
    NotebookFailure
        When a cell raises or runs over ``cell_timeout``; the message names the cell.
    ReportError
        When the kernel cannot start or dies.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            kernel_name=_KERNEL_NAME,
            language="python",
            kernel_manager_class=ReportKernelManager,
            progress_bar=False,
            cwd=str(cwd or output.parent),
            execution_timeout=cell_timeout,
            engine_name=_ENGINE_NAME,
            config=Config(
                {
                    "ReportKernelManager": {"kernel_log": str(kernel_log or "")},
                    "ReportNotebookClient": {"max_output": int(max_output)},
                }
            ),
        )
    except PapermillExecutionError as exc:
        died = _kernel_death(kernel_log)
        raise (_died(report, output, died) if died else _failure(report, exc)) from None
    except CellTimeoutError as exc:
        raise _timeout(report, output, cell_timeout, exc) from None
    except Exception as exc:  # a kernel that will not start or dies: any error of nbclient's
        died = _kernel_death(kernel_log)
        if died:
            raise _died(report, output, died) from None
        raise ReportError(
            f"report {report!r} could not run: {type(exc).__name__}: {_first_line(str(exc))}"
        ) from exc
    finally:
        _KERNEL_PROCESSES.pop(str(kernel_log or ""), None)
        if output.exists():
            _make_reproducible(output)


def _failure(report: str, exc) -> NotebookFailure:
    cell = _cell_label(exc.exec_count, exc.cell_index)
    details = _ANSI_ESCAPE.sub("", "\n".join(exc.traceback))
    line, code = _failing_line(details)
    if line is None:
        where, code = cell, _first_line(exc.source)
    else:
        where = f"{cell}, line {line}"
    where = f"{where} ({code})" if code else where
    message = f"report {report!r} failed at {where}: {exc.ename}: {_first_line(exc.evalue)}"
    return NotebookFailure(message, cell=cell, ename=exc.ename, evalue=exc.evalue, details=details)


def _cell_label(execution_count: int | None, index: int) -> str:
    """A cell as the notebook shows it, ``In [3]``, or by position (``cell 4``) if never run."""
    return f"In [{execution_count}]" if execution_count else f"cell {index + 1}"


def _timeout(report: str, output: Path, seconds: int | None, exc) -> NotebookFailure:
    """The failure of a cell that ran over the timeout: the last cell papermill started."""
    cell, code = _last_started_cell(output)
    where = f"{cell} ({code})" if code else cell
    message = (
        f"report {report!r} timed out at {where}: the cell ran for over {seconds} s "
        "(the cell timeout)"
    )
    return NotebookFailure(
        message, cell=cell, ename="CellTimeoutError", evalue=message, details=str(exc)
    )


def _output_size(msg: dict) -> int:
    content = msg["content"]
    if msg["msg_type"] == "stream":
        return len(content.get("text", "").encode())
    return sum(len(str(value).encode()) for value in content.get("data", {}).values())


def _cut_note(dropped: int, limit: int) -> str:
    return (
        f"\n[workbench: output cut here: {_megabytes(dropped)} more of this cell's output was "
        f"dropped; each cell keeps {_megabytes(limit)} (--max-output)]\n"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.3g} MB"


def _kernel_death(kernel_log: Path | None) -> str:
    """How the run's kernel ended, if it is dead: ``"killed by signal 9 (SIGKILL)"``; else ""."""
    import signal

    process = _KERNEL_PROCESSES.get(str(kernel_log or ""))
    if process is None:
        return ""
    try:
        code = process.wait(timeout=5)
    except Exception:  # still alive (the error was the notebook's), or not waitable
        return ""
    if code is None or code == 0:
        return ""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "a signal"
        return f"killed by signal {-code} ({name})"
    return f"exited with status {code}"


def _died(report: str, output: Path, how: str) -> NotebookFailure:
    """The failure of a run whose kernel died: the cell it was running, and how it ended."""
    cell, code = _last_started_cell(output)
    where = f"{cell} ({code})" if code else cell
    hint = (
        "; the system stops a process this way when the machine runs out of memory, so "
        "the cell probably needed more memory than there is (try smaller sizes)"
        if "SIGKILL" in how
        else ""
    )
    message = f"report {report!r} failed at {where}: the kernel died ({how}){hint}"
    return NotebookFailure(message, cell=cell, ename="DeadKernelError", evalue=how, details=message)


def _last_started_cell(output: Path) -> tuple[str, str]:
    """The label and first line of the last cell papermill started, from the output so far."""
    try:
        cells = nbformat.read(output, as_version=4).cells
    except Exception:  # not written, or unreadable: the message then names no cell
        return "a cell", ""
    started = [
        (index, c)
        for index, c in enumerate(cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return "a cell", ""
    index, last = started[-1]
    return _cell_label(last.get("execution_count"), index), _first_line(last.get("source", ""))


def _make_reproducible(output: Path) -> None:
    """Make two runs' executed notebooks the same bytes apart from their timestamps.

    The injected cell gets a fixed id (papermill draws a random one), the output path no
    longer names the build folder, and default reprs lose their memory address.
    """
    try:
        notebook = nbformat.read(output, as_version=4)
    except Exception:  # unreadable: rendering reports it
        return
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
        for item in cell.get("outputs", []):
            if "text" in item:
                item["text"] = _OBJECT_ADDRESS.sub(">", item["text"])
            plain = item.get("data", {}).get("text/plain")
            if isinstance(plain, str):
                item["data"]["text/plain"] = _OBJECT_ADDRESS.sub(">", plain)
    papermill_metadata = notebook.metadata.get("papermill", {})
    if papermill_metadata.get("output_path"):
        papermill_metadata["output_path"] = output.name
    nbformat.write(notebook, output)


def _failing_line(traceback: str) -> tuple[int | None, str]:
    """The line of the notebook's cell that raised, from IPython's traceback text.

    The cell's frame is the last one headed ``Cell In[n], line k``; its ``---->`` marks the
    line. Returns (None, "") when the traceback does not have that shape.
    """
    cell_frames = list(_CELL_FRAME.finditer(traceback))
    if not cell_frames:
        return None, ""
    marked = _MARKED_LINE.search(traceback, cell_frames[-1].end())
    if marked is None:
        return int(cell_frames[-1].group(1)), ""
    return int(marked.group(1)), _first_line(marked.group(2))


def _first_line(text: str, limit: int = 120) -> str:
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
