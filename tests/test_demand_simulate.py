"""The demand simulation: shape, units, identities, seeds, chunks and a local dask cluster."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench import uncertainty
from workbench.demand import (
    REFERENCE_CHIP,
    chip_specs,
    sampled_inputs,
    simulate,
)
from workbench.demand.simulate import IN_MEMORY_CHUNK
from workbench.demand.tokens import SECONDS_PER_YEAR
from workbench.errors import ParameterError

N = 1_000


@pytest.fixture(scope="module")
def base():
    return simulate("base", n_draws=N, start=2026, end=2031, seed=3)


def test_dimensions_coordinates_and_conventions(base):
    assert base.sizes["draw"] == N and base.sizes["year"] == 6
    years = base["year"].values
    assert years.dtype == np.dtype("datetime64[ns]")
    assert [str(y)[:10] for y in years[:2]] == ["2026-01-01", "2027-01-01"]
    for name in ("tokens_per_second", "flops_required", "flops_provisioned", "h100e", "power"):
        assert base[name].dims == ("draw", "year"), name
    assert base.accelerators.dims == ("draw", "year", "chip")
    for key in ("source", "license", "as_of"):
        assert base.attrs[key]
    assert base.attrs["seed"] == 3


def test_start_and_end_take_a_year_in_any_form():
    by_int = simulate("base", n_draws=50, start=2026, end=2027, seed=1)
    by_date = simulate("base", n_draws=50, start="2026-01-01", end="2027", seed=1)
    assert by_date.identical(by_int)


def test_every_numeric_variable_is_described(base):
    for name, da in base.data_vars.items():
        assert da.attrs.get("units"), name
        assert da.attrs.get("long_name"), name
    units = {
        "tokens_per_second": "1/s",
        "flops_required": "FLOP/s",
        "flops_provisioned": "FLOP/s",
        "h100e": "1",
        "power": "MW",
        "energy": "TWh",
    }
    for name, unit in units.items():
        assert base[name].attrs["units"] == unit


def test_sampled_inputs_are_recorded_along_draw(base):
    inputs = sampled_inputs(base)
    assert "initial_token_growth" in inputs and "users" not in inputs
    for name, da in inputs.data_vars.items():
        assert da.dims == ("draw",), name
        assert da.attrs["role"] == "input"
    assert "h100e" not in inputs
    assert inputs.initial_token_growth.attrs["origin"] == "fit to token_volume"


def test_accounting_identities(base):
    peak = float(chip_specs(REFERENCE_CHIP)["peak_flops"])
    np.testing.assert_allclose(
        base.flops_required, base.inference_flops + base.training_flops + base.other_flops
    )
    np.testing.assert_allclose(
        base.h100e, base.inference_h100e + base.training_h100e + base.other_h100e
    )
    # Other workloads run at training's utilisation of the H100e they hold.
    np.testing.assert_allclose(base.other_flops, base.other_h100e * peak * base.training_mfu)
    np.testing.assert_allclose(base.h100e * peak, base.flops_provisioned)
    np.testing.assert_allclose(base.accelerators.sel(chip=REFERENCE_CHIP), base.h100e)
    from workbench.demand.power import world_electricity

    uncapped = base.power * base.power_load_factor * SECONDS_PER_YEAR / 3600 / 1e6
    np.testing.assert_allclose(base.energy, np.minimum(uncapped, world_electricity(base.year)))
    # Installed capacity is never used beyond its peak: the rooflines and the derates see to it.
    assert (base.utilisation > 0).all() and (base.utilisation <= 1).all()
    assert (base.tokens_per_second_peak >= base.tokens_per_second).all()
    # A B200 does more than an H100: fewer of them are needed.
    assert (
        base.accelerators.sel(chip="NVIDIA B200 (HGX)") < base.accelerators.sel(chip=REFERENCE_CHIP)
    ).all()


def test_hand_check_with_fixed_inputs():
    fixed = {
        "users": 1e9,
        "users_growth": 1.0,
        "max_users": 5e9,
        "requests_per_user_per_day": 10.0,
        "requests_growth": 1.0,
        "tokens_per_request": 1_000.0,
        "tokens_per_request_growth": 1.0,
        "model_params": 70e9,
        "active_share": 1.0,
        "model_params_growth": 1.0,
        "context_tokens": 0.0,
        "kv_bytes_per_token": 0.0,
        "bytes_per_param": 2.0,
        "input_share": 0.0,
        "cached_prompt_share": 0.0,
        "hidden_token_ratio": 0.0,
        "decode_batch": 1.0,
        "mbu": 1.0,
        "mfu": 1.0,
        "fleet_utilisation": 1.0,
        "peak_to_average": 1.0,
        "training_runs_per_year": 0.0,
        "other_workload_h100e": 0.0,
        "host_overhead": 0.0,
        "efficiency_gain": 1.0,
        "efficiency_growth": 1.0,
        "pue_liquid": 1.0,
    }
    ds = simulate(
        n_draws=10,
        end=2027,
        token_model="drivers",
        cooling="liquid",
        chips=[REFERENCE_CHIP],
        **fixed,
    )
    tokens = 1e9 * 10 * 1_000 / 86_400  # per second
    np.testing.assert_allclose(ds.tokens_per_second, tokens)
    # Batch-one decode of a 70B bf16 model with no context: 140 GB read per token.
    per_chip = 3.35e12 / 140e9
    np.testing.assert_allclose(ds.h100e, tokens / per_chip)
    np.testing.assert_allclose(ds.flops_per_token, 2 * 70e9)
    # Facility power: H100s at 700 W, no overhead, PUE 1.
    np.testing.assert_allclose(ds.power, tokens / per_chip * 700 / 1e6)
    np.testing.assert_allclose(ds.training_flops, 0.0)


def test_training_follows_the_frontier_trend():
    ds = simulate(
        n_draws=20,
        end=2028,
        frontier_training_compute=1e27,
        training_compute_growth=3.0,
        training_runs_per_year=10.0,
    )
    expected = 1e27 * 3.0 ** np.array([0.0, 1.0, 2.0]) * 10 / SECONDS_PER_YEAR
    # Years of 365.2425 days from 1 January 2026: leap days shift the dates slightly.
    np.testing.assert_allclose(ds.training_flops.isel(draw=0), expected, rtol=2e-3)


def test_other_workloads_grow_from_their_level_and_count_by_flops():
    ds = simulate(
        n_draws=20,
        end=2028,
        other_workload_h100e=4e6,
        other_workload_growth=1.5,
        training_runs_per_year=0.0,
        training_mfu=0.4,
    )
    expected = 4e6 * 1.5 ** np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(ds.other_h100e.isel(draw=0), expected, rtol=2e-3)
    assert ds.other_h100e.attrs["workload"] == "other"
    # Counted by FLOP/s: a chip with twice the H100's dense peak holds half as many.
    peak = chip_specs(list(ds.chip.values))["peak_flops"]
    ref = float(chip_specs(REFERENCE_CHIP)["peak_flops"])
    served = ds.accelerators - ds.other_h100e * ref / peak
    inference_only = simulate(
        n_draws=20,
        end=2028,
        other_workload_h100e=0.0,
        training_runs_per_year=0.0,
    )
    np.testing.assert_allclose(served, inference_only.accelerators, rtol=1e-9)


def test_same_seed_same_result_other_seed_other_result():
    a = simulate(n_draws=300, end=2028, seed=5)
    b = simulate(n_draws=300, end=2028, seed=5)
    c = simulate(n_draws=300, end=2028, seed=6)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a.h100e, c.h100e)


def test_chunked_equals_in_memory_and_is_lazy():
    n = uncertainty.BLOCK + 500
    in_memory = simulate(n_draws=n, end=2028, seed=7, token_model="drivers")
    chunked = simulate(n_draws=n, end=2028, seed=7, token_model="drivers", chunks=1)
    assert chunked.h100e.chunks is not None and len(chunked.h100e.chunks[0]) == 2
    xr.testing.assert_identical(in_memory, chunked.compute())


def test_many_draws_in_memory_equal_the_chunked_and_the_short_runs():
    # Past IN_MEMORY_CHUNK draws the in-memory path runs chunk by chunk into preallocated
    # arrays; it must give what the lazy path and a short run give for the same draws.
    n = IN_MEMORY_CHUNK + 500
    in_memory = simulate(n_draws=n, end=2027, seed=13)
    assert isinstance(in_memory.h100e.data, np.ndarray)
    chunked = simulate(n_draws=n, end=2027, seed=13, chunks=uncertainty.BLOCK)
    xr.testing.assert_identical(in_memory, chunked.compute())
    short = simulate(n_draws=700, end=2027, seed=13)
    prefix = in_memory.isel(draw=slice(0, 700))
    # The same draws, to the last bits BLAS gives: the copula's matrix product may round a
    # chunk of 700 rows and one of 2 * BLOCK differently (a plain script on main showed it).
    xr.testing.assert_allclose(short.drop_attrs(), prefix.drop_attrs(), rtol=1e-13, atol=0)


def test_each_chunk_samples_its_inputs_once(monkeypatch):
    # Every input of a chunk comes from one sampling task; a graph that gave each input its
    # own copy of that task would sample the chunk once per input (about 30 times the work).
    calls = []
    normal_block = uncertainty._normal_block

    def counted(*args, **kwargs):
        calls.append(args[1])
        return normal_block(*args, **kwargs)

    monkeypatch.setattr(uncertainty, "_normal_block", counted)
    # Each run: block 0 for its one-draw template, then each block of draws once.
    simulate(n_draws=3 * uncertainty.BLOCK, end=2027, seed=1, chunks=uncertainty.BLOCK).compute()
    assert sorted(calls) == [0, 0, 1, 2]
    calls.clear()
    simulate(n_draws=IN_MEMORY_CHUNK + 1, end=2027, seed=1)
    assert sorted(calls) == [0, 0, 1, 2]


def test_local_cluster_gives_the_in_memory_result():
    distributed = pytest.importorskip("distributed")
    n = uncertainty.BLOCK + 100
    expected = simulate(n_draws=n, end=2027, seed=11)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        lazy = simulate(n_draws=n, end=2027, seed=11, chunks=uncertainty.BLOCK)
        # The active client is dask's default scheduler: compute() runs on the two workers.
        # (The task stream records what ran; the scheduler's task groups are forgotten once
        # the results are released, so counting them afterwards raced with the release.)
        with distributed.get_task_stream(client) as stream:
            result = lazy.compute()
    assert len(stream.data) > 0
    xr.testing.assert_identical(expected, result)


# --- instants, lean results, dependence, precision ----------------------------------------


def test_quarterly_demand_is_evaluated_at_quarter_ends():
    annual = simulate(n_draws=200, start=2026, end=2027, seed=2)
    quarterly = simulate(n_draws=200, start=2025, end=2026, seed=2, freq="quarter")
    assert quarterly.h100e.dims == ("draw", "quarter") and quarterly.sizes["quarter"] == 8
    assert quarterly.quarter.attrs["instant"] == "end"
    assert annual.year.attrs["instant"] == "start"
    # 2025Q4 ends on 1 January 2026: the same instant, the same draws, the same numbers.
    np.testing.assert_allclose(
        quarterly.h100e.sel(quarter="2025-10-01"), annual.h100e.sel(year="2026-01-01")
    )


def test_variables_and_float32_make_a_lean_result_with_every_input():
    full = simulate(n_draws=500, end=2028, seed=4)
    lean = simulate(n_draws=500, end=2028, seed=4, variables=["h100e", "energy"], dtype="float32")
    outputs = [n for n, da in lean.data_vars.items() if da.attrs.get("role") != "input"]
    assert sorted(outputs) == ["energy", "h100e"]
    assert set(sampled_inputs(lean).data_vars) == set(sampled_inputs(full).data_vars)
    assert lean.h100e.dtype == np.float32 and lean.model_params.dtype == np.float32
    np.testing.assert_allclose(lean.h100e, full.h100e, rtol=1e-4)  # float32 arithmetic
    with pytest.raises(ParameterError, match=r"'variables' parameter of demand\.simulate"):
        simulate(n_draws=10, end=2027, variables=["nope"])


def test_stated_correlations_are_used_by_default():
    from scipy import stats

    stated = simulate(n_draws=4_000, end=2027, seed=5)
    independent = simulate(n_draws=4_000, end=2027, seed=5, correlation="none")
    rho = stats.spearmanr(stated.model_params, stated.kv_bytes_per_token)[0]
    assert rho == pytest.approx(6 / np.pi * np.arcsin(0.3), abs=0.04)  # rho 0.6 in the table
    assert abs(stats.spearmanr(independent.model_params, independent.kv_bytes_per_token)[0]) < 0.05
    assert "model_params~kv_bytes_per_token=0.6" in stated.attrs["correlation"]


def test_correlation_sensitivity_reports_both_runs():
    from workbench.demand import correlation_sensitivity

    out = correlation_sensitivity(n_draws=1_000, end=2028, seed=1)
    assert out.correlation.values.tolist() == ["independent", "stated"]
    assert (out.lower < out["median"]).all() and (out["median"] < out.upper).all()
    assert out["median"].attrs["units"] == "1" and out.attrs["stated"]


def test_serving_at_one_byte_per_parameter_uses_the_fp8_peak():
    # Prefill is compute-bound: at 1 byte per weight it runs at the fp8 peak (twice bf16 on
    # an H100), so it needs half the H100-equivalents of the same draws at 2 bytes.
    common = dict(n_draws=300, end=2027, seed=6, correlation="none", variables=["prefill_h100e"])
    fp8 = simulate(bytes_per_param=1.0, **common)
    bf16 = simulate(bytes_per_param=2.0, **common)
    specs = (
        chip_specs(REFERENCE_CHIP, precision="fp8")["peak_flops"]
        / chip_specs(REFERENCE_CHIP)["peak_flops"]
    )
    ratio = (bf16.prefill_h100e / fp8.prefill_h100e).values
    assert np.median(ratio) == pytest.approx(float(specs), rel=0.05)


def test_inference_is_prefill_plus_decode(base):
    np.testing.assert_allclose(base.inference_h100e, base.prefill_h100e + base.decode_h100e)


def test_energy_is_bounded_by_the_worlds_electricity_with_a_warning():
    from workbench.demand.power import world_electricity

    with pytest.warns(RuntimeWarning, match="left physics"):
        ds = simulate(n_draws=500, end=2030, seed=1, training_compute_growth=(20.0, 40.0))
    bound = world_electricity(ds.year)
    assert (ds.energy <= bound * (1 + 1e-9)).all()
    assert "world's electricity" in ds.attrs["energy_bound"]
    assert float(world_electricity(2024)) == pytest.approx(27_700)  # IEA: 415 TWh is 1.5%


def test_a_thin_tail_at_the_energy_bound_is_not_reported_as_zero():
    # One draw in 40,001 at the bound was reported as "0.00%" (two decimals of a percent).
    with pytest.warns(RuntimeWarning, match="left physics") as caught:
        simulate(n_draws=40_001, end=2027, seed=1, variables=["energy"])
    message = str(caught[0].message)
    assert "0.00%" not in message and "2027-01-01 0.0025%" in message
