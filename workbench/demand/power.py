"""Power and energy of the accelerators that demand needs installed.

Accelerator power follows the FLOP/s provisioned, converted at the FLOP/s per watt of the
average installed accelerator: the reference chip's (H100) improved by ``efficiency_gain`` at
the base date and by ``efficiency_growth`` a year since. Hosts, networking and storage add
``host_overhead`` per watt of accelerator; the facility adds cooling and power conversion
through its PUE, which mixes air- and liquid-cooled halls. Energy is the provisioned power
times the average load over a year.
"""

from __future__ import annotations

import xarray as xr

from workbench.demand._checks import as_array, check_range, fresh_attrs
from workbench.demand.tokens import SECONDS_PER_YEAR

__all__ = ["COOLING", "annual_energy", "facility_power", "mixed_pue"]

COOLING = ("mixed", "air", "liquid")
HOURS_PER_YEAR = SECONDS_PER_YEAR / 3600.0


@fresh_attrs
def mixed_pue(*, liquid_share, pue_air, pue_liquid) -> xr.DataArray:
    """PUE of a fleet with ``liquid_share`` of its IT power in liquid-cooled halls."""
    share = check_range(
        as_array(liquid_share, "liquid_share", "mixed_pue"),
        "liquid_share",
        "mixed_pue",
        low=0,
        high=1,
        expected="a share in [0, 1]",
    )
    pue = share * pue_liquid + (1.0 - share) * pue_air
    return pue.assign_attrs(units="1", long_name="Power usage effectiveness (fleet average)")


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
    flops = as_array(flops_provisioned, "flops_provisioned", "facility_power")
    watts = flops / flops_per_watt * (1.0 + host_overhead) * pue
    return (watts / 1e6).assign_attrs(units="MW", long_name="Facility power (provisioned)")


@fresh_attrs
def annual_energy(power, *, load_factor) -> xr.DataArray:
    """Energy in TWh a year drawn by ``power`` MW provisioned at an average ``load_factor``."""
    mw = as_array(power, "power", "annual_energy")
    energy = mw * load_factor * HOURS_PER_YEAR / 1e6
    return energy.assign_attrs(units="TWh", long_name="Energy per year")
