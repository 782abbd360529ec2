"""The manifest: how one report was made (``manifest.json`` beside its HTML and notebook)."""

from __future__ import annotations

import dataclasses
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from workbench.errors import ReportError
from workbench.reports.files import write_atomically

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "finished_at",
    "package_versions",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
#: Raise when a field's meaning changes, so old manifests are recognised as such.
FORMAT_VERSION = 1
_REQUIRED = ("report", "notebook", "status", "key")
_STATUSES = ("ok", "failed", "running")
# The JSON types each field may hold; a manifest with any other is damaged.
_FIELD_TYPES = {
    "report": str,
    "notebook": str,
    "status": str,
    "key": str,
    "title": str,
    "parameters": dict,
    "defaults": dict,
    "sweep": dict,
    "inputs": dict,
    "versions": dict,
    "started": str,
    "finished": str,
    "duration_s": (int, float),
    "error": (str, type(None)),
    "html": (str, type(None)),
    "executed_notebook": (str, type(None)),
    "no_input": bool,
    "notebook_sha256": (str, type(None)),
    "attempts": list,
    "headlines": list,
    "format_version": int,
}
#: The distributions whose versions shape a report's content or rendering.
RECORDED_PACKAGES = (
    "compute-workbench",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyter_client",
    "altair",
    "vl-convert-python",
    "xarray",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
)


@dataclass
class Manifest:
    """How one report was made.

    Attributes
    ----------
    report
        The report's name (a notebook's name, or a name from ``reports.toml``).
    notebook
        The source notebook's path.
    status
        ``"ok"`` or ``"failed"``.
    key
        The cache key (:func:`workbench.reports.keys.report_key`).
    title
        The notebook's first heading, else the report's name.
    parameters
        The values injected into the notebook, by name.
    defaults
        Every parameter the notebook declares, with its default's source text.
    sweep
        For a sweep member, the swept values (also among ``parameters``); else empty.
    inputs
        sha256 of every bundled dataset file, by file name.
    versions
        Python's and the recorded packages' versions.
    started, finished
        ISO 8601 times in UTC.
    duration_s
        Seconds from start to finish.
    error
        For a failed run, the message naming the cell and the error.
    html, executed_notebook
        File names, relative to the manifest's folder, of the HTML and the executed notebook.
    no_input
        Whether code cells are hidden in the HTML.
    notebook_sha256
        sha256 of the source notebook's bytes, to say whether it changed since.
    attempts
        Earlier attempts of this build that failed and were retried: each one's error and
        the folder its failed run was kept in.
    headlines
        The headline values the notebook recorded
        (:func:`workbench.reports.headlines.headline`): name, value, units, interval, text.
    """

    report: str
    notebook: str
    status: str
    key: str
    title: str = ""
    parameters: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    sweep: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    started: str = ""
    finished: str = ""
    duration_s: float = 0.0
    error: str | None = None
    html: str | None = None
    executed_notebook: str | None = None
    no_input: bool = False
    notebook_sha256: str | None = None
    attempts: list = field(default_factory=list)
    headlines: list = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    @property
    def ok(self) -> bool:
        """Whether the run succeeded."""
        return self.status == "ok"


def finished_at(manifest: Manifest | None) -> str:
    """When a build finished, as readers see it: "2026-12-02 03:15:40 UTC" ("" if unknown)."""
    if manifest is None or not manifest.finished:
        return ""
    return manifest.finished.replace("T", " ").replace("+00:00", " UTC")


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``manifest`` as ``folder/manifest.json`` (atomically) and return the path."""
    path = Path(folder) / MANIFEST_NAME
    text = json.dumps(dataclasses.asdict(manifest), indent=2, sort_keys=False, default=repr)
    write_atomically(path, text + "\n")
    return path


def read_manifest(path: Path) -> Manifest:
    """Read a manifest file (or the ``manifest.json`` in a folder).

    Raises
    ------
    ReportError
        When the file is missing, is not JSON, lacks required fields or holds a field of the
        wrong type (``"duration_s": "abc"``); the message names the file. A caller treats
        such a manifest as no manifest: the report is rebuilt.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"manifest {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"manifest {path} is unreadable ({exc})") from None
    if not isinstance(content, dict):
        raise ReportError(f"manifest {path} is unreadable (not a JSON object)")
    missing = [name for name in _REQUIRED if not isinstance(content.get(name), str)]
    if missing:
        raise ReportError(f"manifest {path} is incomplete (no {', '.join(missing)})")
    for name, kinds in _FIELD_TYPES.items():
        if name not in content:
            continue
        value = content[name]
        wrong_bool = isinstance(value, bool) and kinds in ((int, float), int)
        if not isinstance(value, kinds) or wrong_bool:
            raise ReportError(f"manifest {path} is damaged ({name!r} is {value!r})")
    if content["status"] not in _STATUSES:
        raise ReportError(f"manifest {path} is damaged (status {content['status']!r})")
    known = {f.name for f in dataclasses.fields(Manifest)}
    return Manifest(**{name: value for name, value in content.items() if name in known})


def package_versions() -> dict[str, str]:
    """Python's version and those of :data:`RECORDED_PACKAGES` that are installed."""
    versions = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
