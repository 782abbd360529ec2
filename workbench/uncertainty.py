"""Uncertain inputs: distributions stated the way analysts think, sampled into a ``draw`` dim.

"90% sure it is between 2 and 20" is :meth:`LogNormal.from_interval` (2, 20); a share is a
:class:`Beta`; a known figure is :class:`Fixed`. :func:`sample` draws any set of inputs, with
an optional correlation between them (a Gaussian copula), into a Dataset along ``draw``;
:func:`quantiles` summarises draws at the edge, for charts and tables.

Random numbers are generated in fixed blocks of :data:`BLOCK` draws, block *k* from the seed
sequence ``(seed, k)``: the same seed gives the same draws whether the arrays are built in
memory or as dask chunks on a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy import optimize, special

from workbench.errors import ParameterError, format_choices

__all__ = [
    "BLOCK",
    "Beta",
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Uniform",
    "as_distribution",
    "distributions_from_table",
    "quantiles",
    "sample",
]

BLOCK = 65_536  # draws per independently seeded block
DEFAULT_LEVEL = 0.9


def _z(level: float) -> float:
    """The standard-normal quantile bounding a central interval of probability ``level``."""
    return float(special.ndtri(0.5 + level / 2))


def _check_interval(low: float, high: float, level: float, owner: str, name: str | None):
    label = name or "low/high"
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ParameterError.invalid(label, owner, "finite bounds", (low, high))
    if not low < high:
        raise ParameterError.invalid(label, owner, "an interval with low < high", (low, high))
    if not 0 < level < 1:
        raise ParameterError.invalid("level", owner, "a probability in (0, 1)", level)


class Distribution:
    """A one-dimensional distribution that can be sampled by its quantile function."""

    units: str | None = None

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Quantile function: values at probabilities ``u`` in (0, 1)."""
        raise NotImplementedError

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
            raise ParameterError.invalid(
                name or "low/high",
                "Beta.from_interval",
                "an interval a beta can match",
                (low, high),
            )
        a, b = np.exp(fit.x)
        return cls(float(a), float(b))

    def ppf(self, u):
        return special.betaincinv(self.a, self.b, u)


_KINDS = {"lognormal": LogNormal, "normal": Normal, "beta": Beta, "uniform": Uniform}


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
            raise ParameterError.invalid(name, "as_distribution", "a finite number", spec)
        return Fixed(float(spec))
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        return LogNormal.from_interval(float(spec[0]), float(spec[1]), name=name)
    if isinstance(spec, Mapping):
        kind = str(spec.get("dist", "lognormal")).lower()
        if kind == "fixed":
            return as_distribution(spec.get("value"), name=name)
        if kind not in _KINDS:
            raise ParameterError.invalid(
                name, "as_distribution", f"a dist of {format_choices([*_KINDS, 'fixed'])}", kind
            )
        if kind == "uniform":
            return Uniform(float(spec["low"]), float(spec["high"]))
        level = float(spec.get("level", DEFAULT_LEVEL))
        return _KINDS[kind].from_interval(
            float(spec["low"]), float(spec["high"]), level=level, name=name
        )
    raise ParameterError.invalid(
        name, "as_distribution", "a number, a (low, high) pair, a mapping or a Distribution", spec
    )


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


def _correlation_factor(names: list[str], correlation, owner: str) -> np.ndarray | None:
    if correlation is None:
        return None
    matrix = np.eye(len(names))
    for pair, rho in dict(correlation).items():
        a, b = pair
        for label in (a, b):
            if label not in names:
                raise ParameterError.invalid(
                    "correlation", owner, f"pairs of input names ({format_choices(names)})", label
                )
        if not -1 < rho < 1:
            raise ParameterError.invalid("correlation", owner, "coefficients in (-1, 1)", rho)
        i, j = names.index(a), names.index(b)
        matrix[i, j] = matrix[j, i] = rho
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise ParameterError.invalid(
            "correlation", owner, "a positive-definite correlation matrix", dict(correlation)
        ) from None


def _uniform_block(seed: int, block: int, size: int, n_inputs: int, factor) -> np.ndarray:
    """Correlated uniforms for one block: shape (size, n_inputs)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    normals = rng.standard_normal((size, n_inputs))
    if factor is not None:
        normals = normals @ factor.T
    return special.ndtr(normals)


def _draw_range(start: int, stop: int, seed: int, n_inputs: int, factor) -> np.ndarray:
    """Uniforms for draws [start, stop), identical whichever way the range is split."""
    pieces = []
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        lo, hi = max(start, block * BLOCK), min(stop, (block + 1) * BLOCK)
        full = _uniform_block(seed, block, BLOCK, n_inputs, factor)
        pieces.append(full[lo - block * BLOCK : hi - block * BLOCK])
    return np.concatenate(pieces, axis=0)


def sample(
    inputs: Mapping[str, Any],
    *,
    n_draws: int,
    seed: int,
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
        Seed of the random stream; the same seed gives the same draws.
    correlation
        Optional ``{(name_a, name_b): rho}`` rank-style correlations through a Gaussian copula.
    chunks
        Draws per dask chunk; ``None`` builds numpy arrays in memory. Chunks are rounded up to
        a multiple of :data:`BLOCK` so chunked and in-memory draws are identical.
    units
        Optional units per input, written to the variables' ``units`` attribute.
    """
    owner = "sample"
    if not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ParameterError.invalid("n_draws", owner, "a positive integer", n_draws)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError.invalid("seed", owner, "a non-negative integer", seed)
    dists = {name: as_distribution(spec, name=name) for name, spec in inputs.items()}
    names = list(dists)
    factor = _correlation_factor(names, correlation, owner)
    units = dict(units or {})

    def transform(u: np.ndarray) -> np.ndarray:
        # Clip away exact 0/1 so quantile functions stay finite.
        u = np.clip(u, 1e-15, 1 - 1e-15)
        return np.stack([dists[n].ppf(u[:, i]) for i, n in enumerate(names)], axis=1)

    if chunks is None:
        values = transform(_draw_range(0, int(n_draws), int(seed), len(names), factor))
    else:
        import dask
        import dask.array as dsa

        if not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ParameterError.invalid("chunks", owner, "a positive integer or None", chunks)
        size = int(math.ceil(chunks / BLOCK) * BLOCK)
        blocks = []
        for start in range(0, int(n_draws), size):
            stop = min(start + size, int(n_draws))
            delayed = dask.delayed(
                lambda a, b: transform(_draw_range(a, b, int(seed), len(names), factor))
            )(start, stop)
            blocks.append(dsa.from_delayed(delayed, shape=(stop - start, len(names)), dtype=float))
        values = dsa.concatenate(blocks, axis=0)
    data_vars = {}
    for i, name in enumerate(names):
        attrs = {"long_name": name.replace("_", " "), "distribution": repr(dists[name])}
        if name in units:
            attrs["units"] = units[name]
        data_vars[name] = xr.DataArray(values[:, i], dims="draw", attrs=attrs)
    return xr.Dataset(
        data_vars,
        coords={"draw": np.arange(int(n_draws))},
        attrs={"seed": int(seed), "n_draws": int(n_draws)},
    )


def quantiles(
    data: xr.DataArray | xr.Dataset,
    q: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    *,
    dim: str = "draw",
) -> xr.DataArray | xr.Dataset:
    """Quantiles over ``dim`` along a new ``quantile`` dimension, keeping variable attrs."""
    if dim not in data.dims:
        raise ParameterError.invalid(
            "dim", "quantiles", f"a dimension of the data {tuple(data.dims)}", dim
        )
    if isinstance(data, xr.DataArray):
        chunked = data.chunk({dim: -1}) if data.chunks is not None else data
        return chunked.quantile(list(q), dim=dim, keep_attrs=True)
    return xr.Dataset(
        {name: quantiles(da, q, dim=dim) for name, da in data.data_vars.items() if dim in da.dims},
        attrs=data.attrs,
    )
