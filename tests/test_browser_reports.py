"""The gallery and a report in headless Chromium, offline: no console errors, charts drawn.

Uses Debian's ``chromium`` (``apt-get install chromium``; .ci/run installs it) driven by
Playwright; every request that is not for a local file is blocked and recorded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.notebooks.workspace import make_workspace

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("browser"), notebooks=("broken", "chart"))
    result = workspace.report()
    assert result.returncode == 1, "broken fails, chart is built"
    return workspace.out


class OfflinePage:
    """A page that may load local files only, recording errors and blocked requests."""

    def __init__(self, browser):
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri(), wait_until="load")

    def assert_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.blocked == [], f"tried to reach the network: {self.blocked}"


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
