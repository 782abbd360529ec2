"""Altair chart builders over the workbench's datasets.

Each builder takes a Dataset or DataArray (or a fit's ``to_dataset()``) and returns an
``alt.Chart``; none runs an analysis. Importing this package applies the workbench's chart
theme; a notebook's setup cell calls :func:`configure_rendering` once so charts are drawn
interactively and offline (see :mod:`workbench.plots.rendering`). When
``$WORKBENCH_CHART_RENDERER`` is set (the report runner sets ``report``) importing the package
already selects that renderer, so a report never loads a script from the internet.
"""

from __future__ import annotations

import os

from workbench.plots import theme as _theme  # noqa: F401  (registers and enables the theme)
from workbench.plots.fan import fan_chart, quantile_bands
from workbench.plots.labels import labelled
from workbench.plots.rendering import RENDERER_ENV, configure_rendering

__all__ = ["configure_rendering", "fan_chart", "labelled", "quantile_bands"]

if os.environ.get(RENDERER_ENV):
    configure_rendering()
