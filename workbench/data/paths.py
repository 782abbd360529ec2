"""Where the bundled tables are, which there are, and their files' digests.

The standard library only: ``workbench status`` fingerprints every table's files without
loading xarray, pandas or jsonschema (:mod:`~workbench.data.catalog` loads them).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from workbench.errors import DataError, format_choices

__all__ = ["data_dir", "dataset_path", "file_sha256", "list_datasets"]

ENV_VAR = "WORKBENCH_DATA_DIR"
_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder of bundled tables.

    In order: ``$WORKBENCH_DATA_DIR``; the ``data/`` folder of a source checkout (where users
    edit tables); the copy shipped inside an installed package (``workbench/_bundled/data``).
    """
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_dir():
            raise DataError(f"${ENV_VAR} names a folder that does not exist", path=path)
        return path
    checkout = _PACKAGE.parent
    candidates = [_PACKAGE / "_bundled" / "data"]
    if (checkout / "pyproject.toml").is_file():
        candidates.insert(0, checkout / "data")
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise DataError(
        "no bundled data found: neither an installed copy nor a checkout's data/ folder; "
        f"set ${ENV_VAR}",
        path=_PACKAGE,
    )


def list_datasets() -> list[str]:
    """Names of the bundled tables, sorted (each has ``NAME.csv`` and ``NAME.toml``)."""
    folder = data_dir()
    return sorted(p.stem for p in folder.glob("*.toml") if (folder / f"{p.stem}.csv").exists())


def dataset_path(name: str) -> Path:
    """The CSV file of bundled table ``name``."""
    names = list_datasets()
    if name not in names:
        raise DataError(f"unknown dataset {name!r}; choose {format_choices(names)}")
    return data_dir() / f"{name}.csv"


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
