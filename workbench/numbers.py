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
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.i18n import multipliers, translate

__all__ = ["bounded", "count", "interval", "percent", "quarter_label", "si", "span"]

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


def quarter_label(value) -> str:
    """A quarter as readers write it: "2024 Q2"."""
    period = pd.Period(pd.Timestamp(value), freq="Q")
    return f"{period.year} Q{period.quarter}"
