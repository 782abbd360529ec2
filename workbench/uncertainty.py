"""Uncertain inputs: distributions stated the way analysts think, sampled into a ``draw`` dim.

"90% sure it is between 2 and 20" is :meth:`LogNormal.from_interval` (2, 20); a share is a
:class:`Beta`; a known figure is :class:`Fixed`. :func:`sample` draws any set of inputs, with
an optional correlation between them (a Gaussian copula), into a Dataset along ``draw``;
:func:`quantiles` summarises draws at the edge, for charts and tables.

Random numbers come from named streams of one seed (:class:`Stream`, :func:`stream`): each
stage of an analysis passes its own name (``sample(..., seed=seed, stream="demand.simulate")``)
and so draws independent numbers from the same seed; results record their streams in
``attrs["random_streams"]`` and :func:`check_independent` refuses datasets that share one.
They are generated in fixed blocks of :data:`BLOCK` draws, block *k* from the stream's seed
sequence for *k* (:meth:`Stream.seed_sequence`): the same seed and stream give the same draws
whether the arrays are built in memory or as dask chunks on a cluster, and the first *n*
draws of a larger sample are the draws of a sample of *n*. Every input is driven by a
standard-normal score (the copula's normal); each distribution turns scores into values,
normals and lognormals directly, others through their quantile function.

:func:`map_draws` evaluates a model over draws chunk by chunk (in memory, on the threaded
scheduler, or lazily on any dask scheduler), in the spirit of :func:`xarray.map_blocks`.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy import interpolate, optimize, special

from workbench._random import (
    STREAMS_ATTR,
    Stream,
    as_stream,
    check_independent,
    merge_streams,
    stream,
    streams_of,
)
from workbench._validation import check_n_draws, invalid, public
from workbench.errors import ParameterError, format_choices

__all__ = [
    "BLOCK",
    "STREAMS_ATTR",
    "Beta",
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Stream",
    "Uniform",
    "as_distribution",
    "as_stream",
    "check_independent",
    "distributions_from_table",
    "map_draws",
    "merge_streams",
    "quantiles",
    "sample",
    "stream",
    "streams_of",
]

BLOCK = 65_536  # draws per independently seeded block
DEFAULT_LEVEL = 0.9
# Probabilities are kept within [U_MIN, 1 - U_MIN] so quantile functions stay finite; the
# matching bound on normal scores is Z_MAX (about 7.94 standard deviations).
U_MIN = 1e-15
Z_MAX = float(-special.ndtri(U_MIN))


def _z(level: float) -> float:
    """The standard-normal quantile bounding a central interval of probability ``level``."""
    return float(special.ndtri(0.5 + level / 2))


def _check_interval(low: float, high: float, level: float, owner: str, name: str | None):
    label = name or "low/high"
    if not (np.isfinite(low) and np.isfinite(high)):
        raise invalid(label, "finite bounds", (low, high), owner=owner)
    if not low < high:
        raise invalid(label, "an interval with low < high", (low, high), owner=owner)
    if not 0 < level < 1:
        raise invalid("level", "a probability in (0, 1)", level, owner=owner)


class Distribution:
    """A one-dimensional distribution that can be sampled by its quantile function."""

    units: str | None = None

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Quantile function: values at probabilities ``u`` in (0, 1)."""
        raise NotImplementedError

    def _from_normal(self, z: np.ndarray) -> np.ndarray:
        """Values at standard-normal scores ``z``, i.e. ``ppf(Φ(z))``: how :func:`sample` draws.

        Subclasses override it where a faster route exists; this default serves any subclass
        that defines only :meth:`ppf`.
        """
        return self.ppf(np.clip(special.ndtr(z), U_MIN, 1 - U_MIN))

    def interval(self, level: float = DEFAULT_LEVEL) -> tuple[float, float]:
        """The central interval holding probability ``level``."""
        lo, hi = self.ppf(np.array([0.5 - level / 2, 0.5 + level / 2]))
        return float(lo), float(hi)

    @property
    def median(self) -> float:
        return float(self.ppf(np.array([0.5]))[0])

    @property
    def is_fixed(self) -> bool:
        return False


@dataclass(frozen=True)
class Fixed(Distribution):
    """A known value (no uncertainty)."""

    value: float

    def ppf(self, u):
        return np.full(np.shape(u), float(self.value))

    def _from_normal(self, z):
        return np.full(np.shape(z), float(self.value))

    @property
    def is_fixed(self) -> bool:
        return True


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean ``mu`` and standard deviation ``sigma``."""

    mu: float
    sigma: float

    def __post_init__(self):
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ParameterError.invalid("sigma", "Normal", "a positive number", self.sigma)

    @classmethod
    def from_interval(cls, low, high, *, level=DEFAULT_LEVEL, name=None) -> Normal:
        """The normal whose central ``level`` interval is (low, high)."""
        _check_interval(low, high, level, "Normal.from_interval", name)
        return cls((low + high) / 2, (high - low) / (2 * _z(level)))

    def ppf(self, u):
        return self.mu + self.sigma * special.ndtri(u)

    def _from_normal(self, z):
        # Scores are the normal itself: no round trip through probabilities.
        return self.mu + self.sigma * np.clip(z, -Z_MAX, Z_MAX)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Lognormal: ``log(x)`` is normal with mean ``mu`` and standard deviation ``sigma``.

    The natural choice for positive quantities known to within a factor ("between 2 and 20").
    """

    mu: float
    sigma: float

    def __post_init__(self):
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ParameterError.invalid("sigma", "LogNormal", "a positive number", self.sigma)

    @classmethod
    def from_interval(cls, low, high, *, level=DEFAULT_LEVEL, name=None) -> LogNormal:
        """The lognormal whose central ``level`` interval is (low, high); needs low > 0."""
        _check_interval(low, high, level, "LogNormal.from_interval", name)
        if low <= 0:
            raise ParameterError.invalid(
                name or "low", "LogNormal.from_interval", "positive bounds (use Normal)", low
            )
        return cls(math.log(low * high) / 2, math.log(high / low) / (2 * _z(level)))

    def ppf(self, u):
        return np.exp(self.mu + self.sigma * special.ndtri(u))

    def _from_normal(self, z):
        return np.exp(self.mu + self.sigma * np.clip(z, -Z_MAX, Z_MAX))


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [low, high]."""

    low: float
    high: float

    def __post_init__(self):
        _check_interval(self.low, self.high, 0.5, "Uniform", None)

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u)


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta on [0, 1] with shapes ``a`` and ``b``: for shares and fractions."""

    a: float
    b: float

    def __post_init__(self):
        for label, value in (("a", self.a), ("b", self.b)):
            if not (np.isfinite(value) and value > 0):
                raise ParameterError.invalid(label, "Beta", "a positive number", value)

    @classmethod
    def from_interval(cls, low, high, *, level=DEFAULT_LEVEL, name=None) -> Beta:
        """The beta whose central ``level`` interval is (low, high), with 0 < low < high < 1."""
        _check_interval(low, high, level, "Beta.from_interval", name)
        if not (0 < low and high < 1):
            raise ParameterError.invalid(
                name or "low/high",
                "Beta.from_interval",
                "a share interval inside (0, 1)",
                (low, high),
            )
        beta = _fit_beta(cls, float(low), float(high), float(level))
        if beta is None:
            raise ParameterError.invalid(
                name or "low/high",
                "Beta.from_interval",
                "an interval a beta can match",
                (low, high),
            )
        return beta

    def ppf(self, u):
        return special.betaincinv(self.a, self.b, u)

    @functools.cached_property
    def _score_table(self) -> tuple[float, float, np.ndarray]:
        """Cubic pieces of the quantile function on a uniform grid of normal scores.

        The exact inverse (betaincinv) costs about 2 s per million draws; a cubic Hermite
        spline through 2049 exact quantiles, with exact slopes dx/dz = φ(z) / pdf(x), is within
        1e-10 of it (absolute) at a few percent of the cost. Returns the grid's start, its
        step and the (4, pieces) polynomial coefficients in powers of (z - z_i).
        """
        # Each tail is computed from its own side (the upper one as the lower tail of
        # Beta(b, a)), because probabilities near 1 carry too few digits.
        z = np.linspace(-Z_MAX, Z_MAX, 2049)
        # Each side's inverse only where it is used (the inverse is most of the cost).
        below = z < 0
        lower, upper = np.full_like(z, np.nan), np.full_like(z, np.nan)
        lower[below] = special.betaincinv(self.a, self.b, special.ndtr(z[below]))
        upper[~below] = special.betaincinv(self.b, self.a, special.ndtr(-z[~below]))
        x = np.where(z < 0, lower, 1 - upper)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_pdf = (
                (self.a - 1) * np.log(x)
                + (self.b - 1) * np.log(np.where(z < 0, 1 - lower, upper))
                - special.betaln(self.a, self.b)
            )
            slope = np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_pdf)
        slope = np.where(np.isfinite(slope), slope, np.gradient(x, z))
        spline = interpolate.CubicHermiteSpline(z, x, slope)
        return float(z[0]), float(z[1] - z[0]), np.ascontiguousarray(spline.c)

    def _from_normal(self, z):
        start, step, coef = self._score_table
        # The grid is uniform, so the piece of each score is found by arithmetic, not search.
        offset = (np.clip(z, -Z_MAX, Z_MAX) - start) / step
        piece = np.clip(offset.astype(np.intp), 0, coef.shape[1] - 1)
        dz = (offset - piece) * step
        x = coef[0, piece]
        for k in (1, 2, 3):
            x = x * dz + coef[k, piece]
        return np.clip(x, 0.0, 1.0)


@functools.lru_cache(maxsize=256)
def _fit_beta(cls, low: float, high: float, level: float) -> Beta | None:
    """The beta of :meth:`Beta.from_interval`, or None if none matches the interval.

    Cached per process: the fit and the beta's quantile table (:attr:`Beta._score_table`,
    computed once per instance) cost tens of milliseconds, and every simulation of a
    scenario asks for the same shares; the instance is frozen, so sharing it is safe.
    """
    probs = np.array([0.5 - level / 2, 0.5 + level / 2])
    target = special.logit(np.array([low, high]))

    def misfit(log_shapes):
        a, b = np.exp(log_shapes)
        return special.logit(special.betaincinv(a, b, probs)) - target

    # Start from the moment match of a normal on the same interval.
    mean, sd = (low + high) / 2, (high - low) / (2 * _z(level))
    k = max(mean * (1 - mean) / sd**2 - 1, 0.5)
    fit = optimize.least_squares(misfit, np.log([mean * k, (1 - mean) * k]), xtol=1e-12)
    if np.max(np.abs(fit.fun)) > 1e-6:
        return None
    a, b = np.exp(fit.x)
    return cls(float(a), float(b))


_KINDS = {"lognormal": LogNormal, "normal": Normal, "beta": Beta, "uniform": Uniform}


@public
def as_distribution(spec: Any, *, name: str = "input") -> Distribution:
    """Turn a user's way of stating an input into a :class:`Distribution`.

    Accepts a Distribution; a number (fixed); a ``(low, high)`` pair, read as a 90% interval
    of a lognormal; or a mapping ``{"dist": "lognormal"|"normal"|"beta"|"uniform"|"fixed",
    "low": .., "high": .., "level": 0.9, "value": ..}``.
    """
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, (int, float, np.integer, np.floating)) and not isinstance(spec, bool):
        if not np.isfinite(spec):
            raise invalid(name, "a finite number", spec)
        return Fixed(float(spec))
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        return LogNormal.from_interval(float(spec[0]), float(spec[1]), name=name)
    if isinstance(spec, Mapping):
        kind = str(spec.get("dist", "lognormal")).lower()
        if kind == "fixed":
            return as_distribution(spec.get("value"), name=name)
        if kind not in _KINDS:
            raise invalid(name, f"a dist of {format_choices([*_KINDS, 'fixed'])}", kind)
        absent = [key for key in ("low", "high") if spec.get(key) is None]
        if absent:
            raise invalid(name, f"a {kind} with both 'low' and 'high'", dict(spec))
        if kind == "uniform":
            return Uniform(float(spec["low"]), float(spec["high"]))
        level = float(spec.get("level", DEFAULT_LEVEL))
        return _KINDS[kind].from_interval(
            float(spec["low"]), float(spec["high"]), level=level, name=name
        )
    raise invalid(name, "a number, a (low, high) pair, a mapping or a Distribution", spec)


def distributions_from_table(
    table: xr.Dataset, *, key: str | None = None
) -> dict[str, Distribution]:
    """Distributions from an assumptions table (one row per input).

    The table (e.g. loaded with :func:`workbench.data.load_table`) has one dimension (the
    input names) and variables ``dist`` (lognormal, normal, beta, uniform or fixed), ``low``,
    ``high``, ``value`` and optionally ``level``.
    """
    key = key or next(iter(table.dims))
    out = {}
    for name in table[key].values:
        row = table.sel({key: name})
        spec = {
            field: (row[field].item() if field in row else None)
            for field in ("dist", "low", "high", "value", "level")
        }
        spec = {k: v for k, v in spec.items() if v is not None and v == v and v != ""}
        out[str(name)] = as_distribution(spec, name=str(name))
    return out


def _correlation_factor(names: list[str], correlation) -> np.ndarray | None:
    if correlation is None:
        return None
    matrix = np.eye(len(names))
    for pair, rho in dict(correlation).items():
        a, b = pair
        for label in (a, b):
            if label not in names:
                raise invalid(
                    "correlation", f"pairs of input names ({format_choices(names)})", label
                )
        if not -1 < rho < 1:
            raise invalid("correlation", "coefficients in (-1, 1)", rho)
        i, j = names.index(a), names.index(b)
        matrix[i, j] = matrix[j, i] = rho
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise invalid(
            "correlation", "a positive-definite correlation matrix", dict(correlation)
        ) from None


def _normal_block(source: Stream, block: int, size: int, n_inputs: int, factor) -> np.ndarray:
    """Correlated standard-normal scores for the first ``size`` draws of one block.

    Shape (n_inputs, size). The generator fills row after row, so the first ``size`` rows of
    a block are the same whatever ``size`` is: a short sample needs no full block.
    """
    rng = source.generator(block)
    normals = rng.standard_normal((size, n_inputs))
    if factor is not None:
        normals = normals @ factor.T
    # One contiguous row per input: the arithmetic downstream runs over whole rows.
    return np.ascontiguousarray(normals.T)


def _draw_range(start: int, stop: int, seed: Stream, n_inputs: int, factor) -> np.ndarray:
    """Normal scores for draws [start, stop), identical whichever way the range is split.

    Shape (n_inputs, stop - start).
    """
    pieces = []
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        lo, hi = max(start, block * BLOCK), min(stop, (block + 1) * BLOCK)
        scores = _normal_block(seed, block, hi - block * BLOCK, n_inputs, factor)
        pieces.append(scores[:, lo - block * BLOCK :])
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=1)


def _values(dists: list[Distribution], start: int, stop: int, seed: Stream, factor) -> np.ndarray:
    """Sampled values of every input for draws [start, stop): shape (n_inputs, stop - start)."""
    scores = _draw_range(start, stop, seed, len(dists), factor)
    for i, dist in enumerate(dists):
        scores[i] = dist._from_normal(scores[i])
    return scores


@public
def sample(
    inputs: Mapping[str, Any],
    *,
    n_draws: int,
    seed: int | Stream,
    stream: str | None = None,
    correlation: Mapping[tuple[str, str], float] | None = None,
    chunks: int | None = None,
    units: Mapping[str, str] | None = None,
) -> xr.Dataset:
    """Draw every input ``n_draws`` times into a Dataset along ``draw``.

    Parameters
    ----------
    inputs
        Input name -> anything :func:`as_distribution` accepts.
    n_draws
        Number of Monte Carlo draws.
    seed
        The analysis' seed, or a :class:`Stream`; the same seed and stream give the same draws.
    stream
        Name of the stage drawing (``"supply.shipments"``): each name is its own independent
        stream of ``seed``. ``None`` with an integer seed is numpy's unnamed stream of it.
    correlation
        Optional ``{(name_a, name_b): rho}``: the correlation of the inputs' normal scores in
        a Gaussian copula (their Spearman rank correlation is ``6/π · arcsin(rho/2)``, within
        0.02 of ``rho``); pairs not named are uncorrelated.
    chunks
        Draws per dask chunk; ``None`` builds numpy arrays in memory. Chunks are rounded up to
        a multiple of :data:`BLOCK` so chunked and in-memory draws are identical.
    units
        Optional units per input, written to the variables' ``units`` attribute.
    """
    n_draws = check_n_draws(n_draws)
    source = as_stream(seed, stream)
    dists = {name: as_distribution(spec, name=name) for name, spec in inputs.items()}
    names = list(dists)
    factor = _correlation_factor(names, correlation)
    units = dict(units or {})

    ordered = [dists[n] for n in names]
    if chunks is None:
        values = _values(ordered, 0, int(n_draws), source, factor)
    else:
        import dask
        import dask.array as dsa

        if not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise invalid("chunks", "a positive integer or None", chunks)
        size = int(math.ceil(chunks / BLOCK) * BLOCK)
        blocks = []
        for start in range(0, int(n_draws), size):
            stop = min(start + size, int(n_draws))
            delayed = dask.delayed(_values, pure=True)(ordered, start, stop, source, factor)
            blocks.append(dsa.from_delayed(delayed, shape=(len(names), stop - start), dtype=float))
        values = dsa.concatenate(blocks, axis=1)
    data_vars = {}
    for i, name in enumerate(names):
        attrs = {"long_name": name.replace("_", " "), "distribution": repr(dists[name])}
        if name in units:
            attrs["units"] = units[name]
        data_vars[name] = xr.DataArray(values[i], dims="draw", attrs=attrs)
    return xr.Dataset(
        data_vars,
        coords={"draw": np.arange(int(n_draws))},
        attrs={"seed": source.seed, STREAMS_ATTR: source.label, "n_draws": int(n_draws)},
    )


@public
def quantiles(
    data: xr.DataArray | xr.Dataset,
    q: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    *,
    dim: str = "draw",
    exact: bool = True,
) -> xr.DataArray | xr.Dataset:
    """Quantiles over ``dim`` along a new ``quantile`` dimension, keeping variable attrs.

    Parameters
    ----------
    data
        Draws along ``dim``, in memory or dask-backed.
    q
        Probabilities in [0, 1].
    dim
        The dimension to summarise.
    exact
        ``True`` gives the exact sample quantiles; dask-backed draws are first gathered into
        one chunk along ``dim``, which needs memory for all of them at once. ``False``, for
        dask-backed draws in several chunks, averages each chunk's quantiles weighted by its
        count of non-missing draws: one pass in the memory of a chunk. For independent draws
        (what :func:`sample` gives) in chunks of thousands of draws, the two differ by less
        than the Monte Carlo error of either. In-memory data is always summarised exactly.

    Examples
    --------
    >>> draws = sample({"x": (1.0, 100.0)}, n_draws=100_000, seed=0)
    >>> [round(v) for v in quantiles(draws.x, [0.05, 0.95]).values]
    [1, 100]
    """
    if dim not in data.dims:
        raise invalid("dim", f"a dimension of the data {tuple(data.dims)}", dim)
    probs = [float(p) for p in np.atleast_1d(q)]
    if not all(0 <= p <= 1 for p in probs):
        raise invalid("q", "probabilities in [0, 1]", q)
    if isinstance(data, xr.DataArray):
        if data.chunks is None:
            return data.quantile(probs, dim=dim, keep_attrs=True)
        if not exact and len(data.chunks[data.get_axis_num(dim)]) > 1:
            return _chunk_weighted_quantiles(data, probs, dim)
        return data.chunk({dim: -1}).quantile(probs, dim=dim, keep_attrs=True)
    return xr.Dataset(
        {
            name: quantiles(da, probs, dim=dim, exact=exact)
            for name, da in data.data_vars.items()
            if dim in da.dims
        },
        attrs=data.attrs,
    )


def _chunk_weighted_quantiles(da: xr.DataArray, probs: list[float], dim: str) -> xr.DataArray:
    """Per-chunk quantiles along ``dim``, averaged with the chunks' counts as weights."""
    moved = da.transpose(dim, ...)
    array = moved.data
    n_probs, n_blocks = len(probs), len(array.chunks[0])

    def per_block(block: np.ndarray) -> np.ndarray:
        # Rows 0..n_probs-1: the block's quantiles; last row: its count of non-missing draws.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN slice gives NaN
            values = np.nanquantile(block, probs, axis=0)
        counts = np.sum(~np.isnan(block), axis=0)[np.newaxis]
        return np.concatenate([values, counts], axis=0)[:, np.newaxis]

    stats = array.map_blocks(
        per_block,
        new_axis=0,
        chunks=((n_probs + 1,), (1,) * n_blocks, *array.chunks[1:]),
        dtype=float,
    )
    counts = stats[n_probs:]
    weighted = (stats[:n_probs] * counts).sum(axis=1) / counts.sum(axis=1)
    coords = {k: v for k, v in moved.coords.items() if dim not in v.dims}
    return xr.DataArray(
        weighted,
        dims=("quantile", *moved.dims[1:]),
        coords={**coords, "quantile": probs},
        attrs=da.attrs,
        name=da.name,
    )


def _allocate(template: xr.Dataset, n_draws: int, dtype) -> dict[str, np.ndarray]:
    """Uninitialised arrays for ``n_draws`` draws shaped like ``template``'s (draw first)."""
    out = {}
    for name, da in template.data_vars.items():
        kind = np.dtype(dtype) if dtype is not None and da.dtype.kind == "f" else da.dtype
        out[name] = np.empty((n_draws, *da.shape[1:]), dtype=kind)
    return out


def _evaluate_into(func, arrays: Mapping, out: Mapping, sub_block: int) -> Mapping:
    """``func`` over plain arrays of draws, ``sub_block`` draws at a time, written into ``out``.

    Pieces of a fixed size keep a task's temporaries a few tens of megabytes whatever the
    chunk, and let the allocator hand the same memory back for the next piece.
    """
    n_draws = len(next(iter(arrays.values())))
    for lo in range(0, n_draws, sub_block):
        hi = min(lo + sub_block, n_draws)
        x = xr.Dataset({name: ("draw", a[lo:hi]) for name, a in arrays.items()})
        result = func(x)
        for name in out:
            # The Variable, not a DataArray of it (which would copy the coordinates' indexes).
            out[name][lo:hi] = result.variables[name].transpose("draw", ...).values
    return out


def _chunk_arrays(draws: xr.Dataset) -> list[dict]:
    """Per dask chunk of draws, the delayed numpy blocks of every variable.

    Not optimised per variable: every variable's block then comes from the same sampling
    task, which runs once per chunk (optimising each variable's graph alone gives each its
    own copy of that task, so the sampling would run once per input).
    """
    blocks = {n: draws[n].data.to_delayed(optimize_graph=False).ravel() for n in draws.data_vars}
    return [{n: b[k] for n, b in blocks.items()} for k in range(len(draws.chunks["draw"]))]


def _chunk_task(func, template, size, arrays, sub_block, dtype):
    return _evaluate_into(func, arrays, _allocate(template, size, dtype), sub_block)


def _chunk_task_into(func, arrays, out, kept, sub_block):
    for name, values in arrays.items():
        if name in kept:
            kept[name][...] = values
    _evaluate_into(func, arrays, out, sub_block)


@public
def map_draws(
    func,
    draws: xr.Dataset,
    chunks: int | None = None,
    *,
    template: xr.Dataset | None = None,
    compute: bool = True,
    keep_inputs: bool = False,
    dtype=None,
    sub_block: int = BLOCK,
) -> xr.Dataset:
    """Evaluate a model over Monte Carlo draws chunk by chunk.

    Parameters
    ----------
    func
        ``func(ds) -> Dataset``: takes a Dataset of in-memory draws (one variable per input,
        along ``draw``) and returns its outputs, each with a ``draw`` dimension. It sees at
        most ``sub_block`` draws at a time, so it may use temporaries freely.
    draws
        The inputs along ``draw``, in memory or dask-backed (e.g. :func:`sample` with
        ``chunks``); dask-backed draws are evaluated chunk by chunk, one task per chunk.
    chunks
        Draws per chunk for in-memory ``draws`` (they are then evaluated on dask's threaded
        scheduler); ``None`` keeps dask-backed draws' own chunks, or evaluates in-memory
        draws in one piece.
    template
        ``func``'s output for one draw (names, dims, attrs, dtypes); computed from the first
        draw when omitted (which, for dask-backed draws, computes their first chunk).
    compute
        ``False`` returns dask-backed outputs (nothing runs until they are computed, on the
        active scheduler); ``True`` evaluates now, writing every chunk straight into the
        result's arrays (no concatenation: the result is the only large allocation).
    keep_inputs
        Also return ``draws``' variables (materialised by the same tasks, so dask-backed
        draws are sampled once).
    dtype
        Floating dtype of the outputs and kept inputs (e.g. ``numpy.float32`` halves the
        result's memory); ``None`` keeps theirs.
    sub_block
        Draws passed to ``func`` at once.

    Returns
    -------
    xarray.Dataset
        ``func``'s outputs for every draw, coordinates from ``template`` and ``draws``.

    Examples
    --------
    >>> draws = sample({"x": (1.0, 4.0)}, n_draws=1_000, seed=0, stream="doc")
    >>> out = map_draws(lambda ds: (2 * ds.x).to_dataset(name="y"), draws, chunks=300)
    >>> bool((out.y == 2 * draws.x).all())
    True
    """
    import dask
    import dask.threaded

    if "draw" not in draws.dims:
        raise invalid("draws", "a Dataset with a 'draw' dimension", draws)
    if chunks is not None:
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise invalid("chunks", "a positive integer or None", chunks)
        draws = draws.chunk({"draw": int(chunks)})
    n_draws = draws.sizes["draw"]
    if template is None:
        template = func(draws.isel(draw=slice(0, 1)).compute())
    names = list(draws.data_vars)

    def kept_dtype(name):
        kind = draws[name].dtype
        return np.dtype(dtype) if dtype is not None and kind.kind == "f" else kind

    inputs = {n: draws[n].astype(kept_dtype(n)) for n in names}
    if not draws.chunks:
        arrays = {n: draws[n].values for n in names}
        out = _evaluate_into(func, arrays, _allocate(template, n_draws, dtype), sub_block)
        result = _assemble(template, out, draws["draw"])
        return result.assign(inputs) if keep_inputs else result
    sizes = draws.chunks["draw"]
    if not compute:
        import dask.array as dsa

        parts: dict[str, list] = {n: [] for n in template.data_vars}
        for size, arrays in zip(sizes, _chunk_arrays(draws), strict=True):
            result = dask.delayed(_chunk_task, pure=True)(
                func, template, size, arrays, sub_block, dtype
            )
            for name, da in template.data_vars.items():
                kind = np.dtype(dtype) if dtype is not None and da.dtype.kind == "f" else da.dtype
                shape = (size, *da.shape[1:])
                parts[name].append(dsa.from_delayed(result[name], shape=shape, dtype=kind))
        lazy = {n: dsa.concatenate(p, axis=0) for n, p in parts.items()}
        result = _assemble(template, lazy, draws["draw"])
        return result.assign(inputs) if keep_inputs else result
    outputs = _allocate(template, n_draws, dtype)
    kept = {n: np.empty(n_draws, dtype=kept_dtype(n)) for n in names} if keep_inputs else {}
    tasks, start = [], 0
    for size, arrays in zip(sizes, _chunk_arrays(draws), strict=True):
        window = slice(start, start + size)
        tasks.append(
            dask.delayed(_chunk_task_into, pure=False)(
                func,
                arrays,
                {n: a[window] for n, a in outputs.items()},
                {n: a[window] for n, a in kept.items()},
                sub_block,
            )
        )
        start += size
    # The threaded scheduler by function, not by name: a name makes dask import distributed
    # (about a second) to look for a client that would not be used anyway.
    dask.compute(*tasks, scheduler=dask.threaded.get)
    result = _assemble(template, outputs, draws["draw"])
    if keep_inputs:
        result = result.assign({n: draws[n].copy(deep=False, data=kept[n]) for n in names})
    return result


def _assemble(template: xr.Dataset, arrays: Mapping, draw: xr.DataArray) -> xr.Dataset:
    """A Dataset of ``template``'s variables (dims, attrs, coords) holding ``arrays``."""
    coords = {k: v for k, v in template.coords.items() if "draw" not in v.dims}
    return xr.Dataset(
        {name: (da.dims, arrays[name], da.attrs) for name, da in template.data_vars.items()},
        coords={**coords, "draw": draw},
    )
