"""Which uncertain inputs drive the spread of an output, and what knowing them would be worth.

For each input sampled along ``draw`` this gives the Spearman rank correlation with the output,
a variance-based first-order index (the share of the output's variance explained by the input
alone, estimated from the output's mean within quantile bins of the input, as in a
correlation ratio), and the "swing": the output's median when the input is in its lowest and in
its highest decile, which is what a tornado chart draws.

The output to explain is ``log(supply / demand)`` per year (a gap from
:func:`~workbench.gap.compute_gap` is read as its ``log_ratio``): the raw surplus is dominated
by the few draws where both sides are huge, so its indices change from seed to seed, while the
log ratio's are stable.

:func:`value_of_information` says how much of the uncertainty would go if one input were known
exactly (the expected value of perfect information about it, measured as uncertainty removed):
the log ratio's variance, ``Var(E[Y | X])``, and the uncertainty about whether there is a
shortfall, ``p(1 − p) − E[p(X)(1 − p(X))] = Var(P(shortfall | X))`` (the expected fall of the
Brier-score uncertainty). The probability of a shortfall itself does not shrink on average
when an input is learnt (it is a martingale); what shrinks is how uncertain the answer is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import stats

from workbench._provenance import merge
from workbench._validation import invalid, public

__all__ = ["drivers", "value_of_information"]

BINS = 20


def _first_order_index(x: np.ndarray, y: np.ndarray, bins: int, order=None) -> float:
    """Var(E[y | bin(x)]) / Var(y) with equal-count bins of x, bias-corrected and floored at 0.

    ``order`` is ``x``'s stable argsort when the caller has it.
    """
    order = np.argsort(x, kind="stable") if order is None else order
    total = y.var()
    if total == 0:
        return 0.0
    if y.size % bins == 0:
        # Equal bins: one (bin, draw) array, each row reduced as its own group would be.
        groups = y[order].reshape(bins, -1)
        means, variances = groups.mean(axis=1), groups.var(axis=1)
        sizes = np.full(bins, groups.shape[1])
    else:
        split = np.array_split(y[order], bins)
        means = np.array([g.mean() for g in split])
        variances = [g.var() for g in split]
        sizes = np.array([g.size for g in split])
    between = np.average((means - y.mean()) ** 2, weights=sizes)
    # Each bin mean carries sampling noise of variance ~ within-bin variance / bin size.
    within = np.average(variances, weights=sizes)
    noise = within * bins / y.size
    return float(max(between - noise, 0.0) / total)


def _groups(inputs) -> dict[str, xr.Dataset]:
    """Input datasets by name prefix ("" for a single Dataset)."""
    if isinstance(inputs, xr.Dataset):
        return {"": inputs}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    raise invalid("inputs", "a Dataset or a mapping of Datasets", inputs)


def _collect_inputs(inputs, draws: int) -> dict[str, np.ndarray]:
    out = {}
    for prefix, ds in _groups(inputs).items():
        for name, da in ds.data_vars.items():
            if "draw" not in da.dims or da.dtype.kind not in "fiub":
                continue
            if da.sizes["draw"] != draws:
                raise invalid(
                    "inputs",
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
        raise invalid("inputs", "at least one input that varies across draws", "none")
    return out


def _as_output(output) -> xr.DataArray:
    """The quantity to explain: a DataArray, or a gap Dataset's ``log_ratio``."""
    if isinstance(output, xr.Dataset):
        if "log_ratio" not in output:
            raise invalid(
                "output", "a DataArray or a compute_gap Dataset (with 'log_ratio')", output
            )
        output = output["log_ratio"]
    if not isinstance(output, xr.DataArray) or "draw" not in output.dims:
        raise invalid(
            "output",
            "a DataArray with a 'draw' dimension",
            tuple(getattr(output, "dims", ())),
        )
    return output


@dataclass(frozen=True)
class _Problem:
    """An output's draws and the inputs explaining them, checked and flattened."""

    inputs: dict[str, np.ndarray]  # input name -> values along draw
    y: xr.DataArray  # the output, draw last, computed
    flat: np.ndarray  # (other values, draw)
    other: list[str]  # the output's dims besides draw
    units: str
    label: str

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.inputs), *[self.y.sizes[d] for d in self.other])

    def along_input(self, values: np.ndarray, **attrs) -> xr.DataArray:
        return xr.DataArray(values.reshape(self.shape), dims=("input", *self.other), attrs=attrs)

    def coords(self) -> dict:
        return {
            "input": list(self.inputs),
            **{d: self.y[d] for d in self.other if d in self.y.coords},
        }


def _problem(output, inputs, bins: int) -> _Problem:
    """The checks and set-up :func:`drivers` and :func:`value_of_information` share."""
    output = _as_output(output)
    draws = output.sizes["draw"]
    if draws < 2 * bins:
        raise invalid("output", f"at least {2 * bins} draws", draws)
    named = _collect_inputs(inputs, draws)
    y = output.transpose(..., "draw").compute()
    return _Problem(
        inputs=named,
        y=y,
        flat=np.asarray(y.values, dtype=float).reshape(-1, draws),
        other=[d for d in y.dims if d != "draw"],
        units=output.attrs.get("units", "1"),
        label=output.attrs.get("long_name", output.name or "output"),
    )


@public
def drivers(
    output: xr.DataArray | xr.Dataset,
    inputs: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    bins: int = BINS,
) -> xr.Dataset:
    """Rank the uncertain inputs by how much of the output's spread each explains.

    Parameters
    ----------
    output
        Draws of the quantity of interest along ``draw``, optionally with other dims (e.g.
        ``year``): the analysis is done for each of their values. A gap Dataset from
        :func:`~workbench.gap.compute_gap` stands for its ``log_ratio`` (log supply/demand),
        the recommended output.
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
    problem = _problem(output, inputs, bins)
    x = np.stack(list(problem.inputs.values()))  # (input, draw)
    flat, other, units, label = problem.flat, problem.other, problem.units, problem.label
    draws = flat.shape[1]
    n_in, n_out = x.shape[0], flat.shape[0]
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
            first[i, j] = _first_order_index(x[i], y, bins, orders[i])
            low[i, j] = np.median(y[orders[i, :decile]])
            high[i, j] = np.median(y[orders[i, -decile:]])
    var = problem.along_input
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
        coords=problem.coords(),
    )
    ds["median"] = problem.y.median("draw").assign_attrs(units=units, long_name=f"Median {label}")
    strength = np.abs(ds["rank_correlation"])
    if other:
        strength = strength.max([d for d in other])
    ds = ds.isel(input=np.argsort(-strength.fillna(0).values, kind="stable"))
    ds.attrs = {
        "title": f"Drivers of the spread of {label}",
        **merge(
            *_groups(inputs).values(), method=f"workbench.gap.drivers ({draws} draws of {label})"
        ),
        "method": "Spearman rank correlation; first-order index from equal-count bins "
        f"({bins}); swing = medians in the lowest and highest input deciles",
        "draws": draws,
    }
    return ds


@public
def value_of_information(
    output: xr.DataArray | xr.Dataset,
    inputs: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    threshold: float = 0.0,
    bins: int = BINS,
) -> xr.Dataset:
    """How much uncertainty would go if each input were known exactly.

    Parameters
    ----------
    output
        Draws along ``draw`` (optionally per ``year``), or a gap Dataset (its ``log_ratio``).
    inputs
        The sampled inputs along ``draw``, as for :func:`drivers`.
    threshold
        A shortfall is ``output < threshold`` (0 for the log ratio: demand above supply).
    bins
        Equal-count bins of each input for the conditional means (bias-corrected).

    Returns
    -------
    xarray.Dataset
        On ``input`` (sorted by ``variance_share``) and the output's other dims:
        ``variance_reduction`` (``Var(E[Y|X])``, in the output's units squared),
        ``variance_share`` (of ``Var(Y)``), ``shortfall_uncertainty_reduction``
        (``Var(P(shortfall | X))``), ``shortfall_share`` (of ``p(1 − p)``); and
        ``shortfall_probability`` and ``variance`` of the output.
    """
    problem = _problem(output, inputs, bins)
    named, flat, other = problem.inputs, problem.flat, problem.other
    units, label, draws = problem.units, problem.label, problem.flat.shape[1]
    names = list(named)
    n_in, n_out = len(names), flat.shape[0]
    share = np.full((n_in, n_out), np.nan)
    short_share = np.full((n_in, n_out), np.nan)
    variance = np.full(n_out, np.nan)
    p = np.full(n_out, np.nan)
    for j in range(n_out):
        y = flat[j]
        if not np.isfinite(y).all():
            continue
        event = (y < threshold).astype(float)
        variance[j], p[j] = y.var(), event.mean()
        for i, name in enumerate(names):
            share[i, j] = _first_order_index(named[name], y, bins)
            short_share[i, j] = _first_order_index(named[name], event, bins)
    bernoulli = p * (1 - p)
    var = problem.along_input

    def per_output(values, **attrs):
        return xr.DataArray(values.reshape(problem.shape[1:]), dims=tuple(other), attrs=attrs)

    ds = xr.Dataset(
        {
            "variance_reduction": var(
                share * variance[None, :],
                units=f"({units})2" if units != "1" else "1",
                long_name=f"Expected fall of the variance of {label} if the input were known",
            ),
            "variance_share": var(
                share, units="1", long_name=f"Share of the variance of {label} removed"
            ),
            "shortfall_uncertainty_reduction": var(
                short_share * bernoulli[None, :],
                units="1",
                long_name="Expected fall of p(1 - p) of a shortfall if the input were known",
            ),
            "shortfall_share": var(
                short_share, units="1", long_name="Share of the shortfall's uncertainty removed"
            ),
            "shortfall_probability": per_output(
                p, units="1", long_name=f"Probability that {label} < {threshold:g}"
            ),
            "variance": per_output(variance, units="1", long_name=f"Variance of {label}"),
        },
        coords=problem.coords(),
    )
    strength = ds["variance_share"]
    if other:
        strength = strength.max(other)
    ds = ds.isel(input=np.argsort(-strength.fillna(0).values, kind="stable"))
    ds.attrs = {
        "title": f"Value of information about the inputs of {label}",
        **merge(
            *_groups(inputs).values(),
            method=f"workbench.gap.value_of_information ({draws} draws of {label})",
        ),
        "method": "Var(E[Y|X]) and Var(P(Y < threshold | X)) from equal-count bins of X "
        f"({bins}), bias-corrected",
        "threshold": threshold,
        "draws": draws,
    }
    return ds
