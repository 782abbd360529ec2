"""Every notebook in a real JupyterLab, offline: all cells run, every chart is drawn.

JupyterLab is started on 127.0.0.1 for this module; Debian's chromium (Playwright) opens each
notebook, runs all cells from the Run menu and checks, in the page and in the saved notebook,
that no cell raised and that each chart output holds a drawn vega ``svg`` or ``canvas``. All
requests beyond the loopback server are blocked, so a renderer that fetches vega from a CDN
fails here as it would on a machine without internet. A failing notebook leaves a screenshot in
``test-artifacts/`` (or ``$WORKBENCH_TEST_ARTIFACTS``). The time from "Run All Cells" to the
first drawn chart is logged per notebook (``-o log_cli=true`` shows it).

The copies run with fewer Monte Carlo draws and bootstrap refits than the notebooks' defaults
(an injected cell after the ``parameters`` cell, as papermill does) to keep the test short.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from fixtures.browser import OfflinePage

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Lighter values for parameters the notebooks declare (only those present are overridden).
LIGHT_PARAMETERS = {"n_draws": 1_000, "n_boot": 20}
# A widget's output (the chart) is a panel with no mimetype of its own.
WIDGET_OUTPUT = ".jp-OutputArea-output:not([data-mime-type])"
# An exception's output: IPython's traceback, which warnings on stderr never have.
ERROR = ".jp-OutputArea-output:has-text('Traceback (most recent call last)')"
RUN_TIMEOUT_S = 900
logger = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _light_copy(source: Path, target: Path) -> None:
    notebook = nbformat.read(source, as_version=4)
    index, cell = next(
        (i, c) for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    declared = {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line}
    lines = [f"{name} = {value!r}" for name, value in LIGHT_PARAMETERS.items() if name in declared]
    if lines:
        injected = nbformat.v4.new_code_cell("\n".join(lines))
        injected.metadata["tags"] = ["injected-parameters"]
        notebook.cells.insert(index + 1, injected)
    nbformat.write(notebook, target)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 over copies of the notebooks; yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    for path in NOTEBOOKS:
        _light_copy(path, root / path.name)
    home = tmp_path_factory.mktemp("lab-home")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    env.pop("WORKBENCH_CHART_RENDERER", None)
    # No "get notified about Jupyter news?" toast over the notebook (and no news fetch).
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # Every cell in the page, not only those scrolled into view, so all can be checked.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    # Start the notebook's kernel without asking.
    docmanager = home / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autoStartDefaultKernel": true}')
    log = open(home / "lab.log", "wb")  # closed below, after the server
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=", "--LabApp.extension_manager=readonly", "--allow-root",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield {"base": base, "token": token, "root": root}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _run_all(page) -> float:
    """Run all cells from the Run menu; returns seconds until the first chart is drawn."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    started = time.monotonic()
    first_chart = None
    deadline = started + RUN_TIMEOUT_S
    quiet = 0
    while time.monotonic() < deadline:
        if first_chart is None and page.locator(".vega-embed svg, .vega-embed canvas").count():
            first_chart = time.monotonic() - started
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        ran = prompts and all(re.fullmatch(r"\s*\[\d+\]:\s*", p) for p in prompts)
        idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle").count() > 0
        busy = any("*" in p for p in prompts)
        quiet = quiet + 1 if idle and not busy and (ran or page.locator(ERROR).count()) else 0
        if quiet >= 3:
            return first_chart if first_chart is not None else float("nan")
        time.sleep(1)
    pytest.fail(f"cells still running after {RUN_TIMEOUT_S} s")


@pytest.mark.parametrize("notebook", [p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_draws_every_chart_offline(browser, lab, notebook):
    port_prefix = lab["base"] + "/"
    view = OfflinePage(
        browser,
        allowed=lambda url: url.startswith(port_prefix),
        viewport={"width": 1280, "height": 900},
    )
    page = view.page
    source = nbformat.read(lab["root"] / f"{notebook}.ipynb", as_version=4)
    code_cells = sum(c.cell_type == "code" for c in source.cells)
    try:
        # A workspace of its own: only this notebook open, whatever the previous test left.
        page.goto(
            f"{lab['base']}/lab/workspaces/{notebook}/tree/{notebook}.ipynb"
            f"?token={lab['token']}&reset"
        )
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=120_000)
        first_chart = _run_all(page)
        logger.warning("%s: first chart drawn %.1f s after Run All Cells", notebook, first_chart)

        errors = page.locator(ERROR).all_inner_texts()
        assert errors == [], f"{notebook}: cells raised:\n" + "\n\n".join(errors)
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        assert len(prompts) == code_cells, "every code cell is in the page"
        text = page.locator(".jp-Notebook").inner_text()
        assert "Error loading script" not in text
        assert "Error displaying widget" not in text
        charts = page.locator(WIDGET_OUTPUT)
        drawn = page.locator(
            f"{WIDGET_OUTPUT}:has(.vega-embed svg.marks), {WIDGET_OUTPUT}:has(.vega-embed canvas)"
        )
        assert charts.count() > 0, f"{notebook} shows no chart"
        assert drawn.count() == charts.count(), (
            f"{notebook}: {drawn.count()} of {charts.count()} charts drawn"
        )
        assert view.blocked == [], f"tried to reach the network: {view.blocked}"
        _record(notebook, first_chart, charts.count())
    except BaseException:
        shot = view.screenshot(f"jupyterlab-{notebook}")
        logger.error("screenshot of the failure: %s", shot)
        raise
    finally:
        page.close()
        _shut_down_kernels(lab)


def _shut_down_kernels(lab) -> None:
    """Stop the kernels a test started, so the next notebook has the machine to itself."""
    url = f"{lab['base']}/api/kernels?token={lab['token']}"
    for kernel in json.loads(urllib.request.urlopen(url, timeout=10).read()):
        request = urllib.request.Request(
            f"{lab['base']}/api/kernels/{kernel['id']}?token={lab['token']}", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=30).read()


def _record(notebook: str, first_chart: float, charts: int) -> None:
    """Keep the timing beside the artefacts, for the README and the closing note."""
    from fixtures.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings = ARTIFACTS / "jupyterlab-timings.json"
    known = json.loads(timings.read_text()) if timings.exists() else {}
    known[notebook] = {"first_chart_s": round(first_chart, 1), "charts": charts}
    timings.write_text(json.dumps(known, indent=1, sort_keys=True))
