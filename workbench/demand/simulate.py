"""The demand simulation: uncertain inputs → tokens, FLOP/s, accelerators, megawatts, energy.

For each draw of the scenario's inputs and each year:

1. tokens per second, average and at the daily peak (:mod:`workbench.demand.tokens`);
2. FLOP executed per counted token: prompt tokens not held in a prefix cache at the
   prefill cost, generated and hidden tokens at the decode cost, ``2 × active parameters``
   plus attention each (:mod:`workbench.demand.roofline`); the served model grows by
   ``model_params_growth`` a year and its KV cache with its width and depth (active
   parameters to the power 2/3);
3. accelerators of each chip type to serve the peak: chip-seconds per token from the chip's
   roofline, divided by the share of serving capacity busy at peak; plus the chips that
   training needs at its utilisation (:mod:`workbench.demand.training`);
4. FLOP/s provisioned: the reference chip (H100 SXM) count times its dense bf16 peak, which
   also gives ``h100e``; ``flops_required`` is what is executed (inference + training);
5. facility power and energy (:mod:`workbench.demand.power`).

Arrays are numpy or, with ``chunks``, dask: the same code runs in memory, on a local
threaded scheduler, or on whichever ``dask.distributed.Client`` is active, and the same seed
gives the same numbers (see :mod:`workbench.uncertainty`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from workbench import uncertainty
from workbench.data import H100E_CHIP
from workbench.demand._checks import fresh_attrs
from workbench.demand.power import COOLING, annual_energy, facility_power, mixed_pue
from workbench.demand.roofline import (
    _decode_workload,
    _prefill_workload,
    chip_seconds_per_token,
    chip_specs,
)
from workbench.demand.scenarios import INPUTS, scenario_inputs
from workbench.demand.tokens import (
    SECONDS_PER_MONTH,
    decaying_growth,
    fit_token_growth,
    token_anchor,
    tokens_from_drivers,
    years_between,
)
from workbench.demand.training import training_flops
from workbench.errors import ParameterError, format_choices

__all__ = ["DEFAULT_CHIPS", "REFERENCE_CHIP", "sampled_inputs", "simulate"]

REFERENCE_CHIP = H100E_CHIP  # one H100e, defined in the data layer
IN_MEMORY_CHUNK = 2 * uncertainty.BLOCK
SUB_BLOCK = uncertainty.BLOCK  # draws evaluated at once; divides every chunk
DEFAULT_CHIPS = (
    "NVIDIA H100 SXM",
    "NVIDIA B200 (HGX)",
    "AMD Instinct MI300X",
    "Google TPU7x (Ironwood)",
)


def _years(start: int, end: int, owner: str) -> xr.DataArray:
    for label, value in (("start", start), ("end", end)):
        if not isinstance(value, (int, np.integer)) or not 1900 <= value <= 2200:
            raise ParameterError.invalid(label, owner, "a year between 1900 and 2200", value)
    if end < start:
        raise ParameterError.invalid("end", owner, f"a year >= start ({start})", end)
    dates = np.array([f"{y}-01-01" for y in range(start, end + 1)], dtype="datetime64[ns]")
    return xr.DataArray(dates, dims="year", coords={"year": dates}, name="year")


def _cooling_inputs(cooling: str, dists: dict, origin: dict, owner: str) -> None:
    if cooling not in COOLING:
        raise ParameterError.invalid("cooling", owner, f"one of {format_choices(COOLING)}", cooling)
    if cooling == "mixed":
        return
    if origin.get("liquid_share") == "override":
        raise ParameterError.invalid(
            "liquid_share",
            owner,
            "left out when cooling is 'air' or 'liquid' (or pass cooling='mixed')",
            dists["liquid_share"],
        )
    dists["liquid_share"] = uncertainty.Fixed(1.0 if cooling == "liquid" else 0.0)
    origin["liquid_share"] = f"cooling={cooling!r}"


def _token_growth_distribution(owner: str) -> uncertainty.Distribution:
    """Lognormal over the fitted growth's interval (the fit's uncertainty, not the future's)."""
    fit = fit_token_growth()
    level = float(fit.attrs["level"])
    return uncertainty.LogNormal.from_interval(
        float(fit["growth_low"]),
        float(fit["growth_high"]),
        level=level,
        name="initial_token_growth",
    )


@fresh_attrs
def simulate(
    scenario: str | tuple = "base",
    *,
    n_draws: int = 10_000,
    start: int = 2026,
    end: int = 2035,
    seed: int = 0,
    chunks: int | None = None,
    token_model: str = "observed",
    chips: Sequence[str] | xr.Dataset = DEFAULT_CHIPS,
    cooling: str = "mixed",
    correlation: Mapping[tuple[str, str], float] | None = None,
    **overrides,
) -> xr.Dataset:
    """Simulate inference and training demand for compute, power and energy.

    Parameters
    ----------
    scenario
        ``"bear"``, ``"base"`` or ``"bull"`` (the bundled ``demand_scenarios`` table), the path
        of a CSV holding one scenario in the same format, or ``(path, name)``.
    n_draws
        Monte Carlo draws.
    start, end
        First and last year (inclusive); values are at 1 January.
    seed
        Seed of the draws: the same seed gives the same result, chunked or not.
    chunks
        Draws per dask chunk (rounded up to whole blocks of
        :data:`workbench.uncertainty.BLOCK`); ``None`` computes in memory. With chunks the
        result is lazy: nothing runs until it is computed, on the active dask scheduler.
    token_model
        ``"observed"`` grows the providers' stated volumes, ``"drivers"`` multiplies users,
        calls per user and tokens per call.
    chips
        Chip types to count accelerators for (names of the ``accelerators`` table, or a
        Dataset as :func:`workbench.demand.chip_specs` accepts).
    cooling
        ``"mixed"`` (``liquid_share`` of capacity liquid-cooled), ``"air"`` or ``"liquid"``.
    correlation
        Optional ``{(input_a, input_b): rho}`` between inputs (Gaussian copula).
    **overrides
        Any input of :data:`workbench.demand.scenarios.INPUTS`: a number (fixed), a
        ``(low, high)`` 90% interval (lognormal), a mapping or a Distribution.

    Returns
    -------
    xarray.Dataset
        On ``draw`` and ``year`` (datetime64, 1 January), and ``chip`` / ``workload`` where
        stated:

        - ``tokens_per_second``, ``tokens_per_second_peak`` [1/s]
        - ``flops_per_token`` [FLOP] executed per counted token
        - ``inference_flops``, ``training_flops`` and their sum ``flops_required`` [FLOP/s]
          executed (averages over the year)
        - ``flops_provisioned`` [FLOP/s] dense bf16 peak to install; ``utilisation`` [1]
        - ``h100e`` [1] and its parts ``inference_h100e``, ``training_h100e`` (the
          workload variables carry a ``workload`` attribute)
        - ``accelerators`` (``chip``) [1] if that chip type served all demand
        - ``pue`` [1], ``power`` [MW] facility power, ``energy`` [TWh] per year
        - every sampled input along ``draw`` (attribute ``role="input"``; see
          :func:`sampled_inputs`)

    Examples
    --------
    >>> ds = simulate("base", n_draws=1_000, end=2030, seed=1)
    >>> ds.h100e.dims, ds.power.attrs["units"]
    (('draw', 'year'), 'MW')
    """
    owner = "simulate"
    years = _years(start, end, owner)
    inputs = scenario_inputs(scenario, token_model=token_model, owner=owner, **overrides)
    dists, origin = dict(inputs.distributions), dict(inputs.origin)
    _cooling_inputs(cooling, dists, origin, owner)
    if token_model == "observed" and "initial_token_growth" not in dists:
        dists["initial_token_growth"] = _token_growth_distribution(owner)
        origin["initial_token_growth"] = "fit to token_volume"
    wanted = [n for n, spec in INPUTS.items() if spec.group in ("common", token_model)]
    absent = [n for n in wanted if n not in dists]
    if absent:
        raise ParameterError.invalid(
            "scenario",
            owner,
            f"values for every input (missing {format_choices(absent)})",
            inputs.scenario,
        )
    specs = chip_specs(chips) if not isinstance(chips, str) else chip_specs([chips])
    if "chip" not in specs.dims:
        specs = specs.expand_dims("chip")
    reference = chip_specs(REFERENCE_CHIP)

    # Many draws run as one dask task per chunk (on the threaded scheduler in memory, both
    # cores); a few go straight through numpy, without a task graph to build.
    blockwise = chunks is not None or n_draws > IN_MEMORY_CHUNK
    x = uncertainty.sample(
        {n: dists[n] for n in wanted},
        n_draws=n_draws,
        seed=seed,
        correlation=correlation,
        chunks=chunks if chunks is not None else (IN_MEMORY_CHUNK if blockwise else None),
        units={n: INPUTS[n].units for n in wanted},
    )
    for name in x.data_vars:
        x[name].attrs.update(long_name=INPUTS[name].long_name, role="input", origin=origin[name])

    anchor = token_anchor() if token_model == "observed" else None
    # Positional time axes (no index): the model's arithmetic then has nothing to align.
    ctx = _Context(
        token_model=token_model,
        since_base=years_between(years, inputs.base_date).drop_vars("year"),
        since_anchor=None
        if anchor is None
        else years_between(years, anchor["refers_to"].values).drop_vars("year"),
        anchor_tokens_per_month=0.0 if anchor is None else float(anchor["tokens_per_month"]),
        specs=specs,
        reference=reference,
    )
    # The outputs' names, shapes and attributes, from one draw (its own tiny sample: taking
    # it from x would compute x's whole first chunk).
    first = uncertainty.sample(
        {n: dists[n] for n in wanted}, n_draws=1, seed=seed, correlation=correlation
    )
    template = _evaluate(first.drop_vars("draw"), ctx)
    if chunks is not None:
        out = _evaluate_lazily(x, ctx, template)
    elif blockwise:
        out = _evaluate_in_place(x, ctx, template)
    else:
        outputs = _allocate(template, n_draws)
        _evaluate_into(ctx, {n: x[n].values for n in x.data_vars}, outputs)
        out = _assemble(template, outputs, x["draw"]).assign(x.data_vars)
    out = out.assign_coords(year=years["year"].assign_attrs(long_name="Year (1 January)"))
    out.attrs = {
        "title": f"Demand for AI compute, scenario {inputs.scenario}",
        "scenario": inputs.scenario,
        "token_model": token_model,
        "cooling": cooling,
        "base_date": inputs.base_date,
        "reference_chip": REFERENCE_CHIP,
        "seed": int(seed),
        "n_draws": int(n_draws),
        "inputs": ", ".join(x.data_vars),
        "source": "workbench.demand.simulate over "
        + inputs.source
        + ("; token_volume statements" if token_model == "observed" else "")
        + "; accelerators table",
        "license": "CC-BY-4.0",
        "as_of": inputs.as_of,
    }
    return out


def _allocate(template: xr.Dataset, n_draws: int) -> dict[str, np.ndarray]:
    """Uninitialised output arrays for ``n_draws`` draws, shaped like ``template``'s."""
    return {
        name: np.empty((n_draws, *da.shape[1:]), dtype=da.dtype)
        for name, da in template.data_vars.items()
    }


def _assemble(template: xr.Dataset, arrays: Mapping, draw: xr.DataArray) -> xr.Dataset:
    """The output Dataset: ``template``'s variables (dims, attrs, coords) holding ``arrays``."""
    return xr.Dataset(
        {name: (da.dims, arrays[name], da.attrs) for name, da in template.data_vars.items()},
        coords={**template.coords, "draw": draw},
    )


def _evaluate_into(ctx: _Context, arrays: Mapping, out: Mapping) -> Mapping:
    """:func:`_evaluate` over plain arrays of draws, writing each output into ``out``.

    The draws go :data:`SUB_BLOCK` at a time, so a task's temporaries stay a few tens of
    megabytes whatever the chunk size, and the allocator can hand the same memory back for the
    next piece.
    """
    n_draws = len(next(iter(arrays.values())))
    for lo in range(0, n_draws, SUB_BLOCK):
        hi = min(lo + SUB_BLOCK, n_draws)
        x = xr.Dataset({name: ("draw", a[lo:hi]) for name, a in arrays.items()})
        for name, da in _evaluate(x, ctx).data_vars.items():
            out[name][lo:hi] = da.transpose("draw", ...).values
    return out


def _chunk_arrays(x: xr.Dataset) -> list[dict]:
    """Per dask chunk of draws, the delayed numpy blocks of every input.

    Not optimised per variable: every input's block then comes from the same sampling task,
    which runs once per chunk (optimising each variable's graph alone gives each its own
    copy of that task, so the sampling would run once per input).
    """
    blocks = {n: x[n].data.to_delayed(optimize_graph=False).ravel() for n in x.data_vars}
    return [{n: b[k] for n, b in blocks.items()} for k in range(len(x.chunks["draw"]))]


def _evaluate_lazily(x: xr.Dataset, ctx: _Context, template: xr.Dataset) -> xr.Dataset:
    """The outputs as dask arrays: one task per chunk of draws evaluates every output.

    One task per chunk keeps the graph small (a few tasks per chunk rather than one per array
    operation), whichever scheduler runs it.
    """
    import dask
    import dask.array as dsa

    parts: dict[str, list] = {n: [] for n in template.data_vars}
    for size, arrays in zip(x.chunks["draw"], _chunk_arrays(x), strict=True):
        result = dask.delayed(_evaluate_chunk, pure=True)(ctx, template, size, arrays)
        for name, da in template.data_vars.items():
            shape = (size, *da.shape[1:])
            parts[name].append(dsa.from_delayed(result[name], shape=shape, dtype=da.dtype))
    lazy = {n: dsa.concatenate(p, axis=0) for n, p in parts.items()}
    return _assemble(template, lazy, x["draw"]).assign(x.data_vars)


def _evaluate_chunk(ctx: _Context, template: xr.Dataset, size: int, arrays: dict) -> dict:
    """One dask task of :func:`_evaluate_lazily`: every output for one chunk of draws."""
    return _evaluate_into(ctx, arrays, _allocate(template, size))


def _evaluate_in_place(x: xr.Dataset, ctx: _Context, template: xr.Dataset) -> xr.Dataset:
    """Evaluate chunk by chunk on the threaded scheduler, straight into the result's arrays.

    Each task writes its draws' inputs and outputs into slices of arrays allocated once:
    nothing is concatenated, so the result is the only large allocation.
    """
    import dask

    n_draws = x.sizes["draw"]
    outputs = _allocate(template, n_draws)
    inputs = {n: np.empty(n_draws, dtype=x[n].dtype) for n in x.data_vars}
    tasks, start = [], 0
    for size, arrays in zip(x.chunks["draw"], _chunk_arrays(x), strict=True):
        window = slice(start, start + size)
        tasks.append(
            dask.delayed(_evaluate_chunk_into, pure=False)(
                ctx,
                arrays,
                {n: a[window] for n, a in outputs.items()},
                {n: a[window] for n, a in inputs.items()},
            )
        )
        start += size
    dask.compute(*tasks, scheduler="threads")
    sampled = {n: x[n].copy(data=inputs[n]) for n in x.data_vars}
    return _assemble(template, outputs, x["draw"]).assign(sampled)


def _evaluate_chunk_into(ctx: _Context, arrays: dict, out: dict, sampled: dict) -> None:
    """One task of :func:`_evaluate_in_place`: record the chunk's inputs, evaluate its outputs."""
    for name, values in arrays.items():
        sampled[name][...] = values
    _evaluate_into(ctx, arrays, out)


@dataclass(frozen=True)
class _Context:
    """What every block of draws shares: time axes, the token anchor, chip specifications."""

    token_model: str
    since_base: xr.DataArray  # years since the scenario's base date, along year (no index)
    since_anchor: xr.DataArray | None  # years since the token anchor (observed model)
    anchor_tokens_per_month: float
    specs: xr.Dataset  # chips counted, along chip
    reference: xr.Dataset  # the reference chip (H100 SXM)


@fresh_attrs
def _evaluate(x: xr.Dataset, ctx: _Context) -> xr.Dataset:
    """The model for one block of draws (numpy-backed ``x``): every output variable."""
    since_base = ctx.since_base
    if ctx.token_model == "observed":
        growth = decaying_growth(
            ctx.since_anchor,
            initial=x.initial_token_growth,
            long_run=x.long_run_token_growth,
            half_life=x.token_growth_half_life,
        )
        per_month = ctx.anchor_tokens_per_month * (1.0 + x.other_providers_ratio) * growth
        tokens = per_month / SECONDS_PER_MONTH
    else:
        tokens = tokens_from_drivers(
            since_base,
            users=x.users,
            users_growth=x.users_growth,
            max_users=x.max_users,
            requests_per_user_per_day=x.requests_per_user_per_day,
            requests_growth=x.requests_growth,
            tokens_per_request=x.tokens_per_request,
            tokens_per_request_growth=x.tokens_per_request_growth,
        )
    tokens = tokens.transpose("draw", "year")
    peak_tokens = tokens * x.peak_to_average

    # The served model grows; its KV cache per token grows with layers × width ∝ P^(2/3).
    size = x.model_params_growth**since_base
    model = {
        "params": x.model_params * size,
        "active_params": x.model_params * x.active_share * size,
        "bytes_per_param": x.bytes_per_param,
        "context": x.context_tokens,
        "kv_bytes_per_token": x.kv_bytes_per_token * size ** (2.0 / 3.0),
    }
    # A replica decodes at least one sequence (the lognormal's far tail dips below one).
    # Unchecked: the inputs' distributions were checked before drawing.
    decode = _decode_workload(
        "simulate", batch=np.maximum(x.decode_batch, 1.0), checked=False, **model
    )
    prefill = _prefill_workload("simulate", batch=1.0, checked=False, **model)
    # Prompt tokens cost a prefill unless a prefix cache holds them; generated and hidden
    # (uncounted) tokens cost a decode.
    prompt_share = x.input_share * (1.0 - x.cached_prompt_share)
    decoded_per_token = 1.0 - x.input_share + x.hidden_token_ratio
    flops_per_token = (
        prompt_share * prefill["flops_per_token"] + decoded_per_token * decode["flops_per_token"]
    ).transpose("draw", "year")
    inference = tokens * flops_per_token
    training = training_flops(
        since_base,
        frontier_compute=x.frontier_training_compute,
        growth=x.training_compute_growth,
        runs_per_year=x.training_runs_per_year,
    ).transpose("draw", "year")

    serving = peak_tokens / x.fleet_utilisation
    training_chips_flops = training / x.training_mfu

    def chips_needed(spec: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
        seconds = (
            prompt_share
            * chip_seconds_per_token(prefill, spec, mfu=x.mfu, mbu=x.mbu)["chip_seconds"]
            + decoded_per_token
            * chip_seconds_per_token(decode, spec, mfu=x.mfu, mbu=x.mbu)["chip_seconds"]
        )
        return serving * seconds, training_chips_flops / spec["peak_flops"]

    served, trained = chips_needed(ctx.specs)
    accelerators = (served + trained).transpose("draw", "year", "chip")
    if REFERENCE_CHIP in [str(c) for c in ctx.specs["chip"].values]:
        ref_served = served.sel(chip=REFERENCE_CHIP, drop=True)
        ref_trained = trained.sel(chip=REFERENCE_CHIP, drop=True)
    else:
        ref_served, ref_trained = chips_needed(ctx.reference)
    ref_served = ref_served.transpose("draw", "year")
    ref_trained = ref_trained.transpose("draw", "year")
    h100e = ref_served + ref_trained
    reference_peak = float(ctx.reference["peak_flops"])
    flops_provisioned = h100e * reference_peak
    flops_required = inference + training

    pue = mixed_pue(liquid_share=x.liquid_share, pue_air=x.pue_air, pue_liquid=x.pue_liquid)
    flops_per_watt = (
        reference_peak
        / float(ctx.reference["tdp"])
        * x.efficiency_gain
        * x.efficiency_growth**since_base
    )
    power = facility_power(
        flops_provisioned, flops_per_watt=flops_per_watt, host_overhead=x.host_overhead, pue=pue
    ).transpose("draw", "year")
    energy = annual_energy(power, load_factor=x.power_load_factor)

    out = xr.Dataset(
        {
            "tokens_per_second": tokens.assign_attrs(
                units="1/s", long_name="Tokens per second (average)"
            ),
            "tokens_per_second_peak": peak_tokens.assign_attrs(
                units="1/s", long_name="Tokens per second (daily peak)"
            ),
            "flops_per_token": flops_per_token.assign_attrs(
                units="FLOP", long_name="FLOP executed per counted token"
            ),
            "inference_flops": inference.assign_attrs(
                units="FLOP/s",
                long_name="Inference FLOP/s executed (average)",
                workload="inference",
            ),
            "training_flops": training.assign_attrs(workload="training"),
            "flops_required": flops_required.assign_attrs(
                units="FLOP/s", long_name="FLOP/s executed (inference + training)"
            ),
            "flops_provisioned": flops_provisioned.assign_attrs(
                units="FLOP/s", long_name="Dense bf16 peak FLOP/s to install"
            ),
            "utilisation": (flops_required / flops_provisioned).assign_attrs(
                units="1", long_name="FLOP/s executed over FLOP/s installed"
            ),
            "h100e": h100e.assign_attrs(
                units="1", long_name=f"H100-equivalents to install ({REFERENCE_CHIP} bf16 peak)"
            ),
            "inference_h100e": ref_served.assign_attrs(
                units="1",
                long_name="H100-equivalents to install for inference",
                workload="inference",
            ),
            "training_h100e": ref_trained.assign_attrs(
                units="1", long_name="H100-equivalents to install for training", workload="training"
            ),
            "accelerators": accelerators.assign_attrs(
                units="1", long_name="Accelerators to install if one chip type served all demand"
            ),
            "pue": pue.assign_attrs(units="1", long_name="Power usage effectiveness"),
            "power": power.assign_attrs(units="MW", long_name="Facility power (provisioned)"),
            "energy": energy.assign_attrs(units="TWh", long_name="Energy per year"),
        }
    )
    return out


def sampled_inputs(result: xr.Dataset) -> xr.Dataset:
    """The sampled inputs recorded in a :func:`simulate` result (variables with role "input")."""
    names = [n for n, da in result.data_vars.items() if da.attrs.get("role") == "input"]
    if not names:
        raise ParameterError.invalid(
            "result", "sampled_inputs", "a simulate() result holding its sampled inputs", "none"
        )
    return result[names]
