"""Batch files: ``reports.toml`` names the reports to build, with parameters and sweeps.

::

    [settings]                 # all optional; command-line options take precedence
    out = "reports"            # relative to this file's folder
    jobs = 2                   # or: scheduler = "tcp://10.0.0.5:8786"
    show_code = true           # each cell's code in the HTML, folded (default: hidden)
    cell_timeout = 600         # seconds any one cell may run
    max_output = 10            # megabytes of output each cell keeps
    retries = 2                # more attempts when a kernel dies or a cell times out
    retry_delay = 30           # seconds before the first retry; doubling
    keep = 20                  # good builds kept per report: its run history
    on_failure = "mail -s 'reports failed' ops@example.org"   # JSON of the failures on stdin
    lang = "zh"                # every report in Chinese (default: each notebook's own)

    [reports.data_overview]    # a notebook's name; builds reports/data_overview/

    [reports.outlook_2035]     # any name; builds reports/outlook_2035/
    notebook = "compute_outlook"                 # a notebook's name or a path to a .ipynb
    parameters = { end = 2035 }
    sweep = { scenario = ["low", "base", "high"] }

    [reports.outlook_zh]       # the same notebook in Chinese: builds reports/zh/outlook_zh/
    notebook = "compute_outlook"
    lang = "zh"                # the notebook's `lang` parameter
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ReportError, format_choices
from workbench.i18n import LANGUAGES
from workbench.reports.batch import ReportRequest
from workbench.reports.notebooks import find_notebook
from workbench.reports.output import check_report_name

__all__ = ["BatchConfig", "load_config"]

_SECTIONS = ("settings", "reports")
_NUMBER = (int, float)
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    dict: "a table",
    _NUMBER: "a number",
}
_SETTINGS = {
    "out": str,
    "jobs": int,
    "scheduler": str,
    "no_input": bool,
    "show_code": bool,
    "cell_timeout": int,
    "max_output": _NUMBER,
    "retries": int,
    "retry_delay": _NUMBER,
    "keep": int,
    "on_failure": str,
    "on_success": str,
    "lang": str,
}
_AT_LEAST_ONE = ("jobs", "cell_timeout", "keep")
_REPORT_KEYS = {"notebook": str, "parameters": dict, "sweep": dict, "lang": str}


@dataclass(frozen=True)
class BatchConfig:
    """A parsed batch file.

    Attributes
    ----------
    path
        The file.
    requests
        The reports, in the file's order.
    out, jobs, scheduler, no_input, show_code, cell_timeout, max_output, retries, retry_delay,
    keep, on_failure, on_success, lang
        The ``[settings]``; None where not given (``max_output`` in megabytes).
    """

    path: Path
    requests: list[ReportRequest]
    out: Path | None = None
    jobs: int | None = None
    scheduler: str | None = None
    no_input: bool | None = None
    show_code: bool | None = None
    cell_timeout: int | None = None
    max_output: float | None = None
    retries: int | None = None
    retry_delay: float | None = None
    keep: int | None = None
    on_failure: str | None = None
    on_success: str | None = None
    lang: str | None = None

    def select(self, names: list[str]) -> list[ReportRequest]:
        """The requests named (all when ``names`` is empty), in the file's order."""
        known = [request.report for request in self.requests]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ReportError(
                f"{self.path}: no report {unknown[0]!r}; choose {format_choices(known)}"
            )
        return [r for r in self.requests if not names or r.report in names]


def load_config(path: str | Path, notebooks: Path | None = None) -> BatchConfig:
    """Read a batch file.

    Parameters
    ----------
    path
        The TOML file.
    notebooks
        The notebooks folder (default: :func:`~workbench.reports.notebooks.notebooks_dir`).

    Raises
    ------
    ReportError
        When the file is missing or not TOML, or has unknown keys or values of the wrong
        type; the message names the file and the entry and lists the valid keys.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            content = tomllib.load(fh)
    except OSError as exc:
        raise ReportError(f"cannot read batch file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(f"batch file {path} is not valid TOML: {exc}") from exc
    _check_keys(path, "the file", content, dict.fromkeys(_SECTIONS, dict))
    settings = content.get("settings", {})
    _check_keys(path, "[settings]", settings, _SETTINGS)
    for key in _AT_LEAST_ONE:
        if key in settings and settings[key] < 1:
            raise ReportError(
                f"{path}: {key!r} in [settings] must be at least 1; got {settings[key]!r} instead"
            )
    for key in ("retries", "retry_delay"):
        if key in settings and settings[key] < 0:
            raise ReportError(
                f"{path}: {key!r} in [settings] must be at least 0; got {settings[key]!r} instead"
            )
    if "max_output" in settings and not settings["max_output"] > 0:
        raise ReportError(
            f"{path}: 'max_output' in [settings] must be a positive number of megabytes; "
            f"got {settings['max_output']!r} instead"
        )
    reports = content.get("reports", {})
    if not reports:
        raise ReportError(f"batch file {path} lists no reports: add a [reports.NAME] table")
    default_lang = settings.get("lang")
    if default_lang is not None:
        default_lang = _language(path, "[settings]", default_lang)
    requests = []
    for name, entry in reports.items():
        where = f"[reports.{name}]"
        check_report_name(name, f"{path}: [reports.{json.dumps(name)}]")
        if not isinstance(entry, dict):
            raise ReportError(f"{path}: {where} must be a table")
        _check_keys(path, where, entry, _REPORT_KEYS)
        notebook = entry.get("notebook", name)
        if notebook.endswith(".ipynb"):
            notebook = str((path.parent / notebook).resolve())
        try:
            notebook_path = find_notebook(notebook, notebooks)
        except ReportError as exc:
            raise ReportError(f"{path}: {where}: {exc}") from None
        parameters = dict(entry.get("parameters", {}))
        if "lang" in entry:  # a key of its own: the language is more than a parameter
            if "lang" in parameters:
                raise ReportError(f"{path}: {where}: give 'lang' once, not also in parameters")
            parameters["lang"] = _language(path, where, entry["lang"])
        elif default_lang is not None and "lang" not in parameters:
            parameters["lang"] = default_lang
        requests.append(
            ReportRequest(
                report=name,
                notebook=notebook_path,
                parameters=parameters,
                sweep=entry.get("sweep", {}),
            )
        )
    out = settings.get("out")
    return BatchConfig(
        path=path,
        requests=requests,
        out=None if out is None else (path.parent / out).resolve(),
        jobs=settings.get("jobs"),
        scheduler=settings.get("scheduler"),
        no_input=settings.get("no_input"),
        show_code=settings.get("show_code"),
        cell_timeout=settings.get("cell_timeout"),
        max_output=settings.get("max_output"),
        retries=settings.get("retries"),
        retry_delay=settings.get("retry_delay"),
        keep=settings.get("keep"),
        on_failure=settings.get("on_failure"),
        on_success=settings.get("on_success"),
        lang=default_lang,
    )


def _language(path: Path, where: str, lang: str) -> str:
    if lang not in LANGUAGES:
        raise ReportError(
            f"{path}: 'lang' in {where} must be one of {format_choices(LANGUAGES)}; "
            f"got {lang!r} instead"
        )
    return lang


def _check_keys(path: Path, where: str, table: dict, expected: dict[str, type]) -> None:
    for key, value in table.items():
        if key not in expected:
            raise ReportError(
                f"{path}: unknown key {key!r} in {where}; valid keys are {format_choices(expected)}"
            )
        kind = expected[key]
        if not isinstance(value, kind) or (kind in (int, _NUMBER) and isinstance(value, bool)):
            raise ReportError(
                f"{path}: {key!r} in {where} must be {_TYPE_NAMES[kind]}; got {value!r} instead"
            )
