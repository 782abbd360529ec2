"""The README's Python examples run as written (lines marked ``# network`` or ``# large`` aside)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_SKIPPED = re.compile(r"#\s*(network|large)\b")


def blocks() -> list[str]:
    return _BLOCK.findall(README.read_text(encoding="utf-8"))


def runnable(block: str) -> str:
    """The block without its marked lines (each marked line is one whole statement)."""
    return "\n".join(line for line in block.splitlines() if not _SKIPPED.search(line))


def test_the_readme_has_python_examples_and_marks_its_network_lines():
    found = blocks()
    assert len(found) >= 3
    marked = [line for b in found for line in b.splitlines() if _SKIPPED.search(line)]
    assert any("fetch(" in line for line in marked), "the download is marked # network"


def test_every_python_block_of_the_readme_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    namespace: dict = {}
    for number, block in enumerate(blocks(), 1):
        code = compile(runnable(block), f"README.md python block {number}", "exec")
        exec(code, namespace)  # the README's own examples
    assert "outlook" in namespace and "base" in namespace


def test_xarray_plots_label_themselves_with_matplotlib(tmp_path):
    """Issue 13: ``DataArray.plot()`` failed because matplotlib was not a dependency."""
    import matplotlib

    matplotlib.use("Agg")
    from workbench import data

    calendar = data.to_calendar_quarters(data.load("vendor_revenue"))
    (line,) = calendar.revenue.sel(vendor="NVIDIA").plot()
    # xarray wraps a long label onto two lines
    assert " ".join(line.axes.get_ylabel().split()) == (
        "Data-centre / AI revenue per calendar quarter [USD]"
    )
    line.figure.savefig(tmp_path / "revenue.png")
