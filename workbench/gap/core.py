"""Supply against demand: the same units, the same instants, paired draws, shortfall odds.

One instant, one rule: supply and demand are compared at the instants both refer to. Each
time coordinate says which instant its labels stand for in ``attrs["instant"]``: ``"end"`` of
the period (a quarterly stock, :func:`workbench.supply.installed_base`, counts every chip
shipped in the quarter as in service) or its ``"start"`` (:func:`workbench.demand.simulate`'s
annual values are at 1 January). Without the attribute a ``quarter`` label means its end and
a ``year`` label its 1 January. The supply's stock at the end of 2025Q4 is compared with
demand at 1 January 2026, and quarterly demand (``simulate(freq="quarter")``, evaluated at
each quarter's end, as the supply) with the supply of the same quarter. Instants present on
one side only are dropped. Quarterly results can be summarised as annual means of both
sides over calendar years with all four quarters (``compute_gap(..., period="year")``).
A yearly supply cannot be compared with quarterly demand (it has no values between years).

Capacity by the binding resource: work bound by FLOP/s (training, prefill) needs the supply's
FLOP/s, decode its memory bandwidth, and a fleet of H20s (rich in bandwidth, poor in FLOP/s)
serves decode that its FLOP/s rating would not. When the supply has ``h100e_bandwidth`` (its
H100-equivalents by HBM bandwidth) and the demand ``bandwidth_h100e`` (the part of its H100e
bound by bandwidth on the H100's roofline), demand is restated on the supply's chip mix: the
share of the fleet it occupies is ``(D − D_bw) / S + D_bw / S_bw`` (:func:`occupancy`), and its
H100e (and FLOP/s and power with them) are that share of the supply's. On a fleet of H100s
nothing changes; without the two variables demand is compared by FLOP/s alone. Power always
follows the chips: demand's facility power is the share of the fleet it occupies times the
fleet's facility power (the installed chips' TDPs, not an efficiency of demand's own).

Draws: supply and demand are independent Monte Carlo samples, so draw *i* of one is paired with
draw *i* of the other. That needs the same number of draws and disjoint random streams (see
:func:`workbench.uncertainty.check_independent`): a shared stream would give both sides the
same random numbers and a spurious correlation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge
from workbench._time import time_dim
from workbench._validation import invalid, public
from workbench.errors import ParameterError, format_choices
from workbench.uncertainty import check_independent, merge_streams

__all__ = [
    "INSTANT_RULE",
    "UNITS",
    "align_periods",
    "annual_means",
    "compute_gap",
    "instants",
    "occupancy",
]

# unit name -> (supply variable, demand variable, units, long name)
UNITS: dict[str, tuple[str, str, str, str]] = {
    "h100e": ("h100e", "h100e", "1", "H100-equivalents (dense bf16 peak)"),
    "flops": ("flops", "flops_provisioned", "FLOP/s", "peak dense bf16 FLOP/s"),
    "power": ("power", "power", "MW", "facility power"),
}
INSTANT_RULE = (
    "supply and demand compared at the same instants: a quarterly stock at the end of its "
    "quarter, annual values at 1 January (or as each time coordinate's 'instant' attribute says)"
)
_DEFAULT_INSTANT = {"quarter": "end", "year": "start"}
_OFFSETS = {"quarter": pd.DateOffset(months=3), "year": pd.DateOffset(years=1)}


@public
def instants(ds: xr.Dataset, dim: str | None = None) -> pd.DatetimeIndex:
    """The instants the labels of ``ds``'s time coordinate refer to (see the module's rule)."""
    dim = dim or time_dim(ds, "ds")
    labels = pd.DatetimeIndex(ds[dim].values)
    where = ds[dim].attrs.get("instant", _DEFAULT_INSTANT[dim])
    if where not in ("start", "end"):
        raise ParameterError.invalid(
            f"{dim}.attrs['instant']", "instants", "'start' or 'end'", where
        )
    return labels + _OFFSETS[dim] if where == "end" else labels


@public
def align_periods(supply: xr.Dataset, demand: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """Supply and demand at the instants both cover, on the demand's time coordinate.

    Returns the two datasets restricted to the common instants, the supply relabelled with the
    demand's labels (so ``supply.year`` 2026-01-01 holds the stock at the end of 2025Q4).
    """
    s_dim, d_dim = time_dim(supply, "supply"), time_dim(demand, "demand")
    if s_dim == "year" and d_dim == "quarter":
        raise invalid(
            "supply",
            "quarterly when demand is quarterly (a yearly stock cannot be split)",
            "annual supply",
        )
    s_when, d_when = instants(supply, s_dim), instants(demand, d_dim)
    common = d_when.intersection(s_when)
    if common.size == 0:
        raise invalid(
            "demand",
            f"instants overlapping the supply's ({INSTANT_RULE})",
            f"supply {_span(s_when)}, demand {_span(d_when)}",
        )
    supply = supply.isel({s_dim: _positions(s_when.get_indexer(common))})
    demand = demand.isel({d_dim: _positions(d_when.get_indexer(common))})
    if s_dim != d_dim:
        supply = supply.rename({s_dim: d_dim})
    supply = supply.assign_coords({d_dim: demand[d_dim]})
    return supply, demand


def _positions(indexer: np.ndarray) -> np.ndarray | slice:
    """``indexer`` as a slice when it is a run of consecutive positions (the usual case):
    selecting by a slice takes a view, by an array a copy of every variable."""
    if indexer.size and np.array_equal(indexer, np.arange(indexer[0], indexer[0] + indexer.size)):
        return slice(int(indexer[0]), int(indexer[0]) + indexer.size)
    return indexer


def _span(when: pd.DatetimeIndex) -> str:
    return f"{when.min().date()} to {when.max().date()}" if when.size else "none"


def _check_draws(supply: xr.Dataset, demand: xr.Dataset) -> None:
    if "draw" in supply.dims and "draw" in demand.dims:
        if supply.sizes["draw"] != demand.sizes["draw"]:
            raise invalid(
                "demand",
                f"as many draws as the supply ({supply.sizes['draw']})",
                demand.sizes["draw"],
            )
        check_independent({"supply": supply, "demand": demand})


def _check_units(ds: xr.Dataset, name: str, units: str, side: str) -> None:
    found = ds[name].attrs.get("units")
    if found is not None and str(found) != units:
        raise invalid(side, f"variable {name!r} in {units!r} (its 'units' attribute)", str(found))


def occupancy(demand_h100e, demand_bandwidth_h100e, supply_h100e, supply_bandwidth_h100e):
    """The share of a fleet that demand occupies, each part on its binding resource.

    ``demand_h100e`` is demand's H100e on the H100's roofline, ``demand_bandwidth_h100e`` the
    part of it bound by memory bandwidth; the supply is counted by FLOP/s (``supply_h100e``)
    and by bandwidth (``supply_bandwidth_h100e``). Arrays of any kind that broadcast.

    >>> float(occupancy(10.0, 6.0, 20.0, 20.0))  # a fleet of H100s: 10 / 20
    0.5
    >>> round(float(occupancy(10.0, 6.0, 20.0, 60.0)), 12)  # bandwidth-rich: 4 / 20 + 6 / 60
    0.3
    """
    flop_bound = demand_h100e - demand_bandwidth_h100e
    return flop_bound / supply_h100e + demand_bandwidth_h100e / supply_bandwidth_h100e


def counts_binding_resource(supply: xr.Dataset, demand: xr.Dataset) -> bool:
    """Whether both sides count H100e by FLOP/s and by bandwidth (see :func:`occupancy`)."""
    return {"h100e", "h100e_bandwidth"} <= set(supply.data_vars) and {
        "h100e",
        "bandwidth_h100e",
    } <= set(demand.data_vars)


def _restate_on_supply(supply: xr.Dataset, demand: xr.Dataset) -> tuple[xr.Dataset, str]:
    """Demand's capacity variables restated on the supply's chip mix (see the module's rule).

    Power follows the chips: demand occupying a share of the fleet draws that share of the
    fleet's facility power (its own ``power`` assumed an efficiency of its own, which the
    installed chips' TDPs need not share).
    """
    restated = demand.copy()
    binding = counts_binding_resource(supply, demand)
    if binding:
        share = occupancy(
            demand["h100e"], demand["bandwidth_h100e"], supply["h100e"], supply["h100e_bandwidth"]
        )
        factor = share * supply["h100e"] / demand["h100e"]
        # Instants without a bandwidth count (an input lacking it) keep the FLOP/s comparison.
        factor = factor.where(np.isfinite(factor), 1.0)
        for name in ("h100e", "flops_provisioned"):
            if name in demand:
                restated[name] = (demand[name] * factor).assign_attrs(demand[name].attrs)
        restated["binding_factor"] = factor.assign_attrs(
            units="1",
            long_name="Demand on the supply's chip mix over demand on H100s (binding resource)",
        )
        text = (
            "capacity by the binding resource: FLOP/s-bound demand against the supply's "
            "FLOP/s, bandwidth-bound demand (decode) against its memory bandwidth"
        )
    else:
        text = "compared by FLOP/s (no bandwidth-based counts on both sides)"
    if {"h100e", "power"} <= set(supply.data_vars) and {"h100e", "power"} <= set(demand):
        fleet_share = restated["h100e"] / supply["h100e"]
        restated["power"] = (fleet_share * supply["power"]).assign_attrs(demand["power"].attrs)
        text += "; demand's power is the occupied share of the fleet's facility power"
    return restated, text


def annual_means(ds: xr.Dataset) -> xr.Dataset:
    """Means over calendar years with all four quarters (a part year is left out)."""
    if all(da.dtype.kind == "f" for da in ds.data_vars.values()):
        return _annual_float_means(ds)
    years = ds["quarter"].dt.year
    counts = ds["quarter"].groupby(years).count()
    annual = ds.groupby(years).mean(keep_attrs=True)
    annual = annual.sel(year=counts["year"][counts.values == 4].values)
    annual = annual.assign_coords(
        year=np.array([f"{y}-01-01" for y in annual.year.values], dtype="datetime64[ns]")
    )
    for name in annual.data_vars:
        annual[name].attrs = ds[name].attrs
    return annual


def _annual_float_means(ds: xr.Dataset) -> xr.Dataset:
    """:func:`annual_means` of float variables in numpy: each year's four quarters taken
    together (NaN skipped, as xarray's mean does) instead of a groupby per year. As the
    groupby did, ``year`` comes first and a variable without quarters repeats per year."""
    years = pd.DatetimeIndex(ds["quarter"].values).year
    whole = [y for y in sorted(set(years)) if np.count_nonzero(years == y) == 4]
    picks = np.array([np.flatnonzero(years == y) for y in whole], dtype=int).reshape(-1, 4)
    labels = np.array([f"{y}-01-01" for y in whole], dtype="datetime64[ns]")
    data = {}
    for name, da in ds.data_vars.items():
        if "quarter" not in da.dims:
            repeated = np.broadcast_to(da.values, (len(whole), *da.shape)).copy()
            data[name] = (("year", *da.dims), repeated, da.attrs)
            continue
        axis = da.get_axis_num("quarter")
        quarters = np.take(da.values, picks, axis=axis)  # (..., year, quarter of it, ...)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a year all NaN is NaN
            means = np.moveaxis(np.nanmean(quarters, axis=axis + 1), axis, 0)
        others = tuple(d for d in da.dims if d != "quarter")
        data[name] = (("year", *others), means, da.attrs)
    coords = {k: v for k, v in ds.coords.items() if "quarter" not in v.dims}
    return xr.Dataset(data, coords={**coords, "year": labels}, attrs=ds.attrs)


@public
def compute_gap(
    supply: xr.Dataset, demand: xr.Dataset, *, unit: str = "h100e", period: str | None = None
) -> xr.Dataset:
    """Compare installed supply with demand at the same instants, per draw.

    Rule: supply and demand are compared at the instants both refer to (a quarterly stock at
    the end of its quarter, annual values at 1 January, or as each time coordinate's
    ``attrs["instant"]`` says); instants on one side only are dropped. Quarterly demand is the
    preferred input: the supply is quarterly. ``period="year"`` then reports annual means of
    both sides (calendar years with all four quarters). Demand is set against the supply's
    FLOP/s and memory bandwidth, each where it binds, when both sides count both (see
    :func:`occupancy`).

    Parameters
    ----------
    supply
        Installed capacity, e.g. :func:`workbench.supply.installed_base`: variables ``h100e``,
        ``flops`` (FLOP/s) and ``power`` (MW) on ``quarter`` or ``year`` (and ``draw``).
    demand
        Required capacity, e.g. :func:`workbench.demand.simulate`: variables ``h100e``,
        ``flops_provisioned`` (FLOP/s) and ``power`` (MW) on ``year`` or ``quarter`` (and
        ``draw``).
    unit
        The unit of ``ratio``, ``surplus`` and ``shortfall_probability``: ``"h100e"``,
        ``"flops"`` or ``"power"``. Supply and demand are reported in all three where present;
        a variable whose ``units`` differ from the unit's is refused, never relabelled.
    period
        ``None``: the demand's time coordinate. ``"year"`` with quarterly demand: annual means
        of the paired quarterly values of both sides.

    Returns
    -------
    xarray.Dataset
        ``supply_<u>`` and ``demand_<u>`` for each unit present on both sides; ``ratio``
        (supply ÷ demand), ``log_ratio`` (its natural log), ``surplus`` (supply − demand;
        negative is a shortfall) and ``shortfall`` (bool) per period and draw;
        ``shortfall_probability`` per period; ``binding_factor`` when demand was restated on
        the supply's chip mix (see the module's rule). Attrs ``alignment`` state the rules.
    """
    if unit not in UNITS:
        raise invalid("unit", f"one of {format_choices(UNITS)}", unit)
    if period not in (None, "year"):
        raise invalid("period", "None or 'year'", period)
    _check_draws(supply, demand)
    supply_period = time_dim(supply, "supply")
    demand_period = time_dim(demand, "demand")
    aligned_supply, aligned_demand = align_periods(supply, demand)
    aligned_demand, binding = _restate_on_supply(aligned_supply, aligned_demand)
    dim = demand_period
    out = xr.Dataset()
    for name, (s_var, d_var, units, long_name) in UNITS.items():
        if s_var in aligned_supply and d_var in aligned_demand:
            _check_units(aligned_supply, s_var, units, "supply")
            _check_units(aligned_demand, d_var, units, "demand")
            out[f"supply_{name}"] = aligned_supply[s_var].assign_attrs(
                units=units, long_name=f"Supply, {long_name}"
            )
            out[f"demand_{name}"] = aligned_demand[d_var].assign_attrs(
                units=units, long_name=f"Demand, {long_name}"
            )
        elif name == unit:
            missing = s_var if s_var not in supply else d_var
            side = "supply" if s_var not in supply else "demand"
            present = sorted(map(str, (supply if side == "supply" else demand).data_vars))
            raise invalid(side, f"a Dataset with variable {missing!r}", present)
    if "binding_factor" in aligned_demand:
        out["binding_factor"] = aligned_demand["binding_factor"]
    alignment = f"{INSTANT_RULE}; supply {supply_period}ly, demand {demand_period}ly; {binding}"
    if period == "year" and dim == "quarter":
        out = annual_means(out)
        dim = "year"
        alignment += "; annual means of both sides over years with four paired quarters"
        if out.sizes["year"] == 0:
            raise invalid("period", "'year' only when a whole year of quarters is paired", period)
    s, d = out[f"supply_{unit}"], out[f"demand_{unit}"]
    units = UNITS[unit][2]
    out["ratio"] = (s / d).assign_attrs(units="1", long_name=f"Supply / demand ({unit})")
    out["log_ratio"] = np.log(out["ratio"]).assign_attrs(
        units="1", long_name=f"log(supply / demand) ({unit})"
    )
    out["surplus"] = (s - d).assign_attrs(
        units=units, long_name=f"Surplus (+) or shortfall (−), {UNITS[unit][3]}"
    )
    out["shortfall"] = (s < d).assign_attrs(long_name="Demand exceeds supply")
    if "draw" in out["shortfall"].dims:
        probability = out["shortfall"].mean("draw")
    else:
        probability = out["shortfall"].astype(float)
    out["shortfall_probability"] = probability.assign_attrs(
        units="1", long_name="Probability that demand exceeds supply"
    )
    out[dim].attrs["instant"] = (
        "mean"
        if period == "year" and demand_period == "quarter"
        else (aligned_demand[demand_period].attrs.get("instant", _DEFAULT_INSTANT[demand_period]))
    )
    out.attrs = {
        "title": f"Compute gap in {UNITS[unit][3]}",
        "unit": unit,
        "period": dim,
        "alignment": alignment,
        **merge(supply, demand, method="workbench.gap.compute_gap"),
        "supply_seed": supply.attrs.get("seed", "n/a"),
        "demand_seed": demand.attrs.get("seed", "n/a"),
        "random_streams": merge_streams(supply, demand),
    }
    return out
