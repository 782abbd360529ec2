"""Axis titles from a variable's own description: ``long_name [units]``; and labels for
xarray's own ``.plot()`` that say a dimensionless count is a count (:func:`labelled`)."""

from __future__ import annotations

import xarray as xr

from workbench.i18n import translate
from workbench.numbers import kind_of

__all__ = ["axis_title", "labelled", "with_units"]

# What xarray's label says for a dimensionless variable, by how its numbers are written.
_DIMENSIONLESS = {"count": "{label} (count)", "percent": "{label} (fraction)"}


def with_units(label: str, units: str | None) -> str:
    """``label [units]``; a dimensionless unit ("1") or none leaves the label alone."""
    return f"{label} [{units}]" if units and units != "1" else label


def axis_title(da: xr.DataArray, default: str | None = None) -> str:
    """The title of an axis showing ``da``: its ``long_name`` and ``units``.

    Without a ``long_name`` the label is ``default``, else the variable's name, else "value".
    """
    fallback = default if default is not None else (da.name or "value")
    return with_units(da.attrs.get("long_name", fallback), da.attrs.get("units"))


def _plot_attrs(da: xr.DataArray) -> dict:
    attrs = dict(da.attrs)
    label = translate(str(attrs.get("long_name", da.name if da.name is not None else "value")))
    units = attrs.get("units")
    if units in ("1", "") and da.dtype.kind in "fiu":
        kind = kind_of(
            da.values, name=str(da.name or ""), units="1", long_name=attrs.get("long_name", "")
        )
        attrs.pop("units")
        label = translate(_DIMENSIONLESS[kind], label=label) if kind in _DIMENSIONLESS else label
    attrs["long_name"] = label
    return attrs


def labelled(obj: xr.DataArray | xr.Dataset) -> xr.DataArray | xr.Dataset:
    """A shallow copy of ``obj`` whose attrs give xarray's own ``.plot()`` labels for readers.

    xarray labels an axis ``long_name [units]`` (``xarray.plot.utils.label_from_attrs``), so
    a count, whose UDUNITS units are "1", reads "Accelerators [1]": xarray shows the ``units``
    attribute whenever it is present, and the workbench keeps "1" there (UDUNITS; checked by
    the analyses). The copy drops ``units`` "1" and says what the number is instead, in the
    current language: "Accelerators in service (count)" for whole numbers, "(fraction)" for
    shares; other units stay ("Facility power [MW]"). The data and ``obj`` itself are left
    alone; coordinates are labelled too.

    >>> from xarray.plot.utils import label_from_attrs
    >>> da = xr.DataArray([3.0, 5.0], dims="quarter", name="units",
    ...                   attrs={"units": "1", "long_name": "Accelerators"})
    >>> label_from_attrs(da), label_from_attrs(labelled(da))
    ('Accelerators [1]', 'Accelerators (count)')
    """
    out = obj.copy(deep=False)
    variables = [out] if isinstance(out, xr.DataArray) else list(out.data_vars.values())
    for da in variables:
        da.attrs = _plot_attrs(da)
    for name in list(out.coords):
        out[name].attrs = _plot_attrs(out[name])
    return out
