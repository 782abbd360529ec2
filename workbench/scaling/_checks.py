"""Input checks shared by the scaling fits: one place for each rule and its message."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import xarray as xr

from workbench._provenance import merge
from workbench._validation import check_level
from workbench.errors import ConvergenceWarning, FitError, ParameterError, format_choices

__all__ = ["ConvergenceWarning"]


def warn_not_converged(owner: str, detail: str) -> None:
    warnings.warn(f"{owner} did not converge: {detail}", ConvergenceWarning, stacklevel=3)


def positive_values(value, parameter: str, owner: str) -> np.ndarray:
    """A 1-D float array of finite, strictly positive values (from numpy or a DataArray)."""
    array = finite_values(value, parameter, owner)
    bad = array <= 0
    if bad.any():
        raise ParameterError.invalid(
            parameter,
            owner,
            "strictly positive",
            f"{int(bad.sum())} value(s) <= 0 (first at position {int(np.argmax(bad))}: "
            f"{array[np.argmax(bad)]:g})",
        )
    return array


def finite_values(value, parameter: str, owner: str) -> np.ndarray:
    """A 1-D float array without NaN or infinity."""
    array = as_vector(value, parameter, owner)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ParameterError.invalid(
            parameter,
            owner,
            "finite numbers (no NaN)",
            f"{int(bad.sum())} non-finite value(s) (first at position {int(np.argmax(bad))})",
        )
    return array


def as_vector(value, parameter: str, owner: str) -> np.ndarray:
    data = value.values if isinstance(value, xr.DataArray) else value
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError.invalid(
            parameter, owner, "an array of numbers", type(value).__name__
        ) from None
    if array.ndim == 0:
        array = array[None]
    if array.ndim != 1:
        raise ParameterError.invalid(
            parameter, owner, "one-dimensional", f"an array of shape {array.shape}"
        )
    return array


def same_lengths(owner: str, **arrays: np.ndarray) -> int:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name}={n}" for name, n in lengths.items())
        first = next(iter(lengths))
        raise ParameterError.invalid(
            first, owner, "as long as the other inputs", f"lengths {described}"
        )
    return next(iter(lengths.values()))


def enough_points(n: int, needed: int, owner: str, what: str) -> None:
    if n < needed:
        raise FitError(f"{owner} needs at least {needed} points to fit {what}; got {n}.")


def level_value(level, owner: str) -> float:
    return check_level(level, owner=owner)


def choice(value, parameter: str, owner: str, choices) -> str:
    if value not in choices:
        raise ParameterError.invalid(parameter, owner, f"one of {format_choices(choices)}", value)
    return value


def count(value, parameter: str, owner: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ParameterError.invalid(parameter, owner, f"an integer >= {minimum}", value)
    return int(value)


def provenance(inputs: Mapping[str, object], method: str) -> dict[str, str]:
    """Dataset attrs of a fit: the inputs' ``source``, ``license`` and ``as_of``, merged.

    The kernel's :func:`workbench._provenance.merge` over the data given (a variable of a
    bundled table carries the table's attrs); nothing is invented, so arrays without
    provenance make the licence ``"unknown"``. Absent optional inputs (None) do not count.
    """
    return merge(*(v for v in inputs.values() if v is not None), method=method)
