"""Scaling: compute trends, frontier selection, loss laws and their fast global fits."""

from workbench.scaling._checks import ConvergenceWarning
from workbench.scaling.loss_law import LossLawFit, fit_chinchilla
from workbench.scaling.runs import CHINCHILLA_PARAMS, read_runs, simulate_runs

__all__ = [
    "CHINCHILLA_PARAMS",
    "ConvergenceWarning",
    "LossLawFit",
    "fit_chinchilla",
    "read_runs",
    "simulate_runs",
]
