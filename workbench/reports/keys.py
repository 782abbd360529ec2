"""Cache keys: a report is rebuilt only when something that shapes it has changed.

A report's key is a sha256 over the notebook's bytes, the parameters injected, how the HTML is
rendered (code shown or not, the output kept per cell), and its inputs (:func:`input_hashes`):
the sha256 of every bundled dataset file (all of them: the runner cannot know which ones a
notebook reads) and of each cached download :func:`workbench.data.load_best` would use in place
of one; of every file of the workbench package itself (``code/…``: in an editable checkout a
fix in ``workbench/gap/core.py`` changes the numbers without changing the version); of the
Python modules beside the notebook, which it may import (``local/…``); and the versions of the
kernel's packages the manifest records (``package/…``). The tests, docs and anything else
outside the package do not count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from workbench import __version__
from workbench.errors import DataError, ReportError

__all__ = ["code_hashes", "file_digest", "input_hashes", "local_module_hashes", "report_key"]

CODE, LOCAL, PACKAGE = "code/", "local/", "package/"  # prefixes of the inputs' names


def code_hashes(root: Path | None = None) -> dict[str, str]:
    """The sha256 of every file of the workbench package (``code/workbench/…``), compiled
    caches left out, and the version of each package the manifest records (``package/…``)."""
    from workbench.reports.manifest import package_versions

    root = Path(__file__).resolve().parents[1] if root is None else Path(root)
    hashes = {}
    try:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                name = path.relative_to(root.parent).as_posix()
                hashes[CODE + name] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ReportError(f"cannot fingerprint the workbench package: {exc}") from exc
    hashes.update({PACKAGE + name: version for name, version in package_versions().items()})
    return hashes


def local_module_hashes(notebook: Path) -> dict[str, str]:
    """The sha256 of the Python modules beside ``notebook`` (``local/<file>``), which it may
    import."""
    try:
        return {
            LOCAL + path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(Path(notebook).resolve().parent.glob("*.py"))
        }
    except OSError as exc:
        raise ReportError(f"cannot fingerprint the modules beside {notebook}: {exc}") from exc


def input_hashes() -> dict[str, str]:
    """What every report's key covers beside its notebook: data, code and package versions.

    The sha256 of every bundled dataset's files by file name (``models.csv``, ``models.toml``:
    the metadata shapes the loaded dataset as much as the CSV does), of cached downloads
    ``load_best`` would prefer (``cache/…``), and :func:`code_hashes`.
    """
    from workbench import data

    try:
        hashes = {}
        for name in data.list_datasets():
            csv_path = data.dataset_path(name)
            for path in (csv_path, csv_path.with_suffix(".toml")):
                hashes[path.name] = data.file_sha256(path)
        # A cached download that data.load_best would use in place of a bundled table.
        for remote in data.PREFERRED_REMOTE.values():
            cached = data.cached_path(remote)
            if cached is not None:
                hashes[f"cache/{cached.name}"] = data.file_sha256(cached)
    except (DataError, OSError) as exc:
        raise ReportError(f"cannot fingerprint the bundled datasets: {exc}") from exc
    return {**hashes, **code_hashes()}


def file_digest(path: Path) -> str:
    """The hex sha256 of a file's bytes (a notebook's, in the key and the manifest)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise ReportError(f"cannot read notebook {path}: {exc.strerror}") from exc


def report_key(
    notebook: Path,
    parameters: Mapping[str, object],
    inputs: Mapping[str, str],
    *,
    no_input: bool = False,
    max_output: int | None = None,
    version: str = __version__,
) -> str:
    """The hex sha256 that identifies one build of a report.

    Parameters
    ----------
    notebook
        The notebook file; its bytes count, not its modification time.
    parameters
        The values injected (after checking), by name; their order does not matter.
    inputs
        :func:`input_hashes`.
    no_input
        Whether code cells are hidden in the HTML.
    max_output
        Bytes of output each cell keeps (None: the default limit).
    version
        The workbench's version.
    """
    recipe = {
        "notebook": file_digest(notebook),
        "parameters": dict(parameters),
        "inputs": dict(inputs),
        "no_input": no_input,
        "workbench": version,
    }
    if max_output is not None:
        recipe["max_output"] = max_output
    canonical = json.dumps(recipe, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()
