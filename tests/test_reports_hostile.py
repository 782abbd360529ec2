"""Every report notebook, with hostile text in each string parameter (issue 11, items 9 and 10).

Text from parameters or data reaches a report's HTML through Markdown, tables, charts and
error messages; a tag in it must show as text, never become an element. A scenario CSV path
(here one whose folder is named like a tag) must build compute_outlook as it builds
inference_demand.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workbench.data import dataset_path
from workbench.reports.notebooks import list_notebooks, notebooks_dir
from workbench.reports.params import inspect_parameters

HOSTILE = "<img src=x onerror=alert(1)>"
# Sizes small enough for a test; the notebooks' defaults are for real reports.
SMALL = {"n_draws": "300", "n_boot": "10"}


class _Elements(HTMLParser):
    """Every element of a page, as (tag, attributes)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def injected_elements(page: str) -> list:
    """Elements the hostile text would make if it were not escaped."""
    parser = _Elements()
    parser.feed(page)
    return [
        (tag, attrs)
        for tag, attrs in parser.elements
        if "onerror" in attrs or (tag == "img" and attrs.get("src") == "x")
    ]


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory) -> Path:
    """The bundled base scenario as a user's file, in a folder named like a tag."""
    folder = tmp_path_factory.mktemp("scenarios") / HOSTILE
    folder.mkdir()
    with open(dataset_path("demand_scenarios"), encoding="utf-8") as fh:
        rows = [dict(r, scenario="mine") for r in csv.DictReader(fh) if r["scenario"] == "base"]
    path = folder / "mine.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def report(out: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "workbench.cli", "report", *args, "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=out.parent)


def pages(out: Path, name: str) -> list[Path]:
    """The report's published page and the pages of its failed runs."""
    folder = out / name
    found = [folder / f"{name}.html"] if (folder / f"{name}.html").exists() else []
    return found + sorted(folder.glob(f"failed/*/{name}.html"))


def test_9_hostile_text_in_every_string_parameter_never_becomes_html(tmp_path, hostile_csv):
    names = list_notebooks(notebooks_dir())
    # One batch file, one report per notebook and string parameter: the hostile text in that
    # parameter alone, so that no other bad value stops the notebook before the text shows.
    # Code shown (folded), so the injected parameters cell carries the text in every page.
    lines = ["[settings]", 'out = "reports"', "jobs = 2", "show_code = true", ""]
    entries = {}
    for name in names:
        declared = inspect_parameters(notebooks_dir() / f"{name}.ipynb")
        sizes = {p: int(v) for p, v in SMALL.items() if p in declared}
        # Parameters with declared choices refuse the text before any kernel (checked below);
        # the free-text ones, and a scenario's CSV path, reach the notebook.
        free = [
            p
            for p, spec in declared.items()
            if spec.kind == "str" and (spec.choices is None or p == "scenario")
        ]
        for parameter in free:
            value = str(hostile_csv) if parameter == "scenario" else HOSTILE
            values = {**sizes, parameter: value}
            table = ", ".join(f"{key} = {json.dumps(v)}" for key, v in values.items())
            entries[f"{name}-{parameter}"] = parameter
            lines += [f'[reports."{name}-{parameter}"]', f'notebook = "{name}"']
            lines += [f"parameters = {{ {table} }}", ""]
    assert {"scenario", "start", "runs_csv", "chip", "label"} & set(entries.values()) >= {
        "scenario",
        "start",
        "runs_csv",
        "chip",
    }
    config = tmp_path / "reports.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "reports"
    result = report(out, "--config", str(config))
    assert (out / "summary.json").exists(), result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert {r["report"] for r in summary["reports"]} == set(entries), result.stdout
    for entry in entries:
        shown = pages(out, entry)
        assert shown, f"{entry}: no HTML, published or failed\n{result.stdout}"
        for page in shown:
            text = page.read_text(encoding="utf-8")
            assert injected_elements(text) == [], f"{page}: the hostile text became HTML"
            assert "&lt;img src=x onerror=alert(1)&gt;" in text, f"{page}: the text is not shown"
    gallery = (out / "index.html").read_text(encoding="utf-8")
    assert injected_elements(gallery) == []
    # A parameter with declared choices refuses the text outright, before any kernel.
    refused = report(tmp_path / "refused", "chip_supply", "-p", f"vendor={HOSTILE}")
    assert refused.returncode == 2 and "must be one of 'NVIDIA'" in refused.stderr
    assert not (tmp_path / "refused").exists()


def test_10_compute_outlook_and_inference_demand_build_with_a_scenario_csv(tmp_path, hostile_csv):
    out = tmp_path / "reports"
    args = ["-p", f"scenario={hostile_csv}", "-p", "n_draws=300"]
    result = report(out, "compute_outlook", "inference_demand", *args, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 built, 0 up to date, 0 failed" in result.stdout
    for name in ("compute_outlook", "inference_demand"):
        page = (out / name / f"{name}.html").read_text(encoding="utf-8")
        assert injected_elements(page) == []
        assert "mine.csv" in page
    outlook = (out / "compute_outlook" / "compute_outlook.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;/mine.csv</em> demand scenario" in outlook
