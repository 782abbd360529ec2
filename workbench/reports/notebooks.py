"""Where the report notebooks live, which there are, and finding one by name."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.errors import ReportError, format_choices

__all__ = ["default_suite", "find_notebook", "list_notebooks", "notebooks_dir"]

ENV_VAR = "WORKBENCH_NOTEBOOKS_DIR"
#: The report that answers the workbench's main question runs first in the default suite.
LEAD_REPORT = "compute_outlook"
_PACKAGE = Path(__file__).resolve().parent.parent


def notebooks_dir() -> Path:
    """The folder of report notebooks.

    In order: ``$WORKBENCH_NOTEBOOKS_DIR``; the ``notebooks/`` folder of a source checkout;
    the copy shipped inside an installed package (``workbench/_bundled/notebooks``).
    A checkout comes before the bundled copy (unlike data, where it comes after) because
    users edit the checkout's notebooks and expect `workbench report` to run their edits.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_dir():
            raise ReportError(f"${ENV_VAR} names a folder that does not exist: {path}")
        return path
    checkout = _PACKAGE.parent
    candidates = []
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "notebooks")
    candidates.append(_PACKAGE / "_bundled" / "notebooks")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise ReportError(
        "no notebooks found: neither a checkout's notebooks/ folder nor an installed copy "
        f"({', '.join(map(str, candidates))}); set ${ENV_VAR}"
    )


def list_notebooks(folder: Path | None = None) -> list[str]:
    """Names (file stems) of the notebooks in ``folder``, sorted alphabetically."""
    folder = notebooks_dir() if folder is None else folder
    return sorted(p.stem for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def default_suite(folder: Path | None = None) -> list[str]:
    """The reports ``workbench report`` builds when given no names.

    Every notebook in the folder, ``compute_outlook`` first when present, then the others
    alphabetically.
    """
    names = list_notebooks(folder)
    if LEAD_REPORT in names:
        names.remove(LEAD_REPORT)
        names.insert(0, LEAD_REPORT)
    return names


def find_notebook(name: str, folder: Path | None = None) -> Path:
    """The notebook file for ``name``: a notebook's name in the folder, or a path to one.

    Raises
    ------
    ReportError
        When there is no such notebook; the message lists the available names.
    """
    as_path = Path(name).expanduser()
    if as_path.suffix == ".ipynb":
        if as_path.is_file():
            return as_path.resolve()
        raise ReportError(f"notebook file {name!r} does not exist")
    folder = notebooks_dir() if folder is None else folder
    path = folder / f"{name}.ipynb"
    if path.is_file():
        return path.resolve()
    raise ReportError(
        f"unknown report {name!r}: no {path.name} in {folder}; "
        f"choose {format_choices(list_notebooks(folder))} or give a path to a .ipynb file"
    )
