"""Power and energy of the accelerators that demand needs installed.

Accelerator power follows the FLOP/s provisioned, converted at the FLOP/s per watt of the
average installed accelerator: the reference chip's (H100) improved by ``efficiency_gain`` at
the base date and by ``efficiency_growth`` a year since. Hosts, networking and storage add
``host_overhead`` per watt of accelerator; the facility adds cooling and power conversion
through its PUE, which mixes air- and liquid-cooled halls. Energy is the provisioned power
times the average load over a year.

Energy is bounded by physics: no scenario's AI compute can draw more than the world's whole
electricity consumption (:func:`world_electricity`). Draws whose energy would exceed it are
capped at it, and :func:`workbench.demand.simulate` warns which years' tails left physics.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._provenance import fresh_attrs
from workbench._validation import as_dataarray, check_range, public
from workbench.demand.tokens import SECONDS_PER_YEAR

__all__ = [
    "COOLING",
    "WORLD_ELECTRICITY_2024_TWH",
    "WORLD_ELECTRICITY_GROWTH",
    "annual_energy",
    "bound_energy",
    "facility_power",
    "mixed_pue",
    "world_electricity",
]

COOLING = ("mixed", "air", "liquid")
HOURS_PER_YEAR = SECONDS_PER_YEAR / 3600.0
# IEA (2025), Energy and AI: data centres used about 415 TWh in 2024, "about 1.5% of global
# electricity consumption", i.e. about 27,700 TWh; IEA Electricity 2025: world demand grew
# 4.3% in 2024 and is forecast to grow close to 4% a year to 2027
# (https://www.iea.org/reports/energy-and-ai ; https://www.iea.org/reports/electricity-2025).
WORLD_ELECTRICITY_2024_TWH = 27_700.0
WORLD_ELECTRICITY_GROWTH = 1.04


@public
@fresh_attrs
def mixed_pue(*, liquid_share, pue_air, pue_liquid) -> xr.DataArray:
    """PUE of a fleet with ``liquid_share`` of its IT power in liquid-cooled halls."""
    share = check_range(
        as_dataarray(liquid_share, "liquid_share"),
        "liquid_share",
        low=0,
        high=1,
        expected="a share in [0, 1]",
    )
    pue = _mixed_pue(share, pue_air=pue_air, pue_liquid=pue_liquid)
    return pue.assign_attrs(units="1", long_name="Power usage effectiveness (fleet average)")


def _mixed_pue(share, *, pue_air, pue_liquid):
    """The arithmetic of :func:`mixed_pue`, on DataArrays or numpy arrays."""
    return share * pue_liquid + (1.0 - share) * pue_air


@public
@fresh_attrs
def facility_power(
    flops_provisioned,
    *,
    flops_per_watt,
    host_overhead,
    pue,
) -> xr.DataArray:
    """Facility power in MW for ``flops_provisioned`` FLOP/s of installed accelerators.

    ``flops_provisioned ÷ flops_per_watt × (1 + host_overhead) × pue ÷ 10⁶``.
    """
    flops = as_dataarray(flops_provisioned, "flops_provisioned")
    mw = _facility_power(flops, flops_per_watt=flops_per_watt, host_overhead=host_overhead, pue=pue)
    return mw.assign_attrs(units="MW", long_name="Facility power (provisioned)")


def _facility_power(flops, *, flops_per_watt, host_overhead, pue):
    """The arithmetic of :func:`facility_power` [MW], on DataArrays or numpy arrays."""
    return flops / flops_per_watt * (1.0 + host_overhead) * pue / 1e6


@public
@fresh_attrs
def annual_energy(power, *, load_factor) -> xr.DataArray:
    """Energy in TWh a year drawn by ``power`` MW provisioned at an average ``load_factor``."""
    energy = _annual_energy(as_dataarray(power, "power"), load_factor=load_factor)
    return energy.assign_attrs(units="TWh", long_name="Energy per year")


def _annual_energy(mw, *, load_factor):
    """The arithmetic of :func:`annual_energy` [TWh], on DataArrays or numpy arrays."""
    return mw * load_factor * HOURS_PER_YEAR / 1e6


def world_electricity(years) -> xr.DataArray:
    """The world's electricity consumption [TWh/yr] in ``years`` (ints or datetimes).

    The 2024 level grown by :data:`WORLD_ELECTRICITY_GROWTH` a year (the IEA's near-term
    forecast, held): an upper bound for any single use, not a forecast of it.
    """
    values = xr.DataArray(years) if not isinstance(years, xr.DataArray) else years
    if values.dtype.kind == "M":
        values = values.dt.year + (values.dt.dayofyear - 1) / 365.2425
    elapsed = values.astype(float) - 2024.0
    return (WORLD_ELECTRICITY_2024_TWH * WORLD_ELECTRICITY_GROWTH**elapsed).assign_attrs(
        units="TWh", long_name="World electricity consumption per year"
    )


def bound_energy(energy, bound):
    """``energy`` capped at ``bound``: draws beyond physics are cut (a DataArray keeps attrs)."""
    capped = np.minimum(energy, bound)
    return capped.assign_attrs(energy.attrs) if isinstance(capped, xr.DataArray) else capped
