"""The compute gap: supply against demand, the drivers of its spread, and the public questions.

>>> from workbench.gap import compute_gap, drivers
"""

from workbench.gap.core import UNITS, align_periods, compute_gap
from workbench.gap.drivers import drivers

__all__ = ["UNITS", "align_periods", "compute_gap", "drivers"]
