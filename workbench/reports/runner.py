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
from papermill.translators import PythonTranslator, papermill_translators
from traitlets import Unicode
from traitlets.config import Config

from workbench.errors import ReportError
from workbench.reports.html import notebook_title
from workbench.reports.params import python_literal

__all__ = [
    "KERNEL_ENVIRONMENT",
    "NotebookFailure",
    "ParameterTranslator",
    "ReportKernelManager",
    "execute_notebook",
    "notebook_title",
]

logger = logging.getLogger(__name__)

#: Set in the kernel's environment for every report.
KERNEL_ENVIRONMENT = {"WORKBENCH_REPORT": "1", "WORKBENCH_CHART_RENDERER": "report"}
_KERNEL_NAME = "workbench-report"
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
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
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
            return await super().start_kernel(**kwargs)


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
            config=Config({"ReportKernelManager": {"kernel_log": str(kernel_log or "")}}),
        )
    except PapermillExecutionError as exc:
        raise _failure(report, exc) from None
    except CellTimeoutError as exc:
        raise _timeout(report, output, cell_timeout, exc) from None
    except Exception as exc:  # a kernel that will not start or dies: any error of nbclient's
        raise ReportError(
            f"report {report!r} could not run: {type(exc).__name__}: {_first_line(str(exc))}"
        ) from exc


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
    cell, code = "a cell", ""
    try:
        cells = nbformat.read(output, as_version=4).cells
    except Exception:  # not written, or unreadable: the message then names no cell
        cells = []
    started = [
        (index, c)
        for index, c in enumerate(cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if started:
        index, last = started[-1]
        cell = _cell_label(last.get("execution_count"), index)
        code = _first_line(last.get("source", ""))
    where = f"{cell} ({code})" if code else cell
    message = (
        f"report {report!r} timed out at {where}: the cell ran for over {seconds} s "
        "(the cell timeout)"
    )
    return NotebookFailure(
        message, cell=cell, ename="CellTimeoutError", evalue=message, details=str(exc)
    )


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
