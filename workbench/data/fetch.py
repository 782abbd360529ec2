"""Download publishers' latest public datasets into a user cache, with provenance.

The files change daily at the source, so no fixed hash is pinned; instead the sha256 of what
was downloaded, the URL and the download time are recorded in the returned dataset's attrs.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import xarray as xr

from workbench.data.epoch import read_epoch_hardware, read_epoch_models
from workbench.data.table import file_sha256
from workbench.errors import DataError, format_choices

__all__ = ["REMOTE_DATASETS", "cache_dir", "fetch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteDataset:
    url: str
    reader: Callable[[Path], xr.Dataset]
    description: str


REMOTE_DATASETS: dict[str, RemoteDataset] = {
    "epoch_models": RemoteDataset(
        "https://epoch.ai/data/all_ai_models.csv",
        read_epoch_models,
        "Epoch AI: all AI models (CC BY 4.0)",
    ),
    "epoch_notable_models": RemoteDataset(
        "https://epoch.ai/data/notable_ai_models.csv",
        read_epoch_models,
        "Epoch AI: notable AI models (CC BY 4.0)",
    ),
    "epoch_hardware": RemoteDataset(
        "https://epoch.ai/data/ml_hardware.csv",
        read_epoch_hardware,
        "Epoch AI: machine learning hardware (CC BY 4.0)",
    ),
}


def cache_dir() -> Path:
    """Where downloads are kept: ``$WORKBENCH_CACHE`` or the OS user cache (via pooch)."""
    import pooch

    override = os.environ.get("WORKBENCH_CACHE")
    return Path(override) if override else Path(pooch.os_cache("compute-workbench"))


def fetch(name: str, *, url: str | None = None, refresh: bool = True) -> xr.Dataset:
    """Download dataset ``name`` from its publisher and read it.

    Parameters
    ----------
    name
        One of :data:`REMOTE_DATASETS` (``epoch_models``, ``epoch_notable_models``,
        ``epoch_hardware``).
    url
        Download from here instead of the registered address (a mirror, or a newer path).
    refresh
        Download again even if a cached copy exists (the publisher updates daily); with
        ``False`` a cached copy is used when present.

    Returns
    -------
    xarray.Dataset
        With attrs ``url``, ``sha256``, ``downloaded`` (UTC, ISO 8601) and ``cache_path``.

    Raises
    ------
    DataError
        For an unknown name, or when the download fails (offline, the server refused).
    """
    import pooch

    if name not in REMOTE_DATASETS:
        raise DataError(
            f"unknown remote dataset {name!r}; choose {format_choices(REMOTE_DATASETS)}"
        )
    remote = REMOTE_DATASETS[name]
    source = url or remote.url
    folder = cache_dir()
    fname = f"{name}.csv"
    target = folder / fname
    provenance_path = folder / f"{name}.json"
    if refresh or not target.exists():
        partial = folder / f"{fname}.part"
        pooch.get_logger().setLevel(logging.WARNING)  # we log the download ourselves
        try:
            pooch.retrieve(
                source, known_hash=None, fname=partial.name, path=folder, progressbar=False
            )
        except Exception as exc:  # requests' and pooch's errors share no base class
            partial.unlink(missing_ok=True)
            raise DataError(
                f"could not download {name!r} from {source} ({type(exc).__name__}: {exc}); "
                "are you offline? The bundled tables (workbench.data.load) need no network."
            ) from None
        # Read before publishing, so a bad download never replaces a good cached copy.
        try:
            remote.reader(partial)
        except DataError as exc:
            partial.unlink(missing_ok=True)
            raise DataError(
                f"the file downloaded from {source} is not a valid {name!r} table: {exc.problem}",
                path=source,
                line=exc.line,
                column=exc.column,
            ) from None
        os.replace(partial, target)
        provenance = {
            "url": source,
            "sha256": file_sha256(target),
            "downloaded": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        provenance_path.write_text(json.dumps(provenance, indent=2))
        log.info("downloaded %s from %s", name, source)
    provenance = json.loads(provenance_path.read_text()) if provenance_path.exists() else {}
    ds = remote.reader(target)
    ds.attrs.update(provenance)
    ds.attrs["cache_path"] = str(target)
    return ds
