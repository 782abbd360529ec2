"""Data-constrained laws (Muennighoff et al. 2023): effective data, R*, allocation under a cap."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import ParameterError
from workbench.scaling import (
    REPLICATION_PARAMS,
    effective_tokens,
    fit_chinchilla,
    fit_data_constrained,
    simulate_runs,
)


def _repeated_runs(rng, r_star=15.4, noise=0.005):
    n = np.repeat(np.geomspace(1e8, 3e9, 5), 12)
    unique = np.tile(np.repeat([2e9, 1e10, 5e10], 4), 5)
    tokens = unique * np.tile([1, 2, 8, 40], 15)
    law = REPLICATION_PARAMS
    effective = effective_tokens(tokens, unique, r_star)
    loss = law["E"] + law["A"] / n ** law["alpha"] + law["B"] / effective ** law["beta"]
    return n, tokens, unique, loss * np.exp(rng.normal(0, noise, n.size))


def test_effective_tokens_formula():
    # One epoch: all data is new. Many epochs: D' tends to U (1 + R*).
    assert effective_tokens(1e9, 1e9, 15.4) == pytest.approx(1e9)
    assert effective_tokens(1e9 * 1e4, 1e9, 15.4) == pytest.approx(1e9 * 16.4, rel=1e-6)
    two = effective_tokens(2e9, 1e9, 15.4)
    assert two == pytest.approx(1e9 + 1e9 * 15.4 * (1 - np.exp(-1 / 15.4)))
    assert 1.9e9 < two < 2e9


def test_recovers_the_decay_constant(rng):
    n, d, u, loss = _repeated_runs(rng)
    fit = fit_data_constrained(n, d, u, loss)
    assert fit.r_star == pytest.approx(15.4, rel=0.1)
    lower, upper = fit.conf_int()["r_star"]
    assert lower < 15.4 < upper
    assert fit.to_dataset().param.values.tolist() == ["r_star"]


def test_allocation_under_a_cap_on_unique_tokens(rng):
    n, d, u, loss = _repeated_runs(rng)
    fit = fit_data_constrained(n, d, u, loss)
    plenty = fit.compute_optimal([1e21], 1e15)
    assert float(plenty.params[0]) == pytest.approx(float(plenty.params_unconstrained[0]), rel=1e-4)
    # With the unconstrained law's own optimum for comparison.
    runs = simulate_runs(60, seed=1, noise=0.0)
    law = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    assert float(plenty.params_unconstrained[0]) == pytest.approx(
        float(law.compute_optimal([1e21]).params[0]), rel=1e-3
    )
    capped = fit.compute_optimal([1e24], 1e11)
    # Repeats are worth less: more parameters, fewer epochs than the tokens alone suggest,
    # and a higher loss than without the cap.
    assert float(capped.params[0]) > float(capped.params_unconstrained[0])
    assert float(capped.epochs[0]) > 1
    assert float(capped.loss[0]) > float(capped.loss_unconstrained[0])


def test_needs_repeated_runs():
    with pytest.raises(ParameterError, match="repeated data"):
        fit_data_constrained([1e8, 1e9, 1e10], [1e9] * 3, [1e9] * 3, [3.0, 2.8, 2.7])
