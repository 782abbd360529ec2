"""Scaling: compute trends, frontier selection, loss laws and their fast global fits.

Trends (:func:`fit_trend`, piecewise and with a found break), the frontier of notable models,
Moore's-law references, accelerator price-performance and efficiency, and parametric loss
laws (:func:`fit_chinchilla`, :func:`fit_power_law`, :func:`fit_isoflop`) with results objects
in the manner of statsmodels: ``conf_int()``, ``predict()``, ``summary()``, ``to_dataset()``.
"""

from workbench.errors import ConvergenceWarning
from workbench.scaling.compare import APPROACHES, compare_approaches
from workbench.scaling.data_constrained import (
    DataConstrainedFit,
    effective_tokens,
    fit_data_constrained,
)
from workbench.scaling.design import isoflop_design
from workbench.scaling.envelope import EnvelopeFit, fit_envelope, simulate_curves
from workbench.scaling.eras import EraFit, find_eras
from workbench.scaling.extrapolation import score_extrapolation
from workbench.scaling.frontier import FRONTIER_METHODS, frontier, frontier_sensitivity
from workbench.scaling.hardware import energy_efficiency, price_performance
from workbench.scaling.isoflop import IsoFLOPFit, fit_isoflop
from workbench.scaling.loss_law import LossLawFit, fit_chinchilla
from workbench.scaling.piecewise import (
    BreakpointFit,
    PiecewiseTrendFit,
    find_breakpoint,
    fit_piecewise_trend,
)
from workbench.scaling.power_law import PowerLawFit, fit_power_law
from workbench.scaling.reference import MOORE_DOUBLING_MONTHS, growth_comparison, moores_law
from workbench.scaling.runs import (
    CHINCHILLA_PARAMS,
    DEFAULT_LAW,
    LAWS,
    REPLICATION_PARAMS,
    read_runs,
    simulate_runs,
)
from workbench.scaling.trend import TrendFit, decimal_years, fit_trend

__all__ = [
    "APPROACHES",
    "CHINCHILLA_PARAMS",
    "DEFAULT_LAW",
    "FRONTIER_METHODS",
    "LAWS",
    "MOORE_DOUBLING_MONTHS",
    "REPLICATION_PARAMS",
    "BreakpointFit",
    "ConvergenceWarning",
    "DataConstrainedFit",
    "EnvelopeFit",
    "EraFit",
    "IsoFLOPFit",
    "LossLawFit",
    "PiecewiseTrendFit",
    "PowerLawFit",
    "TrendFit",
    "compare_approaches",
    "decimal_years",
    "effective_tokens",
    "energy_efficiency",
    "find_breakpoint",
    "find_eras",
    "fit_chinchilla",
    "fit_data_constrained",
    "fit_envelope",
    "fit_isoflop",
    "fit_piecewise_trend",
    "fit_power_law",
    "fit_trend",
    "frontier",
    "frontier_sensitivity",
    "growth_comparison",
    "isoflop_design",
    "moores_law",
    "price_performance",
    "read_runs",
    "score_extrapolation",
    "simulate_curves",
    "simulate_runs",
]
