"""Supply against demand: the same units, aligned periods, paired draws, shortfall odds.

Alignment rule (explicit, tested): supply is a stock of installed capacity, demand a rate of
use per period. When supply is quarterly and demand annual, the supply of a year is the mean of
its four quarterly stocks (the average capacity in service while the year's demand is served);
a year with fewer than four quarters of supply is left out, never averaged over part of a year.
Quarterly demand needs quarterly supply. Periods present on one side only are dropped.

Draws: supply and demand are independent Monte Carlo samples, so draw *i* of one is paired with
draw *i* of the other. That needs the same number of draws and different seeds (the same seed
would give both sides the same random stream and a spurious correlation).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench.errors import ParameterError, format_choices

__all__ = ["UNITS", "align_periods", "compute_gap"]

# unit name -> (supply variable, demand variable, units, long name)
UNITS: dict[str, tuple[str, str, str, str]] = {
    "h100e": ("h100e", "h100e", "1", "H100-equivalents (dense bf16 peak)"),
    "flops": ("flops", "flops_provisioned", "FLOP/s", "peak dense bf16 FLOP/s"),
    "power": ("power", "power", "MW", "facility power"),
}


def _time_dim(ds: xr.Dataset, owner: str, name: str) -> str:
    for dim in ("quarter", "year"):
        if dim in ds.dims:
            return dim
    raise ParameterError.invalid(
        name, owner, "a Dataset with a 'quarter' or 'year' dimension", tuple(ds.dims)
    )


def align_periods(supply: xr.Dataset, demand: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """Bring supply and demand onto the same period dimension (see the module's rule).

    Returns the two datasets on a shared ``year`` or ``quarter`` coordinate, restricted to the
    periods both cover.
    """
    owner = "align_periods"
    s_dim, d_dim = _time_dim(supply, owner, "supply"), _time_dim(demand, owner, "demand")
    if s_dim == "year" and d_dim == "quarter":
        raise ParameterError.invalid(
            "supply",
            owner,
            "quarterly when demand is quarterly (a yearly stock cannot be split)",
            "annual supply",
        )
    if s_dim == "quarter" and d_dim == "year":
        years = supply["quarter"].dt.year
        counts = supply["quarter"].groupby(years).count()
        annual = supply.groupby(years).mean(keep_attrs=True)
        annual = annual.sel(year=counts["year"][counts.values == 4].values)
        annual = annual.assign_coords(
            year=np.array([f"{y}-01-01" for y in annual.year.values], dtype="datetime64[ns]")
        )
        for name in annual.data_vars:
            annual[name].attrs = supply[name].attrs
        supply = annual
    dim = d_dim
    common = np.intersect1d(supply[dim].values, demand[dim].values)
    if common.size == 0:
        raise ParameterError.invalid(
            "demand",
            owner,
            f"periods overlapping the supply's ({dim})",
            f"supply {_span(supply[dim])}, demand {_span(demand[dim])}",
        )
    return supply.sel({dim: common}), demand.sel({dim: common})


def _span(coord: xr.DataArray) -> str:
    values = coord.values
    return f"{str(values.min())[:10]} to {str(values.max())[:10]}" if values.size else "none"


def _check_draws(supply: xr.Dataset, demand: xr.Dataset, owner: str) -> None:
    if "draw" in supply.dims and "draw" in demand.dims:
        if supply.sizes["draw"] != demand.sizes["draw"]:
            raise ParameterError.invalid(
                "demand",
                owner,
                f"as many draws as the supply ({supply.sizes['draw']})",
                demand.sizes["draw"],
            )
        s_seed, d_seed = supply.attrs.get("seed"), demand.attrs.get("seed")
        if s_seed is None or d_seed is None:
            raise ParameterError.invalid(
                "supply/demand",
                owner,
                "datasets recording their random seed in attrs['seed'] (to check independence)",
                (s_seed, d_seed),
            )
        if s_seed == d_seed:
            raise ParameterError.invalid(
                "demand",
                owner,
                "drawn with a different seed from the supply (the same seed gives both sides the "
                "same random stream and a spurious correlation)",
                f"seed {d_seed} for both",
            )


def compute_gap(supply: xr.Dataset, demand: xr.Dataset, *, unit: str = "h100e") -> xr.Dataset:
    """Compare installed supply with demand, per period and draw.

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
        ``"flops"`` or ``"power"``. Supply and demand are reported in all three where present.

    Returns
    -------
    xarray.Dataset
        ``supply_<u>`` and ``demand_<u>`` for each unit present on both sides; ``ratio``
        (supply ÷ demand), ``surplus`` (supply − demand; negative is a shortfall) and
        ``shortfall`` (bool) per period and draw; ``shortfall_probability`` per period.
    """
    owner = "compute_gap"
    if unit not in UNITS:
        raise ParameterError.invalid("unit", owner, f"one of {format_choices(UNITS)}", unit)
    _check_draws(supply, demand, owner)
    supply_period = _time_dim(supply, owner, "supply")
    supply, demand = align_periods(supply, demand)
    dim = "year" if "year" in demand.dims else "quarter"
    out = xr.Dataset()
    for name, (s_var, d_var, units, long_name) in UNITS.items():
        if s_var in supply and d_var in demand:
            out[f"supply_{name}"] = supply[s_var].assign_attrs(
                units=units, long_name=f"Supply, {long_name}"
            )
            out[f"demand_{name}"] = demand[d_var].assign_attrs(
                units=units, long_name=f"Demand, {long_name}"
            )
        elif name == unit:
            missing = s_var if s_var not in supply else d_var
            side = "supply" if s_var not in supply else "demand"
            present = sorted(map(str, (supply if side == "supply" else demand).data_vars))
            raise ParameterError.invalid(
                side, owner, f"a Dataset with variable {missing!r}", present
            )
    s, d = out[f"supply_{unit}"], out[f"demand_{unit}"]
    units = UNITS[unit][2]
    out["ratio"] = (s / d).assign_attrs(units="1", long_name=f"Supply / demand ({unit})")
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
    out.attrs = {
        "title": f"Compute gap in {UNITS[unit][3]}",
        "unit": unit,
        "period": dim,
        "alignment": "annual supply = mean of the year's four quarterly stocks"
        if supply_period != dim
        else f"supply and demand both on {dim}",
        "source": f"supply: {supply.attrs.get('source', 'n/a')}; demand: "
        f"{demand.attrs.get('source', 'n/a')}",
        "license": "CC-BY-4.0",
        "as_of": max(str(supply.attrs.get("as_of", "")), str(demand.attrs.get("as_of", ""))),
        "supply_seed": supply.attrs.get("seed", "n/a"),
        "demand_seed": demand.attrs.get("seed", "n/a"),
    }
    return out
