"""fit_power_law: recovery, offset, intervals, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from workbench.errors import BoundaryWarning, FitError, ParameterError
from workbench.scaling import fit_power_law


def test_recovers_offset_law(rng):
    x = np.geomspace(1e18, 1e24, 50)
    y = (1.7 + 300 * x**-0.15) * np.exp(rng.normal(0, 0.005, x.size))
    fit = fit_power_law(x, y)
    assert fit.params["E"] == pytest.approx(1.7, rel=0.02)
    assert fit.params["alpha"] == pytest.approx(0.15, abs=0.01)
    lower, upper = fit.conf_int(0.95)["alpha"]
    assert lower < 0.15 < upper
    ds = fit.to_dataset()
    assert list(ds.param.values) == ["E", "A", "alpha"] and ds.attrs["level"] == 0.9
    assert "alpha" in str(fit.summary())


def test_observation_band_adds_the_residual_noise(rng):
    """The observation band's half-width in log space is the noise's, on top of the curve's."""
    x = np.geomspace(1e18, 1e24, 200)
    y = (1.7 + 300 * x**-0.15) * np.exp(rng.normal(0, 0.02, x.size))
    fit = fit_power_law(x, y)
    assert fit.sigma == pytest.approx(0.02, rel=0.15)
    mean = fit.predict([1e21])
    new = fit.predict([1e21], interval="observation")
    half_mean = float(np.log(mean.y_upper / mean.y)[0])
    half_new = float(np.log(new.y_upper / new.y)[0])
    assert half_new == pytest.approx(np.hypot(half_mean, 1.6526 * fit.sigma), rel=1e-3)
    assert new.y_upper.attrs["interval"] == "observation"


def test_negligible_offset_is_reported_at_its_bound(rng):
    """A pure power law fitted with an offset: E at 0 with a warning, never NaN intervals."""
    x = np.geomspace(1, 1e6, 30)
    y = 5 * x**-0.3 * np.exp(rng.normal(0, 1e-4, x.size))
    with pytest.warns(BoundaryWarning, match="reported at its bound E = 0"):
        fit = fit_power_law(x, y)
    assert fit.at_bound and fit.params["E"] == 0.0
    bounds = fit.conf_int()
    assert bounds["E"][0] == 0.0 and 0.0 < bounds["E"][1] < 1e-3
    assert all(np.isfinite(v).all() for v in bounds.values())
    assert fit.params["alpha"] == pytest.approx(0.3, abs=1e-4)
    assert np.isfinite(fit.predict([10.0]).y_lower).all()
    assert "bound" in str(fit.summary())


@pytest.mark.slow
def test_interval_coverage_on_known_noise():
    """90% intervals of alpha and E cover the truth in about 90% of simulated data sets."""
    rng = np.random.default_rng(7)
    x = np.geomspace(1e18, 1e24, 40)
    hits = {"alpha": 0, "E": 0}
    trials = 300
    for _ in range(trials):
        y = (1.7 + 300 * x**-0.15) * np.exp(rng.normal(0, 0.01, x.size))
        bounds = fit_power_law(x, y).conf_int()
        hits["alpha"] += bounds["alpha"][0] <= 0.15 <= bounds["alpha"][1]
        hits["E"] += bounds["E"][0] <= 1.7 <= bounds["E"][1]
    # +/- 3 binomial standard errors around 0.9 over 300 trials.
    for name, hit in hits.items():
        assert abs(hit / trials - 0.9) < 0.052, (name, hit / trials)


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
