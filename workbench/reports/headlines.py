"""Headline values: the few numbers a report stands for, recorded where the runner finds them.

A notebook declares its headline values with :func:`headline` (in the manner of scrapbook's
``glue``): each becomes an output of the cell with the MIME type :data:`MIMETYPE`, so it is
stored in the executed notebook; the runner copies them into the manifest
(:func:`read_headlines`), which keeps a report's history comparable from build to build
(:mod:`workbench.reports.history`). A reader's view of the same output is one line of text.

>>> from workbench.reports.headlines import headline
>>> headline("P(shortfall) 2030", 0.83, units="1", text="83%")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from workbench.errors import ParameterError, ReportError

__all__ = ["MIMETYPE", "headline", "headline_of", "headline_text", "read_headlines"]

MIMETYPE = "application/vnd.workbench.headline+json"


def _number(value, parameter: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParameterError.invalid(parameter, "headline", "a number or None", value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError.invalid(parameter, "headline", "a number or None", value) from None
    return number if math.isfinite(number) else None  # NaN and inf are "unknown"


def headline(
    name: str,
    value,
    *,
    units: str = "",
    lower=None,
    upper=None,
    text: str | None = None,
) -> dict:
    """Record one headline value of the report being built (and show it as one line).

    Parameters
    ----------
    name
        What the value is, as a reader would say it: ``"P(shortfall) 2030"``.
    value
        The number (a median, for a distribution); NaN is recorded as unknown.
    units
        UDUNITS-style units (``"1"`` for a ratio or probability).
    lower, upper
        An interval around it, when there is one.
    text
        How a reader should see the value (``"83%"``, ``"252 M (147–465 M)"``); by default
        four significant digits and the units.

    Returns
    -------
    dict
        The record, as stored (``name``, ``value``, ``units``, ``lower``, ``upper``, ``text``).
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError.invalid("name", "headline", "a non-empty string", name)
    record = {
        "name": name,
        "value": _number(value, "value"),
        "units": str(units),
        "lower": _number(lower, "lower"),
        "upper": _number(upper, "upper"),
    }
    record["text"] = str(text) if text is not None else headline_text(record)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return record
    if get_ipython() is not None:  # outside a kernel there is no output to carry it
        display({MIMETYPE: record, "text/plain": f"{name}: {record['text']}"}, raw=True)
    return record


def headline_of(name: str, values, *, level: float = 0.9) -> dict:
    """Record ``values`` (an ``xarray.DataArray`` along ``draw``, or a scalar one) as a
    headline: its median and central ``level`` interval, in its ``units``."""
    units = str(values.attrs.get("units", ""))
    if "draw" not in values.dims:
        return headline(name, float(values), units=units)
    tails = (1 - level) / 2
    low, mid, high = (float(v) for v in values.quantile([tails, 0.5, 1 - tails], dim="draw"))
    return headline(name, mid, units=units, lower=low, upper=high)


def headline_text(record: dict) -> str:
    """A record's value as text: its own ``text``, else a percentage for units ``%``, else the
    value (and its interval) with a multiplier, "252 M (147–465 M)", and its units."""
    if record.get("text"):
        return str(record["text"])
    from workbench import numbers  # pandas: only when a value is shown

    value, lower, upper = (record.get(k) for k in ("value", "lower", "upper"))
    if value is None:
        return "unknown"
    units = record.get("units") or ""
    if units == "%":
        return f"{value:.3g}%" if abs(value) < 10 else f"{value:.0f}%"
    if lower is not None and upper is not None:
        shown = numbers.interval(value, lower, upper)
    else:
        shown = numbers.si(value)
    return shown if units in ("", "1") else f"{shown} {units}"


def read_headlines(notebook: str | Path) -> list[dict]:
    """The headline records in an executed notebook's outputs, in the order they were made.

    A later record of the same name replaces an earlier one (a re-run cell).
    """
    path = Path(notebook)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"cannot read the headline values of {path}: {exc}") from exc
    found: dict[str, dict] = {}
    for cell in content.get("cells", []):
        for output in cell.get("outputs", []) or []:
            record = (output.get("data") or {}).get(MIMETYPE)
            if isinstance(record, dict) and isinstance(record.get("name"), str):
                found.pop(record["name"], None)
                found[record["name"]] = {
                    key: record.get(key) for key in ("name", "value", "units", "lower", "upper")
                } | {"text": headline_text(record)}
    return list(found.values())
