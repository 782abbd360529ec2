"""Which uncertain inputs drive the spread of an output: rank correlation and first-order indices.

For each input sampled along ``draw`` this gives the Spearman rank correlation with the output,
a variance-based first-order index (the share of the output's variance explained by the input
alone, estimated from the output's mean within quantile bins of the input, as in a
correlation ratio), and the "swing": the output's median when the input is in its lowest and in
its highest decile, which is what a tornado chart draws.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr
from scipy import stats

from workbench.errors import ParameterError

__all__ = ["drivers"]

BINS = 20


def _first_order_index(x: np.ndarray, y: np.ndarray, bins: int) -> float:
    """Var(E[y | bin(x)]) / Var(y) with equal-count bins of x, bias-corrected and floored at 0."""
    order = np.argsort(x, kind="stable")
    groups = np.array_split(y[order], bins)
    total = y.var()
    if total == 0:
        return 0.0
    means = np.array([g.mean() for g in groups])
    sizes = np.array([g.size for g in groups])
    between = np.average((means - y.mean()) ** 2, weights=sizes)
    # Each bin mean carries sampling noise of variance ~ within-bin variance / bin size.
    within = np.average([g.var() for g in groups], weights=sizes)
    noise = within * bins / y.size
    return float(max(between - noise, 0.0) / total)


def _groups(inputs) -> dict[str, xr.Dataset]:
    """Input datasets by name prefix ("" for a single Dataset)."""
    if isinstance(inputs, xr.Dataset):
        return {"": inputs}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    raise ParameterError.invalid("inputs", "drivers", "a Dataset or a mapping of Datasets", inputs)


def _collect_inputs(inputs, draws: int) -> dict[str, np.ndarray]:
    owner = "drivers"
    out = {}
    for prefix, ds in _groups(inputs).items():
        for name, da in ds.data_vars.items():
            if "draw" not in da.dims or da.dtype.kind not in "fiub":
                continue
            if da.sizes["draw"] != draws:
                raise ParameterError.invalid(
                    "inputs",
                    owner,
                    f"inputs with as many draws as the output ({draws})",
                    f"{name}: {da.sizes['draw']}",
                )
            values = np.asarray(da.transpose("draw", ...).values, dtype=float)
            if values.ndim > 1:
                # An input per period or chip: its mean over the other dims stands for it.
                values = values.reshape(draws, -1).mean(axis=1)
            if np.nanstd(values) == 0:
                continue  # a fixed input explains nothing
            out[f"{prefix}: {name}" if prefix else str(name)] = values
    if not out:
        raise ParameterError.invalid(
            "inputs", owner, "at least one input that varies across draws", "none"
        )
    return out


def drivers(
    output: xr.DataArray,
    inputs: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    bins: int = BINS,
) -> xr.Dataset:
    """Rank the uncertain inputs by how much of the output's spread each explains.

    Parameters
    ----------
    output
        Draws of the quantity of interest along ``draw`` (e.g. ``gap.surplus``), optionally with
        other dims (e.g. ``year``): the analysis is done for each of their values.
    inputs
        The sampled inputs along ``draw``: a Dataset, or a mapping ``{"supply": ds, ...}``
        whose keys prefix the input names. Inputs fixed across draws are skipped.
    bins
        Quantile bins for the first-order index.

    Returns
    -------
    xarray.Dataset
        On dimension ``input`` (sorted by the largest absolute rank correlation) and the
        output's other dims: ``rank_correlation``, ``first_order`` (share of variance),
        ``low`` and ``high`` (the output's median with the input in its lowest / highest
        decile) and ``median`` (the output's overall median).
    """
    owner = "drivers"
    if "draw" not in output.dims:
        raise ParameterError.invalid(
            "output", owner, "a DataArray with a 'draw' dimension", tuple(output.dims)
        )
    draws = output.sizes["draw"]
    if draws < 2 * bins:
        raise ParameterError.invalid("output", owner, f"at least {2 * bins} draws", draws)
    named = _collect_inputs(inputs, draws)
    names = list(named)
    x = np.stack([named[n] for n in names])  # (input, draw)
    y_all = output.transpose(..., "draw").compute()
    other = [d for d in y_all.dims if d != "draw"]
    flat = y_all.values.reshape(-1, draws)
    n_in, n_out = len(names), flat.shape[0]
    rho = np.full((n_in, n_out), np.nan)
    first = np.full((n_in, n_out), np.nan)
    low = np.full((n_in, n_out), np.nan)
    high = np.full((n_in, n_out), np.nan)
    x_ranks = stats.rankdata(x, axis=1)
    decile = draws // 10
    orders = np.argsort(x, axis=1, kind="stable")
    for j in range(n_out):
        y = flat[j]
        if not np.isfinite(y).all() or y.std() == 0:
            continue
        y_ranks = stats.rankdata(y)
        for i in range(n_in):
            rho[i, j] = np.corrcoef(x_ranks[i], y_ranks)[0, 1]
            first[i, j] = _first_order_index(x[i], y, bins)
            low[i, j] = np.median(y[orders[i, :decile]])
            high[i, j] = np.median(y[orders[i, -decile:]])
    shape = (n_in, *[y_all.sizes[d] for d in other])
    coords = {d: y_all[d] for d in other if d in y_all.coords}
    units = output.attrs.get("units", "1")
    label = output.attrs.get("long_name", output.name or "output")

    def var(values, **attrs):
        return xr.DataArray(values.reshape(shape), dims=("input", *other), attrs=attrs)

    ds = xr.Dataset(
        {
            "rank_correlation": var(rho, units="1", long_name=f"Spearman correlation with {label}"),
            "first_order": var(
                first, units="1", long_name=f"Share of the variance of {label} explained alone"
            ),
            "low": var(low, units=units, long_name=f"Median {label}, input in its lowest decile"),
            "high": var(
                high, units=units, long_name=f"Median {label}, input in its highest decile"
            ),
        },
        coords={"input": names, **coords},
    )
    ds["median"] = y_all.median("draw").assign_attrs(units=units, long_name=f"Median {label}")
    strength = np.abs(ds["rank_correlation"])
    if other:
        strength = strength.max([d for d in other])
    ds = ds.isel(input=np.argsort(-strength.fillna(0).values, kind="stable"))
    as_of = [str(d.attrs["as_of"]) for d in _groups(inputs).values() if d.attrs.get("as_of")]
    ds.attrs = {
        "title": f"Drivers of the spread of {label}",
        "source": f"workbench.gap.drivers over {draws} draws of {label}",
        "license": "CC-BY-4.0",
        "as_of": max(as_of) if as_of else "",
        "method": "Spearman rank correlation; first-order index from equal-count bins "
        f"({bins}); swing = medians in the lowest and highest input deciles",
        "draws": draws,
    }
    return ds
