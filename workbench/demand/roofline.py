"""Roofline throughput of a transformer on an accelerator: decode and prefill tokens per second.

A step of inference reads bytes from memory (weights, KV cache) and does floating-point work;
on a chip it takes at least bytes ÷ bandwidth and at least FLOP ÷ peak FLOP/s. The roofline is
the larger of the two, derated by the share of peak bandwidth (``mbu``) and of peak FLOP/s
(``mfu``) a serving stack reaches. Throughput per chip follows, and never exceeds either
ceiling:

    tokens/s per chip ≤ batch × bandwidth ÷ bytes read per step
    tokens/s per chip ≤ peak FLOP/s ÷ (2 × active parameters)

The workload of a step is split from the chip (:func:`decode_workload`,
:func:`prefill_workload`, then :func:`chip_seconds_per_token`) so that the demand simulation
reuses the same arithmetic for millions of draws and several chip types at once.

Where a model's shape is not given, it is estimated from its active parameter count with the
proportions of the Llama 3 family (width ≈ 100 × depth, 12 × depth × width² parameters,
grouped-query attention with 8 query heads per KV head, a bf16 cache): for Llama 3 70B this
gives 349 kB of KV cache per token against the true 328 kB.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from workbench._provenance import fresh_attrs, merge
from workbench._validation import as_dataarray, check_range, invalid, public
from workbench.data import chip_specs  # re-exported: demand.chip_specs is the data layer's

__all__ = [
    "USABLE_MEMORY_SHARE",
    "attention_flops_per_token",
    "chip_seconds_per_token",
    "chip_specs",
    "decode_throughput",
    "decode_workload",
    "kv_cache_bytes_per_token",
    "prefill_throughput",
    "prefill_workload",
]

# Share of a chip's memory that can hold weights and KV cache; the rest goes to activations,
# the runtime and fragmentation.
USABLE_MEMORY_SHARE = 0.9
# Shape of a dense transformer in the Llama 3 proportions (see the module docstring).
WIDTH_PER_LAYER = 100.0
QUERY_HEADS_PER_KV_HEAD = 8.0
KV_BYTES_PER_ELEMENT = 2.0
DEFAULT_MFU = 0.5
DEFAULT_MBU = 0.7
SPEC_VARIABLES = ("peak_flops", "memory", "memory_bandwidth")
# Active parameters may exceed the total by this much: a dense model's two counts, each
# rounded where they were published, are one number.
ROUNDING = 1e-6


def _width(active_params):
    """Width of a dense transformer with ``active_params`` parameters (depth = width / 100)."""
    # 12 · L · d² parameters with d = WIDTH_PER_LAYER · L gives d³ = WIDTH_PER_LAYER · P / 12.
    return (active_params * (WIDTH_PER_LAYER / 12.0)) ** (1.0 / 3.0)


def _kv_bytes(active_params):
    # 2 (K, V) × depth × width / 8 × 2 bytes, with depth = width / WIDTH_PER_LAYER.
    factor = 2.0 * KV_BYTES_PER_ELEMENT / (QUERY_HEADS_PER_KV_HEAD * WIDTH_PER_LAYER)
    return _width(active_params) ** 2 * factor


def _parameters(value, name: str) -> xr.DataArray:
    """A parameter count (``params``, ``active_params``) as a DataArray, checked positive."""
    return check_range(
        as_dataarray(value, name),
        name,
        low=0,
        low_inclusive=False,
        expected="a positive parameter count",
    )


def _context(value) -> xr.DataArray:
    """Tokens of context as a DataArray, checked >= 0."""
    return check_range(as_dataarray(value, "context"), "context", low=0, expected="tokens >= 0")


def _attention_flops(active_params, context, width_squared=None):
    # 4 × depth × width × context, with depth = width / WIDTH_PER_LAYER; small factors first.
    # ``width_squared``: _width(active_params) ** 2 when the caller has it (decode and
    # prefill of the same model share it).
    if width_squared is None:
        width_squared = _width(active_params) ** 2
    return width_squared * (context * (4.0 / WIDTH_PER_LAYER))


@public
@fresh_attrs
def kv_cache_bytes_per_token(active_params) -> xr.DataArray:
    """Estimated KV-cache bytes per token of context (Llama 3 proportions, bf16 cache).

    ``2 (K and V) × layers × width ÷ 8 (grouped-query attention) × 2 bytes``.
    """
    active = _parameters(active_params, "active_params")
    return _kv_bytes(active).assign_attrs(
        units="byte", long_name="KV-cache bytes per token of context"
    )


@public
@fresh_attrs
def attention_flops_per_token(active_params, context) -> xr.DataArray:
    """Attention FLOP per token over ``context`` earlier tokens: ``4 × layers × width × context``.

    The scores (Q·Kᵀ) and the weighted sum (softmax·V) each cost one multiply-add per width
    element per context token per layer; the projections are in ``2 × active params``.
    """
    active = _parameters(active_params, "active_params")
    return _attention_flops(active, _context(context)).assign_attrs(
        units="FLOP", long_name="Attention FLOP per token"
    )


def _model_arguments(params, active_params, bytes_per_param, batch, context, kv_bytes):
    params = _parameters(params, "params")
    active = params if active_params is None else _parameters(active_params, "active_params")
    if (
        params.chunks is None
        and active.chunks is None
        and bool((active > params * (1 + ROUNDING)).any())
    ):
        raise invalid(
            "active_params",
            f"at most params ({float(params.max())})",
            float(active.max()),
        )
    bytes_per_param = check_range(
        as_dataarray(bytes_per_param, "bytes_per_param"),
        "bytes_per_param",
        low=0,
        low_inclusive=False,
        expected="a positive number of bytes",
    )
    batch = check_range(
        as_dataarray(batch, "batch"), "batch", low=1, expected="at least 1 sequence"
    )
    context = _context(context)
    if kv_bytes is None:
        kv_bytes = _kv_bytes(active)
    kv_bytes = check_range(
        as_dataarray(kv_bytes, "kv_bytes_per_token"),
        "kv_bytes_per_token",
        low=0,
        expected="bytes >= 0",
    )
    return params, active, bytes_per_param, batch, context, kv_bytes


def _utilisation(value, name: str) -> xr.DataArray:
    return check_range(
        as_dataarray(value, name),
        name,
        low=0,
        low_inclusive=False,
        high=1,
        expected="a share of peak in (0, 1]",
    )


@public
@fresh_attrs
def decode_workload(
    *,
    params,
    active_params=None,
    bytes_per_param=2,
    batch=1,
    context=4096,
    kv_bytes_per_token=None,
) -> xr.Dataset:
    """FLOP and bytes per generated token when ``batch`` sequences decode together.

    Each step reads the weights once for the whole batch (a mixture-of-experts model at most
    ``active × batch`` of them: the experts the batch routes to, bounded by all of them) and
    each sequence's KV cache of ``context`` tokens.

    Returns
    -------
    xarray.Dataset
        ``flops_per_token`` [FLOP], ``bytes_per_token`` [byte] and ``resident_bytes`` [byte]
        (weights plus the batch's KV cache, which must fit in the replica's memory).
    """
    params, active, bpp, batch, context, kv = _model_arguments(
        params, active_params, bytes_per_param, batch, context, kv_bytes_per_token
    )
    flops, read, resident = _decode_costs(params, active, bpp, batch, context, kv)
    return xr.Dataset(
        {
            "flops_per_token": flops.assign_attrs(
                units="FLOP", long_name="FLOP per generated token"
            ),
            "bytes_per_token": read.assign_attrs(
                units="byte", long_name="Bytes read per generated token"
            ),
            "resident_bytes": resident.assign_attrs(
                units="byte", long_name="Weights and KV cache held in memory"
            ),
        }
    )


def _decode_costs(params, active, bpp, batch, context, kv, width_squared=None):
    """FLOP and bytes read per generated token, and bytes resident (see decode_workload).

    The arithmetic alone, on DataArrays or on numpy arrays that broadcast (the demand
    simulation's path); the arguments are checked by the public functions.
    """
    weights_read = bpp * np.minimum(params, active * batch)
    kv_resident = batch * context * kv
    flops = 2.0 * active + _attention_flops(active, context, width_squared)
    return flops, (weights_read + kv_resident) / batch, bpp * params + kv_resident


@public
@fresh_attrs
def prefill_workload(
    *,
    params,
    active_params=None,
    bytes_per_param=2,
    batch=1,
    context=4096,
    kv_bytes_per_token=None,
) -> xr.Dataset:
    """FLOP and bytes per prompt token when ``batch`` prompts of ``context`` tokens are read.

    A prompt token attends on average to half the prompt (causal attention); the weights are
    read once per step and each token's KV entry is written once.

    Returns
    -------
    xarray.Dataset
        ``flops_per_token`` [FLOP], ``bytes_per_token`` [byte], ``resident_bytes`` [byte].
    """
    params, active, bpp, batch, context, kv = _model_arguments(
        params, active_params, bytes_per_param, batch, context, kv_bytes_per_token
    )
    flops, read, resident = _prefill_costs(params, active, bpp, batch, context, kv)
    return xr.Dataset(
        {
            "flops_per_token": flops.assign_attrs(units="FLOP", long_name="FLOP per prompt token"),
            "bytes_per_token": read.assign_attrs(
                units="byte", long_name="Bytes read or written per prompt token"
            ),
            "resident_bytes": resident.assign_attrs(
                units="byte", long_name="Weights and KV cache held in memory"
            ),
        }
    )


def _prefill_costs(params, active, bpp, batch, context, kv, width_squared=None):
    """FLOP and bytes per prompt token, and bytes resident (see prefill_workload).

    The arithmetic alone, as :func:`_decode_costs`.
    """
    # A zero-length prompt still runs one token through the model.
    tokens = batch * np.maximum(context, 1.0)
    weights_read = bpp * np.minimum(params, active * tokens)
    flops = 2.0 * active + _attention_flops(active, context / 2.0, width_squared)
    return flops, weights_read / tokens + kv, bpp * params + batch * context * kv


@public
@fresh_attrs
def chip_seconds_per_token(
    workload: xr.Dataset, specs: xr.Dataset, *, mfu=DEFAULT_MFU, mbu=DEFAULT_MBU
) -> xr.Dataset:
    """The roofline: chip-seconds a token takes, memory- or compute-bound, whichever is slower.

    Parameters
    ----------
    workload
        From :func:`decode_workload` or :func:`prefill_workload`.
    specs
        From :func:`chip_specs`.
    mfu, mbu
        Shares of peak FLOP/s and of peak memory bandwidth reached, in (0, 1].

    Returns
    -------
    xarray.Dataset
        ``memory_time`` and ``compute_time`` [s] (chip-seconds per token under each ceiling)
        and ``chip_seconds`` [s], their maximum.
    """
    mfu, mbu = _utilisation(mfu, "mfu"), _utilisation(mbu, "mbu")
    memory_time, compute_time, seconds = _roofline_times(
        workload["bytes_per_token"],
        workload["flops_per_token"],
        bandwidth=specs["memory_bandwidth"],
        peak=specs["peak_flops"],
        mfu=mfu,
        mbu=mbu,
    )
    return xr.Dataset(
        {
            "memory_time": memory_time.assign_attrs(
                units="s", long_name="Chip-seconds per token at the memory-bandwidth ceiling"
            ),
            "compute_time": compute_time.assign_attrs(
                units="s", long_name="Chip-seconds per token at the compute ceiling"
            ),
            "chip_seconds": seconds.assign_attrs(units="s", long_name="Chip-seconds per token"),
        }
    )


def _roofline_times(bytes_per_token, flops_per_token, *, bandwidth, peak, mfu, mbu):
    """Chip-seconds per token at each ceiling and the binding one (chip_seconds_per_token).

    The arithmetic alone, as :func:`_decode_costs`.
    """
    memory_time = bytes_per_token / (bandwidth * mbu)
    compute_time = flops_per_token / (peak * mfu)
    return memory_time, compute_time, np.maximum(memory_time, compute_time)


def _throughput(phase, workload, chip, *, mfu, mbu, precision, tokens_per_step):
    mfu, mbu = _utilisation(mfu, "mfu"), _utilisation(mbu, "mbu")
    specs = chip_specs(chip, precision=precision, require=SPEC_VARIABLES)
    times = chip_seconds_per_token(workload, specs, mfu=mfu, mbu=mbu)
    per_chip = 1.0 / times["chip_seconds"]
    # Tensor-parallel degrees divide the attention heads, which come in powers of two.
    needed = workload["resident_bytes"] / (specs["memory"] * USABLE_MEMORY_SHARE)
    chips = 2.0 ** np.ceil(np.log2(np.maximum(needed, 1.0)))
    utilisation = per_chip * workload["flops_per_token"] / specs["peak_flops"]
    out = xr.Dataset(
        {
            "tokens_per_second_per_chip": per_chip.assign_attrs(
                units="1/s", long_name="Tokens per second per chip"
            ),
            "tokens_per_second_per_replica": (per_chip * chips).assign_attrs(
                units="1/s", long_name="Tokens per second per model replica"
            ),
            "chips_per_replica": chips.assign_attrs(
                units="1", long_name="Chips holding one replica (weights and KV cache)"
            ),
            "bound": xr.where(times["memory_time"] >= times["compute_time"], "memory", "compute")
            .astype(str)
            .assign_attrs(long_name="Binding roofline (memory bandwidth or compute)"),
            "step_time": (tokens_per_step * times["chip_seconds"] / chips).assign_attrs(
                units="s", long_name="Time of one step (per generated token of each sequence)"
            ),
            "flops_utilisation": utilisation.assign_attrs(
                units="1", long_name="Achieved share of peak FLOP/s"
            ),
            "flops_per_token": workload["flops_per_token"],
            "bytes_per_token": workload["bytes_per_token"],
        },
        attrs={
            "title": f"Roofline throughput ({phase})",
            "precision": precision,
            "source": "Roofline model (workbench.demand.roofline) over "
            + specs.attrs.get("source", "the chip specifications given"),
            # The chips' own licence and date; a user's specs without them stay unknown.
            "license": merge(specs)["license"],
            "as_of": merge(specs)["as_of"],
        },
    )
    return out


@public
@fresh_attrs
def decode_throughput(
    chip: str | Sequence[str] | xr.Dataset,
    *,
    params,
    active_params=None,
    bytes_per_param=2,
    batch=1,
    context=4096,
    kv_bytes_per_token=None,
    mfu=DEFAULT_MFU,
    mbu=DEFAULT_MBU,
    precision: str = "bf16",
) -> xr.Dataset:
    """Tokens per second generated by ``chip`` serving a model at a given batch and context.

    Parameters
    ----------
    chip
        A name from the ``accelerators`` table, a list of names or a Dataset (see
        :func:`chip_specs`).
    params
        Total parameters (every expert of a mixture-of-experts model).
    active_params
        Parameters used per token (``params`` for a dense model).
    bytes_per_param
        Bytes per weight: 2 for bf16, 1 for fp8, 0.5 for 4-bit.
    batch
        Sequences decoded together by one replica.
    context
        Tokens of context each sequence attends to.
    kv_bytes_per_token
        KV-cache bytes per context token; estimated from ``active_params`` when omitted.
    mfu, mbu
        Shares of peak FLOP/s and of peak memory bandwidth the serving stack reaches.
    precision
        The arithmetic the model runs in (a ``precision`` of the chip's ``peak_flops``).

    Any numeric argument may be an ``xarray.DataArray``; the results broadcast over all
    their dimensions (and over ``chip`` when several chips are given).

    Returns
    -------
    xarray.Dataset
        ``tokens_per_second_per_chip``, ``tokens_per_second_per_replica`` [1/s],
        ``chips_per_replica`` [1], ``bound`` ("memory" or "compute"), ``step_time`` [s],
        ``flops_utilisation`` [1], ``flops_per_token`` [FLOP], ``bytes_per_token`` [byte].

    Examples
    --------
    >>> import xarray as xr
    >>> h100 = xr.Dataset({"peak_flops": 989.4e12, "memory": 80e9, "memory_bandwidth": 3.35e12})
    >>> out = decode_throughput(h100, params=70e9, kv_bytes_per_token=327_680, mbu=1.0)
    >>> round(float(out.tokens_per_second_per_chip), 1), int(out.chips_per_replica)
    (23.7, 2)
    """
    workload = decode_workload(
        params=params,
        active_params=active_params,
        bytes_per_param=bytes_per_param,
        batch=batch,
        context=context,
        kv_bytes_per_token=kv_bytes_per_token,
    )
    return _throughput(
        "decode",
        workload,
        chip,
        mfu=mfu,
        mbu=mbu,
        precision=precision,
        tokens_per_step=as_dataarray(batch, "batch"),
    )


@public
@fresh_attrs
def prefill_throughput(
    chip: str | Sequence[str] | xr.Dataset,
    *,
    params,
    active_params=None,
    bytes_per_param=2,
    batch=1,
    context=4096,
    kv_bytes_per_token=None,
    mfu=DEFAULT_MFU,
    mbu=DEFAULT_MBU,
    precision: str = "bf16",
) -> xr.Dataset:
    """Prompt tokens per second read by ``chip``: ``batch`` prompts of ``context`` tokens.

    Arguments and results as :func:`decode_throughput`; ``step_time`` is the time to read
    the whole batch of prompts. Prefill is compute-bound except for very short prompts.
    """
    workload = prefill_workload(
        params=params,
        active_params=active_params,
        bytes_per_param=bytes_per_param,
        batch=batch,
        context=context,
        kv_bytes_per_token=kv_bytes_per_token,
    )
    tokens = as_dataarray(batch, "batch") * np.maximum(as_dataarray(context, "context"), 1.0)
    return _throughput(
        "prefill",
        workload,
        chip,
        mfu=mfu,
        mbu=mbu,
        precision=precision,
        tokens_per_step=tokens,
    )
