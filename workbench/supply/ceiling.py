"""Ceilings on supply: the most accelerators packaging, memory and grid power allow.

Per quarter: CoWoS-class wafer starts x good packages per wafer x yield, and HBM supply /
HBM per package; the ceiling is the smaller of the two, for the quarter's reference package.
Capacity roadmaps err together (a source that overstates one quarter overstates the next), so
each input takes one random quantile per draw, shared by all quarters.
:func:`cap_forecast` then caps a forecast by it and says where the cap binds.

:func:`power_ceiling` is the grid's ceiling: the new data-centre power that can be connected
per year (the ``grid_power`` table, from published grid and utility data), the share of it
that goes to AI accelerators, and the facility power each accelerator needs (server overhead
and PUE, the ``facility_power`` table). :func:`~workbench.supply.project_shipments` applies
it like the packaging ceiling: a quarter's shipments cannot draw more new facility power than
the quarter's share of the year's connectable power. Like the roadmaps, grid estimates err
together, so each draw takes one quantile for all years.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import Var, describe, merge
from workbench._time import quarter_key
from workbench._validation import check_n_draws, check_seed, invalid, public
from workbench.data import load, load_table, table_from
from workbench.errors import format_choices
from workbench.supply.chips import chip_arrays
from workbench.supply.forecast import ForecastFit
from workbench.uncertainty import (
    STREAMS_ATTR,
    Beta,
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    Uniform,
    as_distribution,
    distributions_from_table,
    sample,
)

__all__ = ["AI_SHARE", "cap_forecast", "capacity_ceiling", "power_ceiling"]

STREAM = "supply.ceiling"
POWER_STREAM = "supply.power_ceiling"
POWER_VARS = {
    "power": Var("MW", "New facility power for AI accelerators per quarter"),
    "grid_power": Var("MW", "New data-centre power connectable per quarter"),
    "facility_multiplier": Var("1", "Facility W per W of accelerator TDP"),
    "ai_share": Var("1", "AI share"),
}
# Share of new data-centre power taken by AI accelerators: in the IEA's base case (Energy and
# AI, 2025) AI-focused data centres more than quadruple their use by 2030 while all data
# centres double (415 to 945 TWh), so AI takes about half of the growth or more; hyperscale
# builds since 2024 are mostly for AI. A 90% interval of a beta.
AI_SHARE = (0.4, 0.8)
CEILING_KEYS = ("packaging", "allocation", "accelerators")
_INPUTS = ("wafers", "dies_per_wafer", "yield", "hbm")


def _interval_dist(low: float, high: float, kind: str, label: str) -> Distribution:
    if not (np.isfinite(low) and np.isfinite(high)) or not 0 < low <= high:
        raise invalid(
            "assumptions['packaging']", "intervals with 0 < low <= high", (label, low, high)
        )
    if low == high:
        return Fixed(low)
    if kind == "share":
        if high >= 1:
            return Uniform(low, min(high, 1.0))
        return Beta.from_interval(low, high, name="assumptions['packaging']")
    return LogNormal.from_interval(low, high, name="assumptions['packaging']")


def _allocation(value: Any, vendor: str | None) -> tuple[Distribution, Any]:
    """The vendor's share of capacity, and what it was read from (for provenance)."""
    if vendor is None:
        return Fixed(1.0), None
    if isinstance(value, Mapping):
        if vendor not in value:
            raise invalid("assumptions['allocation']", f"a share for {vendor!r}", list(value))
        spec = value[vendor]
        if isinstance(spec, (tuple, list)) and len(spec) == 2:
            dist = Beta.from_interval(
                float(spec[0]), float(spec[1]), name="assumptions['allocation']"
            )
            return dist, value
        return as_distribution(spec, name="assumptions['allocation']"), value
    table = table_from(value, "packaging_allocation", "assumptions['allocation']")
    vendors = [str(v) for v in table["vendor"].values]
    if vendor not in vendors:
        raise invalid("vendor", f"None or one of {format_choices(vendors)}", vendor)
    row = table.sel(vendor=vendor)
    dist = Beta.from_interval(float(row["low"]), float(row["high"]), level=float(row["level"]))
    return dist, table


@public
def capacity_ceiling(
    *,
    vendor: str | None = None,
    n_draws: int = 10_000,
    seed: int = 0,
    assumptions: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """The most accelerators CoWoS packaging and HBM supply could yield per quarter.

    Parameters
    ----------
    vendor
        ``None`` for the whole market, or a chip designer (``"NVIDIA"``, ``"AMD"``,
        ``"Google"``) whose share of packaging capacity (``packaging_allocation`` table)
        scales the ceiling.
    n_draws, seed
        Monte Carlo draws and their seed.
    assumptions
        Optional replacements: ``"packaging"`` (Dataset or CSV like ``packaging_capacity``),
        ``"allocation"`` (``{vendor: (low, high)}`` or a table), ``"accelerators"``.

    Returns
    -------
    xr.Dataset
        Dims ``(quarter, draw)``: ``units`` (ceiling, accelerators of the reference package
        per quarter), ``h100e`` (the same in H100-equivalents), ``packaging_units``,
        ``hbm_units``, ``wafers`` and ``hbm_supply``; ``p_hbm_binds`` (quarter) the share of
        draws where HBM, not packaging, sets the ceiling; ``reference_chip`` along quarter.
    """
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    overrides = dict(assumptions or {})
    unknown = [k for k in overrides if k not in CEILING_KEYS]
    if unknown:
        raise invalid(
            "assumptions", f"a mapping with keys {format_choices(CEILING_KEYS)}", unknown[0]
        )
    table = table_from(overrides.get("packaging"), "packaging_capacity", "assumptions['packaging']")
    columns = [f"{name}_{end}" for name in _INPUTS for end in ("low", "high")] + ["reference_chip"]
    missing = [c for c in columns if c not in table]
    if missing:
        raise invalid(
            "assumptions['packaging']",
            f"a table with columns {format_choices(columns)}",
            missing,
        )
    accelerators = overrides.get("accelerators")
    if isinstance(accelerators, (str, Path)):
        accelerators = load_table(accelerators)
    chips = [str(c) for c in table["reference_chip"].values]
    specs = chip_arrays(chips, accelerators=accelerators, parameter="assumptions['packaging']")
    if not np.isfinite(specs.memory).all():
        raise invalid(
            "assumptions['packaging']", "reference chips with a published memory size", chips
        )
    inputs: dict[str, Any] = {name: Uniform(0.0, 1.0) for name in _INPUTS}
    inputs["allocation"], allocation = _allocation(overrides.get("allocation"), vendor)
    draws = sample(inputs, n_draws=n_draws, seed=seed, stream=STREAM)
    quarters = pd.DatetimeIndex(table["quarter"].values)
    labels = [quarter_key(q) for q in quarters]

    def per_quarter(name: str, kind: str = "amount") -> np.ndarray:
        u = draws[name].values
        lows, highs = table[f"{name}_low"].values, table[f"{name}_high"].values
        cache: dict[tuple, np.ndarray] = {}
        out = np.empty((len(quarters), u.size))
        for t, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
            key = (float(lo), float(hi))
            if key not in cache:
                cache[key] = _interval_dist(*key, kind, labels[t]).ppf(u)
            out[t] = cache[key]
        return out

    share = draws["allocation"].values[None, :]
    wafers = per_quarter("wafers")
    packaging = wafers * per_quarter("dies_per_wafer") * per_quarter("yield", "share") * share
    hbm = per_quarter("hbm")
    hbm_units = hbm * share / specs.memory[:, None]
    units = np.minimum(packaging, hbm_units)
    dims = ("quarter", "draw")
    scope = "the whole market" if vendor is None else vendor
    ds = xr.Dataset(
        {
            "units": (dims, units),
            "h100e": (dims, units * specs.h100e[:, None]),
            "packaging_units": (dims, packaging),
            "hbm_units": (dims, hbm_units),
            "wafers": (dims, wafers),
            "hbm_supply": (dims, hbm),
            "p_hbm_binds": ("quarter", (hbm_units < packaging).mean(axis=1)),
        },
        coords={
            "quarter": quarters.values.astype("datetime64[ns]"),
            "draw": np.arange(n_draws),
            "reference_chip": ("quarter", np.array(chips, dtype=object)),
        },
        attrs={
            "title": f"Manufacturing ceiling on accelerators ({scope})",
            # Packaging capacity, the vendor's allocation and the reference packages' specs.
            **merge(
                table,
                allocation,
                load("accelerators") if accelerators is None else accelerators,
                method="workbench.supply.capacity_ceiling",
            ),
            "vendor": scope,
            "seed": seed,
            STREAMS_ATTR: draws.attrs[STREAMS_ATTR],
            "n_draws": n_draws,
        },
    )
    return describe(ds, _ceiling_vars(scope))


def _ceiling_vars(scope: str) -> dict[str, Var]:
    """What :func:`capacity_ceiling`'s variables are, for a market ``scope``."""
    return {
        "units": Var("1", f"Accelerator ceiling per quarter ({scope})"),
        "h100e": Var("1", f"H100-equivalent ceiling per quarter ({scope})"),
        "packaging_units": Var("1", "Packages CoWoS capacity allows"),
        "hbm_units": Var("1", "Packages HBM supply allows"),
        "wafers": Var("1", "CoWoS wafer starts per quarter (whole market)"),
        "hbm_supply": Var("byte", "HBM supply per quarter (whole market)"),
        "p_hbm_binds": Var("1", "Probability HBM, not packaging, sets the ceiling"),
    }


def cap_draws(values: np.ndarray, cap: np.ndarray) -> tuple[np.ndarray, float]:
    """Each draw of ``values`` capped at the same draw of ``cap``, and the share the cap cut.

    The one capping rule of supply: a forecast's draws (:func:`cap_forecast`) and projected
    paths (:func:`~workbench.supply.project_shipments`) meet the ceiling draw by draw.
    """
    return np.minimum(values, cap), float(np.mean(values > cap))


@public
def cap_forecast(
    forecast: ForecastFit | xr.Dataset,
    ceiling: xr.Dataset,
    *,
    variable: str | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Cap a quarterly forecast by a manufacturing ceiling and show where the cap binds.

    The forecast's interval is read as a distribution (lognormal when the forecast was made
    in log space, else normal), drawn as many times as the ceiling has draws, and each draw is
    capped by the ceiling draw: capped = min(forecast, ceiling).

    Parameters
    ----------
    forecast
        A :func:`~workbench.supply.forecast` result along ``quarter`` (the
        :class:`~workbench.supply.forecast.ForecastFit`, or its ``predict()``).
    ceiling
        A :func:`capacity_ceiling` result.
    variable
        Ceiling variable to cap with, ``"units"`` or ``"h100e"``; default: the forecast
        series' name when it is one of those.
    seed
        Seed of the forecast draws.

    Returns
    -------
    xr.Dataset
        The forecast (``predict()``) plus ``capped_mean`` (median), ``capped_lower``,
        ``capped_upper``, ``ceiling_median`` and ``p_binds`` (probability that the ceiling is
        below the uncapped forecast); NaN where the ceiling table has no data.
    """
    seed = check_seed(seed)
    if isinstance(forecast, ForecastFit):
        forecast = forecast.predict()
    if not isinstance(forecast, xr.Dataset) or not {"mean", "lower", "upper"} <= set(
        forecast.data_vars
    ):
        raise invalid("forecast", "a Dataset from workbench.supply.forecast", forecast)
    if "quarter" not in forecast.dims:
        raise invalid("forecast", "a quarterly forecast (dim 'quarter')", tuple(forecast.dims))
    variable = variable or forecast.attrs.get("series_name") or ""
    if variable not in ("units", "h100e") or variable not in ceiling:
        raise invalid("variable", "'units' or 'h100e' (the quantity the forecast counts)", variable)
    level = float(forecast.attrs.get("level", 0.9))
    log_space = bool(forecast.attrs.get("log_space", 1))
    future = forecast["mean"].notnull().values
    quarters = pd.DatetimeIndex(forecast["quarter"].values)
    known = pd.DatetimeIndex(ceiling["quarter"].values)
    inputs = {}
    for t in np.flatnonzero(future):
        if quarters[t] not in known:
            continue
        lo, hi = float(forecast["lower"][t]), float(forecast["upper"][t])
        if lo == hi:
            inputs[str(t)] = Fixed(lo)
        elif log_space:
            inputs[str(t)] = LogNormal.from_interval(lo, hi, level=level)
        else:
            inputs[str(t)] = Normal.from_interval(lo, hi, level=level)
    n = len(quarters)
    out = {
        name: np.full(n, np.nan)
        for name in ("capped_mean", "capped_lower", "capped_upper", "ceiling_median", "p_binds")
    }
    if inputs:
        draws = sample(
            inputs, n_draws=ceiling.sizes["draw"], seed=seed, stream="supply.cap_forecast"
        )
        probs = [0.5, 0.5 - level / 2, 0.5 + level / 2]
        for key in inputs:
            t = int(key)
            cap = ceiling[variable].sel(quarter=quarters[t]).values
            capped, out["p_binds"][t] = cap_draws(draws[key].values, cap)
            out["capped_mean"][t], out["capped_lower"][t], out["capped_upper"][t] = np.quantile(
                capped, probs
            )
            out["ceiling_median"][t] = np.median(cap)
    units = forecast["mean"].attrs.get("units", "1")
    label = forecast["observed"].attrs.get("long_name", variable)
    result = forecast.copy()
    names = {
        "capped_mean": f"{label}: capped forecast (median)",
        "capped_lower": f"{label}: capped {level:.0%} interval, lower",
        "capped_upper": f"{label}: capped {level:.0%} interval, upper",
        "ceiling_median": f"Manufacturing ceiling ({variable}), median",
    }
    for name, long_name in names.items():
        result[name] = ("quarter", out[name], {"units": units, "long_name": long_name})
    result["p_binds"] = (
        "quarter",
        out["p_binds"],
        {"units": "1", "long_name": "Probability the ceiling binds"},
    )
    result.attrs["ceiling"] = ceiling.attrs.get("title", "manufacturing ceiling")
    result.attrs["source"] = (
        f"{forecast.attrs.get('source', '')}; capped by {ceiling.attrs.get('source', '')}"
    )
    return result


@public
def power_ceiling(
    *,
    n_draws: int = 10_000,
    seed: int = 0,
    ai_share: Any = AI_SHARE,
    table: xr.Dataset | str | Path | None = None,
) -> xr.Dataset:
    """The new facility power AI accelerators can be connected to, per quarter, as draws.

    Parameters
    ----------
    n_draws, seed
        Monte Carlo draws and their seed (stream ``"supply.power_ceiling"``).
    ai_share
        Share of new data-centre power that goes to AI accelerators: a ``(low, high)`` 90%
        interval of a beta (default :data:`AI_SHARE`), a number, or a Distribution.
    table
        A table like ``grid_power`` (``year``, ``low``, ``high``, ``level`` in MW per year);
        the bundled one by default.

    Returns
    -------
    xr.Dataset
        ``power`` (quarter, draw) [MW]: new facility power for AI accelerators connectable in
        the quarter (a quarter of the year's); ``grid_power`` (quarter, draw) [MW] for all data
        centres; ``facility_multiplier`` (draw) [1]: facility watts per watt of accelerator
        TDP (server overhead × PUE), which turns it into accelerators.
    """
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    grid = table_from(table, "grid_power", "table")
    missing = [c for c in ("low", "high", "level") if c not in grid]
    if missing or "year" not in grid.dims:
        raise invalid("table", "a table on 'year' with columns low, high, level", missing)
    if isinstance(ai_share, (tuple, list)) and len(ai_share) == 2:
        share = Beta.from_interval(float(ai_share[0]), float(ai_share[1]), name="ai_share")
    else:
        share = as_distribution(ai_share, name="ai_share")
    lo, hi = share.interval(0.999999)
    if not (0 <= lo and hi <= 1):
        raise invalid("ai_share", "a share in [0, 1]", ai_share)
    facility = load("facility_power")
    presets = distributions_from_table(facility)
    inputs = {
        "grid": Uniform(0.0, 1.0),
        "ai_share": share,
        "pue": presets["pue_mixed"],
        "server_overhead": presets["server_overhead"],
    }
    draws = sample(inputs, n_draws=n_draws, seed=seed, stream=POWER_STREAM)
    years = [int(y) for y in grid["year"].values]
    u = draws["grid"].values
    per_year = np.empty((len(years), u.size))
    for i, year in enumerate(years):
        row = grid.sel(year=grid["year"].values[i])
        low, high = float(row["low"]), float(row["high"])
        if not 0 < low < high:
            raise invalid("table", "rows with 0 < low < high", (year, low, high))
        per_year[i] = LogNormal.from_interval(low, high, level=float(row["level"])).ppf(u)
    quarters = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-10-01", freq="QS")
    index = [years.index(q.year) for q in quarters]
    grid_q = per_year[index] / 4.0
    ai = grid_q * draws["ai_share"].values[None, :]
    multiplier = draws["pue"].values * draws["server_overhead"].values
    dims = ("quarter", "draw")
    ds = xr.Dataset(
        {
            "power": (dims, ai),
            "grid_power": (dims, grid_q),
            "facility_multiplier": ("draw", multiplier),
            "ai_share": ("draw", draws["ai_share"].values),
        },
        coords={"quarter": quarters.values.astype("datetime64[ns]"), "draw": np.arange(n_draws)},
        attrs={
            "title": "Grid-power ceiling on AI accelerators",
            # The grid table (the bundled one or the caller's) and the facility presets.
            **merge(grid, facility, method=f"workbench.supply.power_ceiling (AI share {share!r})"),
            "seed": seed,
            STREAMS_ATTR: draws.attrs[STREAMS_ATTR],
            "n_draws": n_draws,
        },
    )
    return describe(ds, POWER_VARS)
