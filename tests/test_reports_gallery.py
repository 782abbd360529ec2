"""The gallery page: every report and sweep member, failures with their errors, all escaped."""

from __future__ import annotations

import re

import pytest

from workbench.reports.gallery import collect_entries, write_gallery
from workbench.reports.manifest import Manifest, write_manifest
from workbench.reports.publish import ReportFolder


def publish(out, report, member="", *, status="ok", started="2026-11-25T01:00:00+00:00", **kw):
    """Publish (or, for status "failed", keep as failed) a synthetic build."""
    folder = ReportFolder(out / report / member if member else out / report, report)
    folder.prepare()
    build = folder.new_build()
    for name in (folder.html_name, folder.notebook_name):
        (build / name).write_text("x")
    manifest = Manifest(
        report=report,
        notebook=f"/n/{report}.ipynb",
        status=status,
        key="k",
        started=started,
        finished=started.replace(":00+", ":07+"),
        duration_s=7.25,
        html=folder.html_name,
        executed_notebook=folder.notebook_name,
        **kw,
    )
    write_manifest(build, manifest)
    if status == "ok":
        folder.publish(build)
    else:
        (build / "error.txt").write_text(manifest.error or "")
        folder.keep_failed(build)
    return folder


@pytest.fixture
def gallery(tmp_path):
    out = tmp_path / "reports"
    publish(out, "outlook", title="Outlook <b>bold</b> & co", parameters={"label": "<script>"})
    publish(out, "outlook", "scenario=high", parameters={"scenario": "high"}, sweep={"s": "high"})
    publish(out, "broken", status="failed", error="ValueError: <img src=x onerror=alert(1)>")
    publish(out, "flaky", started="2026-11-25T01:00:00+00:00")
    publish(
        out, "flaky", status="failed", started="2026-11-25T02:00:00+00:00", error="later failure"
    )
    publish(out, "recovered", status="failed", started="2026-11-25T01:00:00+00:00", error="old")
    publish(out, "recovered", started="2026-11-25T02:00:00+00:00")
    path = write_gallery(out)
    return out, path.read_text()


def test_entries_cover_reports_and_sweep_members(gallery):
    out, _ = gallery
    labels = [(e.label, e.status) for e in collect_entries(out)]
    assert labels == [
        ("broken", "failed"),
        ("flaky", "failed"),
        ("outlook", "ok"),
        ("outlook[scenario=high]", "ok"),
        ("recovered", "ok"),
    ]


def test_text_is_escaped_and_nothing_is_scripted(gallery):
    _, page = gallery
    assert "<script" not in page
    assert "<img" not in page
    assert "Outlook &lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert "label=&lt;script&gt;" in page
    assert "ValueError: &lt;img src=x onerror=alert(1)&gt;" in page
    assert not re.search(r"https?://", page), "the gallery references nothing online"


def test_rows_show_time_duration_and_links(gallery):
    _, page = gallery
    assert "2026-11-25 01:00:07 UTC" in page
    assert "7.2 s" in page
    assert 'href="outlook/outlook.html"' in page
    assert 'href="outlook/outlook.ipynb"' in page
    assert 'href="outlook/scenario%3Dhigh/outlook.html"' in page
    assert "scenario=high" in page


def test_a_failure_after_the_last_good_report_is_shown_with_both(gallery):
    out, page = gallery
    flaky = next(e for e in collect_entries(out) if e.report == "flaky")
    assert flaky.failure.error == "later failure"
    assert flaky.current is not None
    assert "showing the last good report" in page
    assert re.search(r'href="flaky/failed/[0-9T.]+Z/error.txt"', page)
    recovered = next(e for e in collect_entries(out) if e.report == "recovered")
    assert recovered.failure is None, "a failure older than the published build is history"
    assert recovered.failed_runs == 1


def test_damaged_manifest_shows_as_unknown(gallery):
    out, _ = gallery
    (out / "outlook" / "manifest.json").write_text("{damaged")
    page = write_gallery(out).read_text()
    outlook = next(e for e in collect_entries(out) if e.label == "outlook")
    assert outlook.status == "unknown"
    assert "is unreadable" in page


def test_empty_gallery_says_how_to_start(tmp_path):
    page = write_gallery(tmp_path / "reports").read_text()
    assert "No reports yet" in page


def test_a_sweep_without_a_base_report_gets_a_heading(tmp_path):
    out = tmp_path / "reports"
    publish(out, "outlook", "scenario=low", parameters={"scenario": "low"})
    publish(out, "outlook", "scenario=high", parameters={"scenario": "high"})
    page = write_gallery(out).read_text()
    assert page.count('<tr class="sweep">') == 1
    assert page.count('<tr class="member">') == 2


def test_the_flagship_report_comes_first(tmp_path):
    out = tmp_path / "reports"
    for name in ("zeta", "compute_outlook", "alpha"):
        publish(out, name)
    assert [e.report for e in collect_entries(out)] == ["compute_outlook", "alpha", "zeta"]


def test_the_gallery_renders_from_its_shipped_template_and_escapes_everything():
    from importlib import resources

    from workbench.reports.gallery import GalleryEntry, render_gallery
    from workbench.reports.manifest import Manifest

    template = resources.files("workbench.reports").joinpath("templates/gallery.html.j2")
    assert "autoescaped" in template.read_text(encoding="utf-8").lower()
    hostile = Manifest(
        report="x",
        notebook="x.ipynb",
        status="failed",
        key="k",
        title="<script>alert(1)</script>",
        parameters={"label": "<b>&"},
        error="boom <img src=x onerror=alert(1)>",
        finished="2026-12-02T03:00:00+00:00",
    )
    from pathlib import PurePosixPath

    entry = GalleryEntry("x", "", PurePosixPath("x"), failure=hostile)
    page = render_gallery([entry])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<code>label=&lt;b&gt;&amp;</code>" in page
    assert page.count("<tr") == 2  # the header row and the report's
    empty = render_gallery([])
    assert "No reports yet: run <code>workbench report</code>." in empty  # trusted markup
