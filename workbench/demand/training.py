"""Training demand: the frontier training-compute trend times the runs of a year.

The largest training run grows by a constant multiple a year (Epoch AI measured 4-5x a year
over 2010-2024); a year's training compute, counted in largest-run equivalents, covers
pre-training, post-training and experiments across all labs. Spread evenly over the year it
is an average FLOP/s executed, comparable with inference's.
"""

from __future__ import annotations

import xarray as xr

from workbench._provenance import fresh_attrs
from workbench._validation import as_dataarray, public
from workbench.demand.tokens import SECONDS_PER_YEAR

__all__ = ["training_flops"]

ATTRS = {"units": "FLOP/s", "long_name": "Training FLOP/s executed (average)"}


@public
@fresh_attrs
def training_flops(elapsed, *, frontier_compute, growth, runs_per_year) -> xr.DataArray:
    """Average FLOP/s executed for training, ``elapsed`` years after the base date.

    ``frontier_compute × growth^elapsed × runs_per_year ÷ seconds per year``.
    """
    t = as_dataarray(elapsed, "elapsed")
    flops = _training_flops(
        t, frontier_compute=frontier_compute, growth=growth, runs_per_year=runs_per_year
    )
    return flops.assign_attrs(ATTRS)


def _training_flops(t, *, frontier_compute, growth, runs_per_year):
    """The arithmetic of :func:`training_flops`, on DataArrays or broadcasting numpy arrays."""
    return frontier_compute * growth**t * runs_per_year / SECONDS_PER_YEAR
