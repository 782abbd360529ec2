"""Chip specifications the supply estimates need, read from the ``accelerators`` table.

One place turns chip names into the numbers shipments are converted with: dense bf16 peak,
H100-equivalents (bf16 peak over the reference chip's, and memory bandwidth over the reference
chip's: decode is bound by bandwidth), power at TDP, HBM per package, and the market region
(China export variants and domestic chips vs rest of world).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from workbench._validation import invalid
from workbench.data import H100E_CHIP, H100E_PRECISION, chip_specs, h100e_peak, load

__all__ = ["H100_REFERENCE", "REGIONS", "ChipSpecs", "chip_arrays"]

#: The chip whose dense bf16 peak defines one H100-equivalent (defined once, in the data layer).
H100_REFERENCE = H100E_CHIP
#: Labels of the ``region`` coordinate along ``chip``: the one list of supply regions (the
#: gap adds ``"world"`` for the two together).
REGIONS = ("China", "rest of world")
# The accelerators table's ``market_region`` values, in the order of REGIONS.
_MARKET_REGION = dict(zip(("china", "global"), REGIONS, strict=True))
PRECISION = H100E_PRECISION  # H100-equivalents are counted at the reference precision


@dataclass(frozen=True)
class ChipSpecs:
    """Per-chip numbers, aligned with ``chips`` (numpy arrays; NaN where unpublished)."""

    chips: tuple[str, ...]
    vendor: np.ndarray
    region: np.ndarray
    bf16: np.ndarray  # FLOP/s
    h100e: np.ndarray  # H100-equivalents per chip
    tdp: np.ndarray  # W
    memory: np.ndarray  # byte
    bandwidth: np.ndarray  # byte/s of HBM per chip
    h100e_bandwidth: np.ndarray  # H100-equivalents per chip by memory bandwidth

    def coords(self) -> dict[str, tuple[str, np.ndarray]]:
        """Non-index coordinates along ``chip`` for an output dataset."""
        return {"vendor": ("chip", self.vendor), "region": ("chip", self.region)}


def chip_arrays(
    chips: Sequence[str],
    *,
    accelerators: xr.Dataset | None = None,
    parameter: str = "chips",
) -> ChipSpecs:
    """``chips``' specifications (:func:`workbench.data.chip_specs`) as numpy arrays.

    Raises
    ------
    ParameterError
        Naming ``parameter`` of the public function being run when a chip is not in the
        table or has no dense bf16 peak (it could not be converted to H100-equivalents).
    """
    table = load("accelerators") if accelerators is None else accelerators
    specs = chip_specs(list(chips), precision=PRECISION, accelerators=table, parameter=parameter)
    if H100_REFERENCE not in table["chip"].values:
        raise invalid(
            "accelerators",
            f"a table that lists the reference chip {H100_REFERENCE!r}",
            [str(c) for c in table["chip"].values],
        )
    bf16 = specs["peak_flops"].values
    bandwidth = specs["memory_bandwidth"].values.astype(float)
    reference_bandwidth = float(table["memory_bandwidth"].sel(chip=H100_REFERENCE))
    regions = [_MARKET_REGION.get(str(r), str(r)) for r in specs["market_region"].values]
    return ChipSpecs(
        chips=tuple(chips),
        vendor=np.array([str(v) for v in specs["vendor"].values], dtype=object),
        region=np.array(regions, dtype=object),
        bf16=bf16,
        h100e=bf16 / h100e_peak(table),
        tdp=specs["tdp"].values,
        memory=specs["memory"].values,
        bandwidth=bandwidth,
        h100e_bandwidth=bandwidth / reference_bandwidth,
    )
