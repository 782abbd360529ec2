"""Approach 1: the envelope of simulated training curves recovers the known exponent."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import FitError, ParameterError
from workbench.scaling import REPLICATION_PARAMS, fit_envelope, simulate_curves

TRUE = REPLICATION_PARAMS["beta"] / (REPLICATION_PARAMS["alpha"] + REPLICATION_PARAMS["beta"])


def test_envelope_recovers_the_exponent_of_smooth_curves():
    fit = fit_envelope(
        simulate_curves(sizes=np.geomspace(3e7, 3e10, 60), noise=0.0, step_noise=0.0)
    )
    assert fit.exponent == pytest.approx(TRUE, abs=0.005)
    lower, upper = fit.conf_int()["exponent"]
    assert lower <= TRUE + 0.005 and upper >= TRUE - 0.005
    ds = fit.to_dataset()
    assert "envelope_params" in ds and ds.attrs["level"] == 0.9
    assert ds.attrs["source"].startswith("workbench.scaling.fit_envelope over: SYNTHETIC")


def test_envelope_with_seed_to_seed_noise():
    exponents = [fit_envelope(simulate_curves(noise=0.005, seed=s)).exponent for s in range(4)]
    assert np.mean(exponents) == pytest.approx(TRUE, abs=0.02)


def test_envelope_needs_a_bracketed_optimum():
    # Only large models, which are never compute-optimal at the compute they have spent.
    curves = simulate_curves(sizes=np.geomspace(1e10, 3e10, 4), min_tokens=1e8, max_tokens=2e8)
    with pytest.raises(FitError, match="interior"):
        fit_envelope(curves)


def test_envelope_predicts_the_allocation_as_isoflop_does():
    # Approaches 1 and 2 both fit log N_opt on log C; their predictions share one shape.
    fit = fit_envelope(simulate_curves(noise=0.0, step_noise=0.0))
    out = fit.predict([1e21, 1e23], level=0.8)
    assert out.params.dims == ("budget",) and out.params_lower.attrs["level"] == 0.8
    assert (out.params_lower < out.params).all() and (out.params < out.params_upper).all()
    np.testing.assert_allclose(out.tokens * 6 * out.params, out.budget)
    assert (out.tokens_lower < out.tokens).all() and (out.tokens < out.tokens_upper).all()
    with pytest.raises(ParameterError, match=r"'C' parameter of scaling\.EnvelopeFit\.predict"):
        fit.predict([-1.0])
