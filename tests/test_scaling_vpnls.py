"""VPNLS against the grid engine, identifiability warnings and the approaches side by side."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.errors import IdentifiabilityWarning
from workbench.scaling import (
    REPLICATION_PARAMS,
    compare_approaches,
    fit_chinchilla,
    isoflop_design,
    simulate_runs,
)


@pytest.fixture(scope="module")
def runs():
    return simulate_runs(250, seed=0, noise=0.02)


def test_vpnls_and_the_grid_engine_reach_one_optimum(runs):
    """On the grid engine's objective (Huber of log-loss) both reach it to 1e-6 relative."""
    grid = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    vp = fit_chinchilla(runs.params, runs.tokens, runs.loss, method="vpnls", space="log")
    assert vp.objective == pytest.approx(grid.objective, rel=1e-6)
    for name in ("alpha", "beta", "E"):
        assert vp.params[name] == pytest.approx(grid.params[name], rel=1e-4), name
    assert "variable projection" in vp.to_dataset().attrs["method"]


@pytest.mark.parametrize("objective", ["ls", "huber"])
def test_vpnls_in_loss_space_recovers_the_law(objective):
    runs = simulate_runs(250, seed=3, noise=0.005)
    fit = fit_chinchilla(runs.params, runs.tokens, runs.loss, method="vpnls", objective=objective)
    assert fit.params["alpha"] == pytest.approx(REPLICATION_PARAMS["alpha"], abs=0.02)
    assert fit.params["beta"] == pytest.approx(REPLICATION_PARAMS["beta"], abs=0.02)
    assert fit.params["E"] == pytest.approx(REPLICATION_PARAMS["E"], rel=0.02)


def test_vpnls_least_squares_is_the_least_squares_optimum():
    """The variable-projection LS optimum is no worse than scipy's from the true law."""
    from scipy.optimize import least_squares

    runs = simulate_runs(120, seed=5, noise=0.01)
    n, d, loss = (runs[v].values for v in ("params", "tokens", "loss"))
    fit = fit_chinchilla(n, d, loss, method="vpnls", objective="ls")

    def residual(p):
        return p[0] + p[1] / n ** p[3] + p[2] / d ** p[4] - loss

    truth = [REPLICATION_PARAMS[k] for k in ("E", "A", "B", "alpha", "beta")]
    reference = least_squares(residual, truth, method="lm", xtol=1e-15, ftol=1e-15)
    assert fit.objective <= reference.cost * (1 + 1e-6)


def test_fixed_tokens_warn_with_the_condition_number():
    """Issue 15: 20 runs at one D gave E 0.000, B 0.003, beta 2.16 and converged=True."""
    rng = np.random.default_rng(0)
    n = np.geomspace(1e7, 1e10, 20)
    d = np.full(20, 1e10)
    loss = (1.82 + 482 * n**-0.348 + 2085 * d**-0.366) * np.exp(rng.normal(0, 0.01, 20))
    with pytest.warns(IdentifiabilityWarning) as caught:
        fit = fit_chinchilla(n, d, loss)
    messages = " ".join(str(w.message) for w in caught)
    assert "1 distinct value(s) of D" in messages and "near-singular" in messages
    assert fit.condition_number > 1e8
    text = str(fit.summary())
    assert "condition number" in text and "WARNING" in text


def test_a_good_design_does_not_warn(runs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    assert fit.condition_number < 1e6
    assert fit.identifiability_problems == []


def test_compare_approaches_shows_each_bias(runs):
    table = compare_approaches(runs, budgets=[1e21, 1e24], n_boot=30, truth="attrs")
    assert list(table.approach.values) == ["isoflop", "grid", "vpnls", "truth"]
    assert table.params.dims == ("approach", "budget")
    true = REPLICATION_PARAMS["beta"] / (REPLICATION_PARAMS["alpha"] + REPLICATION_PARAMS["beta"])
    assert float(table.exponent.sel(approach="truth")) == pytest.approx(true)
    for approach in ("grid", "vpnls"):
        assert abs(float(table.exponent_bias.sel(approach=approach))) < 0.05
    fitted = table.sel(approach=["isoflop", "grid", "vpnls"])
    assert (fitted.exponent_lower <= fitted.exponent).all()
    assert (fitted.exponent <= fitted.exponent_upper).all()
    assert table.attrs["level"] == 0.9


def test_design_audit_finds_the_unbracketed_budget():
    budgets = np.geomspace(1e18, 1e21, 6)
    sizes = np.geomspace(2e7, 3e9, 9)
    audit = isoflop_design(np.tile(sizes, 6), np.repeat(budgets, 9), n_sim=40)
    assert list(audit.bracketed.values) == [True] * 5 + [False]
    assert float(audit.share_warned) > 0.3
    # The suggested sizes bracket the law's optimum by construction; re-audited, they do.
    optimum = audit.optimum_params.values
    wide = np.concatenate([np.geomspace(o / 10, o * 10, 9) for o in optimum])
    better = isoflop_design(wide, np.repeat(budgets, 9), n_sim=40)
    assert better.bracketed.all()
    assert float(better.exponent_sd) < float(audit.exponent_sd)
    assert float(better.exponent_mean) == pytest.approx(float(better.exponent_true), abs=0.05)
