"""Calibration: importance weights against closed-form posteriors, ESS, the observations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from workbench.errors import CalibrationWarning, ParameterError
from workbench.gap import calibration, importance_weights, observations
from workbench.gap.calibration import QUANTILES, _weighted_quantiles

N = 200_000


def _obs(values, log_sd, *, shared=0.0, kind="value", group="g"):
    n = len(values)
    return xr.Dataset(
        {
            "observed": ("observation", np.asarray(values, dtype=float)),
            "log_sd": ("observation", np.full(n, log_sd)),
            "shared_sd": ("observation", np.full(n, shared)),
            "group": ("observation", np.array([group] * n)),
            "kind": ("observation", np.array([kind] * n)),
        },
        coords={"observation": [f"o{i}" for i in range(n)]},
    )


def _prior(mu0, tau, n_obs=1, seed=1):
    theta = np.random.default_rng(seed).normal(mu0, tau, N)
    sim = xr.DataArray(
        np.exp(np.broadcast_to(theta, (n_obs, N))),
        dims=("observation", "draw"),
        coords={"observation": [f"o{i}" for i in range(n_obs)], "draw": np.arange(N)},
    )
    return theta, sim


def _moments(theta, w):
    mean = float(np.sum(w * theta))
    return mean, float(np.sum(w * (theta - mean) ** 2))


def test_normal_prior_times_normal_likelihood_gives_the_conjugate_posterior():
    mu0, tau, y, sigma = 1.0, 2.0, 3.0, 0.5
    theta, sim = _prior(mu0, tau)
    w = importance_weights(sim, _obs([np.exp(y)], sigma))["weight"].values
    precision = 1 / tau**2 + 1 / sigma**2
    mean, var = _moments(theta, w)
    assert mean == pytest.approx((mu0 / tau**2 + y / sigma**2) / precision, abs=0.01)
    assert var == pytest.approx(1 / precision, rel=0.03)


def test_a_shared_error_counts_repeated_observations_once():
    # Two observations of theta with independent sd 0.4 and a shared 0.3: the likelihood's
    # precision is 1' C^-1 1, less than two independent observations would give.
    mu0, tau, sd, shared = 0.0, 1.5, 0.4, 0.3
    theta, sim = _prior(mu0, tau, n_obs=2)
    ys = np.array([0.8, 1.2])
    w = importance_weights(sim, _obs(np.exp(ys), sd, shared=shared))["weight"].values
    cov = np.diag([sd**2, sd**2]) + shared**2
    inv = np.linalg.inv(cov)
    precision = 1 / tau**2 + inv.sum()
    mean, var = _moments(theta, w)
    assert mean == pytest.approx((inv @ ys).sum() / precision, abs=0.01)
    assert var == pytest.approx(1 / precision, rel=0.03)
    independent = 1 / (1 / tau**2 + 2 / sd**2)
    assert var > 1.2 * independent


def test_a_lower_bound_gives_the_skew_normal_posterior_mean():
    mu0, tau, y, sigma = 0.0, 1.0, 1.0, 0.5
    theta, sim = _prior(mu0, tau)
    w = importance_weights(sim, _obs([np.exp(y)], sigma, kind="lower_bound"))["weight"].values
    scale = np.sqrt(tau**2 + sigma**2)
    a = (mu0 - y) / scale
    expected = mu0 + tau**2 / scale * stats.norm.pdf(a) / stats.norm.cdf(a)
    assert _moments(theta, w)[0] == pytest.approx(expected, abs=0.01)


def test_ess_is_the_sample_when_nothing_is_observed_and_collapse_warns():
    _, sim = _prior(0.0, 1.0)
    unpredicted = sim.copy(data=np.full(sim.shape, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flat = importance_weights(unpredicted, _obs([1.0], 0.1))
    assert float(flat["ess"]) == pytest.approx(N)
    assert not bool(flat["used"].item())
    with pytest.warns(CalibrationWarning, match="effective sample"):
        sharp = importance_weights(sim[:, :2000], _obs([np.exp(3.5)], 0.01), min_ess=100)
    assert float(sharp["ess"]) < 100


def test_bad_observations_are_refused():
    _, sim = _prior(0.0, 1.0)
    with pytest.raises(ParameterError, match=r"'obs' parameter of gap\.importance_weights"):
        importance_weights(sim, _obs([1.0], 0.1, kind="upper"))
    with pytest.raises(ParameterError, match="'simulated' parameter"):
        importance_weights(sim.isel(observation=0), _obs([1.0], 0.1))


def test_systematic_resampling_follows_the_weights():
    w = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    counts = np.bincount(calibration.resample(w, seed=3, size=80), minlength=5)
    assert counts.tolist() == [40, 20, 10, 10, 0]
    again = calibration.resample(np.random.default_rng(0).dirichlet(np.ones(50)), seed=3)
    assert again.size == 50


def test_observations_from_the_bundled_tables_and_as_of():
    everything = observations(in_use_times=["2025-01-01"])
    quantities = set(everything["quantity"].values)
    assert quantities == set(calibration.QUANTITIES)
    google = everything.where(everything["quantity"] == "google_tokens_per_month", drop=True)
    assert (google["kind"] == "value").all()
    assert float(google["observed"].max()) == pytest.approx(3.2e15)
    # The combined error is measurement and model discrepancy in quadrature.
    assert float(google["log_sd"][0]) == pytest.approx(np.hypot(0.2, 0.3))
    early = observations(as_of="2025-07-01")
    assert early["time"].values.max() < np.datetime64("2025-07-01", "ns")
    assert "tokens-google-2026-05-io" not in early["observation"].values
    in_use = everything.sel(observation="in-use-2025-01-01")
    assert float(in_use["observed"]) == pytest.approx(np.sqrt(0.6 * 0.95))
    with pytest.raises(ParameterError, match=r"'utilisation' parameter of gap\.observations"):
        observations(utilisation=(0.9, 0.5))
    with pytest.raises(ParameterError, match=r"'discrepancy' parameter of gap\.observations"):
        observations(discrepancy={"tokens": 0.1})


def test_simulated_observations_interpolate_in_log_time():
    years = np.array(["2024-01-01", "2025-01-01"], dtype="datetime64[ns]")
    demand = xr.Dataset(
        {
            "tokens_per_second": (("draw", "year"), np.array([[1.0, 4.0]]) * 1e6),
            "h100e": (("draw", "year"), np.array([[1.0, 4.0]])),
            "other_providers_ratio": ("draw", [1.0]),
        },
        coords={"year": years, "draw": [0]},
        attrs={"base_date": "2024-01-01"},
    )
    # A quarter's stock refers to the quarter's end: 2023Q4 is the stock on 1 January 2024.
    quarters = np.array(["2023-10-01", "2024-10-01"], dtype="datetime64[ns]")
    supply = xr.Dataset(
        {"h100e": (("quarter", "draw"), np.array([[2.0], [8.0]]))},
        coords={"quarter": quarters, "draw": [0]},
    )
    mid = years[0] + (years[1] - years[0]) / 2
    obs = _obs([1.0, 1.0], 0.1).assign(
        quantity=("observation", ["google_tokens_per_month", "h100e_in_use"]),
        time=("observation", [mid, mid]),
    )
    sim = calibration.simulate_observations(demand, supply, obs)
    tokens = 2e6 * calibration.SECONDS_PER_MONTH / 2  # geometric midpoint, half is Google's
    assert sim.sel(observation="o0").values[0] == pytest.approx(tokens)
    assert sim.sel(observation="o1").values[0] == pytest.approx(0.5)


def test_a_proposal_stage_reweighted_gives_the_conjugate_posterior_with_correlated_inputs():
    # Prior: log a and log b standard normal with correlation 0.6 (a Gaussian copula, as
    # demand.simulate draws them); one sharp observation of log a. The second stage draws
    # from the fitted proposal through the same copula; prior/proposal weights must recover
    # the conjugate posterior of both inputs, the unobserved one through the correlation.
    rho, y, sigma = 0.6, 1.5, 0.2
    cov = np.array([[1.0, rho], [rho, 1.0]])
    rng = np.random.default_rng(4)
    z = rng.multivariate_normal([0.0, 0.0], cov, N).T
    pilot = {k: xr.DataArray(np.exp(v), dims="draw") for k, v in zip("ab", z, strict=True)}
    loglik = -0.5 * ((z[0] - y) / sigma) ** 2
    overrides, fitted = calibration.proposal(pilot, loglik)
    assert 0 < overrides["a"].scale < 1 and overrides["a"].shift > 0.5
    u = rng.multivariate_normal([0.0, 0.0], cov, N).T
    second = {
        k: xr.DataArray(overrides[k]._from_normal(u[i]), dims="draw") for i, k in enumerate("ab")
    }
    ratio = calibration.proposal_log_ratio(second, fitted)
    za, zb = np.log(second["a"].values), np.log(second["b"].values)
    logw = -0.5 * ((za - y) / sigma) ** 2 + ratio
    w = np.exp(logw - logw.max())
    w /= w.sum()
    post_var = 1 / (1 + 1 / sigma**2)
    post_mean = post_var * y / sigma**2
    assert np.sum(w * za) == pytest.approx(post_mean, abs=0.02)
    assert np.sum(w * (za - post_mean) ** 2) == pytest.approx(post_var, rel=0.1)
    assert np.sum(w * zb) == pytest.approx(rho * post_mean, abs=0.03)
    # Drawn from the proposal, the effective sample is far larger than from the prior.
    prior_w = np.exp(loglik - loglik.max())
    assert 1 / np.sum(w**2) > 5 * (prior_w.sum() ** 2 / np.sum(prior_w**2))


def test_weighted_quantiles_treat_tied_draws_as_one_point():
    # Tied draws carry their summed weight: [1, 1, 2] weighted [.25, .25, .5] is 1 and 2 at
    # one half each, whose mid-point CDF is (1/3, 1) after scaling, so the median is 1.25.
    values, weight = np.array([1.0, 1.0, 2.0]), np.array([0.25, 0.25, 0.5])
    assert _weighted_quantiles(values, weight, [0.5])[0] == pytest.approx(1.25)
    # Whatever order the ties come in (a sort orders them by CPU): the same quantiles. It
    # differed with the ties' weights taken one by one (the outlook's posterior inputs moved
    # by up to 5.5e-4 between two machines).
    rng = np.random.default_rng(0)
    values, weight = np.repeat([1.0, 2.0, 3.0], 5), rng.random(15)
    expected = _weighted_quantiles(values, weight, QUANTILES)
    for _ in range(5):
        shuffled = rng.permutation(values.size)
        got = _weighted_quantiles(values[shuffled], weight[shuffled], QUANTILES)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
