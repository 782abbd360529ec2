"""Tests of workbench.uncertainty: distributions from intervals, seeded and chunked sampling."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import special, stats

from workbench import uncertainty as unc
from workbench.errors import ParameterError, WorkbenchError

INPUTS = {
    "size": (2.0, 20.0),
    "share": {"dist": "beta", "low": 0.1, "high": 0.4},
    "offset": {"dist": "normal", "low": -1.0, "high": 3.0},
    "flat": {"dist": "uniform", "low": 5.0, "high": 6.0},
    "known": 7.5,
}


# --- distributions match the intervals they were stated with ---------------------------


@pytest.mark.parametrize(
    ("make", "low", "high", "level"),
    [
        (unc.LogNormal.from_interval, 2.0, 20.0, 0.9),
        (unc.LogNormal.from_interval, 1e20, 1e24, 0.8),
        (unc.Normal.from_interval, -1.0, 3.0, 0.9),
        (unc.Normal.from_interval, 100.0, 101.0, 0.5),
        (unc.Beta.from_interval, 0.1, 0.4, 0.9),
        (unc.Beta.from_interval, 0.001, 0.01, 0.9),
        (unc.Beta.from_interval, 0.9, 0.999, 0.95),
    ],
)
def test_from_interval_reproduces_the_stated_interval(make, low, high, level):
    dist = make(low, high, level=level)
    got = dist.interval(level)
    np.testing.assert_allclose(got, (low, high), rtol=1e-6)


def test_lognormal_matches_scipy():
    dist = unc.LogNormal.from_interval(2.0, 20.0)
    ref = stats.lognorm(s=dist.sigma, scale=np.exp(dist.mu))
    u = np.array([0.01, 0.05, 0.5, 0.95, 0.99])
    np.testing.assert_allclose(dist.ppf(u), ref.ppf(u), rtol=1e-12)
    assert dist.median == pytest.approx(np.sqrt(2.0 * 20.0))


def test_uniform_and_fixed():
    assert unc.Uniform(5.0, 6.0).interval(0.9) == pytest.approx((5.05, 5.95))
    fixed = unc.Fixed(3.0)
    assert fixed.is_fixed and fixed.interval() == (3.0, 3.0)


def test_sampled_quantiles_match_the_stated_intervals():
    draws = unc.sample(INPUTS, n_draws=200_000, seed=11)
    for name, (low, high) in {
        "size": (2.0, 20.0),
        "share": (0.1, 0.4),
        "offset": (-1.0, 3.0),
        "flat": (5.05, 5.95),
    }.items():
        q05, q95 = unc.quantiles(draws[name], [0.05, 0.95]).values
        span = high - low
        assert q05 == pytest.approx(low, abs=0.02 * span), name
        assert q95 == pytest.approx(high, abs=0.02 * span), name
    assert (draws["known"] == 7.5).all()


def test_beta_sampling_agrees_with_its_exact_quantile_function():
    # Sampling uses a spline through the exact quantiles; it must stay within 1e-9 of them.
    for low, high in [(0.1, 0.4), (0.001, 0.01), (0.01, 0.99), (1e-4, 0.5)]:
        dist = unc.Beta.from_interval(low, high)
        z = np.linspace(-unc.Z_MAX, unc.Z_MAX, 100_001)
        # Reference: each tail from its own side (probabilities near 1 lose digits).
        exact = np.where(
            z < 0,
            dist.ppf(special.ndtr(z)),
            1 - special.betaincinv(dist.b, dist.a, special.ndtr(-z)),
        )
        np.testing.assert_allclose(dist._from_normal(z), exact, rtol=0, atol=1e-9)


def test_normal_shortcut_equals_the_quantile_function():
    # Up to 4 standard deviations, where the round trip through probabilities keeps its digits.
    z = np.linspace(-4.0, 4.0, 1001)
    for dist in (unc.Normal(1.0, 2.0), unc.LogNormal(0.5, 1.5), unc.Uniform(-1.0, 4.0)):
        np.testing.assert_allclose(dist._from_normal(z), dist.ppf(special.ndtr(z)), rtol=1e-9)


# --- seeds, prefixes and chunks ----------------------------------------------------------


def test_same_seed_same_draws_other_seed_other_draws():
    a = unc.sample(INPUTS, n_draws=5_000, seed=3)
    b = unc.sample(INPUTS, n_draws=5_000, seed=3)
    c = unc.sample(INPUTS, n_draws=5_000, seed=4)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a["size"].values, c["size"].values)


def test_a_short_sample_is_the_prefix_of_a_long_one():
    long = unc.sample(INPUTS, n_draws=unc.BLOCK + 500, seed=5)
    short = unc.sample(INPUTS, n_draws=700, seed=5)
    xr.testing.assert_identical(long.isel(draw=slice(0, 700)).drop_attrs(), short.drop_attrs())


@pytest.mark.parametrize("chunks", [1, 70_000, 10**9])
def test_chunked_draws_equal_in_memory_draws(chunks):
    n = 2 * unc.BLOCK + 123
    corr = {("size", "share"): 0.6}
    in_memory = unc.sample(INPUTS, n_draws=n, seed=9, correlation=corr)
    chunked = unc.sample(INPUTS, n_draws=n, seed=9, correlation=corr, chunks=chunks)
    assert chunked["size"].chunks is not None
    # Chunks are whole blocks, so the split never changes a draw.
    assert all(c % unc.BLOCK == 0 for c in chunked["size"].chunks[0][:-1])
    xr.testing.assert_identical(in_memory, chunked.compute())


def test_units_and_long_names_are_written():
    draws = unc.sample({"power": (1.0, 2.0)}, n_draws=10, seed=0, units={"power": "MW"})
    assert draws.power.attrs["units"] == "MW"
    assert draws.power.attrs["long_name"] == "power"
    assert draws.sizes == {"draw": 10}
    assert (draws.draw.values == np.arange(10)).all()


# --- correlation -------------------------------------------------------------------------


def test_gaussian_copula_gives_the_requested_normal_correlation():
    draws = unc.sample(
        {"a": (1.0, 10.0), "b": (1.0, 100.0), "c": {"dist": "beta", "low": 0.2, "high": 0.6}},
        n_draws=100_000,
        seed=1,
        correlation={("a", "b"): 0.8, ("b", "c"): -0.5},
    )
    # Lognormals: correlation of the logs is the copula's normal correlation.
    rho_ab = np.corrcoef(np.log(draws.a), np.log(draws.b))[0, 1]
    assert rho_ab == pytest.approx(0.8, abs=0.01)
    # Spearman of a Gaussian copula: 6/pi * arcsin(rho / 2).
    spearman_bc = stats.spearmanr(draws.b, draws.c).statistic
    assert spearman_bc == pytest.approx(6 / np.pi * np.arcsin(-0.25), abs=0.01)
    # Pairs not named are uncorrelated.
    assert abs(stats.spearmanr(draws.a, draws.c).statistic) < 0.01


def test_correlation_errors_name_the_problem():
    with pytest.raises(ParameterError, match="'correlation' parameter of sample"):
        unc.sample({"a": 1.0}, n_draws=10, seed=0, correlation={("a", "nope"): 0.5})
    with pytest.raises(ParameterError, match=r"coefficients in \(-1, 1\)"):
        unc.sample({"a": 1.0, "b": 2.0}, n_draws=10, seed=0, correlation={("a", "b"): 1.5})
    with pytest.raises(ParameterError, match="positive-definite"):
        unc.sample(
            {"a": 1.0, "b": 2.0, "c": 3.0},
            n_draws=10,
            seed=0,
            correlation={("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9},
        )


# --- quantiles ---------------------------------------------------------------------------


def test_quantiles_keep_attrs_and_dims():
    draws = unc.sample({"x": (1.0, 100.0)}, n_draws=20_000, seed=2, units={"x": "MW"})
    grid = draws.x * xr.DataArray([1.0, 2.0], dims="year")
    grid.attrs = draws.x.attrs
    q = unc.quantiles(grid, [0.05, 0.5, 0.95])
    assert q.dims == ("quantile", "year")
    assert q.attrs["units"] == "MW"
    np.testing.assert_allclose(q.sel(year=1) / q.sel(year=0), 2.0)


def test_chunk_weighted_quantiles_are_close_to_exact():
    inputs = {"x": (1.0, 100.0), "s": {"dist": "beta", "low": 0.1, "high": 0.4}}
    n = 8 * unc.BLOCK
    chunked = unc.sample(inputs, n_draws=n, seed=8, chunks=unc.BLOCK)
    exact = unc.quantiles(chunked, [0.05, 0.5, 0.95])
    approx = unc.quantiles(chunked, [0.05, 0.5, 0.95], exact=False)
    assert approx.x.chunks is not None  # lazy until asked
    for name in inputs:
        np.testing.assert_allclose(approx[name].values, exact[name].values, rtol=5e-3)


def test_chunk_weighted_quantiles_skip_missing_values():
    data = xr.DataArray(np.arange(20.0), dims="draw").where(lambda d: d != 3).chunk(5)
    got = unc.quantiles(data, [0.5], exact=False).values
    assert np.isfinite(got).all()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: unc.LogNormal.from_interval(-1.0, 2.0, name="users"), "users"),
        (lambda: unc.LogNormal.from_interval(3.0, 2.0, name="users"), "users"),
        (lambda: unc.Normal.from_interval(1.0, np.inf), "low/high"),
        (lambda: unc.Beta.from_interval(0.5, 1.2, name="share"), "share"),
        (lambda: unc.Normal.from_interval(1.0, 2.0, level=1.5), "level"),
        (lambda: unc.Uniform(2.0, 1.0), "low/high"),
        (lambda: unc.as_distribution("ten", name="users"), "users"),
        (lambda: unc.as_distribution(float("nan"), name="users"), "users"),
        (lambda: unc.as_distribution({"dist": "gamma", "low": 1, "high": 2}, name="g"), "g"),
        (lambda: unc.as_distribution({"dist": "beta", "low": 0.1}, name="share"), "share"),
        (lambda: unc.sample({"a": 1.0}, n_draws=0, seed=0), "n_draws"),
        (lambda: unc.sample({"a": 1.0}, n_draws=10, seed=-1), "seed"),
        (lambda: unc.sample({"a": 1.0}, n_draws=10, seed=0, chunks=0), "chunks"),
        (lambda: unc.quantiles(xr.DataArray([1.0], dims="x")), "dim"),
        (lambda: unc.quantiles(xr.DataArray([1.0], dims="draw"), [1.5]), "q"),
    ],
)
def test_bad_input_raises_a_workbench_error_naming_it(call, param):
    with pytest.raises(WorkbenchError) as info:
        call()
    assert f"{param!r}" in str(info.value)
    assert "got" in str(info.value)


def test_as_distribution_forms():
    assert unc.as_distribution(3) == unc.Fixed(3.0)
    assert isinstance(unc.as_distribution((1, 2)), unc.LogNormal)
    assert isinstance(unc.as_distribution({"dist": "fixed", "value": 2}), unc.Fixed)
    beta = unc.as_distribution({"dist": "beta", "low": 0.2, "high": 0.3, "level": 0.8})
    assert beta.interval(0.8) == pytest.approx((0.2, 0.3), rel=1e-6)


def test_distributions_from_table():
    table = xr.Dataset(
        {
            "dist": ("input", ["lognormal", "fixed", "beta"]),
            "low": ("input", [1.0, np.nan, 0.1]),
            "high": ("input", [10.0, np.nan, 0.2]),
            "value": ("input", [np.nan, 4.0, np.nan]),
        },
        coords={"input": ["a", "b", "c"]},
    )
    dists = unc.distributions_from_table(table)
    assert isinstance(dists["a"], unc.LogNormal)
    assert dists["b"] == unc.Fixed(4.0)
    assert dists["c"].interval() == pytest.approx((0.1, 0.2), rel=1e-6)


# --- named streams and map_draws ----------------------------------------------------------


def test_named_streams_of_one_seed_are_independent_and_reproducible():
    a = unc.sample({"x": unc.Normal(0, 1)}, n_draws=20_000, seed=0, stream="supply.shipments")
    b = unc.sample({"x": unc.Normal(0, 1)}, n_draws=20_000, seed=0, stream="demand.simulate")
    again = unc.sample({"x": unc.Normal(0, 1)}, n_draws=20_000, seed=0, stream="demand.simulate")
    xr.testing.assert_identical(b, again)
    assert abs(np.corrcoef(a.x, b.x)[0, 1]) < 0.03
    assert b.attrs["random_streams"] == "demand.simulate@0" and b.attrs["seed"] == 0
    # A bare integer seed keeps numpy's plain stream of that seed (the draws of before).
    plain = unc.sample({"x": unc.Normal(0, 1)}, n_draws=5, seed=7)
    expected = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(0,))).standard_normal(5)
    np.testing.assert_allclose(plain.x.values, expected)
    assert plain.attrs["random_streams"] == "unnamed@7"
    # A Stream object is the same as seed + name.
    s = unc.stream(0, "demand.simulate")
    xr.testing.assert_identical(unc.sample({"x": unc.Normal(0, 1)}, n_draws=20_000, seed=s), b)


def test_check_independent_sees_every_stream_not_the_last_seed():
    supply = xr.Dataset(attrs={"random_streams": "supply.shipments@0, supply.projection@2"})
    demand = xr.Dataset(attrs={"random_streams": "supply.projection@2"})
    with pytest.raises(ParameterError, match=r"supply\.projection@2"):
        unc.check_independent({"supply": supply, "demand": demand}, owner="t")
    unc.check_independent(
        {"supply": supply, "demand": xr.Dataset(attrs={"seed": 2})}, owner="t"
    )  # unnamed@2 is not a named stream of seed 2
    with pytest.raises(ParameterError, match="random streams"):
        unc.check_independent({"supply": supply, "demand": xr.Dataset()}, owner="t")


@pytest.mark.parametrize("mode", ["memory", "chunks", "lazy"])
def test_map_draws_evaluates_chunk_by_chunk_the_same_way(mode):
    n = unc.BLOCK + 123
    draws = unc.sample({"x": (1.0, 4.0), "y": (2.0, 3.0)}, n_draws=n, seed=1, stream="t")

    def model(ds):
        years = xr.DataArray([0.0, 1.0], dims="year")
        return xr.Dataset({"z": (ds.x * ds.y * (1 + years)).assign_attrs(units="1")})

    kwargs = {"memory": {}, "chunks": {"chunks": 10_000}, "lazy": {"compute": False}}[mode]
    source = draws.chunk({"draw": 20_000}) if mode == "lazy" else draws
    out = unc.map_draws(model, source, keep_inputs=True, dtype=np.float32, **kwargs)
    assert (out.chunks is not None and len(out.chunks) > 0) == (mode == "lazy")
    out = out.compute()
    assert out.z.dtype == np.float32 and out.z.dims == ("draw", "year")
    np.testing.assert_allclose(out.z.isel(year=1), 2 * draws.x * draws.y, rtol=1e-6)
    assert out.x.dtype == np.float32  # kept inputs in the requested dtype too
    np.testing.assert_allclose(out.x, draws.x, rtol=1e-6)
    assert out.z.attrs["units"] == "1"
