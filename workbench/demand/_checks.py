"""Argument checks shared by the demand modules: numbers or arrays in, DataArrays out."""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from workbench.errors import ParameterError


def as_array(value, name: str, owner: str) -> xr.DataArray:
    """``value`` as a float DataArray (a DataArray keeps its dims; a number becomes a scalar)."""
    if isinstance(value, xr.DataArray):
        return value if value.dtype.kind == "f" else value.astype(float)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError.invalid(
            name, owner, "a number or an array of numbers", value
        ) from None
    if array.ndim > 0:
        raise ParameterError.invalid(
            name, owner, "a number or an xarray.DataArray (name the dimension)", value
        )
    return xr.DataArray(array)


def check_range(
    da: xr.DataArray,
    name: str,
    owner: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    expected: str,
) -> xr.DataArray:
    """Raise a :class:`ParameterError` naming ``name`` if any value lies outside the range.

    Dask-backed arrays are not checked here (checking would compute them); the simulation
    checks its inputs' distributions before drawing.
    """
    if da.chunks is not None:
        return da
    values = np.asarray(da.values, dtype=float)
    bad = ~np.isfinite(values)
    if low is not None:
        bad |= values < low if low_inclusive else values <= low
    if high is not None:
        bad |= values > high
    if bad.any():
        got = values[bad].flat[0]
        raise ParameterError.invalid(name, owner, expected, float(got))
    return da


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
