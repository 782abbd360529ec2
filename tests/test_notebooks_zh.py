"""Every bundled notebook in Chinese: no cell raises and nothing it shows lacks a translation.

Each notebook runs in a kernel (nbclient, as papermill does) with ``lang = "zh"`` and light
parameters injected after its ``parameters`` cell; a last cell asks
:func:`workbench.i18n.untranslated` for the texts that were shown (table headers, captions,
notes, chart titles, axis and legend titles, summaries) without a catalogue entry. Texts the
static scan of tests/test_i18n.py cannot see (a ``long_name`` made by a helper, an attribute
composed by an f-string) are caught here, whichever module wrote them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LIGHT = {"n_draws": 500, "n_boot": 10, "backtest_draws": 300, "lang": "zh"}
MARK = "UNTRANSLATED:"


def _run_in_chinese(path: Path) -> tuple[list[str], list[str]]:
    notebook = nbformat.read(path, as_version=4)
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    declared = {
        line.split("=")[0].strip()
        for line in notebook.cells[index].source.splitlines()
        if "=" in line
    }
    lines = [f"{name} = {value!r}" for name, value in LIGHT.items() if name in declared]
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell("\n".join(lines)))
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import json, workbench.i18n\n"
            f"print({MARK!r}, json.dumps(sorted(workbench.i18n.untranslated('zh'))))"
        )
    )
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()  # fmt: skip
    errors, missing = [], []
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append(f"cell {i}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and MARK in output.text:
                missing = json.loads(output.text.split(MARK, 1)[1])
    return errors, missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shows_everything_in_chinese(path, monkeypatch):
    # The kernel imports this checkout's package, as the JupyterLab test's does.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    errors, missing = _run_in_chinese(path)
    assert errors == [], f"{path.name} raised in Chinese:\n" + "\n".join(errors)
    assert missing == [], (
        f"{path.name} shows texts that workbench/locale/zh.toml does not translate: {missing}"
    )
