"""How charts display: interactive and offline in JupyterLab; spec plus SVG in reports.

Altair's default renderer loads vega, vega-lite and vega-embed from a CDN, and its
``mimetype`` renderer emits a vega-lite version that JupyterLab's built-in extension does not
draw; without internet access both show an error instead of a chart. The workbench uses:

``"jupyter"`` (interactive use)
    Altair's :class:`~altair.JupyterChart` widget (anywidget) in offline mode: the widget's
    JavaScript is vl-convert's bundle of vega, vega-lite and vega-embed, so the chart is drawn
    with no network, in JupyterLab 4 and Notebook 7 alike, and keeps its tooltips.
``"report"`` (the report runner sets ``$WORKBENCH_CHART_RENDERER=report``)
    Each output carries the chart's vega-lite spec *and* a static SVG rendered by vl-convert;
    the report's HTML page (:mod:`workbench.reports.html`) inlines the JavaScript bundle once
    and draws every spec interactively, keeping the SVG inside ``<noscript>``.
``"svg"``, ``"png"``
    Static images only, through vl-convert.

The ``"jupyter"`` and ``"report"`` renderers write the chart's titles (chart, axes, legends,
tooltips) in the current language (:func:`workbench.i18n.translate_spec`).
"""

from __future__ import annotations

import os

import altair as alt

from workbench.i18n import translate_spec

__all__ = ["RENDERER_ENV", "REPORT_MIMETYPE", "configure_rendering"]

#: Environment variable naming the renderer (the report runner sets it).
RENDERER_ENV = "WORKBENCH_CHART_RENDERER"
#: The mimetype of the vega-lite spec in a report chart's output.
REPORT_MIMETYPE = "application/vnd.workbench.vegalite+json"
_INTERACTIVE = "jupyter"


def configure_rendering(renderer: str | None = None) -> None:
    """Select how altair charts display; call once in a notebook's setup cell.

    Parameters
    ----------
    renderer
        ``"jupyter"`` (interactive, offline), ``"report"`` (spec plus static SVG, for HTML
        reports), or any renderer altair knows (``"svg"``, ``"png"``, ...). Default:
        ``$WORKBENCH_CHART_RENDERER``, else ``"jupyter"``.

    Returns nothing (so a setup cell ending with the call shows no output);
    ``altair.renderers.active`` names the renderer.
    """
    name = renderer or os.environ.get(RENDERER_ENV) or _INTERACTIVE
    if name == _INTERACTIVE:
        alt.renderers.enable(name, offline=True)
    else:
        alt.renderers.enable(name)


def _report_renderer(spec: dict, **metadata) -> dict:
    """The spec (drawn by the report page's script) and a static SVG (for ``<noscript>``)."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    spec = translate_spec(spec)
    svg = vlc.vegalite_to_svg(spec, vl_version=vl_version_for_vl_convert())
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return {
        REPORT_MIMETYPE: spec,
        "image/svg+xml": svg,
        "text/plain": f"<chart: {text}>" if text else "<chart>",
    }


def _jupyter_renderer(spec: dict, **metadata) -> dict:
    """Altair's JupyterChart widget, with the titles in the current language."""
    from altair.vegalite.v6.display import jupyter_renderer

    return jupyter_renderer(translate_spec(spec), **metadata)


alt.renderers.register("report", _report_renderer)
alt.renderers.register(_INTERACTIVE, _jupyter_renderer)
