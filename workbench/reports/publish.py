"""Publishing: a report folder changes from one complete build to the next in a single rename.

A report's folder looks like this::

    reports/<name>/
        <name>.html      -> .current/<name>.html       fixed links, made once
        <name>.ipynb     -> .current/<name>.ipynb
        manifest.json    -> .current/manifest.json
        .current         -> .builds/<build>             the one link publishing replaces
        .builds/<build>/                                the current build, earlier ones kept as
                                                        its history, and one in progress
        failed/<time>/                                  failed runs: notebook, HTML, error
        .lock                                           held while a run builds this report
        <key=value,...>/                                sweep members, each a folder like this

A run writes its build into ``.builds/`` and publishes it by renaming a new ``.current`` link
over the old one (``rename(2)`` is atomic), so whenever a process is killed, even with SIGKILL,
every file resolves to the old build or every file to the new one. A folder cannot be renamed
over a non-empty one, and the report's folder also holds failed runs and sweep members; hence
the indirection through a link.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import ReportError
from workbench.reports.files import fsync_directory
from workbench.reports.manifest import MANIFEST_NAME, read_manifest

__all__ = ["KEEP_BUILDS", "KEEP_FAILED_RUNS", "ReportFolder"]

logger = logging.getLogger(__name__)

#: Failed runs kept per report, newest first; older ones are deleted when another fails.
KEEP_FAILED_RUNS = 10
#: Good builds kept per report (the published one included): its run history.
KEEP_BUILDS = 20
_CURRENT = ".current"
_BUILDS = ".builds"
_FAILED = "failed"
_LOCK = ".lock"


class ReportFolder:
    """The published folder of one report (or one sweep member) and its bookkeeping.

    Parameters
    ----------
    path
        The folder: ``reports/<name>`` or ``reports/<name>/<key=value,...>``.
    name
        The report's name; its files are ``<name>.html`` and ``<name>.ipynb``.
    """

    def __init__(self, path: Path, name: str):
        self.path = Path(path)
        self.name = name

    def __repr__(self) -> str:
        return f"ReportFolder({str(self.path)!r}, {self.name!r})"

    @property
    def html_name(self) -> str:
        """The HTML report's file name."""
        return f"{self.name}.html"

    @property
    def notebook_name(self) -> str:
        """The executed notebook's file name."""
        return f"{self.name}.ipynb"

    @property
    def published_names(self) -> tuple[str, ...]:
        """The files a published report shows at the folder's top level."""
        return (self.html_name, self.notebook_name, MANIFEST_NAME)

    @property
    def failed_dir(self) -> Path:
        """Where failed runs are kept, one folder per run."""
        return self.path / _FAILED

    def current_build(self) -> Path | None:
        """The published build's folder, or None when nothing has been published."""
        link = self.path / _CURRENT
        return link if link.is_dir() else None

    def failed_runs(self) -> list[Path]:
        """Failed runs' folders, oldest first."""
        if not self.failed_dir.is_dir():
            return []
        return sorted(p for p in self.failed_dir.iterdir() if p.is_dir())

    def prepare(self) -> None:
        """Create the folder and check that a build can be written in it.

        Raises
        ------
        ReportError
            When the folder cannot be created or written (read-only, no permission).
        """
        try:
            (self.path / _BUILDS).mkdir(parents=True, exist_ok=True)
            # Every folder a run writes: the links and the lock, the build, the failed runs.
            for folder in (self.path, self.path / _BUILDS, self.failed_dir):
                if folder.is_dir():
                    probe = folder / f".probe-{os.getpid()}-{secrets.token_hex(4)}"
                    probe.touch()
                    probe.unlink()
        except OSError as exc:
            raise ReportError(
                f"cannot write report {self.name!r} in {self.path}: "
                f"{exc.strerror or exc}; the previous report, if any, is unchanged"
            ) from exc

    @contextlib.contextmanager
    def lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold this report's lock; another run of the same report waits for it.

        Parameters
        ----------
        timeout
            Seconds to wait for a run that holds the lock; None waits as long as it takes.

        Raises
        ------
        ReportError
            When the lock is still held after ``timeout`` seconds, or cannot be created.
        """
        import filelock  # here: reading a report's state (``workbench status``) takes no lock

        lock = filelock.FileLock(self.path / _LOCK)
        try:
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                logger.warning(
                    "report %r is being built by another run; waiting for it to finish", self.name
                )
                lock.acquire(timeout=-1 if timeout is None else timeout)
        except filelock.Timeout:
            raise ReportError(
                f"report {self.name!r} is being built by another run (lock {lock.lock_file} "
                f"held for over {timeout:g} s); try again when it has finished"
            ) from None
        except OSError as exc:
            raise ReportError(
                f"cannot lock report {self.name!r} ({self.path / _LOCK}): {exc.strerror or exc}"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def new_build(self) -> Path:
        """A fresh, empty build folder for a run to write into (call under the lock)."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        build = self.path / _BUILDS / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            build.mkdir(parents=True)
        except OSError as exc:
            raise ReportError(
                f"cannot write report {self.name!r} in {self.path}: {exc.strerror or exc}"
            ) from exc
        return build

    def publish(self, build: Path, keep: int = KEEP_BUILDS) -> None:
        """Make ``build`` the published report in one atomic rename (call under the lock).

        The build's files are flushed to disk first; afterwards, builds beyond the newest
        ``keep`` good ones are removed (see :meth:`remove_stale_builds`).
        """
        try:
            for path in build.iterdir():
                _fsync_file(path)
            fsync_directory(build)
            for name in self.published_names:
                self._replace_link(self.path / name, Path(_CURRENT) / name)
            self._replace_link(self.path / _CURRENT, Path(_BUILDS) / build.name)
            fsync_directory(self.path)
        except OSError as exc:
            raise ReportError(
                f"cannot publish report {self.name!r} in {self.path}: {exc.strerror or exc}; "
                "the previous report is unchanged"
            ) from exc
        self.remove_stale_builds(keep)

    def keep_failed(self, build: Path) -> Path:
        """Move a failed run's build to ``failed/<time>/`` and prune the oldest failed runs."""
        # Fixed-width UTC times to the microsecond: names sort in the order the runs failed.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        target = self.failed_dir / stamp
        suffix = 1
        while target.exists():
            suffix += 1
            target = self.failed_dir / f"{stamp}-{suffix}"
        try:
            self.failed_dir.mkdir(exist_ok=True)
            os.rename(build, target)
        except OSError as exc:
            raise ReportError(
                f"cannot keep the failed run of report {self.name!r} in {self.failed_dir}: "
                f"{exc.strerror or exc}"
            ) from exc
        for old in self.failed_runs()[:-KEEP_FAILED_RUNS]:
            shutil.rmtree(old, ignore_errors=True)
        return target

    def builds(self) -> list[Path]:
        """The complete, good builds kept (history), oldest first; the published one is last
        unless a run was killed between finishing and publishing.

        A build is complete once its manifest is written (the runner writes it last), good when
        that manifest says so; the order is the order the runs finished.
        """
        found = []
        for path in self.path.glob(f"{_BUILDS}/*"):
            try:
                manifest = read_manifest(path / MANIFEST_NAME)
            except ReportError:
                continue
            if manifest.ok:
                found.append((manifest.finished, path.name, path))
        return [path for *_, path in sorted(found)]

    def remove_stale_builds(self, keep: int = KEEP_BUILDS) -> None:
        """Delete what is not history: builds left by killed runs, and good builds beyond the
        newest ``keep`` (the published one always stays). Call under the lock."""
        current = self.current_build()
        published = current.resolve().name if current is not None else None
        history = [p.name for p in self.builds() if p.name != published]
        kept = set(history[max(len(history) - (keep - 1), 0) :]) | {published}
        for path in self.path.glob(f"{_BUILDS}/*"):
            if path.name not in kept:
                shutil.rmtree(path, ignore_errors=True)
        for path in self.path.glob(".*.link-tmp"):
            path.unlink(missing_ok=True)

    @staticmethod
    def _replace_link(link: Path, target: Path) -> None:
        """Point ``link`` at ``target`` (relative) through a new link renamed over the old."""
        if link.is_symlink() and os.readlink(link) == str(target):
            return
        if (
            os.path.lexists(link) and not link.is_symlink()
        ):  # never a file the workbench did not make
            raise ReportError(
                f"cannot publish over {link}: it is a file, not a link made by the workbench; "
                "move it away or give --out another folder"
            )
        temporary = link.with_name(f".{link.name}.link-tmp")
        temporary.unlink(missing_ok=True)
        os.symlink(target, temporary)
        os.replace(temporary, link)


def _fsync_file(path: Path) -> None:
    if not path.is_file():
        return
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
