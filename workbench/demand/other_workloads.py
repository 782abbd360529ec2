"""Demand from AI workloads outside LLM serving and frontier-scale training.

The token statements count the tokens of language-model services, and the training component
counts training in largest-run equivalents. Accelerators also rank feeds and ads, run
search, vision, speech and driving models, and train the many models below the frontier
(Meta's 2024 fleet of about 600,000 H100-equivalents held two 24,576-GPU clusters for its
generative-AI training). Without this component the installed base in use can only be
explained by training, whose growth (several times a year) then drives the outlook; with it,
the calibration can say how much of the observed fleet these workloads hold.

The component is a level of H100-equivalents at the scenario's base date, grown by its own
yearly multiple, counted by FLOP/s (these workloads are not decoding large models).
"""

from __future__ import annotations

import xarray as xr

from workbench._provenance import fresh_attrs
from workbench._validation import as_dataarray, public

__all__ = ["other_workload_h100e"]

ATTRS = {
    "units": "1",
    "long_name": "H100-equivalents to install for other AI workloads",
    "workload": "other",
}


@public
@fresh_attrs
def other_workload_h100e(elapsed, *, level, growth) -> xr.DataArray:
    """H100-equivalents held by other AI workloads, ``elapsed`` years after the base date.

    ``level × growth^elapsed``: ``level`` H100e at the base date, growing ``growth`` times a
    year.

    Examples
    --------
    >>> float(other_workload_h100e(2.0, level=5e6, growth=1.3))
    8450000.0
    """
    t = as_dataarray(elapsed, "elapsed")
    return _other_workload_h100e(t, level=level, growth=growth).assign_attrs(ATTRS)


def _other_workload_h100e(t, *, level, growth):
    """The arithmetic of :func:`other_workload_h100e`, on DataArrays or numpy arrays."""
    return level * growth**t
