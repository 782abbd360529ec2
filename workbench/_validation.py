"""Checks every public function repeats, with one message shape and the caller's name.

A public function is decorated with :func:`public`; the checks below then name it in their
messages without being told (no ``owner=`` passed by hand). Messages follow one form, in the
manner of scikit-learn's parameter validation::

    The 'level' parameter of supply.forecast must be a number in (0, 1); got 1.5 instead.

When one public function calls another, the outermost one is named: that is the function the
user called, and the parameter usually travels under the same name.

Examples
--------
>>> from workbench._validation import public, check_level
>>> @public
... def interval(level=0.9):
...     return check_level(level)
>>> interval(0.5)
0.5
>>> interval(2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.errors.ParameterError: The 'level' parameter of interval must be ...; got 2 instead.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import warnings
from collections.abc import Callable, Iterable
from typing import TypeVar

import numpy as np
import xarray as xr

from workbench.errors import FitError, ParameterError, format_choices

__all__ = [
    "as_dataarray",
    "as_vector",
    "caller",
    "check_choice",
    "check_count",
    "check_enough_points",
    "check_finite",
    "check_level",
    "check_n_draws",
    "check_positive",
    "check_range",
    "check_same_lengths",
    "check_seed",
    "check_share",
    "public",
    "renamed",
    "retired",
]

F = TypeVar("F", bound=Callable)
_CALLER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "workbench_caller", default=None
)


def _public_name(function: Callable) -> str:
    """``supply.forecast`` for ``workbench.supply.forecast.forecast``: how users call it."""
    parts = function.__module__.split(".")
    package = parts[1] if len(parts) > 2 and parts[0] == "workbench" else ""
    package = "" if package.startswith("_") else package
    return f"{package}.{function.__qualname__}" if package else function.__qualname__


def public(function: F) -> F:
    """Mark ``function`` as public: the checks it runs name it in their messages."""
    name = _public_name(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _CALLER.get() is not None:
            return function(*args, **kwargs)
        token = _CALLER.set(name)
        try:
            return function(*args, **kwargs)
        finally:
            _CALLER.reset(token)

    return wrapper  # type: ignore[return-value]


def caller() -> str:
    """The public function being run (for messages built outside the checks below)."""
    return _CALLER.get() or "the workbench"


def invalid(parameter: str, expected: str, got: object, *, owner: str | None = None):
    """The standard :class:`ParameterError` for ``parameter`` of the running public function.

    ``owner`` names the function instead, for code not yet marked :func:`public`.
    """
    return ParameterError.invalid(parameter, owner or caller(), expected, got)


def as_dataarray(value, parameter: str, *, dim: str | None = None) -> xr.DataArray:
    """``value`` as a float DataArray: a DataArray keeps its dims, a number becomes a scalar.

    A 1-D numpy array or list is accepted when ``dim`` names its dimension; without ``dim``
    an array is refused, because an unnamed dimension would surface later as ``dim_0``.
    """
    if isinstance(value, xr.DataArray):
        return value if value.dtype.kind == "f" else value.astype(float)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise invalid(parameter, "a number or an array of numbers", value) from None
    if array.ndim == 0:
        return xr.DataArray(array)
    if array.ndim == 1 and dim is not None:
        return xr.DataArray(array, dims=dim)
    raise invalid(parameter, "a number or an xarray.DataArray (name the dimension)", value)


def as_vector(value, parameter: str) -> np.ndarray:
    """``value`` (a number, list, numpy array or DataArray) as a 1-D float numpy array."""
    data = value.values if isinstance(value, xr.DataArray) else value
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise invalid(parameter, "an array of numbers", type(value).__name__) from None
    if array.ndim == 0:
        array = array[None]
    if array.ndim != 1:
        raise invalid(parameter, "one-dimensional", f"an array of shape {array.shape}")
    return array


def check_finite(value, parameter: str) -> np.ndarray:
    """:func:`as_vector`, refusing NaN and infinity (and saying how many, and where first)."""
    array = as_vector(value, parameter)
    bad = ~np.isfinite(array)
    if bad.any():
        raise invalid(
            parameter,
            "finite numbers (no NaN)",
            f"{int(bad.sum())} non-finite value(s) (first at position {int(np.argmax(bad))})",
        )
    return array


def check_positive(value, parameter: str) -> np.ndarray:
    """:func:`check_finite`, refusing values <= 0: sizes, budgets, losses."""
    array = check_finite(value, parameter)
    bad = array <= 0
    if bad.any():
        first = int(np.argmax(bad))
        raise invalid(
            parameter,
            "strictly positive",
            f"{int(bad.sum())} value(s) <= 0 (first at position {first}: {array[first]:g})",
        )
    return array


def check_same_lengths(**arrays: np.ndarray) -> int:
    """The common length of ``arrays`` (given by parameter name); the first is named if not."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise invalid(next(iter(lengths)), "as long as the other inputs", f"lengths {described}")
    return next(iter(lengths.values()))


def check_enough_points(n: int, needed: int, what: str) -> None:
    """A :class:`FitError` unless there are ``needed`` points to fit ``what``."""
    if n < needed:
        raise FitError(f"{caller()} needs at least {needed} points to fit {what}; got {n}.")


def check_range(
    value,
    parameter: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    expected: str | None = None,
):
    """Return ``value`` unless a value is NaN or outside ``[low, high]``; then raise.

    ``value`` is a number, a numpy array or a DataArray. Dask-backed arrays are returned
    unchecked (checking would compute them).
    """
    if isinstance(value, xr.DataArray) and value.chunks is not None:
        return value
    data = value.values if isinstance(value, xr.DataArray) else value
    try:
        values = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise invalid(parameter, expected or "a number", value) from None
    bad = ~np.isfinite(values)
    if low is not None:
        bad |= values < low if low_inclusive else values <= low
    if high is not None:
        bad |= values > high if high_inclusive else values >= high
    if bad.any():
        if expected is None:
            left = "[" if low_inclusive else "("
            right = "]" if high_inclusive else ")"
            expected = f"a finite number in {left}{_g(low, '-inf')}, {_g(high, 'inf')}{right}"
        got = values[bad].flat[0] if values.ndim else value
        raise invalid(parameter, expected, got.item() if hasattr(got, "item") else got)
    return value


def _g(bound: float | None, default: str) -> str:
    return default if bound is None else f"{bound:g}"


def check_share(value, parameter: str):
    """A share or probability in [0, 1]."""
    return check_range(value, parameter, low=0, high=1, expected="a share in [0, 1]")


def check_level(level, parameter: str = "level", *, owner: str | None = None) -> float:
    """An interval level in (0, 1), as a float."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating | np.integer):
        raise invalid(parameter, "a number in (0, 1)", level, owner=owner)
    if not 0 < level < 1:
        raise invalid(parameter, "a number in (0, 1)", level, owner=owner)
    return float(level)


def check_count(
    value,
    parameter: str,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    owner: str | None = None,
) -> int:
    """A whole number ``>= minimum`` (and ``<= maximum``); booleans are not counts."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise invalid(parameter, f"a whole number >= {minimum}", value, owner=owner)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"a whole number in [{minimum}, {maximum}]" if maximum is not None else None
        raise invalid(parameter, bound or f"a whole number >= {minimum}", value, owner=owner)
    return int(value)


def check_n_draws(value, parameter: str = "n_draws", *, minimum: int = 1) -> int:
    """A number of Monte Carlo draws or bootstrap resamples (``n_boot``, ``minimum=0``)."""
    return check_count(value, parameter, minimum=minimum)


def check_seed(value, parameter: str = "seed", *, owner: str | None = None) -> int:
    """A seed: a whole number >= 0, as :class:`numpy.random.SeedSequence` takes it.

    Checked where the public function is entered, so a bad seed fails before any work and
    with the name of the function the user called (numpy's own error would name neither).
    """
    return check_count(value, parameter, minimum=0, owner=owner)


def check_choice(value, parameter: str, choices: Iterable[object]):
    """``value`` if it is one of ``choices``; else an error listing them, with a suggestion."""
    options = list(choices)
    try:
        if value in options:
            return value
    except TypeError:  # an unhashable or incomparable value is simply not a choice
        pass
    expected = f"one of {format_choices(options)}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [str(o) for o in options], n=1)
        if close:
            expected += f" (did you mean {close[0]!r}?)"
    raise invalid(parameter, expected, value)


def renamed(old_value, new_value, *, old: str, new: str, default):
    """The value of parameter ``new``, formerly called ``old``.

    The old name keeps working for one release with a :class:`DeprecationWarning`; giving
    both is an error. Pass ``None`` as the signature default of both, and the real default
    here, so the function can tell what the caller gave.
    """
    if old_value is None:
        return default if new_value is None else new_value
    if new_value is not None:
        raise invalid(
            old, f"left out when {new!r} is given (it is the old name of {new!r})", old_value
        )
    warnings.warn(
        f"The {old!r} parameter of {caller()} is now called {new!r}; {old!r} will be removed "
        "in the next release.",
        DeprecationWarning,
        stacklevel=4,  # renamed <- the function <- public's wrapper <- the user
    )
    return old_value


def retired(value, *, old: str, reason: str) -> None:
    """Warn that parameter ``old`` no longer does anything, when the caller gave it.

    It stays in the signature for one release with a :class:`DeprecationWarning`, so calls
    that pass it keep working.
    """
    if value is not None:
        warnings.warn(
            f"The {old!r} parameter of {caller()} is ignored ({reason}); it will be removed in "
            "the next release.",
            DeprecationWarning,
            stacklevel=4,  # retired <- the function <- public's wrapper <- the user
        )
