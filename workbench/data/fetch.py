"""Download publishers' latest public datasets into a user cache, with provenance.

The files change daily at the source, so no fixed hash is pinned by default; instead the sha256
of what was downloaded, the URL and the download time are recorded beside the file and in the
returned dataset's attrs. A download goes to a temporary file of its own, is checked (its size
against the server's ``Content-Length``, its sha256 against a known hash when one is given, its
contents by the dataset's reader) and only then renamed over the cached copy, so a killed or
broken download never becomes the cached file, and a leftover temporary is never read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.data.paths import file_sha256
from workbench.errors import DataError, format_choices

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["PREFERRED_REMOTE", "REMOTE_DATASETS", "cache_dir", "cached_path", "fetch", "load_best"]

log = logging.getLogger(__name__)

#: A temporary download untouched for this long belongs to a run that died; it is removed.
STALE_PART_SECONDS = 3600
TIMEOUT_SECONDS = 60
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteDataset:
    url: str
    # A reader of workbench.data.epoch, by name: the table of remote datasets (and where their
    # copies are cached) is known without importing xarray, which only reading needs.
    reader_name: str
    description: str
    sha256: str | None = None  # a pinned file's hash; None for files updated at the source
    suffix: str = ".csv"

    @property
    def reader(self) -> Callable[[Path], xr.Dataset]:
        """The function that reads a downloaded copy into a dataset."""
        from workbench.data import epoch

        return getattr(epoch, self.reader_name)


_CHIP_COUNTS = "https://raw.githubusercontent.com/epoch-research/ai-chip-counts/main/csv_export"

REMOTE_DATASETS: dict[str, RemoteDataset] = {
    "epoch_models": RemoteDataset(
        "https://epoch.ai/data/all_ai_models.csv",
        "read_epoch_models",
        "Epoch AI: all AI models (CC BY 4.0)",
    ),
    "epoch_notable_models": RemoteDataset(
        "https://epoch.ai/data/notable_ai_models.csv",
        "read_epoch_models",
        "Epoch AI: notable AI models (CC BY 4.0)",
    ),
    "epoch_hardware": RemoteDataset(
        "https://epoch.ai/data/ml_hardware.csv",
        "read_epoch_hardware",
        "Epoch AI: machine learning hardware (CC BY 4.0)",
    ),
    # Epoch AI's chip-sales estimates by calendar quarter, as its ai-chip-counts repository
    # exports them (epoch.ai/data/ai-chip-sales offers a zip of a different layout).
    **{
        f"epoch_chip_sales_{key}": RemoteDataset(
            f"{_CHIP_COUNTS}/{file}",
            "read_epoch_chip_sales",
            f"Epoch AI: AI chip sales, {label}, by calendar quarter (MIT)",
        )
        for key, file, label in (
            ("nvidia", "nvidia_calendar_quarter_chip_timelines.csv", "NVIDIA"),
            ("tpu", "tpu_calendar_quarter_chip_timelines.csv", "Google TPU"),
            ("amd", "amd_chip_timelines.csv", "AMD"),
        )
    },
}


#: The publisher's dataset that :func:`load_best` prefers to a bundled table, when cached.
PREFERRED_REMOTE = {"models": "epoch_notable_models", "accelerators": "epoch_hardware"}


def cached_path(name: str) -> Path | None:
    """The cached download of remote dataset ``name``, or None when it was never fetched."""
    remote = REMOTE_DATASETS[name]
    path = cache_dir() / f"{name}{remote.suffix}"
    return path if path.is_file() else None


def load_best(name: str) -> xr.Dataset:
    """The publisher's full dataset when a download is in the cache, else the bundled table.

    Never downloads: ``workbench data fetch epoch_notable_models`` (or ``epoch_hardware``)
    puts a copy in the cache, and from then on reports that call this use it. The result's
    ``origin`` attr says which was used, for the report to say so.

    Parameters
    ----------
    name
        A bundled table with a preferred remote dataset (:data:`PREFERRED_REMOTE`:
        ``"models"``, ``"accelerators"``); any other name loads the bundled table.
    """
    from workbench.data.catalog import load

    remote = PREFERRED_REMOTE.get(name)
    if remote is not None and cached_path(remote) is not None:
        ds = fetch(remote, refresh=False)
        when = ds.attrs.get("downloaded", "at an unrecorded time")
        ds.attrs["origin"] = (
            f"{REMOTE_DATASETS[remote].description}, downloaded {when} "
            f"(cached copy; `workbench data fetch {remote}` refreshes it)"
        )
        return ds
    ds = load(name)
    hint = f"; `workbench data fetch {remote}` makes reports use the full dataset" if remote else ""
    ds.attrs["origin"] = f"the bundled table {name!r} (hand-curated, each row sourced){hint}"
    return ds


def cache_dir() -> Path:
    """Where downloads are kept: ``$WORKBENCH_CACHE`` or the OS user cache.

    The user cache is platformdirs' (``~/.cache/compute-workbench`` on Linux), the folder
    ``pooch.os_cache`` gave when the workbench used pooch, so earlier downloads are still found.
    """
    import platformdirs

    override = os.environ.get("WORKBENCH_CACHE")
    return Path(override) if override else Path(platformdirs.user_cache_dir("compute-workbench"))


def fetch(
    name: str, *, url: str | None = None, refresh: bool = True, sha256: str | None = None
) -> xr.Dataset:
    """Download dataset ``name`` from its publisher and read it.

    Parameters
    ----------
    name
        One of :data:`REMOTE_DATASETS`.
    url
        Download from here instead of the registered address (a mirror, or a newer path).
    refresh
        Download again even if a cached copy exists (the publisher updates daily); with
        ``False`` a cached copy is used when present.
    sha256
        The hash the downloaded file must have (a pinned snapshot); by default the registered
        one, if any.

    Returns
    -------
    xarray.Dataset
        With attrs ``url``, ``sha256``, ``downloaded`` (UTC, ISO 8601) and ``cache_path``.

    Raises
    ------
    DataError
        For an unknown name; when the download fails (offline, the server refused, the
        transfer stopped short of its ``Content-Length``); when the file's hash differs from
        the expected one; or when the file is not a valid table. The cached copy is then left
        as it was.
    """
    if name not in REMOTE_DATASETS:
        raise DataError(
            f"unknown remote dataset {name!r}; choose {format_choices(REMOTE_DATASETS)}"
        )
    remote = REMOTE_DATASETS[name]
    source = url or remote.url
    expected = sha256 or (remote.sha256 if url is None else None)
    folder = cache_dir()
    target = folder / f"{name}{remote.suffix}"
    provenance_path = folder / f"{name}.json"
    if refresh or not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(folder, name, remote.suffix)
        partial = _download(name, source, folder, expected)
        try:
            # Read before publishing, so a bad download never replaces a good cached copy.
            try:
                remote.reader(partial)
            except DataError as exc:
                raise DataError(
                    f"the file downloaded from {source} is not a valid {name!r} table: "
                    f"{exc.problem}",
                    path=source,
                    line=exc.line,
                    column=exc.column,
                ) from None
            provenance = {
                "url": source,
                "sha256": file_sha256(partial),
                "downloaded": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        _write_json(provenance_path, provenance)
        log.info("downloaded %s from %s", name, source)
    ds = remote.reader(target)
    digest = file_sha256(target)
    provenance = _read_provenance(provenance_path)
    if provenance.get("sha256") != digest:
        # The file changed after its provenance was written (by hand, or a run killed between
        # the two): what the record says is not about this file.
        warnings.warn(
            f"{target}: its provenance record does not match the file; url and download time "
            "unknown (fetch again to restore them)",
            stacklevel=2,
        )
        provenance = {}
    ds.attrs.update(provenance)
    ds.attrs["sha256"] = digest
    ds.attrs["cache_path"] = str(target)
    return ds


def _download(name: str, source: str, folder: Path, expected: str | None) -> Path:
    """Fetch ``source`` into a new temporary file in ``folder``, checked for size and hash."""
    import http.client  # here, not above: finding cached copies (`workbench status`) needs neither
    import urllib.error
    import urllib.request

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    partial = Path(tmp)
    digest = hashlib.sha256()
    received = 0
    length = None
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(source, headers={"User-Agent": "compute-workbench"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                header = response.headers.get("Content-Length")
                length = int(header) if header and header.isdigit() else None
                while block := response.read(_CHUNK):
                    out.write(block)
                    digest.update(block)
                    received += len(block)
            out.flush()
            os.fsync(out.fileno())
    except http.client.IncompleteRead as exc:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"the download of {name!r} from {source} is incomplete: the connection closed after "
            f"{received + len(exc.partial):,} bytes of {length or '?'}; nothing was saved"
        ) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        partial.unlink(missing_ok=True)
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DataError(
            f"could not download {name!r} from {source} ({type(exc).__name__}: {reason}); "
            "are you offline? The bundled tables (workbench.data.load) need no network."
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if length is not None and received != length:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"the download of {name!r} from {source} is incomplete: {received:,} bytes of the "
            f"{length:,} announced; nothing was saved"
        )
    if expected is not None and digest.hexdigest() != expected.lower():
        partial.unlink(missing_ok=True)
        raise DataError(
            f"the file downloaded from {source} has sha256 {digest.hexdigest()}, not the expected "
            f"{expected}; nothing was saved"
        )
    return partial


def _remove_stale_parts(folder: Path, name: str, suffix: str) -> None:
    # Temporaries of runs that died. The fixed name older versions used is never in use now.
    legacy = folder / f"{name}{suffix}.part"
    legacy.unlink(missing_ok=True)
    cutoff = time.time() - STALE_PART_SECONDS
    for part in folder.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()


def _write_json(path: Path, payload: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh, indent=2)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_provenance(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {
        k: v
        for k, v in record.items()
        if k in ("url", "sha256", "downloaded") and isinstance(v, str)
    }
