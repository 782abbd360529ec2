"""The reports folder (``--out``): what may be written there, and under which names.

The workbench writes only inside a folder it has marked as its own (a ``.workbench-reports``
file), or into a new or empty one, which it then marks. A folder that already holds other
files is refused, so ``--out ~/Documents`` cannot overwrite someone's ``index.html``. Report
names are plain names, one path segment, so no report publishes outside its folder.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path

from workbench.errors import ReportError
from workbench.reports.files import remove_stale_temporaries

__all__ = ["MARKER_NAME", "check_output_folder", "check_report_name", "claim_output_folder"]

#: The file that marks a folder as a workbench reports folder.
MARKER_NAME = ".workbench-reports"
#: Files the workbench writes at the top of the reports folder: no report may be named so.
RESERVED_NAMES = ("index.html", "index.zh.html", "summary.json")
_MAX_NAME_BYTES = 200
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
# A gallery written before the marker existed: such a folder is the workbench's own.
_GALLERY_TITLE = "<title>Compute Workbench reports</title>"


def check_report_name(name: object, where: str = "") -> str:
    """``name`` if it is a plain report name; else a :class:`ReportError`.

    A report's name becomes a folder and file names inside the reports folder, so it is one
    path segment: not empty, no ``/`` or ``\\``, no control characters, no leading dot
    (which also rules out ``.`` and ``..``), at most 200 bytes, and not a name the workbench
    uses itself (``index.html``, ``summary.json``).

    Parameters
    ----------
    name
        The name to check.
    where
        Where it was given, for the message (``reports.toml: [reports."../x"]``).
    """
    prefix = f"{where}: " if where else ""
    problem = ""
    if not isinstance(name, str) or not name:
        problem = "it is empty"
    elif _UNSAFE.search(name):
        problem = "it contains a path separator or a control character"
    elif name.startswith("."):
        problem = "it starts with a dot"
    elif len(name.encode()) > _MAX_NAME_BYTES:
        problem = f"it is longer than {_MAX_NAME_BYTES} bytes"
    elif name in RESERVED_NAMES:
        problem = "the workbench writes a file of that name in the reports folder"
    if problem:
        raise ReportError(
            f"{prefix}report name {name!r} is not a plain name ({problem}): a report's name "
            "is one folder name, such as 'outlook_2035', without '/', '\\' or a leading dot"
        )
    return name


def check_output_folder(out: str | Path) -> Path:
    """The reports folder ``out``, absolute, if the workbench may write there; nothing written.

    Raises
    ------
    ReportError
        When ``out`` is a symbolic link loop, a file, inside a file, not writable, or a folder
        with other content and no :data:`MARKER_NAME` file; the message names the path.
    """
    given = Path(out).expanduser()
    try:
        folder = given.resolve()
        if os.path.lexists(folder):
            os.stat(folder)  # a loop that resolve() let through raises ELOOP here
    except (RuntimeError, OSError) as exc:  # RuntimeError: Python 3.11's "Symlink loop"
        loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
        reason = "it is a loop of symbolic links" if loop else (exc.strerror or str(exc))
        raise ReportError(f"cannot use {given} as the reports folder: {reason}") from None
    if folder.exists() and not folder.is_dir():
        raise ReportError(
            f"cannot use {given} as the reports folder: it is a file, not a folder; "
            "give --out a folder"
        )
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ReportError(f"cannot use {given} as the reports folder: {existing} is a file")
    if existing == folder and not _is_ours(folder) and any(folder.iterdir()):
        raise ReportError(
            f"{given} is not empty and is not a workbench reports folder (it has no "
            f"{MARKER_NAME} file): give --out a new or empty folder, or, to use this one "
            f"anyway, create the file {folder / MARKER_NAME}"
        )
    _check_writable(existing, given)
    return folder


def claim_output_folder(out: str | Path) -> Path:
    """Check ``out`` (:func:`check_output_folder`), create and mark it, tidy what runs left.

    Temporary files of runs that were killed while writing the summary or the gallery are
    removed here, at the start of the next run.
    """
    folder = check_output_folder(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / MARKER_NAME
        if not marker.is_file():
            marker.write_text(
                "This folder holds Compute Workbench reports (`workbench report`).\n",
                encoding="utf-8",
            )
    except OSError as exc:
        raise ReportError(f"cannot use {out} as the reports folder: {exc.strerror or exc}") from exc
    remove_stale_temporaries(folder)
    return folder


def _is_ours(folder: Path) -> bool:
    """Marked, or made by an earlier workbench: its gallery, or only reports and log files."""
    if (folder / MARKER_NAME).is_file():
        return True
    try:
        with open(folder / "index.html", encoding="utf-8", errors="replace") as fh:
            return _GALLERY_TITLE in fh.read(4096)
    except OSError:
        pass
    # A log file beside the reports is what a cron line such as `>> reports/cron.log` makes
    # before the first run; the workbench never writes a .log file there.
    return all(
        _is_report_tree(path)
        or path.name == ".gallery.lock"
        or (path.suffix == ".log" and path.is_file())
        for path in folder.iterdir()
    )


def _is_report_tree(path: Path) -> bool:
    """A report's folder, or a folder of a sweep's members (``key=value``) only."""
    if not path.is_dir():
        return False
    if (path / ".builds").is_dir():
        return True
    members = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return bool(members) and all("=" in p.name and (p / ".builds").is_dir() for p in members)


def _check_writable(folder: Path, given: Path) -> None:
    """Create and remove a file in ``folder``: the only test that also holds for root."""
    probe = folder / f".probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ReportError(
            f"cannot use {given} as the reports folder: cannot write in {folder} "
            f"({exc.strerror or exc})"
        ) from None
