"""fit_power_law: recovery, offset, intervals, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from workbench.errors import FitError, ParameterError
from workbench.scaling import fit_power_law


def test_recovers_offset_law(rng):
    x = np.geomspace(1e18, 1e24, 50)
    y = (1.7 + 300 * x**-0.15) * np.exp(rng.normal(0, 0.005, x.size))
    fit = fit_power_law(x, y)
    assert fit.params["E"] == pytest.approx(1.7, rel=0.02)
    assert fit.params["alpha"] == pytest.approx(0.15, abs=0.01)
    lower, upper = fit.conf_int(0.95)["alpha"]
    assert lower < 0.15 < upper
    pred = fit.predict([1e20])
    assert float(pred.y_lower[0]) < float(pred.y[0]) < float(pred.y_upper[0])
    assert fit.to_dataset().sizes["param"] == 3
    assert "alpha" in str(fit.summary())


def test_without_offset_is_log_log_ols(rng):
    x = np.geomspace(1, 1e6, 30)
    y = 5 * x**-0.3 * np.exp(rng.normal(0, 0.05, x.size))
    fit = fit_power_law(x, y, offset=False)
    reference = sm.OLS(np.log(y), sm.add_constant(-np.log(x))).fit()
    assert fit.params["alpha"] == pytest.approx(reference.params[1], rel=1e-10)
    assert fit.params["E"] == 0.0


def test_bad_input():
    with pytest.raises(ParameterError, match="strictly positive"):
        fit_power_law([1, 2, 3, 4, 5], [1, 2, -3, 4, 5])
    with pytest.raises(FitError, match="at least 4 points"):
        fit_power_law([1, 2, 3], [3, 2, 1])
