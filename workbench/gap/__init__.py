"""The compute gap: supply against demand, the drivers of its spread, and the public questions.

>>> from workbench.gap import compute_gap, drivers
"""

from workbench.gap.core import UNITS, align_periods, compute_gap
from workbench.gap.drivers import drivers
from workbench.gap.outlook import COOLING, REGIONS, headline, outlook, summary

__all__ = [
    "COOLING",
    "REGIONS",
    "UNITS",
    "align_periods",
    "compute_gap",
    "drivers",
    "headline",
    "outlook",
    "summary",
]
