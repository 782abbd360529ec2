"""fit_isoflop: the exponent of N_opt(C) from IsoFLOP profiles."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import FitError
from workbench.scaling import CHINCHILLA_PARAMS, fit_isoflop, simulate_runs


def test_recovers_the_optimal_size_exponent():
    runs = simulate_runs(300, seed=2, noise=0.002)
    fit = fit_isoflop(runs.params, runs.loss, runs.training_compute)
    a, b = CHINCHILLA_PARAMS["alpha"], CHINCHILLA_PARAMS["beta"]
    # A parabola in log N is an approximation of each profile: a small bias is expected.
    assert fit.exponent == pytest.approx(b / (a + b), abs=0.02)
    lower, upper = fit.conf_int()["exponent"]
    assert lower < fit.exponent < upper
    pred = fit.predict([1e21])
    assert float(pred.params_lower[0]) < float(pred.params[0]) < float(pred.params_upper[0])
    assert fit.to_dataset().sizes["budget"] == 10
    assert "exponent" in str(fit.summary())


def test_needs_three_budgets_and_a_minimum():
    with pytest.raises(FitError, match="three compute budgets"):
        fit_isoflop([1e8, 1e9, 1e10], [3.0, 2.5, 2.7], [1e20, 1e20, 1e21])
    sizes = np.tile([1e8, 1e9, 1e10], 3)
    budgets = np.repeat([1e19, 1e20, 1e21], 3)
    hill = np.tile([2.5, 3.0, 2.5], 3)
    with pytest.raises(FitError, match="no minimum"):
        fit_isoflop(sizes, hill, budgets)
