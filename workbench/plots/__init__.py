"""Altair chart builders over the workbench's datasets.

Each builder takes a Dataset or DataArray (or a fit's ``to_dataset()``) and returns an
``alt.Chart``; none runs an analysis. Importing this package applies the workbench's chart
theme and, when ``$WORKBENCH_CHART_RENDERER`` is set (the report runner sets ``svg``), switches
altair to that renderer so reports carry static charts that need no internet access. In
JupyterLab, altair's default interactive renderer is left alone.
"""

from __future__ import annotations

import os

import altair as alt

from workbench.plots.fan import fan_chart, quantile_bands

__all__ = ["configure_rendering", "fan_chart", "quantile_bands"]

RENDERER_ENV = "WORKBENCH_CHART_RENDERER"


def configure_rendering(renderer: str | None = None) -> str:
    """Select altair's renderer: ``renderer``, else ``$WORKBENCH_CHART_RENDERER``, else default.

    ``"svg"`` and ``"png"`` render through vl-convert, offline, into the notebook itself.
    Returns the active renderer's name.
    """
    name = renderer or os.environ.get(RENDERER_ENV) or "default"
    alt.renderers.enable(name)
    return name


configure_rendering()
