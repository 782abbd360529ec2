"""A portable copy of the reports: the gallery and each current report as plain files.

The report folder publishes atomically through links (``NAME.html -> .current/NAME.html``,
``.current -> .builds/...``); copying it to a web server or a zip would need ``cp -L`` and would
drag along old builds and lock files. :func:`export_site` writes only what the gallery shows,
with links resolved, so the copy opens from any web server, a zip or ``file://`` (the pages
use relative links and load nothing from elsewhere).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from workbench.errors import ReportError

__all__ = ["export_site"]

logger = logging.getLogger(__name__)
_MARKER = ".workbench-export"


def export_site(out_dir: Path | str, target: Path | str) -> list[Path]:
    """Copy the gallery and current reports in ``out_dir`` to ``target`` as plain files.

    Parameters
    ----------
    out_dir
        The reports folder (``workbench report --out``), holding ``index.html``.
    target
        The folder to write. It must not exist, be empty, or be an earlier export (which is
        then replaced whole, atomically: a failed export leaves it as it was).

    Returns
    -------
    list of Path
        The files written, relative to ``target``.

    Raises
    ------
    ReportError
        When ``out_dir`` has no gallery, or ``target`` is inside it or holds other files.
    """
    source, target = Path(out_dir).resolve(), Path(target).absolute()
    if not (source / "index.html").is_file():
        raise ReportError(f"{source} has no gallery (index.html): run 'workbench report' first")
    if target.resolve() == source or source in target.resolve().parents:
        raise ReportError(f"export folder {target} must be outside the reports folder {source}")
    if target.exists() and any(target.iterdir()) and not (target / _MARKER).exists():
        raise ReportError(
            f"export folder {target} already holds files that are not an earlier export; "
            "choose a new or empty folder"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        written = _copy_visible(source, staging)
        (staging / _MARKER).write_text("exported by workbench export\n", encoding="utf-8")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, old / "site")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("exported %d files to %s", len(written), target)
    return written


def _copy_visible(source: Path, staging: Path) -> list[Path]:
    """Copy every file whose path has no hidden part, links followed; returns them."""
    written = []
    for root, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files) + sorted(
            d for d in os.listdir(root) if Path(root, d).is_symlink() and Path(root, d).is_dir()
        ):
            if name.startswith("."):
                continue
            path = Path(root, name)
            relative = path.relative_to(source)
            if not path.exists():  # a dangling link: a report whose build is gone
                logger.warning("skipping %s: its link points nowhere", relative)
                continue
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path.resolve(), destination, symlinks=False)
                written.extend(
                    p.relative_to(staging) for p in destination.rglob("*") if p.is_file()
                )
            else:
                shutil.copyfile(path.resolve(), destination)
                written.append(relative)
    return written
