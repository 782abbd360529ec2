"""Axis titles from a variable's own description: ``long_name [units]``."""

from __future__ import annotations

import xarray as xr

__all__ = ["axis_title", "with_units"]


def with_units(label: str, units: str | None) -> str:
    """``label [units]``; a dimensionless unit ("1") or none leaves the label alone."""
    return f"{label} [{units}]" if units and units != "1" else label


def axis_title(da: xr.DataArray, default: str | None = None) -> str:
    """The title of an axis showing ``da``: its ``long_name`` and ``units``.

    Without a ``long_name`` the label is ``default``, else the variable's name, else "value".
    """
    fallback = default if default is not None else (da.name or "value")
    return with_units(da.attrs.get("long_name", fallback), da.attrs.get("units"))
