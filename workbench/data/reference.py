"""The unit the workbench counts AI compute in: one H100-equivalent (H100e).

Supply and demand are compared in it (:mod:`workbench.gap`), so both take its definition from
here: the dense bf16 peak of the ``accelerators`` row named :data:`H100E_CHIP`.
"""

from __future__ import annotations

import xarray as xr

from workbench.data.catalog import load
from workbench.errors import DataError

__all__ = ["H100E_CHIP", "H100E_PRECISION", "h100e_peak"]

H100E_CHIP = "NVIDIA H100 SXM"
H100E_PRECISION = "bf16"


def h100e_peak(accelerators: xr.Dataset | None = None) -> float:
    """Dense peak FLOP/s of one H100-equivalent (from the bundled table unless given)."""
    table = load("accelerators") if accelerators is None else accelerators
    if H100E_CHIP not in table["chip"].values:
        raise DataError(
            f"the accelerators table lacks the reference chip {H100E_CHIP!r}", column="chip"
        )
    return float(table["peak_flops"].sel(chip=H100E_CHIP, precision=H100E_PRECISION))
