"""The compute outlook: supply and demand built from one set of choices, compared, explained.

:func:`outlook` is what the flagship report runs: installed supply (all vendors' estimated
shipments, continued by capacity growth and capped by the manufacturing ceiling), demand (a
scenario of :func:`workbench.demand.simulate`), the gap between them, and the inputs that
drive its spread, in one ``xarray.DataTree``.
"""

from __future__ import annotations

import html
import re

import numpy as np
import xarray as xr

from workbench import demand, supply
from workbench.errors import ParameterError, format_choices
from workbench.gap.core import compute_gap
from workbench.gap.drivers import drivers

__all__ = ["COOLING", "REGIONS", "headline", "outlook", "summary"]

COOLING = ("mixed", "air", "liquid")
REGIONS = ("world", "china", "rest of world")
# Seed offsets keep every stage on its own random stream (see workbench.uncertainty).
SEED_OFFSETS = {"shipments": 0, "ceiling": 10, "demand": 20}


def outlook(
    scenario: str = "base",
    *,
    horizon: int = 2030,
    n_draws: int = 10_000,
    cooling: str = "mixed",
    region: str = "world",
    unit: str = "h100e",
    seed: int = 0,
    supply_method: str = "capacity",
    lifetime_years=(4, 6),
) -> xr.DataTree:
    """Supply against demand to ``horizon``, with the drivers of the gap.

    Parameters
    ----------
    scenario
        Demand scenario: ``"bear"``, ``"base"``, ``"bull"`` or a scenario CSV path.
    horizon
        Last year of the outlook.
    n_draws
        Monte Carlo draws (shared by supply and demand).
    cooling
        ``"mixed"``, ``"air"`` or ``"liquid"``: the PUE of both the installed base and demand.
    region
        ``"world"``, or ``"china"`` / ``"rest of world"`` for the supply of that region alone
        (demand is global: a regional gap reads as the share of world demand the region could
        serve).
    unit
        Unit of the gap: ``"h100e"``, ``"flops"`` or ``"power"``.
    seed
        One seed for the whole outlook; each stage draws from its own offset stream.
    supply_method
        How shipments continue after the revenue-based history (see
        :func:`workbench.supply.project_shipments`).
    lifetime_years
        Accelerator service life (see :func:`workbench.supply.installed_base`).

    Returns
    -------
    xarray.DataTree
        Nodes ``supply`` (installed base, quarterly), ``shipments`` (history and projection),
        ``demand`` (the simulation), ``gap`` (:func:`compute_gap`, annual) and ``drivers``
        (of the gap's surplus, per year).
    """
    owner = "outlook"
    if cooling not in COOLING:
        raise ParameterError.invalid("cooling", owner, f"one of {format_choices(COOLING)}", cooling)
    if region not in REGIONS:
        raise ParameterError.invalid("region", owner, f"one of {format_choices(REGIONS)}", region)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 2027:
        raise ParameterError.invalid("horizon", owner, "a year from 2027 on", horizon)
    shipments = supply.estimate_shipments(
        "all", n_draws=n_draws, seed=seed + SEED_OFFSETS["shipments"]
    )
    if region != "world":
        shipments = shipments.where(shipments["region"].str.lower() == region, drop=True)
    ceiling = supply.capacity_ceiling(n_draws=n_draws, seed=seed + SEED_OFFSETS["ceiling"])
    projected = supply.project_shipments(
        shipments, end=horizon, method=supply_method, ceiling=ceiling if region == "world" else None
    )
    pue = None if cooling == "mixed" else cooling
    base = supply.installed_base(projected, lifetime_years=lifetime_years, pue=pue)
    needed = demand.simulate(
        scenario,
        n_draws=n_draws,
        seed=seed + SEED_OFFSETS["demand"],
        end=horizon,
        cooling=cooling,
    )
    gap = compute_gap(base, needed, unit=unit)
    supply_inputs = xr.Dataset(
        {name: base[name] for name in ("pue", "server_overhead") if name in base}
    )
    # The supply's level uncertainty: each draw's recent shipments relative to the median.
    recent = (
        projected["h100e"].where(~projected["projected"], drop=True).isel(quarter=slice(-4, None))
    )
    supply_inputs["recent_shipments"] = recent.sum("quarter").assign_attrs(
        units="1", long_name="H100e shipped in the last four estimated quarters"
    )
    demand_inputs = demand.sampled_inputs(needed)
    explained = drivers(gap["surplus"], {"supply": supply_inputs, "demand": demand_inputs})
    settings = {
        "scenario": str(scenario),
        "horizon": int(horizon),
        "n_draws": int(n_draws),
        "cooling": cooling,
        "region": region,
        "unit": unit,
        "seed": int(seed),
        "supply_method": supply_method,
    }
    tree = xr.DataTree.from_dict(
        {
            "/supply": base,
            "/shipments": projected,
            "/demand": needed,
            "/gap": gap,
            "/drivers": explained,
        }
    )
    tree.attrs = {
        "title": f"Compute outlook to {horizon}: {scenario} demand, {cooling} cooling, {region}",
        **{k: str(v) for k, v in settings.items()},
        "source": "workbench.gap.outlook over workbench.supply and workbench.demand",
        "license": "CC-BY-4.0",
        "as_of": max(str(base.attrs.get("as_of", "")), str(needed.attrs.get("as_of", ""))),
    }
    return tree


def headline(tree: xr.DataTree, year: int | None = None) -> xr.Dataset:
    """The outlook's key numbers for one year (default: the horizon), with 90% intervals.

    Variables along ``quantile`` (0.05, 0.5, 0.95): ``supply_h100e``, ``demand_h100e``,
    ``supply_power``, ``demand_power`` (MW), ``ratio``; and ``shortfall_probability``.
    """
    gap = tree["gap"].to_dataset()
    year = (
        int(tree.attrs.get("horizon", gap["year"].dt.year.values[-1]))
        if year is None
        else int(year)
    )
    years = gap["year"].dt.year.values
    if year not in years:
        raise ParameterError.invalid("year", "headline", f"one of {years.tolist()}", year)
    at = gap.sel(year=gap["year"][years == year][0])
    out = xr.Dataset(
        {
            name: at[name].quantile([0.05, 0.5, 0.95], dim="draw", keep_attrs=True)
            for name in ("supply_h100e", "demand_h100e", "supply_power", "demand_power", "ratio")
            if name in at
        }
    )
    out["shortfall_probability"] = at["shortfall_probability"]
    out.attrs = {**tree.attrs, "year": year}
    return out


def _markdown_text(value: object) -> str:
    """``value`` as literal text in Markdown: no tag, no emphasis, no link of its own.

    Labels come from users (a scenario CSV's path); HTML is escaped and Markdown's
    punctuation backslash-escaped, so ``<img src=x onerror=…>`` shows as written.
    """
    text = html.escape(str(value), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", text)


def summary(tree: xr.DataTree, year: int | None = None) -> str:
    """The outlook's headline in a few sentences of Markdown, with 90% intervals."""
    numbers = headline(tree, year)
    year = numbers.attrs["year"]

    def fmt(name, scale, unit):
        q = numbers[name].values / scale
        return f"**{q[1]:,.0f}{unit}** (90%: {q[0]:,.0f}–{q[2]:,.0f}{unit})"

    p = float(numbers["shortfall_probability"])
    ratio = numbers["ratio"].values
    scenario, cooling, region = (
        _markdown_text(tree.attrs[name]) for name in ("scenario", "cooling", "region")
    )
    lines = [
        f"**In {year}**, under the *{scenario}* demand scenario with {cooling} cooling ({region}):",
        "",
        f"- installed supply: {fmt('supply_h100e', 1e6, ' million')} H100-equivalents;",
        f"- demand: {fmt('demand_h100e', 1e6, ' million')} H100-equivalents;",
        f"- supply covers **{ratio[1]:.2g}×** demand (90%: {ratio[0]:.2g}–{ratio[2]:.2g}×); "
        f"the probability that demand exceeds supply is **{p:.0%}**;",
    ]
    if "supply_power" in numbers and "demand_power" in numbers:
        lines.append(
            f"- power: the installed base draws {fmt('supply_power', 1e3, ' GW')} at full load "
            f"against {fmt('demand_power', 1e3, ' GW')} that demand needs on average."
        )
    return "\n".join(lines)
