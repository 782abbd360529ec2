"""Accelerators in service: shipments accumulated with retirement, compute and facility power.

Each chip's service life is drawn from a lifetime distribution (not a hard cut-off): the share
of a quarter's shipments still in service ``a`` quarters later is the survival function
``S(a) = P(lifetime > a)``. The stock is then a convolution of shipments with ``S``, done as
one small (quarter x quarter) matrix product per variable after summing over chips, so its
cost does not grow with the number of chips.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import Var, check_units, merge
from workbench._validation import check_seed, invalid, public, renamed
from workbench.data import load
from workbench.errors import format_choices
from workbench.supply.shipments import impute_power
from workbench.uncertainty import (
    STREAMS_ATTR,
    Distribution,
    Uniform,
    as_distribution,
    distributions_from_table,
    merge_streams,
    sample,
)

__all__ = ["installed_base", "survival"]

STREAM = "supply.installed_base"
VARIABLES = ("units", "h100e", "flops", "power")
# Carried through when the shipments have it (estimate_shipments and project_shipments do).
OPTIONAL = ("h100e_bandwidth",)
BREAKDOWNS = ("region", "chip", "vendor")
# Quantile grid that turns any distribution's ppf into a survival curve without random draws.
_GRID = 8192
QUARTER_YEARS = 0.25
W_PER_MW = 1e6
#: Units and names of the outputs (the ``*_by_*`` splits add " by <breakdown>").
OUTPUTS = {
    "units": Var("1", "Accelerators in service"),
    "h100e": Var("1", "H100-equivalents in service (peak dense bf16)"),
    "h100e_bandwidth": Var("1", "H100-equivalents in service by memory bandwidth (for decode)"),
    "flops": Var("FLOP/s", "Peak dense bf16 compute in service"),
    "it_power": Var("MW", "Accelerator power at TDP in service"),
    "power": Var("MW", "Facility power of accelerators in service (incl. server overhead and PUE)"),
    "pue": Var("1", "Power usage effectiveness"),
    "server_overhead": Var("1", "Server power per W of accelerator TDP"),
}


def _lifetime(spec: Any) -> Distribution:
    if isinstance(spec, Distribution):
        dist = spec
    elif isinstance(spec, (int, float, np.integer, np.floating)) or (
        isinstance(spec, (tuple, list)) and len(spec) == 2
    ):
        if isinstance(spec, (tuple, list)) and not 0 < float(spec[0]) < float(spec[1]):
            raise invalid(
                "lifetime_years", "a (low, high) interval with 0 < low < high", tuple(spec)
            )
        dist = as_distribution(spec, name="lifetime_years")
    else:
        dist = as_distribution(spec, name="lifetime_years")
    if not dist.interval(0.999)[0] > 0:
        raise invalid("lifetime_years", "positive lifetimes in years", spec)
    return dist


def _survival(dist: Distribution, ages: np.ndarray) -> np.ndarray:
    lifetimes = np.sort(dist.ppf((np.arange(_GRID) + 0.5) / _GRID))
    # Count of grid lifetimes strictly above each age, as a share of the grid.
    return 1.0 - np.searchsorted(lifetimes, np.asarray(ages, dtype=float), side="right") / _GRID


def survival(lifetime_years: Any, ages_years: Any) -> xr.DataArray:
    """Share of accelerators still in service at each age: ``P(lifetime > age)``.

    Parameters
    ----------
    lifetime_years
        Anything :func:`workbench.uncertainty.as_distribution` accepts: a number is a fixed
        lifetime (a step), ``(4, 6)`` a lognormal with that 90% interval.
    ages_years
        Ages in years (array-like or a DataArray along ``age``).

    Returns
    -------
    xr.DataArray
        Along ``age``; evaluated on a fixed quantile grid of the lifetime distribution, so it
        is deterministic.

    Examples
    --------
    >>> from workbench.supply import survival
    >>> survival(5, [4.5, 5.5]).values.tolist()
    [1.0, 0.0]
    """
    ages = np.atleast_1d(np.asarray(ages_years, dtype=float))
    return xr.DataArray(
        _survival(_lifetime(lifetime_years), ages),
        dims="age",
        coords={"age": ("age", ages, {"units": "year", "long_name": "Age"})},
        attrs={"units": "1", "long_name": "Share of accelerators still in service"},
    )


def _multiplier(
    spec: Any, name: str, presets: Mapping[str, Distribution], parameter: str | None = None
) -> Distribution:
    """A facility multiplier (>= 1) from None (bundled default), a preset name, a number,
    a (low, high) range or a Distribution; ``name`` is its prefix in the bundled presets."""
    parameter = parameter or name
    named = {k.removeprefix(f"{name}_"): v for k, v in presets.items() if k.startswith(f"{name}_")}
    if name in presets:
        named.setdefault("default", presets[name])
    if spec is None:
        return named.get("mixed", named.get("default"))
    if isinstance(spec, str):
        if spec not in named:
            raise invalid(
                parameter,
                f"a number, a (low, high) range or one of {format_choices(sorted(named))}",
                spec,
            )
        return named[spec]
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        # A multiplier below 1 is unphysical, which a lognormal's tail would allow: read a
        # (low, high) pair as uniform between the bounds, like the bundled presets.
        low, high = (float(x) for x in spec)
        if not 1 <= low < high:
            raise invalid(parameter, "a (low, high) range with 1 <= low < high", (low, high))
        return Uniform(low, high)
    dist = as_distribution(spec, name=name)
    if not dist.interval(0.999)[0] >= 1:
        raise invalid(parameter, "a multiplier of at least 1", spec)
    return dist


def _leading_gap(units: np.ndarray) -> np.ndarray:
    """Per chip, the number of quarters before its vendor's estimates start (NaN lead-in)."""
    valid = np.isfinite(units[..., 0])  # (quarter, chip); NaN pattern is the same in every draw
    first = np.where(valid.any(axis=0), valid.argmax(axis=0), units.shape[0])
    return first


def _sum_chips(
    values: np.ndarray, first: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Sum (quarter, chip, draw) over chips into (quarter, group, draw).

    A chip's quarters before its vendor's coverage starts count as no shipments (the base
    counts estimated shipments from the first covered quarter); a NaN after that, such as
    power of a chip without a published TDP, stays NaN in the total.
    """
    n_q, _, n_d = values.shape
    out = np.zeros((n_q, n_groups, n_d))
    for c in range(values.shape[1]):
        out[first[c] :, groups[c]] += values[first[c] :, c]
    return out


def _chips_without_power(shipments: xr.Dataset, arrays: dict, first: np.ndarray) -> list[str]:
    """Chips shipped (units known) whose power is NaN: no TDP in the accelerators table."""
    if "chip" not in shipments.dims:
        return []
    names = []
    for c, chip in enumerate(shipments["chip"].values):
        units, power = arrays["units"][first[c] :, c], arrays["power"][first[c] :, c]
        shipped = np.isfinite(units) & (units > 0)
        if (shipped & ~np.isfinite(power)).any():
            names.append(str(chip))
    return names


@public
def installed_base(
    shipments: xr.Dataset,
    *,
    lifetime_years: Any = (4, 6),
    cooling: Any = None,
    server_overhead: Any = None,
    breakdown: str | None = None,
    seed: int | None = None,
    pue: Any = None,
) -> xr.Dataset:
    """Accelerators in service per quarter, their peak compute and facility power.

    Parameters
    ----------
    shipments
        A Dataset like :func:`~workbench.supply.estimate_shipments` returns: ``units``,
        ``h100e``, ``flops`` and ``power`` (W) along ``quarter`` (consecutive calendar
        quarters), ``draw`` and optionally ``chip``. The power of chips without a published
        TDP is estimated at the W per H100e of the chips with one shipped in the same quarter
        (:func:`~workbench.supply.shipments.impute_power`; ``power.attrs["imputed_for"]``
        names them).
    lifetime_years
        Distribution of one accelerator's service life in years: ``(4, 6)`` is a lognormal
        with that 90% interval, a number a fixed life (a hard cut-off), or any
        :func:`~workbench.uncertainty.as_distribution` spec. Hyperscalers depreciate servers
        over 5-6 years (Amazon cut a subset back to 5 in 2025).
    cooling
        How the facilities are cooled, which sets their power usage effectiveness (PUE):
        ``None`` or ``"mixed"`` (bundled mixed fleet, uniform 1.1-1.5), ``"air"`` (1.4-1.6),
        ``"liquid"`` (1.08-1.2); or the PUE itself as a number, a ``(low, high)`` range
        (uniform) or any :class:`~workbench.uncertainty.Distribution`. Bundled values and
        their sources: the ``facility_power`` table.
    server_overhead
        Server and rack power per watt of accelerator TDP: ``None`` (bundled, uniform
        1.3-1.8), a number, a ``(low, high)`` range or a Distribution.
    breakdown
        Also return ``{variable}_by_{breakdown}`` split by ``"region"``, ``"vendor"`` or
        ``"chip"``.
    seed
        Seed of the PUE and overhead draws (stream ``"supply.installed_base"``); ``None`` uses
        the shipments' seed, so one seed drives a whole analysis (each stage has its own named
        stream of it, see :mod:`workbench.uncertainty`).
    pue
        Deprecated name of ``cooling`` (the word the demand side uses for the same choice).

    Returns
    -------
    xr.Dataset
        Dims ``(quarter, draw)``: ``units`` (accelerators in service), ``h100e``
        (H100-equivalents of peak dense bf16 capacity, units "1"), ``h100e_bandwidth``
        (H100-equivalents of memory bandwidth, when the shipments have it), ``flops`` (FLOP/s),
        ``it_power`` (MW at TDP) and ``power`` (facility MW including server overhead and
        PUE), plus the ``pue`` and ``server_overhead`` draws.
    """
    if not isinstance(shipments, xr.Dataset):
        raise invalid("shipments", "an xarray Dataset", type(shipments).__name__)
    missing = [v for v in VARIABLES if v not in shipments]
    if missing or "quarter" not in shipments.dims or "draw" not in shipments.dims:
        raise invalid(
            "shipments",
            f"a Dataset with {format_choices(VARIABLES)} along 'quarter' and 'draw'",
            missing or list(shipments.dims),
        )
    # Power is divided into MW below: a dataset already in MW must not be divided again.
    check_units(shipments["power"], "shipments", "W")
    quarters = pd.DatetimeIndex(shipments["quarter"].values)
    if len(quarters) > 1 and not quarters.equals(
        pd.date_range(quarters[0], periods=len(quarters), freq="QS")
    ):
        raise invalid(
            "shipments",
            "consecutive calendar quarters along 'quarter'",
            list(quarters.strftime("%Y-%m")),
        )
    if breakdown is not None and (
        breakdown not in BREAKDOWNS or (breakdown != "chip" and breakdown not in shipments.coords)
    ):
        raise invalid("breakdown", f"None or one of {format_choices(BREAKDOWNS)}", breakdown)
    cooling = renamed(pue, cooling, old="pue", new="cooling", default=None)
    seed = check_seed(int(shipments.attrs.get("seed", 0)) if seed is None else seed)

    life = _lifetime(lifetime_years)
    specs = (cooling, server_overhead)
    facility_table = load("facility_power")
    presets = distributions_from_table(facility_table)
    multipliers = {
        "pue": _multiplier(cooling, "pue", presets, parameter="cooling"),
        "server_overhead": _multiplier(server_overhead, "server_overhead", presets),
    }
    n_q, n_d = len(quarters), shipments.sizes["draw"]
    draws = sample(
        multipliers,
        n_draws=n_d,
        seed=seed,
        stream=STREAM,
        units={"pue": "1", "server_overhead": "1"},
    )

    ages = (np.arange(n_q) + 0.5) * QUARTER_YEARS  # shipments arrive mid-quarter on average
    alive = _survival(life, ages)
    lag = np.arange(n_q)[:, None] - np.arange(n_q)[None, :]
    # in_service[q] = sum over k <= q of shipments[k] * S(q - k): a lower-triangular matrix.
    retention = np.where(lag >= 0, alive[np.clip(lag, 0, None)], 0.0)

    # Chips without a published TDP (TPUs) at the known fleet's W per H100e, as the projection.
    shipments = impute_power(shipments)
    has_chip = "chip" in shipments.dims
    order = ("quarter", "chip", "draw") if has_chip else ("quarter", "draw")
    present = (*VARIABLES, *(v for v in OPTIONAL if v in shipments))
    arrays = {v: shipments[v].transpose(*order).values for v in present}
    if not has_chip:
        arrays = {v: a[:, None, :] for v, a in arrays.items()}
    n_c = arrays["units"].shape[1]
    first = _leading_gap(arrays["units"])

    def in_service(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        summed = _sum_chips(values, first, groups, n_groups)
        return np.einsum("qk,kgd->qgd", retention, summed, optimize=True)

    totals = {v: in_service(a, np.zeros(n_c, dtype=np.intp), 1)[:, 0] for v, a in arrays.items()}
    unpowered = _chips_without_power(shipments, arrays, first)
    if unpowered:
        # Unknown stays unknown (NaN, never a guess), but never silently: name the chips.
        warnings.warn(
            f"installed_base: no published TDP for {', '.join(unpowered)} and no chip with one "
            "shipped beside them to estimate it from, so 'power' and 'it_power' are NaN "
            "wherever those chips are in service; add shipments of chips with a TDP (e.g. "
            "estimate_shipments(None)) or give their TDP "
            "(estimate_shipments(..., assumptions={'tdp': {chip: watts}}))",
            UserWarning,
            stacklevel=3,  # installed_base <- public's wrapper <- the user
        )
    pue_draws, overhead_draws = draws["pue"].values, draws["server_overhead"].values
    it_power = totals["power"] / W_PER_MW
    facility = it_power * overhead_draws[None] * pue_draws[None]

    coords = {"quarter": shipments["quarter"], "draw": shipments["draw"]}
    values = {**totals, "it_power": it_power, "power": facility}
    data = {
        name: (("quarter", "draw"), values[name], OUTPUTS[name].attrs())
        for name in ("units", "h100e", *present[len(VARIABLES) :], "flops", "it_power", "power")
    }
    for name in ("it_power", "power"):
        if "imputed_for" in shipments["power"].attrs:  # say which chips' power is estimated
            data[name][2]["imputed_for"] = shipments["power"].attrs["imputed_for"]
            data[name][2]["imputation"] = shipments["power"].attrs["imputation"]
    data["pue"] = (("draw",), pue_draws, OUTPUTS["pue"].attrs())
    data["server_overhead"] = (("draw",), overhead_draws, OUTPUTS["server_overhead"].attrs())
    if breakdown is not None:
        labels = shipments["chip"].values if breakdown == "chip" else shipments[breakdown].values
        names, groups = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
        for v in present:
            split = in_service(arrays[v], groups, len(names))
            if v == "power":
                split = split / W_PER_MW * overhead_draws[None, None] * pue_draws[None, None]
            attrs = dict(data[v][2])
            attrs["long_name"] += f" by {breakdown}"
            data[f"{v}_by_{breakdown}"] = (("quarter", breakdown, "draw"), split, attrs)
        coords[breakdown] = names
    base = xr.Dataset(data, coords=coords)
    # The facility_power table is an input only when a multiplier came from its presets.
    from_table = [facility_table] if any(isinstance(x, str | None) for x in specs) else []
    base.attrs = {
        "title": "Installed base of AI accelerators",
        **merge(shipments, *from_table, method="workbench.supply.installed_base"),
        "lifetime_years": repr(life),
        "pue": repr(multipliers["pue"]),
        "server_overhead": repr(multipliers["server_overhead"]),
        "seed": int(seed),
        STREAMS_ATTR: merge_streams(shipments, draws),
        "vendors": shipments.attrs.get("vendors", ""),
    }
    return base
