"""Run history: the builds a report keeps, and what changed from one to the next.

Each report keeps its last good builds (:data:`~workbench.reports.publish.KEEP_BUILDS`, or
``--keep`` / ``keep`` in batch files) with their manifests. :func:`changes` says what differs
between two of them: the headline values the notebook recorded
(:mod:`workbench.reports.headlines`), the parameters, and the inputs of the cache key (data
files, the workbench's code, the modules beside the notebook, package versions).
``workbench report diff NAME [OLD NEW]`` prints it; the gallery shows it for the latest build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ParameterError, ReportError
from workbench.reports.headlines import headline_text
from workbench.reports.keys import CODE, LOCAL, PACKAGE
from workbench.reports.manifest import MANIFEST_NAME, Manifest, finished_at, read_manifest
from workbench.reports.params import format_value
from workbench.reports.publish import ReportFolder

__all__ = ["Build", "changes", "diff", "history", "input_changes"]

_KINDS = {CODE: "code", LOCAL: "local module", PACKAGE: "dependency"}


@dataclass(frozen=True)
class Build:
    """One kept build of a report: its folder name (the build's id) and manifest."""

    id: str
    manifest: Manifest


def history(folder: str | Path, report: str | None = None) -> list[Build]:
    """The good builds ``folder`` keeps, oldest first (the published one is normally last)."""
    path = Path(folder)
    kept = ReportFolder(path, report or path.name).builds()
    return [Build(build.name, read_manifest(build / MANIFEST_NAME)) for build in kept]


def _listed(names: list[str], most: int = 5) -> str:
    """``names`` joined, the count of the rest after ``most`` (a code change can touch many)."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def input_changes(old: dict, new: dict) -> list[str]:
    """What differs between two builds' inputs: ``data changed (models.csv)``, ``code changed
    (workbench/gap/core.py)``, ``dependency changed (numpy 2.3.0 -> 2.4.0)``."""
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    lines = []
    for prefix, kind in _KINDS.items():
        names = [name.removeprefix(prefix) for name in changed if name.startswith(prefix)]
        if prefix == PACKAGE:
            names = [
                f"{n} {old.get(PACKAGE + n, 'none')} -> {new.get(PACKAGE + n, 'none')}"
                for n in names
            ]
        if names:
            lines.append(f"{kind} changed ({_listed(names)})")
    data = [name for name in changed if not name.startswith(tuple(_KINDS))]
    if data:
        lines.append(f"data changed ({_listed(data)})")
    return lines


def changes(old: Manifest, new: Manifest) -> list[str]:
    """What differs from build ``old`` to build ``new``, one line each, headline values first:
    ``P(shortfall) 2030: 39% → 47%``; then parameters and inputs."""
    lines = []
    before = {h["name"]: h for h in old.headlines}
    after = {h["name"]: h for h in new.headlines}
    for name in [*after, *(n for n in before if n not in after)]:
        was = headline_text(before[name]) if name in before else "none"
        now = headline_text(after[name]) if name in after else "none"
        if was != now:
            lines.append(f"{name}: {was} → {now}")
    for name in [*new.parameters, *(n for n in old.parameters if n not in new.parameters)]:
        was, now = old.parameters.get(name), new.parameters.get(name)
        if was != now:
            shown = [format_value(v) if v is not None else "default" for v in (was, now)]
            lines.append(f"parameter {name}: {shown[0]} → {shown[1]}")
    if old.notebook_sha256 != new.notebook_sha256:
        lines.append("notebook changed")
    return lines + input_changes(old.inputs, new.inputs)


def diff(folder: str | Path, old: str | None = None, new: str | None = None) -> str:
    """What changed between two kept builds of the report in ``folder`` (default: the two
    newest), as text: a heading naming both builds, then :func:`changes`' lines.

    Raises
    ------
    ReportError
        When the report keeps fewer than two builds.
    ParameterError
        When ``old`` or ``new`` is not one of its kept builds (the message lists them).
    """
    builds = history(folder)
    name = Path(folder).name
    by_id = {b.id: b for b in builds}
    if old is None and new is None:
        if len(builds) < 2:
            raise ReportError(
                f"report {name!r} keeps {len(builds)} build(s): a diff needs two "
                "(build it again after a change)"
            )
        first, second = builds[-2], builds[-1]
    else:
        for given, label in ((old, "OLD"), (new, "NEW")):
            if given not in by_id:
                raise ParameterError.invalid(
                    label, f"report diff {name}", f"one of its builds ({', '.join(by_id)})", given
                )
        first, second = by_id[old], by_id[new]
    lines = changes(first.manifest, second.manifest) or ["nothing recorded changed"]
    when = [finished_at(b.manifest) for b in (first, second)]
    heading = f"{name}: {first.id} ({when[0]}) → {second.id} ({when[1]})"
    return "\n".join([heading, *(f"  {line}" for line in lines)])
