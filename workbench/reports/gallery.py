"""The gallery: ``reports/index.html``, one row per report and sweep member.

Each row gives the title, parameters, status, time of the run, duration, links to the HTML,
the executed notebook and the manifest, and the report's history: what changed since the
previous build and the headline values of the newest builds. A run that failed after the
published one is shown as failed, with its error and links to the failed run; the last good
report stays linked. Every
piece of text is HTML-escaped (titles, parameters and errors come from notebooks and users).
The page is static: no script, nothing fetched.

Reports in another language than English live in ``<out>/<lang>/`` (``reports/zh/``); the
gallery lists every language, each row marked with its own, and is written once per
language: ``index.html`` in English, ``index.zh.html`` with its own words in Chinese.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import filelock

from workbench import __version__
from workbench.errors import ReportError
from workbench.i18n import LANGUAGES, translate
from workbench.reports.files import write_atomically
from workbench.reports.headlines import headline_text
from workbench.reports.history import changes, history
from workbench.reports.manifest import MANIFEST_NAME, Manifest, read_manifest
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


def render_gallery(entries: list[GalleryEntry], lang: str = LANGUAGES[0]) -> str:
    """The gallery page for ``entries``, its own words in ``lang``."""

    def _(text, **fields):
        return translate(text, lang, **fields)

    rows = "\n".join(_rows(entries, lang)) or (
        '<tr><td colspan="8">'
        + _("No reports yet: run <code>workbench report</code>.")
        + "</td></tr>"
    )
    counts = {status: sum(e.status == status for e in entries) for status in ("ok", "failed")}
    others = " · ".join(
        f'<a href="{gallery_name(other)}" hreflang="{other}">{_text(_language_name(other))}</a>'
        for other in LANGUAGES
        if other != lang
    )
    return _PAGE.format(
        lang=lang,
        title=_text(_("Compute Workbench reports")),
        summary=_(
            "{total} reports: {ok} ok, {failed} failed. Built by compute-workbench {version}; "
            "times are UTC.",
            total=len(entries),
            ok=counts["ok"],
            failed=counts["failed"],
            version=_text(__version__),
        ),
        others=others,
        headers="".join(
            f"<th>{_text(_(h))}</th>"
            for h in (
                "Report",
                "Language",
                "Parameters",
                "Status",
                "Run at",
                "Duration",
                "Files",
                "History",
            )
        ),
        rows=rows,
    )


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
    """Table rows; sweep members whose report has no build of its own get a heading row."""
    previous = None
    for entry in entries:
        if entry.member and (entry.lang, entry.report) != previous:
            name = f"<strong>{_text(entry.report)}</strong>"
            sweep = translate("{report} sweep", lang, report=name)
            yield f'<tr class="sweep"><td colspan="8">{sweep}</td></tr>'
        previous = (entry.lang, entry.report)
        yield _row(entry, lang)


def _row(entry: GalleryEntry, lang: str = LANGUAGES[0]) -> str:
    shown = entry.failure or entry.current
    title = shown.title if shown is not None and shown.title else entry.report
    parameters = shown.parameters if shown is not None else {}
    cells = [
        f'<td class="title"><strong>{_text(title)}</strong>'
        f'<div class="name">{_text(entry.label)}</div></td>',
        f'<td lang="{entry.lang}">{_text(_language_name(entry.lang))}</td>',
        f"<td>{_parameters(parameters, lang)}</td>",
        f'<td><span class="status {entry.status}">{entry.status}</span>{_problem(entry)}</td>',
        f"<td>{_text(_when(shown))}</td>",
        f"<td>{_text(_duration(shown))}</td>",
        f"<td>{_links(entry, lang)}</td>",
        f"<td>{_history(entry, lang)}</td>",
    ]
    indent = ' class="member"' if entry.member else ""
    return f"<tr{indent}>{''.join(cells)}</tr>"


def _problem(entry: GalleryEntry) -> str:
    parts = []
    if entry.failure is not None or entry.failure_problem:
        error = entry.failure.error if entry.failure is not None else entry.failure_problem
        parts.append(f'<pre class="error">{_text(error or "failed")}</pre>')
        if entry.current is not None:
            parts.append(
                f'<div class="note">showing the last good report, of {_text(_when(entry.current))}'
                "</div>"
            )
    if entry.current_problem:
        parts.append(f'<pre class="error">{_text(entry.current_problem)}</pre>')
    return "".join(parts)


def _links(entry: GalleryEntry, lang: str) -> str:
    parts = []
    if entry.current is not None or entry.current_problem:
        published = (
            ("HTML", f"{entry.report}.html"),
            (translate("notebook", lang), f"{entry.report}.ipynb"),
            (translate("manifest", lang), MANIFEST_NAME),
        )
        parts.append(" · ".join(_link(entry.folder / name, label) for label, name in published))
    if entry.failure_folder is not None:
        kept = [(translate("error", lang), "error.txt")]
        if entry.failure is not None and entry.failure.executed_notebook:
            kept.insert(0, (translate("notebook", lang), entry.failure.executed_notebook))
        if entry.failure is not None and entry.failure.html:
            kept.insert(0, ("HTML", entry.failure.html))
        failed = " · ".join(_link(entry.failure_folder / name, label) for label, name in kept)
        label = _text(translate("failed run:", lang))
        parts.append(f'<div class="failed-links">{label} {failed}</div>')
    return "".join(parts)


#: Builds listed in a report's history cell (the newest); `workbench report diff` has them all.
HISTORY_ROWS = 5


def _history(entry: GalleryEntry, lang: str = LANGUAGES[0]) -> str:
    """What changed since the previous build, then the newest builds' headline values."""
    builds = list(entry.builds)
    if not builds:
        return ""
    parts = []
    if len(builds) > 1:
        lines = changes(builds[-2].manifest, builds[-1].manifest) or [
            translate("nothing recorded changed", lang)
        ]
        items = "".join(f"<li>{_text(line)}</li>" for line in lines)
        since = _text(translate("since the previous build:", lang))
        parts.append(f'<div class="note">{since}</div><ul class="changes">{items}</ul>')
    names = list(dict.fromkeys(h["name"] for b in builds for h in b.manifest.headlines))[:3]
    if names:
        built = translate("built", lang)
        head = "".join(f"<th>{_text(n)}</th>" for n in [built, *names])
        rows = []
        for build in reversed(builds[-HISTORY_ROWS:]):
            values = {h["name"]: headline_text(h) for h in build.manifest.headlines}
            cells = [_when(build.manifest), *(values.get(n, "") for n in names)]
            rows.append("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in cells) + "</tr>")
        parts.append(f'<table class="history"><tr>{head}</tr>{"".join(rows)}</table>')
    kept = translate("{count} build(s) kept", lang, count=len(builds))
    parts.append(f'<div class="note">{_text(kept)}</div>')
    return "".join(parts)


def _link(path: PurePosixPath, label: str) -> str:
    return f'<a href="{_text(quote(str(path)))}">{_text(label)}</a>'


def _parameters(parameters: dict, lang: str = LANGUAGES[0]) -> str:
    if not parameters:
        return f'<span class="defaults">{_text(translate("defaults", lang))}</span>'
    items = "".join(
        f"<li><code>{_text(name)}={_text(format_value(value))}</code></li>"
        for name, value in parameters.items()
    )
    return f'<ul class="parameters">{items}</ul>'


def _when(manifest: Manifest | None) -> str:
    if manifest is None or not manifest.finished:
        return ""
    return manifest.finished.replace("T", " ").replace("+00:00", " UTC")


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


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1d2733; }}
h1 {{ font-size: 1.5rem; margin-bottom: 0.2rem; }}
p.summary {{ color: #55606e; margin-top: 0; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 0.5rem 0.7rem;
         border-bottom: 1px solid #dde2e8; }}
th {{ background: #f3f5f8; font-weight: 600; }}
tr.member td.title {{ padding-left: 2rem; }}
tr.sweep td {{ background: #f8f9fb; color: #55606e; }}
.name {{ color: #55606e; font-family: ui-monospace, monospace; font-size: 0.85em; }}
.status {{ display: inline-block; padding: 0.1rem 0.5rem; border-radius: 0.8rem;
          font-size: 0.85em; font-weight: 600; }}
.status.ok {{ background: #dcf3e3; color: #17653a; }}
.status.failed {{ background: #fbe0e0; color: #9b1c1c; }}
.status.unknown {{ background: #fdf0cf; color: #7a5400; }}
pre.error {{ white-space: pre-wrap; max-width: 40rem; color: #9b1c1c; font-size: 0.85em; }}
.note, .defaults {{ color: #55606e; font-size: 0.85em; }}
ul.parameters {{ margin: 0; padding-left: 1rem; }}
ul.changes {{ margin: 0 0 0.4rem; padding-left: 1rem; }}
table.history {{ width: auto; font-size: 0.85em; }}
table.history td, table.history th {{ padding: 0.1rem 0.4rem; border: none; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="summary">{summary}</p>
<p class="languages">{others}</p>
<table>
<thead><tr>{headers}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""
