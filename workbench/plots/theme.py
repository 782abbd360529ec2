"""The workbench's chart theme: one place for how axes and legends write numbers.

Quantitative axes use SI prefixes (``~s``: "10G", "−450M", "200k"), one format per
axis, so no axis reads "10,000,000,000" or mixes "1e+13" with "200,000,000,000"; on a log
scale vega labels the decades only. Continuous colour legends are gradients. Temporal axes
label years as years. Importing :mod:`workbench.plots` registers and enables the theme.
"""

from __future__ import annotations

import altair as alt

__all__ = [
    "DECADE_LABEL",
    "NUMBER_FORMAT",
    "THEME",
    "decade_legend",
    "log_axis",
    "theme",
    "time_axis",
    "time_tooltip",
]

THEME = "workbench"
#: d3-format of every quantitative axis and legend: SI prefix, trailing zeros dropped.
NUMBER_FORMAT = "~s"


_SUPERSCRIPTS = dict(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻", strict=True))


def _superscript_expr(expr: str) -> str:
    for digit, sup in _SUPERSCRIPTS.items():
        expr = f"replace({expr}, regexp('{digit}', 'g'), '{sup}')"
    return expr


_EXPONENT = "round(log(datum.value) / LN10)"
#: Vega label expression for log scales: "10¹⁷" at each decade, nothing between decades.
_EXPONENT_TEXT = _superscript_expr("format(" + _EXPONENT + ", 'd')")
DECADE_LABEL = f"abs(log(datum.value) / LN10 - {_EXPONENT}) < 1e-6 ? '10' + {_EXPONENT_TEXT} : ''"


def log_axis(**kwargs) -> alt.Axis:
    """An axis for a log scale: labelled at decades ("10¹⁷", "10¹⁸"), grid kept at decades."""
    return alt.Axis(labelExpr=DECADE_LABEL, **kwargs)


def decade_legend(**kwargs) -> alt.Legend:
    """A gradient legend for a continuous colour on a log scale, labelled at decades."""
    return alt.Legend(type="gradient", labelExpr=DECADE_LABEL, **kwargs)


#: How a quarter reads in tooltips: "2024 Q2" (d3's %q).
QUARTER_FORMAT = "%Y Q%q"
# Coordinates whose axis is labelled by year: annual values and quarterly ones (a label per
# quarter would crowd the axis; the tooltip names the quarter). Dates of events ("date",
# "release_date") too: their spans are years.
_BY_YEAR = ("year", "quarter", "date")


def time_axis(dim: str, **kwargs) -> alt.Axis:
    """An axis for a time coordinate: years labelled "2026", once per year, for annual and
    quarterly coordinates and dates (the ``quarter`` tooltip says "2024 Q2",
    :func:`time_tooltip`)."""
    if dim in _BY_YEAR:
        kwargs = {"format": "%Y", "tickCount": {"interval": "year", "step": 1}, **kwargs}
    return alt.Axis(**kwargs)


def time_tooltip(dim: str, **kwargs) -> alt.Tooltip:
    """A tooltip for a time coordinate: "2024 Q2" for a quarter, "2026" for a year."""
    formats = {"quarter": QUARTER_FORMAT, "year": "%Y", "date": "%Y-%m-%d"}
    return alt.Tooltip(f"{dim}:T", format=formats.get(dim, "%Y-%m-%d"), **kwargs)


@alt.theme.register(THEME, enable=True)
def theme() -> alt.theme.ThemeConfig:
    """SI-prefixed quantitative axes and legends, gradient legends, years as years."""
    return {
        "config": {
            "axisQuantitative": {"format": NUMBER_FORMAT, "labelOverlap": True},
            "axisTemporal": {"formatType": "time", "labelOverlap": True},
            "legend": {"gradientLength": 160},
            "view": {"continuousWidth": 400, "continuousHeight": 300},
        }
    }
