"""Durable file writes: a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["fsync_directory", "remove_stale_temporaries", "write_atomically"]

# What write_atomically names its temporary files: ``.<name>.<pid>.tmp``.
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is flushed to disk before the rename, so a crash at any moment leaves
    either the previous file or the complete new one.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files of :func:`write_atomically` left in ``folder`` by dead runs.

    A run killed between writing and renaming leaves ``.<name>.<pid>.tmp``; one whose process
    is still alive may be writing it now and is left alone. Returns the files deleted.
    """
    removed = []
    for path in Path(folder).glob(".*.tmp"):
        match = _TEMPORARY.match(path.name)
        if match is None or _is_alive(int(match.group(1))):
            continue
        try:
            path.unlink()
        except OSError:
            continue  # gone already, or not ours to delete: either way not trusted
        removed.append(path)
    return removed


def _is_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's live process
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    return True


def fsync_directory(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk where the platform allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is still atomic
    finally:
        os.close(descriptor)
