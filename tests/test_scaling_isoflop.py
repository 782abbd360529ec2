"""fit_isoflop: budgets from real runs, robust optima on wide asymmetric sweeps, bracketing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.errors import BracketWarning, FitError, ParameterError
from workbench.scaling import REPLICATION_PARAMS, fit_isoflop, read_runs, simulate_runs
from workbench.scaling.isoflop import group_budgets

TRUE_EXPONENT = REPLICATION_PARAMS["beta"] / (
    REPLICATION_PARAMS["alpha"] + REPLICATION_PARAMS["beta"]
)


def test_recovers_the_optimal_size_exponent():
    runs = simulate_runs(300, seed=2, noise=0.002)
    fit = fit_isoflop(runs.params, runs.loss, runs.training_compute)
    assert fit.exponent == pytest.approx(TRUE_EXPONENT, abs=0.01)
    assert fit.bracketed.all() and fit.n == 10
    ds = fit.to_dataset()
    assert list(ds.param.values) == ["exponent", "token_exponent", "coefficient"]
    assert float(ds.estimate.sel(param="exponent")) == fit.exponent
    assert ds.attrs["level"] == 0.9
    assert "every budget brackets its optimum" in str(fit.summary())


def test_csv_round_trip_groups_runs_into_their_budgets(tmp_path):
    """Issue 15: 300 runs written to CSV and read back made 22 budgets instead of 10."""
    runs = simulate_runs(300, seed=2, noise=0.002)
    path = tmp_path / "runs.csv"
    runs[["params", "tokens", "loss"]].to_dataframe().to_csv(path, float_format="%.6g")
    back = read_runs(path)
    assert np.unique(back.training_compute.values).size > 10  # 6 N D scatters
    fit = fit_isoflop(back.params, back.loss, back.training_compute)
    assert fit.n == 10
    assert fit.exponent == pytest.approx(TRUE_EXPONENT, abs=0.01)
    # Exact equality (rtol=0) splits the budgets, and the error says what to do.
    with pytest.raises(FitError, match=r"distinct model size.*raise rtol"):
        fit_isoflop(back.params, back.loss, back.training_compute, rtol=0)


def test_budget_column_is_used_when_present(tmp_path):
    runs = simulate_runs(300, seed=2, noise=0.002)
    frame = runs[["params", "tokens", "loss"]].to_dataframe()
    frame["flops"] = runs.training_compute.values
    path = tmp_path / "runs.csv"
    frame.rename(columns={"params": "N"}).to_csv(path, float_format="%.6g")
    back = read_runs(path, columns={"params": "N", "compute": "flops"})
    assert np.unique(back.training_compute.values).size == 10
    assert "flops" in back.attrs["compute_from"]


def test_wide_asymmetric_sweeps_recover_the_exponent():
    """One size grid for every budget: sweeps from ~1 to ~2.3 decades either side.

    One parabola over the whole sweep is biased (about -0.013 here); the local fit is not.
    """
    sizes = np.geomspace(2e7, 3e10, 16)
    local, whole = [], []
    for seed in range(4):
        runs = simulate_runs(
            seed=seed, noise=0.002, sizes=sizes, n_budgets=6, min_compute=3e18, max_compute=1e21
        )
        local.append(fit_isoflop(runs.params, runs.loss, runs.training_compute).exponent)
        whole.append(
            fit_isoflop(
                runs.params, runs.loss, runs.training_compute, estimator="parabola"
            ).exponent
        )
    assert np.mean(local) == pytest.approx(TRUE_EXPONENT, abs=0.006)
    assert np.mean(whole) < TRUE_EXPONENT - 0.008


def test_optimum_outside_the_sweep_warns_or_raises():
    """Every sweep above the optimum: the vertices are extrapolated, and the fit says so."""
    runs = simulate_runs(300, seed=2, noise=0.002, span=(0.3, 1.3))
    with pytest.warns(BracketWarning, match="outside the model sizes sampled"):
        fit = fit_isoflop(runs.params, runs.loss, runs.training_compute)
    assert not fit.bracketed.any()
    assert "WARNING: optimum extrapolated" in str(fit.summary())
    with pytest.raises(FitError, match="outside the model sizes sampled"):
        fit_isoflop(runs.params, runs.loss, runs.training_compute, strict=True)


def test_no_warning_when_bracketed():
    runs = simulate_runs(300, seed=2, noise=0.002)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_isoflop(runs.params, runs.loss, runs.training_compute)


def test_optima_carry_their_uncertainty():
    runs = simulate_runs(300, seed=2, noise=0.01)
    optima = fit_isoflop(runs.params, runs.loss, runs.training_compute).optima
    width = np.log(optima.params_upper / optima.params_lower)
    assert (width > 0).all() and np.isfinite(width).all()
    noisier = fit_isoflop(
        *(simulate_runs(300, seed=2, noise=0.03)[v] for v in ("params", "loss", "training_compute"))
    ).optima
    assert float(np.log(noisier.params_upper / noisier.params_lower).median()) > float(
        width.median()
    )


def test_group_budgets_by_relative_tolerance():
    groups, budgets = group_budgets(np.array([1e20, 1.04e20, 3e20, 0.98e20, 2.9e20]), rtol=0.1)
    assert list(groups) == [0, 0, 1, 0, 1]
    assert budgets == pytest.approx(
        [np.exp(np.log([1e20, 1.04e20, 0.98e20]).mean()), np.sqrt(3e20 * 2.9e20)]
    )


def test_needs_three_budgets_and_a_minimum():
    with pytest.raises(FitError, match="three compute budgets"):
        fit_isoflop([1e8, 1e9, 1e10], [3.0, 2.5, 2.7], [1e20, 1e20, 1e21])
    sizes = np.tile([1e8, 1e9, 1e10], 3)
    budgets = np.repeat([1e19, 1e20, 1e21], 3)
    hill = np.tile([2.5, 3.0, 2.5], 3)
    with pytest.raises(FitError, match=r"C=1e\+19 FLOP has no minimum"):
        fit_isoflop(sizes, hill, budgets)
    with pytest.raises(ParameterError, match="'rtol'"):
        fit_isoflop(sizes, hill, budgets, rtol=2)
