"""Where a result comes from: variable specs declared once, inputs' provenance merged honestly.

Every dataset the workbench returns carries ``source``, ``license`` and ``as_of``. A result's
provenance is its inputs' provenance: :func:`merge` combines them and never invents any of
it. An input that states no licence makes the result's licence ``"unknown"`` (a bundled
table's CC-BY-4.0 does not extend to a user's own numbers). Variables get their ``units`` and
``long_name`` from one :class:`Var` declared beside the computation (:func:`describe`), and an
input's units are checked (:func:`check_units`), never overwritten.

Examples
--------
>>> import xarray as xr
>>> a = xr.DataArray(1.0, attrs={"source": "A", "license": "CC-BY-4.0", "as_of": "2026-11-25"})
>>> b = xr.DataArray(2.0, attrs={"source": "B", "as_of": "2026-12-01"})
>>> merge(a, b, method="workbench.example")  # doctest: +NORMALIZE_WHITESPACE
{'source': 'workbench.example over: A; B', 'license': 'CC-BY-4.0; unknown',
 'as_of': '2026-12-01'}
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import xarray as xr

from workbench._validation import invalid

__all__ = ["UNKNOWN", "Var", "check_units", "describe", "fresh_attrs", "merge"]

UNKNOWN = "unknown"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Var:
    """How one output variable describes itself."""

    units: str
    long_name: str
    description: str | None = None

    def attrs(self) -> dict[str, str]:
        out = {"units": self.units, "long_name": self.long_name}
        if self.description:
            out["description"] = self.description
        return out


def describe(obj: xr.Dataset | xr.DataArray, specs: Mapping[str, Var] | Var):
    """Set ``units`` and ``long_name`` from ``specs`` (per variable for a Dataset); in place."""
    if isinstance(obj, xr.DataArray):
        if not isinstance(specs, Var):
            raise TypeError("a DataArray takes one Var")
        obj.attrs.update(specs.attrs())
        return obj
    for name, spec in specs.items():
        obj[name].attrs.update(spec.attrs())
    return obj


def _attrs(obj) -> Mapping[str, object]:
    attrs = getattr(obj, "attrs", None)  # xarray objects, and anything else that carries attrs
    return attrs if isinstance(attrs, Mapping) else {}


def merge(*inputs, method: str | None = None) -> dict[str, str]:
    """``source``, ``license`` and ``as_of`` of a result computed from ``inputs``.

    - ``source``: the inputs' sources, each once, in order (``"user-supplied data"`` for an
      input without one), after ``"<method> over: "`` when ``method`` is given.
    - ``license``: the one licence all inputs share; several, joined with ``"; "``; an input
      without a licence adds ``"unknown"``.
    - ``as_of``: the latest of the inputs' ISO dates (the result is as fresh as its freshest
      input); ``"unknown"`` when no input states one.

    An input that is ``None`` (an optional input left out) does not count.
    """
    sources: list[str] = []
    licences: list[str] = []
    dates: list[str] = []
    for obj in inputs:
        if obj is None:
            continue
        attrs = _attrs(obj)
        source = str(attrs.get("source") or "user-supplied data")
        licence = str(attrs.get("license") or UNKNOWN)
        as_of = str(attrs.get("as_of") or "")
        if source not in sources:
            sources.append(source)
        if licence not in licences:
            licences.append(licence)
        if as_of and as_of != UNKNOWN and as_of not in dates:
            dates.append(as_of)
    described = "; ".join(sources) if sources else "no input data"
    iso = [d for d in dates if _DATE.match(d)]
    if iso:
        as_of = max(iso)
    else:
        as_of = "; ".join(dates) if dates else UNKNOWN
    return {
        "source": f"{method} over: {described}" if method else described,
        "license": "; ".join(licences) if licences else UNKNOWN,
        "as_of": as_of,
    }


def check_units(value, parameter: str, expected: str | Iterable[str]):
    """Return ``value`` if its ``units`` attr (when it has one) is among ``expected``.

    A DataArray in watts where megawatts are expected is refused rather than relabelled: a
    relabelled unit is a wrong number that looks right.
    """
    allowed = [expected] if isinstance(expected, str) else list(expected)
    units = _attrs(value).get("units")
    if units is not None and str(units) not in allowed:
        wanted = " or ".join(repr(u) for u in allowed)
        raise invalid(parameter, f"in units {wanted}", str(units))
    return value


def fresh_attrs(function):
    """Run ``function`` with xarray's ``keep_attrs=False``: derived arrays start without attrs.

    Otherwise arithmetic passes on the first operand's attrs (an input's units, its role),
    and a result would describe itself as one of its inputs.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with xr.set_options(keep_attrs=False):
            return function(*args, **kwargs)

    return wrapper
