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


def _page(tmp_path, cells, **options) -> str:
    source, page = tmp_path / "n.ipynb", tmp_path / "n.html"
    nbformat.write(new_notebook(cells=cells), source)
    html.render_html(source, page, **options)
    return page.read_text()


def _code(source: str, text: str, tags=()) -> nbformat.NotebookNode:
    output = new_output("stream", name="stdout", text=text)
    return new_code_cell(source, outputs=[output], metadata={"tags": list(tags)})


def test_code_is_hidden_by_default_and_folded_when_shown(tmp_path):
    cells = [new_markdown_cell("# Title"), _code("print('first_code')", "first_output")]
    hidden = _page(tmp_path, cells)
    assert "first_output" in hidden and "first_code" not in hidden
    assert "In&nbsp;[" not in hidden.split("<body", 1)[1], "no prompts"
    shown = _page(tmp_path, cells, show_code=True)
    folded = shown.split('<details class="workbench-code">', 1)[1].split("</details>", 1)[0]
    assert "first_code" in folded and "first_output" in shown


def test_cell_tags_are_honoured(tmp_path):
    cells = [
        new_markdown_cell("# Title"),
        _code("'gone_code'", "gone_output", tags=["remove-cell"]),
        _code("'noinput_code'", "noinput_output", tags=["remove-input"]),
        _code("'nooutput_code'", "nooutput_output", tags=["remove-output"]),
        _code("'folded_code'", "folded_output", tags=["hide-input"]),
    ]
    for show_code in (False, True):
        page = _page(tmp_path, cells, show_code=show_code)
        assert "gone_code" not in page and "gone_output" not in page
        assert "noinput_code" not in page and "noinput_output" in page
        assert "nooutput_output" not in page
        assert ("nooutput_code" in page) is show_code
        folded = page.split('<details class="workbench-code">')
        assert any("folded_code" in part.split("</details>")[0] for part in folded[1:])
        assert "folded_output" in page


def test_table_of_contents_links_the_section_headings(tmp_path):
    cells = [
        new_markdown_cell("# Outlook\n\nIntro."),
        new_markdown_cell("## Supply & demand\n\nText."),
        new_markdown_cell("### Detail\n\nMore."),
        new_markdown_cell("## Sources"),
    ]
    page = _page(tmp_path, cells)
    nav = page.split('<nav class="workbench-toc"', 1)[1].split("</nav>", 1)[0]
    titles = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
    assert [t for _, t in titles] == ["Supply &amp; demand", "Detail", "Sources"]
    for anchor, _ in titles:
        assert f'id="{anchor}"' in page, "each entry links to its heading"
    assert page.index('<nav class="workbench-toc"') > page.index("<h1"), "after the title"
