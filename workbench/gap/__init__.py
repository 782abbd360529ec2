"""The compute gap: supply against demand, the drivers of its spread, and the public questions.

>>> from workbench.gap import compute_gap, drivers
"""

from workbench.gap.core import UNITS, align_periods, compute_gap, instants
from workbench.gap.drivers import drivers, value_of_information
from workbench.gap.outlook import COOLING, REGIONS, headline, outlook, summary

__all__ = [
    "COOLING",
    "REGIONS",
    "UNITS",
    "align_periods",
    "compute_gap",
    "drivers",
    "headline",
    "instants",
    "outlook",
    "summary",
    "value_of_information",
]
