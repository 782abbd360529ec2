"""Chip specifications from the ``accelerators`` table: the one lookup supply and demand share.

Supply converts shipments with a chip's dense peak, TDP and memory; demand's roofline needs
its peak, memory and memory bandwidth. Both ask :func:`chip_specs`, which returns a Dataset
along ``chip``; a caller that wants numpy arrays takes ``.values`` of it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import xarray as xr

from workbench._validation import invalid
from workbench.data.catalog import load
from workbench.errors import format_choices

__all__ = ["SPEC_UNITS", "chip_specs"]

#: The variables :func:`chip_specs` returns (where the table has them), with their units.
SPEC_UNITS = {"peak_flops": "FLOP/s", "memory": "byte", "memory_bandwidth": "byte/s", "tdp": "W"}
_LONG_NAMES = {
    "memory": "Memory",
    "memory_bandwidth": "Memory bandwidth",
    "tdp": "TDP",
}
_COORDS = ("vendor", "market_region")


def chip_specs(
    chip: str | Sequence[str] | xr.Dataset,
    *,
    precision: str = "bf16",
    accelerators: xr.Dataset | None = None,
    require: Sequence[str] = ("peak_flops",),
    parameter: str = "chip",
) -> xr.Dataset:
    """Dense peak FLOP/s at ``precision``, memory, memory bandwidth and TDP of chips.

    Parameters
    ----------
    chip
        A name from the ``accelerators`` table, a list of names (giving a ``chip``
        dimension), or a Dataset of the table's layout (a row or a selection of it, or a
        user's own chips with ``peak_flops``, optionally along ``precision``).
    precision
        A ``precision`` label of ``peak_flops``.
    accelerators
        The table to look names up in; the bundled one by default.
    require
        Variables every chip must have, finite and positive (the analysis cannot use a chip
        without them); the others are NaN where unpublished.
    parameter
        The caller's name for ``chip``, in error messages.

    Returns
    -------
    xarray.Dataset
        ``peak_flops`` [FLOP/s], and where the table has them ``memory`` [byte],
        ``memory_bandwidth`` [byte/s] and ``tdp`` [W]; ``vendor`` and ``market_region``
        coordinates where known; the table's ``source``/``license``/``as_of`` and
        ``precision`` in the attrs.

    Examples
    --------
    >>> specs = chip_specs(["NVIDIA H100 SXM", "AMD Instinct MI300X"])
    >>> specs.peak_flops.dims, specs.peak_flops.attrs["units"]
    (('chip',), 'FLOP/s')
    """
    if isinstance(chip, xr.Dataset):
        rows = chip
    elif isinstance(chip, str) or (
        isinstance(chip, Sequence) and chip and all(isinstance(c, str) for c in chip)
    ):
        table = load("accelerators") if accelerators is None else accelerators
        names = [chip] if isinstance(chip, str) else list(chip)
        known = [str(c) for c in table["chip"].values]
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise invalid(
                    parameter,
                    f"a chip of the accelerators table ({format_choices(known)}){hint}",
                    name,
                )
        rows = table.sel(chip=chip if isinstance(chip, str) else names)
    else:
        raise invalid(parameter, "a chip name, a list of chip names or a Dataset", chip)
    wanted = [v for v in ("peak_flops", *require) if v in SPEC_UNITS]
    missing = [v for v in dict.fromkeys(wanted) if v not in rows]
    if missing:
        raise invalid(parameter, f"a Dataset with variables {wanted}", sorted(rows.data_vars))
    peak = rows["peak_flops"]
    if "precision" in peak.dims:
        labels = [str(p) for p in peak["precision"].values]
        if precision not in labels:
            raise invalid("precision", f"one of {format_choices(labels)}", precision)
        peak = peak.sel(precision=precision, drop=True)
    specs = xr.Dataset(
        {
            "peak_flops": peak.astype(float).assign_attrs(
                units="FLOP/s", long_name=f"Dense peak throughput ({precision})"
            )
        },
        attrs={k: rows.attrs[k] for k in ("source", "license", "as_of") if k in rows.attrs},
    )
    for name, long_name in _LONG_NAMES.items():
        if name in rows:
            specs[name] = (
                rows[name].astype(float).assign_attrs(units=SPEC_UNITS[name], long_name=long_name)
            )
    specs = specs.drop_vars([c for c in specs.coords if c != "chip"])
    for name in _COORDS:
        if name in rows.variables and rows[name].dims == specs["peak_flops"].dims:
            specs = specs.assign_coords({name: rows[name].astype(str)})
    for name in dict.fromkeys(("peak_flops", *require)):
        values = np.asarray(specs[name].values, dtype=float)
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            names = np.atleast_1d(specs["chip"].values) if "chip" in specs.coords else ["?"]
            raise invalid(
                parameter,
                f"chips with a known positive {name}"
                + (f" at precision {precision!r}" if name == "peak_flops" else ""),
                str(names[np.flatnonzero(np.atleast_1d(bad))[0] % len(names)]),
            )
    specs.attrs["precision"] = precision
    return specs
