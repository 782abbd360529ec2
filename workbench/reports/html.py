"""A report's HTML page: nbconvert's lab template, offline, with interactive charts.

Charts arrive from the notebook as the ``report`` renderer's outputs
(:mod:`workbench.plots.rendering`): a vega-lite spec and a static SVG. The page inlines
vega, vega-lite and vega-embed once (not once per chart), draws every spec with them (so
tooltips work) and keeps each chart's SVG inside ``<noscript>`` for readers without scripts.
Nothing is fetched from elsewhere: require.js, MathJax, mermaid and the widget manager are left
out of the template.

A report is for its reader: by default no code and no prompts, only narrative, charts and
tables, under a table of contents built from the Markdown headings. ``show_code=True`` adds
each cell's code, folded (``<details>``). Cells honour the common tags (as Jupyter Book does):
``remove-cell`` (gone), ``remove-input`` (its output only, code never shown),
``remove-output`` (its code only, when code is shown) and ``hide-input`` (code folded, also
when code is otherwise hidden).

A report is written in one language (:mod:`workbench.i18n`): a cell tagged ``lang-XX`` (a
narrative cell in one language, beside its translation) is kept only in a report in ``XX``;
in JupyterLab every language shows. The page's own words (contents, code) are translated.
"""

from __future__ import annotations

import functools
import html as html_escape
import json
import re
from pathlib import Path

import nbformat

from workbench.i18n import LANGUAGES, translate

__all__ = ["notebook_title", "render_html"]

# The mimetype of a chart's spec in a report output: workbench.plots.rendering.REPORT_MIMETYPE
# (reports do not import plots; a test checks the two agree).
CHART_MIMETYPE = "application/vnd.workbench.vegalite+json"
_TEMPLATE_NAME = "workbench-report.html.j2"
# SVG outputs are inlined as they are (nbconvert would otherwise either sanitise them away or
# wrap them in <img>), so they stay crisp, selectable and inspectable; they come from the
# report's own run, not from outside.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block html_head_js_requirejs %}{% endblock html_head_js_requirejs %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block input_group -%}
{%- set code = cell.metadata.get("workbench", {}).get("code", "shown") -%}
{%- if code == "folded" -%}
<details class="workbench-code"><summary>{{ resources.workbench_code }}</summary>
{{ super() }}
</details>
{%- elif code == "shown" -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}
{% block extra_css %}
<style>
details.workbench-code > summary { cursor: pointer; color: #555; font-size: 0.85em; }
nav.workbench-toc { border-left: 3px solid #ccc; padding: 0.2em 1em; margin: 1em 0; }
nav.workbench-toc ol { margin: 0.2em 0; padding-left: 1.2em; }
nav.workbench-toc li.level-3 { margin-left: 1.2em; font-size: 0.95em; }
figure.workbench-chart { margin: 0.5em 0; }
</style>
{% endblock extra_css %}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] }}
</div>
{%- endblock data_svg %}
"""
# Draws each chart's spec into its element; the static SVG stays in <noscript>.
_DRAW_CHARTS = """
document.querySelectorAll(".workbench-chart").forEach(function (element) {
  var spec = JSON.parse(element.querySelector("script.workbench-spec").textContent);
  var target = element.querySelector(".workbench-chart-view");
  window.vegaEmbed(target, spec, {renderer: "svg", actions: false}).catch(function (error) {
    target.textContent = element.dataset.failed + error;
  });
});
"""
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_ID_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def render_html(
    notebook: Path, html: Path, *, show_code: bool = False, lang: str = LANGUAGES[0]
) -> None:
    """Render an executed notebook as a self-contained HTML page for readers.

    Parameters
    ----------
    notebook, html
        The executed notebook to read and the page to write.
    show_code
        Show each code cell's source, folded; by default code is left out (cells tagged
        ``hide-input`` still show theirs, folded).
    lang
        The report's language: cells tagged for another (``lang-en``, ``lang-zh``) are left
        out, and the page's own words are in it.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _OFFLINE_TEMPLATE})],
        template_file=_TEMPLATE_NAME,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    executed = nbformat.read(notebook, as_version=4)
    executed.cells = [cell for cell in executed.cells if in_language(cell, lang)]
    _apply_tags(executed, show_code=show_code)
    # The page's <title> (browser tabs, bookmarks): the heading rather than the file name.
    executed.metadata["title"] = _title(executed, Path(notebook).stem)
    charts = _embed_charts(executed, lang)
    body, _ = exporter.from_notebook_node(
        executed, resources={"workbench_code": translate("Code", lang)}
    )
    body = _with_contents(body, lang).replace('<html lang="en">', f'<html lang="{lang}">', 1)
    if charts:
        scripts = f"<script>{_bundle()}</script>\n<script>{_DRAW_CHARTS}</script>\n"
        head, tail = body.rsplit("</body>", 1)
        body = f"{head}{scripts}</body>{tail}"
    html.write_text(body, encoding="utf-8")


def in_language(cell: nbformat.NotebookNode, lang: str) -> bool:
    """Whether ``cell`` belongs in a report in ``lang``: untagged, or tagged ``lang-<lang>``."""
    tags = {t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("lang-")}
    return not tags or f"lang-{lang}" in tags


def _apply_tags(notebook: nbformat.NotebookNode, *, show_code: bool) -> None:
    """Drop removed cells and outputs; mark each code cell's source shown, folded or hidden."""
    kept = []
    for cell in notebook.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "code":
            if "remove-output" in tags:
                cell.outputs = []
            if "remove-input" in tags:
                code = "hidden"
            elif "hide-input" in tags or show_code:
                code = "folded"
            else:
                code = "hidden"
            if code == "hidden" and not cell.outputs:
                continue  # nothing for the reader: no empty cell frame
            cell.metadata.setdefault("workbench", {})["code"] = code
        kept.append(cell)
    notebook.cells = kept


_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)
_FIRST_H1_END = re.compile(r"</h1>")
_TAG = re.compile(r"<[^>]+>")


def _with_contents(body: str, lang: str = LANGUAGES[0]) -> str:
    """Insert a table of contents (the level-2 and level-3 headings) after the first heading.

    Pages with fewer than two such headings get none.
    """
    entries = []
    for level, anchor, inner in _HEADING.findall(body):
        text = html_escape.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        if text:
            entries.append(
                f'<li class="level-{level}"><a href="#{anchor}">{html_escape.escape(text)}</a></li>'
            )
    if len(entries) < 2:
        return body
    contents = html_escape.escape(translate("Contents", lang), quote=True)
    nav = (
        f'<nav class="workbench-toc" aria-label="{contents}"><strong>{contents}</strong><ol>'
        + "".join(entries)
        + "</ol></nav>"
    )
    found = _FIRST_H1_END.search(body)
    if found is None:
        return body
    return body[: found.end()] + nav + body[found.end() :]


def notebook_title(path: Path, *, default: str, lang: str = LANGUAGES[0]) -> str:
    """The notebook's first Markdown heading in ``lang``, else its ``title`` metadata, else
    ``default``."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # an unreadable notebook fails when it runs, with a better message
        return default
    notebook.cells = [cell for cell in notebook.cells if in_language(cell, lang)]
    return _title(notebook, default)


def _title(notebook: nbformat.NotebookNode, default: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
                if heading:
                    return heading
    return str(notebook.metadata.get("title") or default)


@functools.cache
def _bundle() -> str:
    """vl-convert's bundle of vega, vega-lite and vega-embed for this altair's vega-lite.

    One script defining ``window.vegaEmbed`` (and ``vega``, ``vegaLite``), about 0.9 MB.
    """
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    return vlc.javascript_bundle(vl_version=vl_version_for_vl_convert())


def _embed_charts(notebook: nbformat.NotebookNode, lang: str = LANGUAGES[0]) -> int:
    """Turn each chart output into HTML that the page's script draws; returns their number.

    The ids inside each SVG are prefixed with the output's number: inlined in one page, two
    charts could both define ``clip1``, and the second would clip with the first's shape.
    """
    number = 0
    charts = 0
    failed = html_escape.escape(translate("Chart could not be drawn: ", lang), quote=True)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            svg = data.get("image/svg+xml")
            if not svg:
                continue
            number += 1
            svg = _prefix_ids(svg, f"output{number}-")
            spec = data.get(CHART_MIMETYPE)
            if spec is None:
                data["image/svg+xml"] = svg
                continue
            charts += 1
            if isinstance(spec, str):
                spec = json.loads(spec)
            # "</" cannot end the script element early once escaped as "<\/".
            payload = json.dumps(spec).replace("</", "<\\/")
            label = html_escape.escape(str(data.get("text/plain", "chart")))
            output["data"] = {
                "text/html": (
                    f'<figure class="workbench-chart" aria-label="{label}" '
                    f'data-failed="{failed}">'
                    f'<div class="workbench-chart-view"></div>'
                    f'<script type="application/json" class="workbench-spec">{payload}</script>'
                    f"<noscript>{svg}</noscript></figure>"
                )
            }
    return charts


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(_SVG_ID.findall(svg))
    if not ids:
        return svg
    svg = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return _SVG_ID_REFERENCE.sub(
        lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2), svg
    )
