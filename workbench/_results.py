"""The results object every fit returns: estimates, intervals, a summary table, one dataset shape.

In the manner of statsmodels' results classes, a fit is estimated once and then presented:
``conf_int(level)`` gives ``{name: (lower, upper)}``, ``summary(level)`` a small table (text in
a terminal, HTML in a notebook), and ``to_dataset(level)`` one shape for every fit, as
:meth:`xarray.Dataset.curvefit` does: variables ``estimate``, ``lower`` and ``upper`` along a
``param`` dimension, attrs ``level`` plus the inputs' provenance (``source``, ``license``,
``as_of``). A subclass adds its own variables (points, fitted lines) next to those three.

The default interval level is :data:`DEFAULT_LEVEL` (0.9) for every fit.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from workbench._validation import caller, check_level
from workbench.errors import ConvergenceWarning

__all__ = ["DEFAULT_LEVEL", "Fit", "Summary", "warn_not_converged"]

DEFAULT_LEVEL = 0.9


class Fit:
    """Base class of fitted models.

    A subclass sets ``level`` (default interval level) and ``provenance`` (dataset attrs of
    its inputs) and implements :meth:`_estimates` and :meth:`_interval`; it may override
    :meth:`_param_attrs`, :meth:`_summary_notes`, :meth:`_summary_title` and
    :meth:`_add_to_dataset`.

    Attributes
    ----------
    level : float
        Default level of intervals.
    provenance : dict
        ``source``, ``license`` and ``as_of`` of the data fitted (unknown stays unknown).
    """

    level: float = DEFAULT_LEVEL
    provenance: dict

    # -- what a subclass provides ------------------------------------------------------------
    def _estimates(self) -> dict[str, float]:
        raise NotImplementedError

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        raise NotImplementedError

    def _param_attrs(self) -> Mapping[str, Mapping[str, str]]:
        """``units`` and ``long_name`` per parameter name (for ``to_dataset``)."""
        return {}

    def _summary_title(self) -> str:
        return type(self).__name__

    def _summary_notes(self) -> list[str]:
        return []

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        return ds

    # -- the shared face ----------------------------------------------------------------------
    @property
    def estimates(self) -> dict[str, float]:
        """Point estimates, by parameter name."""
        return dict(self._estimates())

    def _level(self, level, method: str) -> float:
        if level is None:
            return float(self.level)
        return check_level(level, owner=f"{type(self).__name__}.{method}")

    def conf_int(self, level: float | None = None) -> dict[str, tuple[float, float]]:
        """Intervals at ``level`` (default: the fit's ``level``): name -> ``(lower, upper)``."""
        return self._interval(self._level(level, "conf_int"))

    def predict(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no predict()")

    def summary(self, level: float | None = None) -> Summary:
        """A small table of the estimates with their intervals at ``level``."""
        used = self._level(level, "summary")
        bounds = self._interval(used)
        rows = [
            (name, value, *bounds.get(name, (None, None)))
            for name, value in self._estimates().items()
        ]
        return Summary(
            title=self._summary_title(),
            rows=rows,
            interval_label=f"{used:.0%} interval" if bounds else "",
            notes=self._summary_notes(),
        )

    def params_dataset(self, level: float | None = None) -> xr.Dataset:
        """Only ``estimate``, ``lower`` and ``upper`` along ``param`` (attrs ``level``)."""
        used = self._level(level, "to_dataset")
        estimates = self._estimates()
        bounds = self._interval(used)
        names = list(estimates)
        nan = (np.nan, np.nan)
        lower = [bounds.get(n, nan)[0] for n in names]
        upper = [bounds.get(n, nan)[1] for n in names]
        attrs = self._param_attrs()
        coords = {"param": ("param", names, {"long_name": "Fitted quantity"})}
        units = [str(attrs.get(n, {}).get("units", "1")) for n in names]
        long_names = [str(attrs.get(n, {}).get("long_name", n)) for n in names]
        coords["param_units"] = ("param", units, {"long_name": "Units of the quantity"})
        coords["param_long_name"] = ("param", long_names, {"long_name": "Quantity"})
        ds = xr.Dataset(
            {
                "estimate": (
                    "param",
                    [float(estimates[n]) for n in names],
                    {"long_name": "Estimate"},
                ),
                "lower": ("param", lower, {"long_name": "Lower bound", "level": used}),
                "upper": ("param", upper, {"long_name": "Upper bound", "level": used}),
            },
            coords=coords,
        )
        ds.attrs = {**self.provenance, "level": used}
        return ds

    def to_dataset(self, level: float | None = None) -> xr.Dataset:
        """``estimate``/``lower``/``upper`` along ``param`` and the fit's own variables."""
        used = self._level(level, "to_dataset")
        ds = self.params_dataset(used)
        ds = self._add_to_dataset(ds, used)
        ds.attrs = {**ds.attrs, **self.provenance, "level": used}
        return ds


@dataclass
class Summary:
    """Rows of ``(name, estimate, lower, upper)`` under a title, with notes below.

    ``str()`` gives a fixed-width table; Jupyter shows ``_repr_html_``.
    """

    title: str
    rows: list[tuple[str, float, float | None, float | None]]
    interval_label: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        header = ("", "estimate", *((self.interval_label, "") if self.interval_label else ()))
        lines = [_format_row(header)]
        for name, estimate, lower, upper in self.rows:
            cells = [name, _number(estimate)]
            if self.interval_label:
                cells += [_number(lower), _number(upper)]
            lines.append(_format_row(cells))
        width = max(len(line) for line in lines)
        rule = "=" * width
        body = [self.title.center(width), rule, lines[0], "-" * width, *lines[1:], rule]
        return "\n".join(body + self.notes)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "<th></th><th>estimate</th>"
        if self.interval_label:
            head += f"<th colspan='2'>{html.escape(self.interval_label)}</th>"
        rows = []
        for name, estimate, lower, upper in self.rows:
            cells = f"<td>{html.escape(name)}</td><td>{_number(estimate)}</td>"
            if self.interval_label:
                cells += f"<td>{_number(lower)}</td><td>{_number(upper)}</td>"
            rows.append(f"<tr>{cells}</tr>")
        notes = "".join(f"<br><small>{html.escape(n)}</small>" for n in self.notes)
        return (
            f"<table><caption>{html.escape(self.title)}</caption><tr>{head}</tr>"
            f"{''.join(rows)}</table>{notes}"
        )


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, int | np.integer):
        return str(value)
    return f"{value:.4g}"


def _format_row(cells) -> str:
    first, *rest = cells
    return f"{first:<24}" + "".join(f"{c:>14}" for c in rest)


def warn_not_converged(detail: str, *, stage: str | None = None) -> None:
    """Warn that the running fit (``stage`` of it, e.g. its bootstrap) did not converge."""
    who = f"{caller()} ({stage})" if stage else caller()
    warnings.warn(f"{who} did not converge: {detail}", ConvergenceWarning, stacklevel=4)
