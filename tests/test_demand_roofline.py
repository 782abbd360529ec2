"""Roofline throughput: hand checks on an H100 SXM with a 70B dense model, and the ceilings."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench.demand import (
    chip_specs,
    decode_throughput,
    kv_cache_bytes_per_token,
    prefill_throughput,
)
from workbench.errors import ParameterError, WorkbenchError

# NVIDIA H100 SXM datasheet: 989.4 TFLOP/s dense bf16, 80 GB HBM3 at 3.35 TB/s.
H100 = xr.Dataset(
    {
        "peak_flops": xr.DataArray(989.4e12, attrs={"units": "FLOP/s"}),
        "memory": xr.DataArray(80e9, attrs={"units": "byte"}),
        "memory_bandwidth": xr.DataArray(3.35e12, attrs={"units": "byte/s"}),
    }
)
# Llama 3 70B: 80 layers x 8 KV heads x 128 dims x (K, V) x 2 bytes per token of context.
LLAMA3_70B_KV = 80 * 8 * 128 * 2 * 2


def test_hand_check_decode_h100_70b_dense_batch_one():
    out = decode_throughput(
        H100, params=70e9, batch=1, context=4096, kv_bytes_per_token=LLAMA3_70B_KV, mbu=1.0
    )
    # Each token reads 140 GB of bf16 weights and 4096 x 327,680 B = 1.342 GB of KV cache.
    bytes_per_token = 140e9 + 4096 * 327_680
    assert float(out.bytes_per_token) == pytest.approx(bytes_per_token)
    assert float(out.tokens_per_second_per_chip) == pytest.approx(3.35e12 / bytes_per_token)
    assert float(out.tokens_per_second_per_chip) == pytest.approx(23.70, abs=0.01)
    # 141.3 GB does not fit in 0.9 x 80 GB: two chips, twice the replica's throughput.
    assert int(out.chips_per_replica) == 2
    assert float(out.tokens_per_second_per_replica) == pytest.approx(47.40, abs=0.02)
    assert str(out.bound.values) == "memory"


def test_hand_check_decode_h100_70b_dense_compute_bound():
    # No context and a huge batch: the weights are amortised and the FLOP ceiling binds.
    out = decode_throughput(
        H100, params=70e9, batch=4096, context=0, kv_bytes_per_token=0, mfu=1.0, mbu=1.0
    )
    assert str(out.bound.values) == "compute"
    assert float(out.tokens_per_second_per_chip) == pytest.approx(989.4e12 / 140e9)
    assert float(out.flops_utilisation) == pytest.approx(1.0)


def test_hand_check_prefill_h100_70b_is_compute_bound():
    out = prefill_throughput(H100, params=70e9, context=4096, mfu=0.5)
    assert str(out.bound.values) == "compute"
    flops = float(out.flops_per_token)
    assert flops > 2 * 70e9  # projections plus attention over half the prompt on average
    assert float(out.tokens_per_second_per_chip) == pytest.approx(0.5 * 989.4e12 / flops)


def test_kv_cache_estimate_is_close_to_llama3_70b():
    assert float(kv_cache_bytes_per_token(70e9)) == pytest.approx(LLAMA3_70B_KV, rel=0.1)


def test_never_exceeds_either_roofline(rng):
    n = 400
    params = xr.DataArray(10 ** rng.uniform(9, 12.5, n), dims="case")
    active = params * xr.DataArray(rng.uniform(0.02, 1.0, n), dims="case")
    batch = xr.DataArray(np.round(10 ** rng.uniform(0, 3.5, n)), dims="case")
    context = xr.DataArray(10 ** rng.uniform(0, 5, n), dims="case")
    bpp = xr.DataArray(rng.choice([0.5, 1.0, 2.0], n), dims="case")
    for fn in (decode_throughput, prefill_throughput):
        out = fn(
            H100,
            params=params,
            active_params=active,
            bytes_per_param=bpp,
            batch=batch,
            context=context,
            mfu=1.0,
            mbu=1.0,
        )
        per_chip = out.tokens_per_second_per_chip
        tokens_per_step = batch if fn is decode_throughput else batch * np.maximum(context, 1)
        bytes_per_step = out.bytes_per_token * tokens_per_step
        assert (per_chip <= tokens_per_step * 3.35e12 / bytes_per_step * (1 + 1e-12)).all()
        assert (per_chip <= 989.4e12 / (2 * active) * (1 + 1e-12)).all()
        assert (out.flops_utilisation <= 1 + 1e-12).all()


def test_mixture_of_experts_reads_only_active_weights_at_batch_one():
    dense = decode_throughput(H100, params=400e9, batch=1, context=0, kv_bytes_per_token=0)
    moe = decode_throughput(
        H100, params=400e9, active_params=20e9, batch=1, context=0, kv_bytes_per_token=0
    )
    ratio = float(moe.tokens_per_second_per_chip / dense.tokens_per_second_per_chip)
    assert ratio == pytest.approx(20.0)
    # Both need the whole 800 GB of weights resident: 16 chips (a power of two).
    assert int(moe.chips_per_replica) == int(dense.chips_per_replica) == 16


def test_broadcasts_over_dataarray_inputs_and_chips():
    batch = xr.DataArray([1, 8, 64, 512], dims="batch")
    out = decode_throughput(
        ["NVIDIA H100 SXM", "NVIDIA B200 (HGX)"], params=70e9, batch=batch, context=2048
    )
    assert set(out.tokens_per_second_per_chip.dims) == {"batch", "chip"}
    # More sequences per step amortise the weights: throughput rises with the batch.
    assert (out.tokens_per_second_per_chip.diff("batch") > 0).all()
    for name in ("tokens_per_second_per_chip", "chips_per_replica", "step_time"):
        assert out[name].attrs["units"] and out[name].attrs["long_name"]
    for key in ("source", "license", "as_of"):
        assert key in out.attrs


def test_chip_by_name_matches_its_table_row():
    by_name = decode_throughput("NVIDIA H100 SXM", params=70e9, batch=16)
    by_row = decode_throughput(H100, params=70e9, batch=16)
    assert float(by_name.tokens_per_second_per_chip) == pytest.approx(
        float(by_row.tokens_per_second_per_chip)
    )
    specs = chip_specs(["NVIDIA H100 SXM", "AMD Instinct MI300X"], precision="fp8")
    assert specs.peak_flops.attrs["units"] == "FLOP/s" and specs.sizes["chip"] == 2


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"params": 70e9, "active_params": 80e9}, "active_params"),
        ({"params": -1.0}, "params"),
        ({"params": 70e9, "mbu": 1.5}, "mbu"),
        ({"params": 70e9, "mfu": 0.0}, "mfu"),
        ({"params": 70e9, "batch": 0.5}, "batch"),
        ({"params": 70e9, "context": -3}, "context"),
        ({"params": 70e9, "bytes_per_param": 0}, "bytes_per_param"),
        ({"params": [1e9, 2e9]}, "params"),
    ],
)
def test_bad_model_arguments_name_the_input(kwargs, param):
    with pytest.raises(ParameterError, match=rf"'{param}' parameter of demand\.decode_throughput"):
        decode_throughput(H100, **kwargs)


def test_bad_chips_name_the_problem():
    with pytest.raises(ParameterError, match=r"'chip'.*NVIDIA H100 SXM"):
        decode_throughput("NVIDIA H999", params=70e9)
    with pytest.raises(ParameterError, match="'precision'"):
        decode_throughput("NVIDIA H100 SXM", params=70e9, precision="fp3")
    # The V100 has no bf16 tensor cores: its bf16 peak is missing, not zero.
    with pytest.raises(WorkbenchError, match="V100"):
        decode_throughput("NVIDIA V100 SXM2 32GB", params=7e9)
    with pytest.raises(ParameterError, match="'chip'"):
        decode_throughput(xr.Dataset({"peak_flops": 1e15}), params=7e9)
