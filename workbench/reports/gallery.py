"""The gallery: ``reports/index.html``, one row per report and sweep member.

Each row gives the title, parameters, status, time of the run, duration, links to the HTML,
the executed notebook and the manifest, and the report's history: what changed since the
previous build and the headline values of the newest builds. A run that failed after the
published one is shown as failed, with its error and links to the failed run; the last good
report stays linked. The page renders from a Jinja2 template shipped with the package
(``templates/gallery.html.j2``) with autoescaping, so every piece of text is HTML-escaped
(titles, parameters and errors come from notebooks and users). The page is static: no script,
nothing fetched.

Reports in another language than English live in ``<out>/<lang>/`` (``reports/zh/``); the
gallery lists every language, each row marked with its own, and is written once per
language: ``index.html`` in English, ``index.zh.html`` with its own words in Chinese.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import filelock
import jinja2
from markupsafe import Markup

from workbench import __version__
from workbench.errors import ReportError
from workbench.i18n import LANGUAGES, translate
from workbench.reports.files import write_atomically
from workbench.reports.headlines import headline_text
from workbench.reports.history import changes, history
from workbench.reports.manifest import MANIFEST_NAME, Manifest, finished_at, read_manifest
from workbench.reports.notebooks import LEAD_REPORT
from workbench.reports.output import claim_output_folder
from workbench.reports.params import format_value
from workbench.reports.publish import ReportFolder

__all__ = [
    "GALLERY_NAME",
    "GalleryEntry",
    "collect_entries",
    "gallery_name",
    "render_gallery",
    "write_gallery",
]

GALLERY_NAME = "index.html"


@dataclass(frozen=True)
class GalleryEntry:
    """What the gallery shows of one report or sweep member.

    Attributes
    ----------
    report
        The report's name (its file names).
    member
        The sweep member's folder name (``scenario=high``), or empty.
    folder
        The report's folder, relative to the gallery.
    current
        The published build's manifest, when there is one and it is readable.
    current_problem
        Why a published build's manifest could not be read, if so.
    failure
        The latest failed run's manifest, when it is newer than the published build.
    failure_folder
        That failed run's folder, relative to the gallery.
    failure_problem
        Why that failed run's manifest could not be read, if so.
    failed_runs
        How many failed runs are kept.
    builds
        The good builds kept (:func:`~workbench.reports.history.history`), oldest first.
    lang
        The report's language (``en``, or the language folder it is in).
    """

    report: str
    member: str
    folder: PurePosixPath
    current: Manifest | None = None
    current_problem: str = ""
    failure: Manifest | None = None
    failure_folder: PurePosixPath | None = None
    failure_problem: str = ""
    failed_runs: int = 0
    builds: tuple = ()
    lang: str = LANGUAGES[0]

    @property
    def label(self) -> str:
        """``report`` or ``report[member]``."""
        return f"{self.report}[{self.member}]" if self.member else self.report

    @property
    def status(self) -> str:
        """``ok``, ``failed`` or ``unknown`` (a published build whose manifest is unreadable)."""
        if self.failure is not None or self.failure_problem:
            return "failed"
        if self.current is not None and self.current.ok:
            return "ok"
        return "unknown" if self.current_problem else "failed"


def collect_entries(out: Path, outcomes: Sequence = ()) -> list[GalleryEntry]:
    """Every report and sweep member under ``out``: compute_outlook first, then by name.

    Sweep members follow their report, by folder name. ``outcomes`` are this run's
    (:class:`~workbench.reports.build.ReportOutcome`): a report that failed before it could
    keep a failed run (its folder not writable, its lock held) is shown as failed with that
    message, so the gallery and ``summary.json`` always agree.
    """
    out = Path(out)
    entries = []
    if out.is_dir():
        entries = _entries_on_disk(out)
    by_folder = {entry.folder: index for index, entry in enumerate(entries)}
    for outcome in outcomes:
        if outcome.ok or outcome.failed_run is not None:
            continue  # built, up to date, or failed with its run kept: the disk says so
        try:
            folder = _relative(out, Path(outcome.folder))
        except ValueError:
            continue
        if folder in by_folder:
            index = by_folder[folder]
            entries[index] = dataclasses.replace(
                entries[index], failure=None, failure_problem=outcome.message
            )
        else:
            parts = folder.parts
            lang = parts[0] if len(parts) > 1 and parts[0] in LANGUAGES[1:] else LANGUAGES[0]
            report, _, member = "/".join(parts[lang != LANGUAGES[0] :]).partition("/")
            entries.append(
                GalleryEntry(report, member, folder, failure_problem=outcome.message, lang=lang)
            )
    return entries


def _entries_on_disk(out: Path) -> list[GalleryEntry]:
    entries = _entries_in(out, out, LANGUAGES[0])
    for lang in LANGUAGES[1:]:
        if (out / lang).is_dir():
            entries.extend(_entries_in(out, out / lang, lang))
    return entries


def _entries_in(out: Path, where: Path, lang: str) -> list[GalleryEntry]:
    entries = []
    folders = [
        p for p in where.iterdir() if p.is_dir() and not _hidden(p) and p.name not in LANGUAGES
    ]
    # The same order as the default suite: the flagship report first, then by name.
    for folder in sorted(folders, key=lambda p: (p.name != LEAD_REPORT, p.name)):
        if _is_report_folder(folder):
            entries.append(_entry(out, folder, folder.name, "", lang))
        for member in sorted(p for p in folder.iterdir() if p.is_dir() and "=" in p.name):
            if _is_report_folder(member):
                entries.append(_entry(out, member, folder.name, member.name, lang))
    return entries


#: The gallery's columns, in order (translated as the page's language asks).
COLUMNS = ("Report", "Language", "Parameters", "Status", "Run at", "Duration", "Files", "History")


def render_gallery(entries: list[GalleryEntry], lang: str = LANGUAGES[0]) -> str:
    """The gallery page for ``entries``, its own words in ``lang``.

    Rendered from the Jinja2 template ``workbench/reports/templates/gallery.html.j2`` with
    autoescaping: every title, parameter, error and headline value is escaped there.
    """

    def _(text, **fields):
        return translate(text, lang, **fields)

    counts = {status: sum(e.status == status for e in entries) for status in ("ok", "failed")}
    return _template().render(
        lang=lang,
        title=_("Compute Workbench reports"),
        summary=_(
            "{total} reports: {ok} ok, {failed} failed. Built by compute-workbench {version}; "
            "times are UTC.",
            total=len(entries),
            ok=counts["ok"],
            failed=counts["failed"],
            version=__version__,
        ),
        others=[
            {"href": gallery_name(other), "lang": other, "name": _language_name(other)}
            for other in LANGUAGES
            if other != lang
        ],
        headers=[_(column) for column in COLUMNS],
        rows=list(_rows(entries, lang)),
        # Trusted markup from the catalogue (no user text in it).
        empty=Markup(_("No reports yet: run <code>workbench report</code>.")),
    )


@functools.cache
def _template():
    """The gallery's Jinja2 template, loaded once from the package."""
    text = (
        resources.files("workbench.reports")
        .joinpath("templates/gallery.html.j2")
        .read_text(encoding="utf-8")
    )
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(text)


def gallery_name(lang: str) -> str:
    """The gallery page in ``lang``: ``index.html`` for English, else ``index.<lang>.html``."""
    return GALLERY_NAME if lang == LANGUAGES[0] else f"index.{lang}.html"


def _language_name(lang: str) -> str:
    # Each language is named in itself, for its readers.
    return translate({"en": "English", "zh": "Chinese"}[lang], lang)


def write_gallery(out: Path, outcomes: Sequence = ()) -> Path:
    """Write ``<out>/index.html`` from the reports on disk (atomically) and return its path.

    ``outcomes``, this run's, show failures that left nothing on disk
    (:func:`collect_entries`).

    Raises
    ------
    ReportError
        When ``out`` is not a reports folder the workbench may write
        (:func:`~workbench.reports.output.check_output_folder`) or the page cannot be written.
    """
    out = claim_output_folder(out)
    path = out / GALLERY_NAME
    try:
        # Two batches finishing together: the later one writes last and sees both.
        with filelock.FileLock(out / ".gallery.lock"):
            entries = collect_entries(out, outcomes)
            for lang in LANGUAGES:
                write_atomically(out / gallery_name(lang), render_gallery(entries, lang))
    except OSError as exc:
        raise ReportError(f"cannot write the gallery {path}: {exc.strerror or exc}") from exc
    return path


def _entry(out: Path, path: Path, report: str, member: str, lang: str) -> GalleryEntry:
    folder = ReportFolder(path, report)
    current, current_problem = None, ""
    if folder.current_build() is not None:
        try:
            current = read_manifest(path / MANIFEST_NAME)
        except ReportError as exc:
            current_problem = str(exc)
    failed_runs = folder.failed_runs()
    try:
        builds = tuple(history(path, report))
    except ReportError:  # a damaged manifest in the history: show the rest of the row
        builds = ()
    failure, failure_folder, failure_problem = None, None, ""
    if failed_runs:
        latest = failed_runs[-1]
        try:
            candidate = read_manifest(latest)
        except ReportError as exc:
            candidate, problem = None, str(exc)
        else:
            problem = ""
        # A failure is news only when no later run has succeeded.
        if current is None or (candidate is not None and candidate.started > current.started):
            failure, failure_problem = candidate, problem
            failure_folder = _relative(out, latest)
    return GalleryEntry(
        report=report,
        member=member,
        folder=_relative(out, path),
        current=current,
        current_problem=current_problem,
        failure=failure,
        failure_folder=failure_folder,
        failure_problem=failure_problem,
        failed_runs=len(failed_runs),
        builds=builds,
        lang=lang,
    )


def _rows(entries: list[GalleryEntry], lang: str):
    """One view per row; sweep members whose report has no build of its own get a heading."""
    previous = None
    for entry in entries:
        heading = None
        if entry.member and (entry.lang, entry.report) != previous:
            name = Markup("<strong>{}</strong>").format(entry.report)
            heading = Markup(translate("{report} sweep", lang, report=name))
        previous = (entry.lang, entry.report)
        yield {**_row(entry, lang), "sweep_heading": heading}


def _row(entry: GalleryEntry, lang: str = LANGUAGES[0]) -> dict:
    """What the template shows of one report or sweep member (text only; it escapes)."""
    shown = entry.failure or entry.current
    parameters = shown.parameters if shown is not None else {}
    errors, note = [], None
    if entry.failure is not None or entry.failure_problem:
        errors.append(
            (entry.failure.error if entry.failure is not None else entry.failure_problem)
            or "failed"
        )
        if entry.current is not None:
            note = f"showing the last good report, of {finished_at(entry.current)}"
    if entry.current_problem:
        errors.append(entry.current_problem)
    return {
        "member": bool(entry.member),
        "title": shown.title if shown is not None and shown.title else entry.report,
        "label": entry.label,
        "lang": entry.lang,
        "language": _language_name(entry.lang),
        "parameters": [(name, format_value(value)) for name, value in parameters.items()],
        "defaults": translate("defaults", lang),
        "status": entry.status,
        "errors": errors,
        "note": note,
        "when": finished_at(shown),
        "duration": _duration(shown),
        **_links(entry, lang),
        "history": _history(entry, lang),
    }


def _links(entry: GalleryEntry, lang: str) -> dict:
    links, failed = [], []
    if entry.current is not None or entry.current_problem:
        published = (
            ("HTML", f"{entry.report}.html"),
            (translate("notebook", lang), f"{entry.report}.ipynb"),
            (translate("manifest", lang), MANIFEST_NAME),
        )
        links = [_link(entry.folder / name, label) for label, name in published]
    if entry.failure_folder is not None:
        kept = [(translate("error", lang), "error.txt")]
        if entry.failure is not None and entry.failure.executed_notebook:
            kept.insert(0, (translate("notebook", lang), entry.failure.executed_notebook))
        if entry.failure is not None and entry.failure.html:
            kept.insert(0, ("HTML", entry.failure.html))
        failed = [_link(entry.failure_folder / name, label) for label, name in kept]
    return {
        "links": links,
        "failed_links": failed,
        "failed_label": translate("failed run:", lang),
    }


def _link(path: PurePosixPath, label: str) -> dict:
    return {"href": quote(str(path)), "label": label}


#: Builds listed in a report's history cell (the newest); `workbench report diff` has them all.
HISTORY_ROWS = 5


def _history(entry: GalleryEntry, lang: str = LANGUAGES[0]) -> dict | None:
    """What changed since the previous build, then the newest builds' headline values."""
    builds = list(entry.builds)
    if not builds:
        return None
    view = {
        "since": translate("since the previous build:", lang),
        "changes": [],
        "head": [],
        "rows": [],
        "kept": translate("{count} build(s) kept", lang, count=len(builds)),
    }
    if len(builds) > 1:
        view["changes"] = changes(builds[-2].manifest, builds[-1].manifest) or [
            translate("nothing recorded changed", lang)
        ]
    names = list(dict.fromkeys(h["name"] for b in builds for h in b.manifest.headlines))[:3]
    if names:
        view["head"] = [translate("built", lang), *names]
        for build in reversed(builds[-HISTORY_ROWS:]):
            values = {h["name"]: headline_text(h) for h in build.manifest.headlines}
            view["rows"].append([finished_at(build.manifest), *(values.get(n, "") for n in names)])
    return view


def _duration(manifest: Manifest | None) -> str:
    if manifest is None:
        return ""
    seconds = float(manifest.duration_s or 0)
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _relative(out: Path, path: Path) -> PurePosixPath:
    return PurePosixPath(path.relative_to(out).as_posix())


def _is_report_folder(path: Path) -> bool:
    return any((path / name).exists() for name in (".current", "failed", MANIFEST_NAME))


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")
