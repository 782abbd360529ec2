"""Compute Workbench: the economics of AI compute, on xarray.

Subpackages: :mod:`workbench.data` (bundled tables and readers), :mod:`workbench.scaling`
(compute trends and loss laws), :mod:`workbench.supply` (chip shipments and installed base),
:mod:`workbench.demand` (inference and training demand), :mod:`workbench.gap` (supply against
demand), :mod:`workbench.plots` (altair charts) and :mod:`workbench.reports` (papermill runs).
"""

from workbench._version import __version__
from workbench.errors import DataError, ParameterError, WorkbenchError

__all__ = ["DataError", "ParameterError", "WorkbenchError", "__version__"]
