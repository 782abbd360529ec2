"""A report's page: charts drawn from their spec with one inlined bundle, SVG in <noscript>."""

from __future__ import annotations

import re

import altair as alt
import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench.plots.rendering import REPORT_MIMETYPE
from workbench.reports import html


def _chart_output(title: str) -> dict:
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]}), title=title).mark_line()
    chart = chart.encode(x="x", y="y", tooltip=["x", "y"])
    with alt.renderers.enable("report"):
        bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    return new_output("display_data", data=bundle)


def test_report_renderer_gives_the_spec_and_a_static_svg():
    data = _chart_output("Growth").data
    assert data[REPORT_MIMETYPE]["mark"]["type"] == "line"
    assert data["image/svg+xml"].lstrip().startswith("<svg")
    assert data["text/plain"] == "<chart: Growth>"
    assert html.CHART_MIMETYPE == REPORT_MIMETYPE


def test_charts_share_one_inlined_bundle_and_keep_svg_in_noscript(tmp_path):
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Two charts"),
            new_code_cell("a", outputs=[_chart_output("First </script> title")]),
            new_code_cell("b", outputs=[_chart_output("Second")]),
        ]
    )
    source, page = tmp_path / "two.ipynb", tmp_path / "two.html"
    nbformat.write(notebook, source)
    html.render_html(source, page)
    text = page.read_text()
    assert text.count("window.vegaEmbed=") == 1, "vega-embed is inlined once per page"
    assert text.count('class="workbench-spec"') == 2
    assert text.count("<noscript><svg") == 2
    assert "First <\\/script> title" in text, "a spec cannot close its script element"
    assert not re.search(r"<script[^>]+src=", text), "no script is loaded from elsewhere"
    assert len(text.encode()) < 3_000_000


def test_a_page_without_charts_carries_no_bundle(tmp_path):
    source, page = tmp_path / "text.ipynb", tmp_path / "text.html"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Words only")]), source)
    html.render_html(source, page)
    assert "vegaEmbed" not in page.read_text()


def test_svg_ids_are_made_unique_per_output():
    svg = '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>'
    cells = [
        new_code_cell("a", outputs=[new_output("display_data", data={"image/svg+xml": svg})]),
        new_code_cell("b", outputs=[new_output("display_data", data={"image/svg+xml": svg})]),
    ]
    notebook = new_notebook(cells=cells)
    html._embed_charts(notebook)
    first, second = (cell.outputs[0].data["image/svg+xml"] for cell in notebook.cells)
    assert 'id="output1-clip1"' in first and "url(#output1-clip1)" in first
    assert 'href="#output1-clip1"' in first
    assert 'id="output2-clip1"' in second and "url(#output2-clip1)" in second
