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
   training needs at its utilisation (:mod:`workbench.demand.training`); plus the H100e held
   by other AI workloads (ranking, search, vision, non-frontier training), a level at the
   base date grown by its own multiple (:mod:`workbench.demand.other_workloads`);
4. FLOP/s provisioned: the reference chip (H100 SXM) count times its dense bf16 peak, which
   also gives ``h100e``; ``flops_required`` is what is executed (inference + training +
   other workloads, these at training's utilisation);
5. facility power and energy (:mod:`workbench.demand.power`).

Serving precision: a draw that serves its weights at 1 byte per parameter computes at the
chip's fp8 peak, one at 2 bytes at its bf16 peak; in between (a fleet serving a mix) the
share ``2 − bytes_per_param`` of the FLOP runs at fp8 (below 1 byte: fp8, as 4-bit weights
are dequantised to 8-bit arithmetic on most chips). Training runs at bf16.

Capacity equivalence by the binding resource: the H100-equivalents demand needs are counted
on the H100's own roofline, phase by phase: prefill and training by FLOP/s (compute-bound),
decode by memory bandwidth whenever that is the slower ceiling (``prefill_h100e``,
``decode_h100e``, ``training_h100e``). A chip rich in bandwidth and poor in FLOP/s (an H20)
does the decode of more H100e than its FLOP/s rating says. ``bandwidth_h100e`` is the part of
``h100e`` bound by bandwidth (on the H100's roofline, per draw and year):
:func:`workbench.gap.compute_gap` sets it against the supply's ``h100e_bandwidth`` and the
rest against its FLOP/s-based ``h100e``.

Inputs that move together are drawn together: by default the correlations stated in the
bundled ``demand_correlations`` table, each with its rationale
(:func:`workbench.demand.scenarios.load_correlations`); :func:`correlation_sensitivity` shows
what they change.

Arrays are numpy or, with ``chunks``, dask: the same code runs in memory, on a local
threaded scheduler, or on whichever ``dask.distributed.Client`` is active
(:func:`workbench.uncertainty.map_draws`), and the same seed gives the same numbers: the
draws come from the named stream ``"demand.simulate"`` of the seed.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import xarray as xr

from workbench import uncertainty
from workbench._provenance import fresh_attrs, merge
from workbench._time import to_year
from workbench._validation import check_n_draws, check_seed, invalid, public
from workbench.data import H100E_CHIP
from workbench.demand.other_workloads import ATTRS as OTHER_ATTRS
from workbench.demand.other_workloads import _other_workload_h100e
from workbench.demand.power import (
    COOLING,
    _annual_energy,
    _facility_power,
    _mixed_pue,
    bound_energy,
    world_electricity,
)
from workbench.demand.roofline import (
    SPEC_VARIABLES,
    _decode_costs,
    _prefill_costs,
    _roofline_times,
    _width,
    chip_specs,
)
from workbench.demand.scenarios import INPUTS, load_correlations, scenario_inputs
from workbench.demand.tokens import (
    SECONDS_PER_MONTH,
    _decaying_growth,
    _tokens_from_drivers,
    fit_token_growth,
    token_anchor,
    years_between,
)
from workbench.demand.training import ATTRS as TRAINING_ATTRS
from workbench.demand.training import _training_flops
from workbench.errors import format_choices
from workbench.numbers import percent

__all__ = [
    "DEFAULT_CHIPS",
    "FREQS",
    "REFERENCE_CHIP",
    "correlation_sensitivity",
    "sampled_inputs",
    "simulate",
]

logger = logging.getLogger(__name__)
STREAM = "demand.simulate"
FREQS = ("year", "quarter")

REFERENCE_CHIP = H100E_CHIP  # one H100e, defined in the data layer
IN_MEMORY_CHUNK = 2 * uncertainty.BLOCK
SUB_BLOCK = uncertainty.BLOCK  # draws evaluated at once; divides every chunk
DEFAULT_CHIPS = (
    "NVIDIA H100 SXM",
    "NVIDIA B200 (HGX)",
    "AMD Instinct MI300X",
    "Google TPU7x (Ironwood)",
)


def _times(start: int, end: int, freq: str) -> tuple[xr.DataArray, np.ndarray]:
    """The time coordinate (labels) and the instants its values refer to.

    ``"year"``: 1 January of each year (the label is the instant). ``"quarter"``: each
    quarter, labelled by its first day and evaluated at its end, the instant at which the
    supply's quarterly stock is counted (:mod:`workbench.gap.core`).
    """
    start, end = to_year(start, "start"), to_year(end, "end")
    if end < start:
        raise invalid("end", f"a year >= start ({start})", end)
    if freq not in FREQS:
        raise invalid("freq", f"one of {format_choices(FREQS)}", freq)
    if freq == "year":
        labels = np.array([f"{y}-01-01" for y in range(start, end + 1)], dtype="datetime64[ns]")
        when, attrs = labels, {"long_name": "Year (1 January)", "instant": "start"}
    else:
        months = [f"{y}-{m:02d}-01" for y in range(start, end + 1) for m in (1, 4, 7, 10)]
        labels = np.array(months, dtype="datetime64[ns]")
        ends = [*months[1:], f"{end + 1}-01-01"]
        when = np.array(ends, dtype="datetime64[ns]")
        attrs = {"long_name": "Quarter (values at its end)", "instant": "end"}
    coord = xr.DataArray(labels, dims=freq, coords={freq: labels}, name=freq)
    coord[freq].attrs.update(attrs)
    return coord, when


def _cooling_inputs(cooling: str, dists: dict, origin: dict) -> None:
    if cooling not in COOLING:
        raise invalid("cooling", f"one of {format_choices(COOLING)}", cooling)
    if cooling == "mixed":
        return
    if origin.get("liquid_share") == "override":
        raise invalid(
            "liquid_share",
            "left out when cooling is 'air' or 'liquid' (or pass cooling='mixed')",
            dists["liquid_share"],
        )
    dists["liquid_share"] = uncertainty.Fixed(1.0 if cooling == "liquid" else 0.0)
    origin["liquid_share"] = f"cooling={cooling!r}"


def _token_growth_distribution(fit) -> uncertainty.Distribution:
    """Lognormal over the fitted growth's interval (the fit's uncertainty, not the future's)."""
    low, high = fit.conf_int()["growth_per_year"]
    return uncertainty.LogNormal.from_interval(
        low, high, level=fit.level, name="initial_token_growth"
    )


@public
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
    correlation="stated",
    freq: str = "year",
    variables: Sequence[str] | None = None,
    dtype="float64",
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
        First and last year (inclusive): ``2030``, ``"2030"`` or a date in that year.
    seed
        Seed of the draws (stream ``"demand.simulate"`` of it): the same seed gives the same
        result, chunked or not.
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
        Dependence between inputs (Gaussian copula): ``"stated"`` (default, the bundled
        ``demand_correlations`` table), ``"none"`` (independent), a CSV path or
        ``{(input_a, input_b): rho}``.
    freq
        ``"year"``: values at 1 January of each year (dimension ``year``). ``"quarter"``:
        values at the end of each quarter (dimension ``quarter``, labelled by the quarter's
        first day), the instants of the supply's quarterly stocks.
    variables
        Output variables to keep (the sampled inputs are always kept, so a result can be
        reweighted); ``None`` keeps all. At 10^6 draws a result is mostly memory: keeping the
        few outputs an analysis needs, and ``dtype="float32"``, make it several times
        smaller and faster to build.
    dtype
        Floating dtype of the arithmetic, the outputs and the recorded inputs: ``"float64"``
        or ``"float32"`` (about twice as fast and half the memory; float32 keeps about 6
        significant digits, far finer than the Monte Carlo error; the draws themselves are
        sampled in float64 and rounded once).
    **overrides
        Any input of :data:`workbench.demand.scenarios.INPUTS`: a number (fixed), a
        ``(low, high)`` 90% interval (lognormal), a mapping or a Distribution.

    Returns
    -------
    xarray.Dataset
        On ``draw`` and ``year`` (datetime64, 1 January) or ``quarter``, and ``chip`` where
        stated:

        - ``tokens_per_second``, ``tokens_per_second_peak`` [1/s]
        - ``flops_per_token`` [FLOP] executed per counted token
        - ``inference_flops``, ``training_flops``, ``other_flops`` and their sum
          ``flops_required`` [FLOP/s] executed (averages over the year)
        - ``flops_provisioned`` [FLOP/s] dense bf16 peak to install; ``utilisation`` [1]
        - ``h100e`` [1] and its parts ``inference_h100e`` (``prefill_h100e`` +
          ``decode_h100e``), ``training_h100e``, ``other_h100e`` (other AI workloads; the
          workload variables carry a ``workload`` attribute); ``bandwidth_h100e``, the part
          of ``h100e`` bound by memory bandwidth
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
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    coord, when = _times(start, end, freq)
    if str(dtype) not in ("float32", "float64") and dtype not in (np.float32, np.float64):
        raise invalid("dtype", "'float32' or 'float64'", dtype)
    inputs = scenario_inputs(scenario, token_model=token_model, **overrides)
    dists, origin = dict(inputs.distributions), dict(inputs.origin)
    _cooling_inputs(cooling, dists, origin)
    fit = fit_token_growth() if token_model == "observed" else None
    if fit is not None and "initial_token_growth" not in dists:
        dists["initial_token_growth"] = _token_growth_distribution(fit)
        origin["initial_token_growth"] = "fit to token_volume"
    wanted = [n for n, spec in INPUTS.items() if spec.group in ("common", token_model)]
    absent = [n for n in wanted if n not in dists]
    if absent:
        raise invalid(
            "scenario",
            f"values for every input (missing {format_choices(absent)})",
            inputs.scenario,
        )
    pairs = load_correlations(correlation, inputs=wanted)
    specs = _chip_specs(chips)
    if not isinstance(chips, xr.Dataset) and REFERENCE_CHIP in specs["chip"].values:
        reference = specs.sel(chip=[REFERENCE_CHIP])  # the same table's row, looked up once
    else:
        reference = _chip_specs(REFERENCE_CHIP)

    # Many draws run as one dask task per chunk (on the threaded scheduler in memory, both
    # cores); a few go straight through numpy, without a task graph to build.
    blockwise = chunks is not None or n_draws > IN_MEMORY_CHUNK
    draw_stream = uncertainty.stream(seed, STREAM)
    x = uncertainty.sample(
        {n: dists[n] for n in wanted},
        n_draws=n_draws,
        seed=draw_stream,
        correlation=pairs or None,
        chunks=chunks if chunks is not None else (IN_MEMORY_CHUNK if blockwise else None),
        units={n: INPUTS[n].units for n in wanted},
    )
    for name in x.data_vars:
        x[name].attrs.update(long_name=INPUTS[name].long_name, role="input", origin=origin[name])

    anchor = token_anchor() if token_model == "observed" else None
    times = xr.DataArray(when, dims=freq)
    lead = 0.0
    if fit is not None:
        # The fitted rate refers to the centre of the statements, the level to the latest.
        days = (anchor["refers_to"].values - fit.centre) / np.timedelta64(1, "D")
        lead = max(float(days) / 365.2425, 0.0)
    energy_bound = world_electricity(times)
    dtype = str(np.dtype(dtype))
    ctx = _Context(
        token_model=token_model,
        time_dim=freq,
        since_base=_along_time(years_between(times, inputs.base_date), dtype),
        since_anchor=None
        if anchor is None
        else _along_time(years_between(times, anchor["refers_to"].values), dtype),
        lead=lead,
        anchor_tokens_per_month=0.0 if anchor is None else float(anchor["tokens_per_month"]),
        specs=_Chips.of(specs, dtype),
        reference=_Chips.of(reference, dtype),
        variables=None if variables is None else tuple(variables),
        dtype=dtype,
        energy_bound=_along_time(energy_bound, dtype),
    )
    # The outputs' names, shapes and attributes, from one draw (its own tiny sample: taking
    # it from x would compute x's whole first chunk).
    first = uncertainty.sample(
        {n: dists[n] for n in wanted}, n_draws=1, seed=draw_stream, correlation=pairs or None
    )
    if variables is not None:
        every = _evaluate(first, dataclasses.replace(ctx, variables=None))
        unknown = [v for v in variables if v not in every]
        if unknown:
            raise invalid("variables", f"outputs of simulate ({format_choices(every)})", unknown[0])
    template = _evaluate(first, ctx)
    out = uncertainty.map_draws(
        functools.partial(_evaluate, ctx=ctx),
        x,
        template=template,
        compute=chunks is None,
        keep_inputs=True,
        dtype=None if np.dtype(dtype) == np.float64 else np.dtype(dtype),
        sub_block=SUB_BLOCK,
    )
    out = out.assign_coords({freq: coord[freq]})
    _beyond_physics(out, energy_bound)
    out.attrs = {
        "title": f"Demand for AI compute, scenario {inputs.scenario}",
        "scenario": inputs.scenario,
        "token_model": token_model,
        "cooling": cooling,
        "freq": freq,
        "base_date": inputs.base_date,
        "reference_chip": REFERENCE_CHIP,
        "seed": int(seed),
        uncertainty.STREAMS_ATTR: draw_stream.label,
        "n_draws": int(n_draws),
        "inputs": ", ".join(x.data_vars),
        "correlation": "; ".join(f"{a}~{b}={r:g}" for (a, b), r in pairs.items()) or "none",
        # The scenario, the token statements fitted, the chips' specifications and the
        # correlations: a result is as open, and as fresh, as these inputs.
        **merge(inputs, fit, specs, pairs or None, method="workbench.demand.simulate"),
        "energy_bound": "energy capped at the world's electricity consumption "
        "(workbench.demand.power.world_electricity); a warning names the years where draws "
        "reached it (in-memory results)",
    }
    return out


def _beyond_physics(out: xr.Dataset, bound: xr.DataArray) -> None:
    """Warn where draws' energy reached the world's electricity use (computed results only)."""
    if "energy" not in out or out["energy"].chunks is not None:
        return
    at_bound = out["energy"] >= bound.values * (1 - 1e-5)
    share = at_bound.mean("draw")
    dim = share.dims[0]
    hit = {str(t)[:10]: float(v) for t, v in zip(share[dim].values, share.values, strict=True)}
    hit = {t: v for t, v in hit.items() if v > 0}
    if not hit:
        return
    # Two significant digits: a tail of 1 draw in 40,000 reads 0.0025%, not 0.00%.
    text = "draws at the bound: " + ", ".join(f"{t} {percent(v)}" for t, v in hit.items())
    warnings.warn(
        "demand energy left physics in the tail: some draws would use more than the world's "
        f"electricity and were capped at it ({text}); the scenario's tail is not credible there",
        RuntimeWarning,
        stacklevel=5,  # _beyond_physics <- simulate <- fresh_attrs <- public <- the user
    )


def _chip_specs(chips) -> xr.Dataset:
    """bf16 specifications along ``chip``, with ``peak_fp8`` (bf16 where fp8 is unknown)."""
    if isinstance(chips, xr.Dataset):
        return _with_fp8(chips, chip_specs(chips, require=SPEC_VARIABLES))
    from workbench.data import dataset_path

    names = (chips,) if isinstance(chips, str) else tuple(chips)
    path = dataset_path("accelerators")
    stat = path.stat()
    return _named_chip_specs(names, str(path), stat.st_mtime_ns, stat.st_size).copy(deep=True)


@functools.lru_cache(maxsize=32)
def _named_chip_specs(names: tuple[str, ...], path: str, mtime: int, size: int) -> xr.Dataset:
    """:func:`_chip_specs` of chips of the bundled table, looked up once per process while
    the table's file is unchanged (every simulation asks again; a lookup costs ~20 ms)."""
    from workbench.data import load

    table = load("accelerators").sel(chip=list(names))
    return _with_fp8(table, chip_specs(list(names), require=SPEC_VARIABLES))


def _with_fp8(table: xr.Dataset, specs: xr.Dataset) -> xr.Dataset:
    """``specs`` along ``chip`` with ``peak_fp8`` from ``table`` (bf16 where unknown)."""
    if "chip" not in specs.dims:
        specs = specs.expand_dims("chip")
    bf16 = specs["peak_flops"]
    peak = table["peak_flops"] if "peak_flops" in table else None
    if "peak_fp8" in table:
        fp8 = table["peak_fp8"]
    elif peak is not None and "precision" in peak.dims and "fp8" in peak["precision"]:
        fp8 = peak.sel(precision="fp8", drop=True)
    else:
        fp8 = bf16
    fp8 = xr.DataArray(np.asarray(fp8, dtype=float).reshape(-1), dims="chip")
    fp8 = xr.where(np.isfinite(fp8) & (fp8 > 0), fp8, bf16.values)
    specs["peak_fp8"] = fp8.assign_attrs(units="FLOP/s", long_name="Dense peak throughput (fp8)")
    return specs


@dataclass(frozen=True)
class _Chips:
    """Chip specifications as numpy arrays on the first of the model's axes (chip, time, draw)."""

    names: tuple[str, ...]
    peak_flops: np.ndarray  # dense bf16 [FLOP/s], shape (chip, 1, 1)
    peak_fp8: np.ndarray
    memory_bandwidth: np.ndarray
    tdp: np.ndarray | None
    coords: dict  # the Dataset's coordinates along chip (for ``accelerators``)

    @classmethod
    def of(cls, specs: xr.Dataset, dtype: str) -> _Chips:
        def along_chip(name):
            return np.asarray(specs[name].values, dtype=dtype).reshape(-1, 1, 1)

        return cls(
            names=tuple(str(c) for c in specs["chip"].values),
            peak_flops=along_chip("peak_flops"),
            peak_fp8=along_chip("peak_fp8"),
            memory_bandwidth=along_chip("memory_bandwidth"),
            tdp=along_chip("tdp") if "tdp" in specs else None,
            coords={k: v.variable for k, v in specs.coords.items() if v.dims == ("chip",)},
        )


@dataclass(frozen=True)
class _Context:
    """What every block of draws shares: time axes, the token anchor, chip specifications.

    Arrays are numpy on the model's axes (chip, time, draw), broadcasting from the right:
    values along time have shape (time, 1), per-draw inputs (draw,).
    """

    token_model: str
    time_dim: str  # "year" or "quarter"
    since_base: np.ndarray  # years since the scenario's base date
    since_anchor: np.ndarray | None  # years since the token anchor (observed model)
    lead: float  # years from the date the fitted token growth refers to, to the anchor
    anchor_tokens_per_month: float
    specs: _Chips  # chips counted (bf16 peak_flops, peak_fp8)
    reference: _Chips  # the reference chip (H100 SXM)
    variables: tuple[str, ...] | None  # outputs kept (None: all)
    dtype: str = "float64"  # the arithmetic's precision
    energy_bound: np.ndarray | None = None  # world electricity per year [TWh]


def _along_time(values, dtype: str) -> np.ndarray:
    """Values along time (a DataArray or array) as an array of shape (time, 1)."""
    return np.asarray(getattr(values, "values", values), dtype=dtype).reshape(-1, 1)


def _floating_point_errors_ignored(function):
    """Run ``function`` under ``numpy.errstate(all="ignore")``, as xarray's arithmetic does.

    A far tail of the lognormal inputs may overflow to inf: that is the draw's value, as it
    was when the model ran on DataArrays, not a warning for the user.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return wrapper


@_floating_point_errors_ignored
def _evaluate(x: xr.Dataset, ctx: _Context) -> xr.Dataset:
    """The model for one block of draws (numpy-backed ``x``): the output variables.

    The arithmetic runs on numpy arrays on the axes (chip, time, draw) (see :class:`_Context`):
    on a block of draws, xarray's alignment of every operation cost as much as the arithmetic,
    and with the draws innermost every operation runs over long contiguous rows. The outputs
    become DataArrays once, at the end (draw first). The formulas are those of the public
    functions (``decode_workload``, ``training_flops``, …), whose arithmetic is shared with
    them; the inputs were checked when their distributions were.
    """
    n = x.sizes["draw"]
    x = SimpleNamespace(
        **{k: np.asarray(x.variables[k].values, dtype=ctx.dtype) for k in x.data_vars}
    )
    since_base = ctx.since_base
    t = ctx.time_dim
    if ctx.token_model == "observed":
        growth = _decaying_growth(
            ctx.since_anchor,
            initial=x.initial_token_growth,
            long_run=x.long_run_token_growth,
            half_life=x.token_growth_half_life,
            lead=np.float64(ctx.lead),  # float64, as decaying_growth's DataArray
        )
        per_month = ctx.anchor_tokens_per_month * (1.0 + x.other_providers_ratio) * growth
        tokens = per_month / SECONDS_PER_MONTH
    else:
        tokens = _tokens_from_drivers(
            since_base,
            users=x.users,
            users_growth=x.users_growth,
            max_users=x.max_users,
            requests_per_user_per_day=x.requests_per_user_per_day,
            requests_growth=x.requests_growth,
            tokens_per_request=x.tokens_per_request,
            tokens_per_request_growth=x.tokens_per_request_growth,
        )
    peak_tokens = tokens * x.peak_to_average

    # The served model grows; its KV cache per token grows with layers × width ∝ P^(2/3).
    size = x.model_params_growth**since_base
    model = (
        x.model_params * size,  # parameters
        x.model_params * x.active_share * size,  # active parameters
        x.bytes_per_param,
    )
    context, kv = x.context_tokens, x.kv_bytes_per_token * size ** (2.0 / 3.0)
    # A replica decodes at least one sequence (the lognormal's far tail dips below one).
    width_squared = _width(model[1]) ** 2  # of the active parameters; decode and prefill share it
    decode_flops, decode_bytes, _ = _decode_costs(
        *model, np.maximum(x.decode_batch, 1.0), context, kv, width_squared
    )
    prefill_flops, prefill_bytes, _ = _prefill_costs(
        *model, np.float64(1.0), context, kv, width_squared
    )
    # Prompt tokens cost a prefill unless a prefix cache holds them; generated and hidden
    # (uncounted) tokens cost a decode.
    prompt_share = x.input_share * (1.0 - x.cached_prompt_share)
    decoded_per_token = 1.0 - x.input_share + x.hidden_token_ratio
    flops_per_token = prompt_share * prefill_flops + decoded_per_token * decode_flops
    inference = tokens * flops_per_token
    training = _training_flops(
        since_base,
        frontier_compute=x.frontier_training_compute,
        growth=x.training_compute_growth,
        runs_per_year=x.training_runs_per_year,
    )
    # Ranking, search, vision, non-frontier training...: H100e by FLOP/s, at training's MFU.
    other = _other_workload_h100e(
        since_base, level=x.other_workload_h100e, growth=x.other_workload_growth
    )
    reference_peak = float(ctx.reference.peak_flops.squeeze())

    serving = peak_tokens / x.fleet_utilisation
    training_chips_flops = training / x.training_mfu
    # Serving precision: the share 2 - bytes_per_param of serving FLOP runs at fp8 peak.
    fp8_share = np.clip(2.0 - x.bytes_per_param, 0.0, 1.0)

    def chips_needed(spec: _Chips) -> tuple:
        """Chips for prefill, decode and training (chip, time, draw), and their rooflines."""
        serving_peak = 1.0 / (fp8_share / spec.peak_fp8 + (1.0 - fp8_share) / spec.peak_flops)
        roofline = {"bandwidth": spec.memory_bandwidth, "peak": serving_peak}
        per_prompt = _roofline_times(prefill_bytes, prefill_flops, **roofline, mfu=x.mfu, mbu=x.mbu)
        per_decode = _roofline_times(decode_bytes, decode_flops, **roofline, mfu=x.mfu, mbu=x.mbu)
        prefilled = serving * prompt_share * per_prompt[2]
        decoded = serving * decoded_per_token * per_decode[2]
        trained = training_chips_flops / spec.peak_flops
        return prefilled, decoded, trained, (per_prompt, per_decode)

    # Every chip type only when its count is wanted; else the reference chip alone.
    counted = ctx.variables is None or "accelerators" in ctx.variables
    chips = ctx.specs if counted else ctx.reference
    prefilled, decoded, trained, rooflines = chips_needed(chips)
    accelerators = prefilled + decoded + trained
    if counted:
        accelerators = accelerators + other * (reference_peak / chips.peak_flops)  # by FLOP/s
    if REFERENCE_CHIP not in chips.names:
        chips = ctx.reference
        prefilled, decoded, trained, rooflines = chips_needed(chips)
    k = chips.names.index(REFERENCE_CHIP)
    on_reference = slice(k, k + 1)  # the reference chip's row, keeping the chip axis
    ref_prefill, ref_decode, ref_trained = (a[on_reference] for a in (prefilled, decoded, trained))
    if ctx.variables is None or "bandwidth_h100e" in ctx.variables:
        # The chips whose binding resource is memory bandwidth (on the reference's roofline).
        (p_memory, p_compute, _), (d_memory, d_compute, _) = (
            [a[on_reference] for a in times] for times in rooflines
        )
        ref_bound = np.where(p_memory >= p_compute, ref_prefill, 0.0) + np.where(
            d_memory >= d_compute, ref_decode, 0.0
        )
    ref_served = ref_prefill + ref_decode
    h100e = ref_served + ref_trained + other
    flops_provisioned = h100e * reference_peak
    other_flops = other * reference_peak * x.training_mfu
    flops_required = inference + training + other_flops

    pue = _mixed_pue(x.liquid_share, pue_air=x.pue_air, pue_liquid=x.pue_liquid)
    flops_per_watt = (
        reference_peak
        / float(ctx.reference.tdp.squeeze())
        * x.efficiency_gain
        * x.efficiency_growth**since_base
    )
    power = _facility_power(
        flops_provisioned, flops_per_watt=flops_per_watt, host_overhead=x.host_overhead, pue=pue
    )
    energy = bound_energy(_annual_energy(power, load_factor=x.power_load_factor), ctx.energy_bound)

    # Each output's value and attributes, computed only when kept.
    outputs = {
        "tokens_per_second": lambda: (
            tokens,
            {"units": "1/s", "long_name": "Tokens per second (average)"},
        ),
        "tokens_per_second_peak": lambda: (
            peak_tokens,
            {"units": "1/s", "long_name": "Tokens per second (daily peak)"},
        ),
        "flops_per_token": lambda: (
            flops_per_token,
            {"units": "FLOP", "long_name": "FLOP executed per counted token"},
        ),
        "inference_flops": lambda: (
            inference,
            {
                "units": "FLOP/s",
                "long_name": "Inference FLOP/s executed (average)",
                "workload": "inference",
            },
        ),
        "training_flops": lambda: (training, {**TRAINING_ATTRS, "workload": "training"}),
        "other_flops": lambda: (
            other_flops,
            {
                "units": "FLOP/s",
                "long_name": "FLOP/s executed by other AI workloads (average)",
                "workload": "other",
            },
        ),
        "flops_required": lambda: (
            flops_required,
            {"units": "FLOP/s", "long_name": "FLOP/s executed (inference + training + other)"},
        ),
        "flops_provisioned": lambda: (
            flops_provisioned,
            {"units": "FLOP/s", "long_name": "Dense bf16 peak FLOP/s to install"},
        ),
        "utilisation": lambda: (
            flops_required / flops_provisioned,
            {"units": "1", "long_name": "FLOP/s executed over FLOP/s installed"},
        ),
        "h100e": lambda: (
            h100e,
            {
                "units": "1",
                "long_name": f"H100-equivalents to install ({REFERENCE_CHIP}, binding resource "
                "per phase)",
            },
        ),
        "inference_h100e": lambda: (
            ref_served,
            {
                "units": "1",
                "long_name": "H100-equivalents to install for inference",
                "workload": "inference",
            },
        ),
        "prefill_h100e": lambda: (
            ref_prefill,
            {
                "units": "1",
                "long_name": "H100-equivalents to install for prefill (FLOP/s-bound)",
                "workload": "inference",
            },
        ),
        "decode_h100e": lambda: (
            ref_decode,
            {
                "units": "1",
                "long_name": "H100-equivalents to install for decode (bandwidth-bound where "
                "slower)",
                "workload": "inference",
            },
        ),
        "bandwidth_h100e": lambda: (
            ref_bound,
            {
                "units": "1",
                "long_name": "H100-equivalents to install whose binding resource is memory "
                "bandwidth",
                "workload": "inference",
            },
        ),
        "training_h100e": lambda: (
            ref_trained,
            {
                "units": "1",
                "long_name": "H100-equivalents to install for training",
                "workload": "training",
            },
        ),
        "other_h100e": lambda: (other, OTHER_ATTRS),
        "accelerators": lambda: (
            accelerators,
            {
                "units": "1",
                "long_name": "Accelerators to install if one chip type served all demand",
            },
        ),
        "pue": lambda: (pue, {"units": "1", "long_name": "Power usage effectiveness"}),
        "power": lambda: (power, {"units": "MW", "long_name": "Facility power (provisioned)"}),
        "energy": lambda: (energy, {"units": "TWh", "long_name": "Energy per year"}),
    }
    keep = [v for v in (ctx.variables or outputs) if v in outputs]
    shape = (len(ctx.specs.names), since_base.shape[0], n)  # chips, times, draws
    dims = {"pue": ("draw",), "accelerators": ("draw", t, "chip")}
    data_vars = {}
    for name in keep:
        value, attrs = outputs[name]()
        along = dims.get(name, ("draw", t))
        if along == ("draw",):
            data = np.broadcast_to(value, shape[2:])
        elif len(along) == 2:
            data = np.broadcast_to(value, (1, *shape[1:]))[0].T  # constant along time: repeated
        else:
            data = np.broadcast_to(value, shape).transpose(2, 1, 0)
        data_vars[name] = xr.Variable(along, data, attrs)
    coords = ctx.specs.coords if "accelerators" in keep else {}
    return xr.Dataset(data_vars, coords=coords)


@public
def correlation_sensitivity(
    scenario: str | tuple = "base",
    *,
    variable: str = "h100e",
    correlation="stated",
    n_draws: int = 10_000,
    seed: int = 0,
    level: float = 0.9,
    **kwargs,
) -> xr.Dataset:
    """How the headline moves when the inputs' correlations are set to zero or as stated.

    Runs :func:`simulate` twice with the same seed (the same normal scores; only the copula
    differs): with independent inputs and with ``correlation``.

    Parameters
    ----------
    scenario, n_draws, seed, **kwargs
        As for :func:`simulate` (e.g. ``end``, ``freq``).
    variable
        The output to summarise.
    correlation
        The stated dependence (default: the bundled ``demand_correlations`` table).
    level
        Probability of the reported interval.

    Returns
    -------
    xarray.Dataset
        Along ``correlation`` (``"independent"``, ``"stated"``) and the time dimension:
        ``median``, ``lower``, ``upper`` of ``variable`` and ``width`` (upper / lower, the
        interval's spread as a multiple); attrs name the stated pairs.
    """
    if not 0 < level < 1:
        raise invalid("level", "a probability in (0, 1)", level)
    probs = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    rows = {}
    for label, choice in (("independent", "none"), ("stated", correlation)):
        run = simulate(
            scenario,
            n_draws=n_draws,
            seed=seed,
            correlation=choice,
            variables=[variable],
            **kwargs,
        )
        if variable not in run:
            raise invalid("variable", "an output of simulate", variable)
        rows[label] = (run[variable].quantile(probs, dim="draw"), run.attrs)
        units = run[variable].attrs.get("units", "1")
    attrs = rows["stated"][1]
    q = xr.concat([r[0] for r in rows.values()], dim="correlation").assign_coords(
        correlation=list(rows)
    )
    lower, median, upper = (q.isel(quantile=i, drop=True) for i in range(3))
    spec = {"units": units}
    return xr.Dataset(
        {
            "median": median.assign_attrs(spec, long_name=f"Median {variable}"),
            "lower": lower.assign_attrs(spec, long_name=f"Lower end of the {level:.0%} interval"),
            "upper": upper.assign_attrs(spec, long_name=f"Upper end of the {level:.0%} interval"),
            "width": (upper / lower).assign_attrs(
                units="1", long_name=f"Upper over lower end of the {level:.0%} interval"
            ),
        },
        attrs={
            "title": f"Sensitivity of {variable} to the correlations between demand inputs",
            "variable": variable,
            "level": level,
            "stated": attrs["correlation"],
            "source": attrs["source"],
            "license": attrs["license"],
            "as_of": attrs["as_of"],
        },
    )


@public
def sampled_inputs(result: xr.Dataset) -> xr.Dataset:
    """The sampled inputs recorded in a :func:`simulate` result (variables with role "input")."""
    names = [n for n, da in result.data_vars.items() if da.attrs.get("role") == "input"]
    if not names:
        raise invalid("result", "a simulate() result holding its sampled inputs", "none")
    return result[names]
