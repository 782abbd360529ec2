"""The gallery and a report in headless Chromium, offline: no console errors, charts drawn.

Uses Debian's ``chromium`` (``apt-get install chromium``; .ci/run installs it) driven by
Playwright; every request that is not for a local file is blocked and recorded.
"""

from __future__ import annotations

import json

import pytest
from fixtures.browser import OfflinePage
from fixtures.notebooks.workspace import make_workspace
from fixtures.specs import chart_of_categories

from workbench import i18n
from workbench.reports.html import _bundle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("browser"), notebooks=("broken", "chart"))
    result = workspace.report()
    assert result.returncode == 1, "broken fails, chart is built"
    return workspace.out


def test_gallery_loads_offline_and_shows_every_report(browser, reports):
    gallery = OfflinePage(browser)
    gallery.open(reports / "index.html")
    rows = gallery.page.locator("tbody tr")
    assert rows.count() == 2
    assert "A small chart" in rows.nth(1).inner_text()
    broken = rows.nth(0).inner_text()
    assert "failed" in broken and "ValueError: boom <b>bold</b> & more" in broken
    gallery.assert_clean()
    gallery.page.close()


def test_report_opened_from_the_gallery_draws_its_chart(browser, reports):
    report = OfflinePage(browser)
    report.open(reports / "index.html")
    report.page.locator("tbody tr").nth(1).get_by_role("link", name="HTML").click()
    report.page.wait_for_load_state("load")
    assert report.page.url.endswith("/chart/chart.html")
    marks = report.page.locator("svg .role-mark path")
    assert marks.count() > 0, "the chart's marks are in the page"
    box = report.page.locator("svg.marks").first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    report.assert_clean()
    report.page.close()


def test_report_chart_is_interactive_offline_with_a_tooltip(browser, reports):
    report = OfflinePage(browser)
    try:
        report.open(reports / "chart" / "chart.html")
        chart = report.page.locator(".workbench-chart .vega-embed svg.marks")
        chart.first.wait_for(timeout=15_000)
        assert chart.count() == 1, "the chart is drawn by vega, from its spec"
        assert report.page.locator("script[src]").count() == 0, "no script from elsewhere"
        point = report.page.locator(".workbench-chart .mark-symbol path").nth(3)
        point.hover()
        tooltip = report.page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=5_000)
        assert "x" in tooltip.inner_text() and "9" in tooltip.inner_text(), "x=3, y=9"
        size = (reports / "chart" / "chart.html").stat().st_size
        assert size < 3_000_000, f"page is {size / 1e6:.1f} MB"
        report.assert_clean()
    except BaseException:
        report.screenshot("report-chart")
        raise
    finally:
        report.page.close()


def test_report_without_scripts_shows_the_static_svg(browser, reports):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("file://") else route.abort()
        ),
    )
    page.goto((reports / "chart" / "chart.html").as_uri())
    assert page.locator(".workbench-chart noscript svg .role-mark path").count() > 0
    context.close()


def test_exported_site_is_plain_files_and_works_from_file_urls(browser, reports, tmp_path):
    import subprocess
    import sys

    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "export", str(site), "--out", str(reports)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert not [p for p in site.rglob("*") if p.is_symlink()], "no links in the export"
    assert not [p for p in site.rglob("*") if ".builds" in p.parts], "no old builds"
    view = OfflinePage(browser)
    try:
        view.open(site / "index.html")
        view.page.locator("tbody tr").nth(1).get_by_role("link", name="HTML").click()
        view.page.wait_for_load_state("load")
        view.page.locator(".workbench-chart .vega-embed svg.marks").first.wait_for(timeout=15_000)
        assert view.page.url.startswith(site.as_uri())
        view.assert_clean()
    finally:
        view.page.close()


def test_a_chinese_chart_shows_its_categories_in_chinese(browser, tmp_path):
    # The legend's labelExpr runs in vega itself: drawn offline from the page's one bundle.
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        **i18n.translate_spec(chart_of_categories(), "zh"),
    }
    page = tmp_path / "legend.html"
    page.write_text(
        f'<meta charset="utf-8"><script>{_bundle()}</script><div id="c"></div>'
        f'<script>vegaEmbed("#c", {json.dumps(spec)}, {{renderer: "svg"}})</script>',
        encoding="utf-8",
    )
    chart = OfflinePage(browser)
    try:
        chart.open(page)
        legend = chart.page.locator("#c svg .role-legend")
        legend.first.wait_for(timeout=15_000)
        shown = legend.first.text_content()
        assert "供给" in shown and "需求" in shown and "supply" not in shown
        assert "NVIDIA" in chart.page.locator("#c svg").first.text_content(), "a name stays"
        chart.assert_clean()
    except BaseException:
        chart.screenshot("chinese-legend")
        raise
    finally:
        chart.page.close()
