"""How the workbench writes numbers for readers, in one place: multipliers ("399 M", "1.3 T",
in Chinese "3.99 亿"), intervals ("399 M (208–827 M)"), percentages, counts, quarters.

Used by the reader tables (:mod:`workbench.tables`), the generated summaries of the analyses
(:func:`workbench.gap.summary`) and the reports' headline values; it imports nothing but the
language's conventions (:mod:`workbench.i18n`), so any layer may use it.

>>> si(399_000_000)
'399 M'
>>> interval(399e6, 208e6, 827e6)
'399 M (208–827 M)'
>>> percent(0.1234)
'12%'
>>> quarter_label("2024-04-01")
'2024 Q2'
>>> ratio(0.389)
'0.39×'
>>> kind_of([2.0, 15.0], name="units", units="1")
'count'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench._time import quarter_label
from workbench.i18n import multipliers, translate

__all__ = [
    "bounded",
    "count",
    "interval",
    "kind_of",
    "percent",
    "quarter_label",
    "ratio",
    "ratio_span",
    "si",
    "span",
    "year",
]

# Dimensionless variables whose names say they are shares of a whole: shown as percentages.
_SHARE_WORDS = ("share", "probability", "coverage", "utilisation", "utilization", "p_")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_MISSING = "–"


def _split(value: float, digits: int) -> tuple[str, str]:
    """A number's mantissa text and multiplier suffix, to ``digits`` significant digits."""
    if value is None or not np.isfinite(value):
        return _MISSING, ""
    magnitude = abs(value)
    if magnitude >= 1e15:
        exponent = math.floor(math.log10(magnitude))
        mantissa = value / 10**exponent
        return f"{_significant(mantissa, digits)} × 10{str(exponent).translate(_SUPERSCRIPT)}", ""
    for threshold, suffix in multipliers():
        if magnitude >= threshold:
            return _significant(value / threshold, digits), suffix
    return _significant(value, digits), ""


def _significant(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def si(value: float, digits: int = 3) -> str:
    """``value`` with a multiplier: "399 M", "1.3 T", "2.5 × 10²⁵"; NaN as "–".

    The multipliers are the language's (:func:`workbench.i18n.multipliers`): in Chinese
    "3.99 亿", "3,990 万" (the same significant digits).
    """
    text, suffix = _split(float(value), digits)
    return f"{text} {suffix}" if suffix else text


def interval(median: float, lower: float, upper: float, digits: int = 3) -> str:
    """A median and its interval: "399 M (208–827 M)"; the multiplier once when shared.

    An exact value (bounds equal to the median) is written alone. In Chinese:
    "3.99 亿（2.08–8.27 亿）".
    """
    if float(lower) == float(upper) == float(median):
        return si(median, digits)
    return bounded(si(median, digits), span(lower, upper, digits))


def span(lower: float, upper: float, digits: int = 3) -> str:
    """The bounds of an interval: "208–827 M"; the multiplier once when shared."""
    low, low_suffix = _split(float(lower), digits)
    high, high_suffix = _split(float(upper), digits)
    if low_suffix == high_suffix:
        return f"{low}–{high} {high_suffix}".rstrip()
    return f"{low} {low_suffix}".rstrip() + "–" + f"{high} {high_suffix}".rstrip()


def bounded(median: str, bounds: str) -> str:
    """A median and its bounds, both already written, as the language joins them."""
    # The template is the language's: full-width brackets in Chinese.
    return translate("{median} ({bounds})", median=median, bounds=bounds)


def percent(value: float, digits: int = 2) -> str:
    """A share as a percentage: "12%", "0.52%"; NaN as "–"."""
    value = float(value)
    if not np.isfinite(value):
        return _MISSING
    return _significant(100 * value, digits) + "%"


def count(value: float) -> str:
    """A whole number with thousands separators: "12,345"; NaN as "–"."""
    value = float(value)
    return _MISSING if not np.isfinite(value) else f"{round(value):,}"


def ratio(value: float, digits: int = 2) -> str:
    """A ratio of two like quantities: "0.39×", "12×" (in Chinese "0.39 倍"); NaN as "–"."""
    value = float(value)
    if not np.isfinite(value):
        return _MISSING
    return translate("{value}×", value=_significant(value, digits))


def ratio_span(lower: float, upper: float, digits: int = 2) -> str:
    """The bounds of an interval of ratios: "0.091–1.3×" (in Chinese "0.091–1.3 倍")."""
    low, high = float(lower), float(upper)
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{ratio(low, digits)}–{ratio(high, digits)}"
    return translate(
        "{low}–{high}×", low=_significant(low, digits), high=_significant(high, digits)
    )


def year(value) -> str:
    """A calendar year as a year, "2024" (never "2,024"), from a number or a date; NaN as "–"."""
    if value is None or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return _MISSING
    if isinstance(value, int | np.integer | float | np.floating):
        return str(int(value))
    stamp = pd.Timestamp(value)
    return _MISSING if pd.isna(stamp) else str(stamp.year)


def kind_of(values, *, name: str = "", units: str | None = None, long_name: str = "") -> str:
    """How a variable's numbers are written for readers, from what its attrs say it is.

    One of ``"percent"`` (a dimensionless share or probability within 0–1: its name or
    ``long_name`` says so), ``"ratio"`` (a dimensionless ``ratio``, or a ``long_name`` of the
    form "a / b"), ``"count"`` (whole dimensionless numbers, or integers), ``"year"`` (a
    variable named ``year``) or ``"number"``. Tables (:mod:`workbench.tables`) and xarray's
    own plot labels (:func:`workbench.plots.labelled`) follow the same rule.
    """
    values = np.asarray(values)
    name, long_name = str(name or "").lower(), str(long_name or "")
    if values.dtype.kind not in "fiu":
        return "number"
    if name == "year" and values.dtype.kind in "fiu":
        return "year"
    dimensionless = units in (None, "", "1")
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    in_unit_range = finite.size == 0 or (finite.min() >= 0 and finite.max() <= 1)
    says_share = any(word in name for word in _SHARE_WORDS) or long_name.startswith(
        ("P(", "Probability", "Share")
    )
    if dimensionless and says_share and in_unit_range:
        return "percent"
    if dimensionless and ("ratio" in name or " / " in long_name):
        return "ratio"
    if values.dtype.kind in "iu" or (
        units == "1" and finite.size and np.allclose(finite, np.round(finite)) and not says_share
    ):
        return "count"
    return "number"
