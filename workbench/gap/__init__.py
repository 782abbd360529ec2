"""The compute gap: supply against demand, calibrated, explained, backtested and compared.

>>> from workbench.gap import compute_gap, drivers, outlook
"""

from workbench.gap.backtest import backtest, backtest_note, backtest_scores
from workbench.gap.calibration import calibrate, importance_weights, observations
from workbench.gap.core import UNITS, align_periods, compute_gap, instants, occupancy
from workbench.gap.drivers import drivers, value_of_information
from workbench.gap.outlook import (
    COOLING,
    REGIONS,
    calibration_note,
    headline,
    headline_records,
    moved_inputs,
    outlook,
    prior_posterior,
    summary,
)
from workbench.gap.published import compare_published

__all__ = [
    "COOLING",
    "REGIONS",
    "UNITS",
    "align_periods",
    "backtest",
    "backtest_note",
    "backtest_scores",
    "calibrate",
    "calibration_note",
    "compare_published",
    "compute_gap",
    "drivers",
    "headline",
    "headline_records",
    "importance_weights",
    "instants",
    "moved_inputs",
    "observations",
    "occupancy",
    "outlook",
    "prior_posterior",
    "summary",
    "value_of_information",
]
