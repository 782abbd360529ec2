"""score_extrapolation and observation bands: coverage on simulated runs with known noise."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import FitError
from workbench.scaling import fit_chinchilla, score_extrapolation, simulate_runs


def test_score_reports_coverage_and_errors():
    runs = simulate_runs(250, seed=1, noise=0.02)
    score = score_extrapolation(runs, 3e21, n_boot=60, seed=1)
    assert score.attrs["n_fit"] == 200 and score.attrs["n_held_out"] == 50
    assert list(score.level.values) == [0.5, 0.9]
    assert 0.7 < float(score.coverage.sel(level=0.9)) <= 1.0
    assert abs(float(score.median_error)) < 0.02
    assert abs(float(score.worst_error)) >= abs(float(score.median_error))
    assert score.lower.dims == ("level", "run")
    with pytest.raises(FitError, match="no run at or above"):
        score_extrapolation(runs, 1e30)


def test_observation_band_is_wider_than_the_mean_band():
    runs = simulate_runs(150, seed=2, noise=0.02)
    fit = fit_chinchilla(runs.params, runs.tokens, runs.loss, n_boot=50, seed=2)
    mean = fit.predict([1e9], [2e10])
    new = fit.predict([1e9], [2e10], interval="observation")
    assert (new.loss_upper - new.loss_lower).item() > 2 * (mean.loss_upper - mean.loss_lower).item()
    assert fit.sigma == pytest.approx(0.02, rel=0.2)
    # Without bootstrap: the noise alone, said so in the attrs.
    plain = fit_chinchilla(runs.params, runs.tokens, runs.loss)
    band = plain.predict([1e9], [2e10], interval="observation")
    assert "noise only" in band.loss_upper.attrs["note"]


@pytest.mark.slow
def test_held_out_coverage_matches_the_level_with_known_noise():
    """Runs above 3e21 FLOP held out, noise sd 0.02 known: bands cover about their level.

    The mean band (the law's own uncertainty) covers far fewer, as issue 15 found on real runs.
    """
    coverage, mean_hits, total = [], 0, 0
    for seed in range(6):
        runs = simulate_runs(250, seed=seed, noise=0.02)
        score = score_extrapolation(runs, 3e21, n_boot=100, seed=seed)
        coverage.append(score.coverage.values)
        below = runs.where(runs.training_compute < 3e21, drop=True)
        held = runs.where(runs.training_compute >= 3e21, drop=True)
        fit = fit_chinchilla(below.params, below.tokens, below.loss, n_boot=100, seed=seed)
        band = fit.predict(held.params, held.tokens)
        mean_hits += int(((held.loss >= band.loss_lower) & (held.loss <= band.loss_upper)).sum())
        total += held.sizes["run"]
    coverage = np.mean(coverage, axis=0)
    # 300 held-out runs: +/- ~3 binomial standard errors.
    assert coverage[0] == pytest.approx(0.5, abs=0.09)
    assert coverage[1] == pytest.approx(0.9, abs=0.055)
    assert mean_hits / total < 0.6
