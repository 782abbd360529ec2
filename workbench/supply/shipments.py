"""Accelerator shipments estimated from vendors' reported revenue.

units = revenue x compute share x chip mix / price, per quarter, chip and Monte Carlo draw,
with every factor uncertain (:mod:`workbench.uncertainty`) and the defaults read from sourced
tables (:mod:`workbench.supply.assumptions`). The arithmetic runs on numpy arrays written in
place, so memory stays close to the size of the result.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import Var, merge
from workbench._time import quarter_coord, quarter_key
from workbench._validation import check_choice, check_n_draws, check_seed, invalid, public
from workbench.errors import format_choices
from workbench.supply.assumptions import (
    MixRow,
    ShareRow,
    ShipmentAssumptions,
    read_assumptions,
)
from workbench.supply.chips import H100_REFERENCE, chip_arrays
from workbench.uncertainty import STREAMS_ATTR, sample

STREAM = "supply.shipments"

__all__ = ["estimate_shipments", "impute_power"]

#: Units and names of the outputs.
OUTPUTS = {
    "units": Var("1", "Accelerators shipped in the quarter"),
    "h100e": Var("1", "H100-equivalents shipped in the quarter"),
    "h100e_bandwidth": Var("1", "H100-equivalents by memory bandwidth shipped in the quarter"),
    "flops": Var("FLOP/s", "Dense bf16 peak shipped in the quarter"),
    "power": Var("W", "Power at TDP of accelerators shipped"),
    "price": Var("USD", "Average selling price per accelerator"),
    "accelerator_revenue": Var("USD", "Revenue from the accelerators in the mix"),
}
# The old spelling of "every vendor" (now None, as everywhere in the workbench).
_ALL_VENDORS = "all"


@dataclass
class _VendorPlan:
    """Which rows of the assumptions apply to which quarter, for one chip designer."""

    vendor: str
    quarters: pd.DatetimeIndex  # consecutive calendar quarters covered
    basis: np.ndarray  # revenue line per quarter, USD (NaN where not reported)
    share_rows: list[ShareRow]
    share_of_quarter: np.ndarray  # index into share_rows per quarter, -1 if none
    mix_rows: list[MixRow]
    chips: list[str]
    mix_index: np.ndarray  # (quarter, chip) index into mix_rows, len(mix_rows) if absent


def impute_power(shipments: xr.Dataset) -> xr.Dataset:
    """``shipments`` with the power of chips lacking a published TDP estimated, not NaN.

    A ratio estimator: a chip of unknown power (Google's TPUs) draws what the chips of known
    power shipped in the same quarter and draw draw per H100e. Where no chip of that quarter
    has a TDP the power stays NaN. The ``power`` variable's ``imputed_for`` attribute names
    the chips estimated this way (empty when none).
    """
    if "chip" not in shipments.dims or "power" not in shipments:
        return shipments
    power = shipments["power"]
    # numpy on the (quarter, chip, draw) arrays: these are the largest of an outlook, and each
    # xarray operation on them cost twice its arithmetic.
    axis = power.dims.index("chip")
    watts = power.values
    h100e, units = (shipments[name].transpose(*power.dims).values for name in ("h100e", "units"))
    known = ~np.isnan(watts)
    with np.errstate(all="ignore"):
        per_h100e = np.where(known, watts, 0.0).sum(axis=axis, keepdims=True) / np.where(
            known & ~np.isnan(h100e), h100e, 0.0
        ).sum(axis=axis, keepdims=True)
        estimated = h100e * per_h100e
    missing = ~known & (units > 0)
    others = tuple(i for i in range(watts.ndim) if i != axis)
    imputed = [str(c) for c in shipments["chip"].values[missing.any(axis=others)]]
    # Nothing shipped draws nothing; a quarter the vendor's revenue does not cover stays NaN.
    filled = power.copy(
        deep=False, data=np.where(known, watts, np.where(units == 0, 0.0, estimated))
    )
    attrs = dict(power.attrs)
    if imputed:
        attrs["imputed_for"] = ", ".join(imputed)
        attrs["imputation"] = (
            "power of chips without a published TDP at the W per H100e of the chips with one "
            "shipped in the same quarter"
        )
    return shipments.assign(power=filled.assign_attrs(attrs))


def _requested(vendor: str | Sequence[str] | None) -> list[str] | None:
    if vendor is None:
        return None
    if isinstance(vendor, str):
        if vendor.lower() == _ALL_VENDORS:
            warnings.warn(
                "vendor='all' of supply.estimate_shipments is now vendor=None (all vendors, as "
                "everywhere in the workbench); 'all' will be removed in the next release.",
                DeprecationWarning,
                stacklevel=4,  # _requested <- estimate_shipments <- public's wrapper <- the user
            )
            return None
        return [vendor]
    if isinstance(vendor, Sequence) and vendor and all(isinstance(v, str) for v in vendor):
        return list(dict.fromkeys(vendor))
    raise invalid("vendor", "None (all vendors), a vendor name or a list of names", vendor)


def _revenue_line(revenue: xr.Dataset, row: ShareRow) -> pd.Series:
    """The reported revenue line a compute-share row applies to, by quarter."""
    var = row.basis
    if var not in revenue:
        raise invalid(
            "assumptions['compute_share']",
            f"a basis that names a revenue variable ({format_choices(list(revenue.data_vars))})",
            (row.label, var),
        )
    names = [str(v) for v in revenue["vendor"].values]
    company = row.revenue_vendor if row.revenue_vendor in names else row.vendor
    if company not in names:
        raise invalid("assumptions['revenue']", f"revenue for {row.vendor!r}", names)
    line = revenue[var].sel(vendor=company)
    return pd.Series(
        np.asarray(line.values, dtype=float), index=pd.DatetimeIndex(line["quarter"].values)
    )


def _plan(a: ShipmentAssumptions, vendor: str) -> _VendorPlan:
    share_rows = sorted((r for r in a.shares if r.vendor == vendor), key=lambda r: r.first)
    mix_rows = [r for r in a.mix if r.vendor == vendor]
    covered: dict[pd.Timestamp, tuple[int, float]] = {}
    for i, row in enumerate(share_rows):
        line = _revenue_line(a.revenue, row)
        inside = line[(line.index >= row.first) & (line.index <= row.last)].dropna()
        for when, value in inside.items():
            covered[when] = (i, value)
    if not covered:
        raise invalid(
            "assumptions['revenue']",
            f"reported revenue in a compute-share period of {vendor!r}",
            [r.label for r in share_rows],
        )
    quarters = pd.date_range(min(covered), max(covered), freq="QS")
    chips = list(dict.fromkeys(r.chip for r in mix_rows))
    column = {chip: j for j, chip in enumerate(chips)}
    absent = len(mix_rows)
    mix_index = np.full((len(quarters), len(chips)), absent, dtype=np.intp)
    for k, row in enumerate(mix_rows):
        inside = (quarters >= row.first) & (quarters <= row.last)
        mix_index[inside, column[row.chip]] = k
    share_of_quarter = np.full(len(quarters), -1, dtype=np.intp)
    basis = np.full(len(quarters), np.nan)
    for t, when in enumerate(quarters):
        if when in covered:
            share_of_quarter[t], basis[t] = covered[when]
            if not (mix_index[t] < absent).any():
                raise invalid(
                    "assumptions['mix']",
                    "chip shares for every quarter with revenue",
                    f"{vendor} {quarter_key(when)}",
                )
    return _VendorPlan(
        vendor, quarters, basis, share_rows, share_of_quarter, mix_rows, chips, mix_index
    )


@public
def estimate_shipments(
    vendor: str | Sequence[str] | None = "NVIDIA",
    *,
    n_draws: int = 10_000,
    seed: int = 0,
    assumptions: Mapping[str, Any] | str | Path | None = None,
) -> xr.Dataset:
    """Accelerators shipped per quarter and chip, estimated from reported revenue.

    For each calendar quarter, accelerator revenue = reported revenue x compute share; each
    chip's units = accelerator revenue x its mix share / its price. Compute share, mix and
    price are uncertain and drawn ``n_draws`` times; the result keeps every draw.

    Parameters
    ----------
    vendor
        Chip designer: ``"NVIDIA"``, ``"AMD"``, ``"Google"`` (TPUs, from Broadcom's AI
        revenue), a list of them, or ``None`` for all of them (``"all"`` still works for one
        release, with a :class:`DeprecationWarning`).
    n_draws
        Monte Carlo draws.
    seed
        Seed of the random draws; the same inputs and seed give the same numbers.
    assumptions
        Replacements for the bundled assumptions: a folder holding any of ``vendor_revenue``,
        ``compute_share``, ``shipment_mix``, ``shipment_prices``, ``accelerators`` tables
        (``NAME.csv`` + ``NAME.toml``), or a mapping with any of these entries:

        - ``"revenue"``: a Dataset in the ``vendor_revenue`` layout (fiscal quarters with
          their dates, allocated to calendar quarters by days with
          :func:`~workbench.data.to_calendar_quarters`) or along calendar ``quarter``, a
          DataArray along ``quarter`` (USD, for a single vendor), ``{"2024Q1": usd, ...}``
          or a CSV path;
        - ``"compute_share"``: a share (number), a ``(low, high)`` 90% interval (beta), any
          :func:`~workbench.uncertainty.as_distribution` spec, ``{period: spec}`` with periods
          like ``"2024Q1-2025Q4"``, or a table; applies to ``revenue``;
        - ``"mix"``: ``{chip: share}``, ``{chip: {"share": s, "spread": f}}``,
          ``{period: {chip: ...}}`` or a table like ``shipment_mix``; shares sum to 1;
        - ``"prices"``: ``{chip: (low, high)}`` 90% intervals in USD (or any distribution
          spec), merged over the bundled prices, or a table like ``shipment_prices``;
        - ``"tdp"``: ``{chip: watts}`` for chips whose TDP the accelerators table lacks;
        - ``"accelerators"``: a Dataset or CSV in the ``accelerators`` layout.

    Returns
    -------
    xr.Dataset
        Dims ``(quarter, chip, draw)``; ``quarter`` is datetime64 at the calendar quarter
        start. Variables ``units`` (accelerators), ``h100e`` (H100-equivalents by dense bf16
        peak), ``h100e_bandwidth`` (H100-equivalents by HBM bandwidth, the resource decode is
        bound by), ``flops`` (dense bf16 FLOP/s), ``power`` (W at TDP; NaN for chips without a
        published TDP), plus ``price`` (chip, draw) and ``accelerator_revenue`` (quarter,
        draw). Coordinates ``vendor`` and ``region`` (``"China"`` or ``"rest of world"``)
        along ``chip``. Quarters a vendor's revenue does not cover are NaN.

    Raises
    ------
    ParameterError
        For an unknown vendor, bad ``n_draws``/``seed``, negative revenue, mix shares that do
        not sum to 1, a price interval with low >= high, or a chip missing from the
        accelerators table; the message names the entry and the value.

    Examples
    --------
    >>> from workbench.supply import estimate_shipments
    >>> ds = estimate_shipments("NVIDIA", n_draws=200, seed=1)
    >>> ds.units.dims
    ('quarter', 'chip', 'draw')
    """
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    requested = _requested(vendor)
    a = read_assumptions(assumptions, requested)
    available = a.vendors()
    vendors = available if requested is None else requested
    for name in vendors:
        check_choice(name, "vendor", available)
    plans = [_plan(a, v) for v in vendors]
    return _compute(plans, a, n_draws, seed)


def _inputs(plans: list[_VendorPlan], a: ShipmentAssumptions, chips: list[str]):
    """Named distributions to draw, and where each plan's rows sit among them."""
    inputs: dict[str, Any] = {}
    offsets = []
    for plan in plans:
        share_names = [f"share {row.label} #{i}" for i, row in enumerate(plan.share_rows)]
        mix_names = [f"mix {plan.vendor} #{k} {row.chip}" for k, row in enumerate(plan.mix_rows)]
        inputs.update(zip(share_names, (r.dist for r in plan.share_rows), strict=True))
        inputs.update(zip(mix_names, (r.weight for r in plan.mix_rows), strict=True))
        offsets.append((share_names, mix_names))
    for chip in chips:
        if chip not in a.prices:
            raise invalid("assumptions['prices']", "a price for every chip in the mix", chip)
        inputs[f"price {chip}"] = a.prices[chip]
    for chip, dist in a.tdp.items():
        if chip in chips:
            inputs[f"tdp {chip}"] = dist
    return inputs, offsets


def _compute(
    plans: list[_VendorPlan], a: ShipmentAssumptions, n_draws: int, seed: int
) -> xr.Dataset:
    chips = [chip for plan in plans for chip in plan.chips]
    specs = chip_arrays(chips, accelerators=a.accelerators, parameter="assumptions['mix']")
    quarters = pd.date_range(
        min(p.quarters[0] for p in plans), max(p.quarters[-1] for p in plans), freq="QS"
    )
    inputs, offsets = _inputs(plans, a, chips)
    draws = sample(inputs, n_draws=n_draws, seed=seed, stream=STREAM)

    def rows(names: list[str]) -> np.ndarray:
        if not names:
            return np.empty((0, n_draws))
        return np.stack([draws[name].values for name in names])

    price = rows([f"price {chip}" for chip in chips])  # (chip, draw)
    n_q, n_c = len(quarters), len(chips)
    units = np.full((n_q, n_c, n_draws), np.nan)
    accelerator_revenue = np.full((n_q, n_draws), np.nan)
    c0 = 0
    for plan, (share_names, mix_names) in zip(plans, offsets, strict=True):
        nc = len(plan.chips)
        q0 = quarters.get_loc(plan.quarters[0])
        q1 = q0 + len(plan.quarters)
        shares = rows(share_names)  # (share row, draw)
        covered = plan.share_of_quarter >= 0
        revenue = np.full((len(plan.quarters), n_draws), np.nan)
        revenue[covered] = plan.basis[covered, None] * shares[plan.share_of_quarter[covered]]
        # One zero row stands for "chip not in this period's mix".
        weights = np.concatenate([rows(mix_names), np.zeros((1, n_draws))])
        block = units[q0:q1, c0 : c0 + nc]
        np.take(weights, plan.mix_index, axis=0, out=block, mode="clip")
        # Normalising the weights per draw makes the mix sum to 1 whatever the spreads drew;
        # one combined factor keeps it to a single pass over the block.
        factor = revenue[:, None, :] / block.sum(axis=1, keepdims=True)
        block *= factor
        block /= price[None, c0 : c0 + nc]
        accelerator_revenue[q0:q1] = np.where(
            np.isnan(accelerator_revenue[q0:q1]), revenue, accelerator_revenue[q0:q1] + revenue
        )
        c0 += nc

    if a.tdp and any(chip in a.tdp for chip in chips):
        tdp = np.repeat(specs.tdp[:, None], n_draws, axis=1)
        for j, chip in enumerate(chips):
            if chip in a.tdp:
                tdp[j] = draws[f"tdp {chip}"].values
        power = units * tdp[None]
    else:
        power = units * specs.tdp[None, :, None]
    h100e = units * specs.h100e[None, :, None]
    h100e_bandwidth = units * specs.h100e_bandwidth[None, :, None]
    flops = units * specs.bf16[None, :, None]

    dims = ("quarter", "chip", "draw")
    coords = {
        "quarter": quarter_coord(quarters),
        "chip": ("chip", np.array(chips, dtype=object)),
        "draw": np.arange(n_draws),
        **specs.coords(),
    }
    reference = float(specs.bf16[0] / specs.h100e[0])
    values = {
        "units": units,
        "h100e": h100e,
        "h100e_bandwidth": h100e_bandwidth,
        "flops": flops,
        "power": power,
    }
    data = {name: (dims, values[name], OUTPUTS[name].attrs()) for name in values}
    data["h100e"][2]["description"] = (
        f"Units x dense bf16 peak / {H100_REFERENCE} dense bf16 peak ({reference:.4g} FLOP/s)."
    )
    data["h100e_bandwidth"][2]["description"] = (
        f"Units x HBM bandwidth / {H100_REFERENCE} HBM bandwidth: the capacity for decode, "
        "which is bound by memory bandwidth."
    )
    data["price"] = (("chip", "draw"), price, OUTPUTS["price"].attrs())
    data["accelerator_revenue"] = (
        ("quarter", "draw"),
        accelerator_revenue,
        OUTPUTS["accelerator_revenue"].attrs(),
    )
    ds = xr.Dataset(
        data,
        coords=coords,
        attrs={
            "title": "Accelerator shipments estimated from reported revenue",
            **merge(
                *a.inputs,
                method="workbench.supply.estimate_shipments (revenue (vendor_revenue) x compute "
                "share (compute_share) x chip mix (shipment_mix) / price (shipment_prices); chip "
                "specs from accelerators; tables used: " + "; ".join(a.sources) + ")",
            ),
            "vendors": ", ".join(p.vendor for p in plans),
            "seed": seed,
            STREAMS_ATTR: draws.attrs[STREAMS_ATTR],
            "n_draws": n_draws,
            "h100e_reference": H100_REFERENCE,
        },
    )
    return ds
