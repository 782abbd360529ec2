"""The workbench's exception family.

Every error the workbench raises for bad input is a :class:`WorkbenchError`, so callers can
catch one type. Messages name what is wrong and where (file, 1-based line, column, parameter)
and, where there is a fixed set of valid choices, list them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "BoundaryWarning",
    "BracketWarning",
    "CalibrationWarning",
    "ConvergenceWarning",
    "DataError",
    "FitError",
    "FitWarning",
    "IdentifiabilityWarning",
    "ParameterError",
    "ReportError",
    "WorkbenchError",
    "format_choices",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class DataError(WorkbenchError, ValueError):
    """A data file or dataset is malformed.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    path
        The file (or dataset name) the problem was found in.
    line
        1-based line number in the file, counting the header as line 1.
    column
        The column (or variable) concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
    ):
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.problem = message
        where = []
        if self.path is not None:
            where.append(self.path)
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ParameterError(WorkbenchError, ValueError):
    """A function or report parameter has an invalid value.

    The message follows one shape: "The 'x' parameter of f must be ...; got ... instead."
    """

    def __init__(self, message: str, *, parameter: str | None = None):
        self.parameter = parameter
        super().__init__(message)

    @classmethod
    def invalid(cls, parameter: str, owner: str, expected: str, got: object) -> ParameterError:
        """Build the standard message for ``parameter`` of ``owner``."""
        return cls(
            f"The {parameter!r} parameter of {owner} must be {expected}; got {got!r} instead.",
            parameter=parameter,
        )


class FitError(WorkbenchError, ValueError):
    """A model cannot be fitted to the data given (too few points, degenerate inputs)."""


class ReportError(WorkbenchError, RuntimeError):
    """A report could not be built; the previous good report is left in place."""


class CalibrationWarning(UserWarning):
    """A calibration's effective sample collapsed: its posterior rests on few draws."""


class ConvergenceWarning(UserWarning):
    """A fit stopped before converging; its numbers are reported with ``converged=False``."""


class FitWarning(UserWarning):
    """A fit ran, but its design or result needs care before it is read (base class)."""


class BracketWarning(FitWarning):
    """An IsoFLOP profile's optimum lies outside the model sizes sampled: an extrapolation."""


class IdentifiabilityWarning(FitWarning):
    """The runs cannot separate the terms of the law (fixed N or D, a near-singular fit)."""


class BoundaryWarning(FitWarning):
    """An estimate sits at the bound of its range (e.g. a negligible offset at zero)."""


def format_choices(choices: Iterable[object]) -> str:
    """Render valid choices for an error message: ``'a', 'b' or 'c'``."""
    items = [repr(c) for c in choices]
    if not items:
        return "(none)"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
