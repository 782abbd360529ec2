"""Accelerator price-performance and energy efficiency, ready for :func:`fit_trend`.

Both are ratios of a chip's dense peak throughput at one precision to its launch price or its
thermal design power, with the release date attached as a coordinate so that
``fit_trend(price_performance(accelerators))`` needs no further arguments.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from workbench._validation import invalid, public
from workbench.errors import format_choices

__all__ = ["energy_efficiency", "price_performance"]

# bf16 is the precision nearly every AI accelerator in the bundled table publishes.
DEFAULT_PRECISION = "bf16"


@public
def price_performance(
    accelerators: xr.Dataset, precision: str = DEFAULT_PRECISION, *, segment: str | None = None
) -> xr.DataArray:
    """Dense peak FLOP/s per launch-price dollar of each chip (NaN where either is unknown).

    Parameters
    ----------
    accelerators
        The ``accelerators`` dataset (``peak_flops(chip, precision)``, ``launch_price``,
        ``release_date``).
    precision
        Which precision's peak to use (``"fp32"``, ``"bf16"``, ``"fp8"`` ...).
    segment
        Keep only chips of this segment (e.g. ``"datacenter"``); None keeps all.

    Returns
    -------
    xr.DataArray
        Along ``chip``, units ``FLOP/s/USD``, with the ``release_date`` coordinate; chips
        without a value are dropped.
    """
    return _ratio(
        accelerators,
        precision,
        segment,
        denominator="launch_price",
        units="FLOP/s/USD",
        long_name=f"Price-performance ({precision} dense peak per launch-price dollar)",
    )


@public
def energy_efficiency(
    accelerators: xr.Dataset, precision: str = DEFAULT_PRECISION, *, segment: str | None = None
) -> xr.DataArray:
    """Dense peak FLOP/s per watt of thermal design power (see :func:`price_performance`)."""
    return _ratio(
        accelerators,
        precision,
        segment,
        denominator="tdp",
        units="FLOP/s/W",
        long_name=f"Energy efficiency ({precision} dense peak per watt of TDP)",
    )


def _ratio(accelerators, precision, segment, *, denominator, units, long_name):
    needed = ["peak_flops", denominator, "release_date"]
    missing = [v for v in needed if v not in accelerators]
    if missing:
        raise invalid(
            "accelerators", f"a dataset with {format_choices(needed)}", f"lacking {missing}"
        )
    choices = [str(p) for p in accelerators["precision"].values]
    if precision not in choices:
        raise invalid("precision", f"one of {format_choices(choices)}", precision)
    chips = accelerators
    if segment is not None:
        segments = sorted({str(s) for s in accelerators["segment"].values})
        if segment not in segments:
            raise invalid("segment", f"one of {format_choices(segments)}", segment)
        chips = accelerators.isel(chip=np.flatnonzero(accelerators["segment"].values == segment))
    peak = chips["peak_flops"].sel(precision=precision, drop=True)
    ratio = peak / chips[denominator]
    ratio = ratio.assign_coords(release_date=chips["release_date"])
    ratio = ratio.where(np.isfinite(ratio), drop=True)
    ratio.name = "price_performance" if denominator == "launch_price" else "energy_efficiency"
    ratio.attrs = {
        "units": units,
        "long_name": long_name,
        "source": accelerators.attrs.get("source", ""),
        "license": accelerators.attrs.get("license", ""),
        "as_of": accelerators.attrs.get("as_of", ""),
    }
    return ratio
