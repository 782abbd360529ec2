"""The compute outlook: supply and demand built from one set of choices, compared, explained.

:func:`outlook` is what the flagship report runs: installed supply (all vendors' estimated
shipments, continued by capacity growth and capped by the manufacturing ceiling), demand (a
scenario of :func:`workbench.demand.simulate`), the gap between them, and the inputs that
drive its spread, in one ``xarray.DataTree``.
"""

from __future__ import annotations

import html
import re
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from workbench import demand, supply
from workbench._provenance import merge
from workbench._time import select_year, to_year
from workbench._validation import check_count, check_n_draws, check_seed, invalid, public, renamed
from workbench.demand.power import COOLING  # re-exported as gap.COOLING
from workbench.errors import format_choices
from workbench.gap import calibration
from workbench.gap.core import compute_gap
from workbench.gap.drivers import drivers
from workbench.i18n import translate as _

__all__ = [
    "COOLING",
    "REGIONS",
    "calibration_note",
    "headline",
    "headline_records",
    "moved_inputs",
    "outlook",
    "prior_posterior",
    "summary",
]

#: ``"world"`` or one supply region (supply.REGIONS, lower-cased as a parameter value).
REGIONS = ("world", *(r.lower() for r in supply.REGIONS))
FREQS = ("quarter", "year")  # how demand meets the supply (see outlook's freq)
FIRST_YEAR = 2026  # the outlook's first year
DEFAULT_END = 2030  # its last, unless told
# FIRST_YEAR is the observed present (the year calibration compares with): an outlook needs
# at least one year after it to be a projection at all.
MIN_END = FIRST_YEAR + 1
OBSERVED_FROM = 2024  # demand is simulated from here, to be compared with observations
PROPOSAL_NOISE = "demand energy left physics"  # demand.simulate's warning on its draws' tails
TARGET_ESS_SHARE = 0.1  # proposal stages stop once the effective sample is a tenth of n_draws
LOW_ESS = 100  # below this effective sample, the posterior's intervals are not to be trusted


@public
def outlook(
    scenario: str = "base",
    *,
    end: int | None = None,
    n_draws: int = 10_000,
    cooling: str = "mixed",
    region: str = "world",
    unit: str = "h100e",
    seed: int = 0,
    supply_method: str = "capacity",
    lifetime_years=(4, 6),
    calibrate: bool = True,
    utilisation: tuple[float, float] = calibration.UTILISATION,
    min_ess: float = 100.0,
    oversample: int = 4,
    power_ceiling: bool = False,
    freq: str = "quarter",
    horizon: int | None = None,
) -> xr.DataTree:
    """Supply against demand to ``end``, calibrated to the observed present, with drivers.

    Parameters
    ----------
    scenario
        Demand scenario: ``"bear"``, ``"base"``, ``"bull"`` or a scenario CSV path.
    end
        Last year of the outlook (default 2030); a year as :func:`workbench._time.to_year`
        reads it (``2030``, ``"2030"``, a date).
    n_draws
        Monte Carlo draws (shared by supply and demand).
    cooling
        ``"mixed"``, ``"air"`` or ``"liquid"``: the PUE of both the installed base and demand.
    region
        ``"world"``, or ``"china"`` / ``"rest of world"`` for the supply of that region alone
        (demand is global: a regional gap reads as the share of world demand the region could
        serve). Calibration always compares world demand with the world's installed base.
    unit
        Unit of the gap: ``"h100e"``, ``"flops"`` or ``"power"``.
    seed
        One seed for the whole outlook; each stage draws from its own named stream of it
        (:mod:`workbench._random`), calibration's resampling from ``"gap.calibration"``.
    supply_method
        How shipments continue after the revenue-based history (see
        :func:`workbench.supply.project_shipments`).
    lifetime_years
        Accelerator service life (see :func:`workbench.supply.installed_base`).
    calibrate
        Condition the draws on the observations of :mod:`workbench.gap.calibration` (token
        volumes, the installed base in use, frontier training compute) by importance
        weighting and resampling; ``False`` gives the prior.
    utilisation
        90% interval of the share of the installed base in use in the observed quarters.
    min_ess
        Effective sample size below which calibration warns
        (:class:`~workbench.errors.CalibrationWarning`).
    oversample
        Calibration draws up to ``oversample × n_draws`` demand draws in all (demand is where
        the prior is wide, and cheap to draw): ``n_draws`` from the prior (the uncalibrated
        outlook's), then, while the effective sample is below a tenth of ``n_draws``, stages
        of ``n_draws`` from proposals each fitted to the stage before (see
        :mod:`workbench.gap.calibration`); each demand draw is paired with its supply draw
        and ``n_draws`` are resampled from the weighted pairs of the best stage.
    power_ceiling
        Also cap the world's projected shipments by the grid power that can be connected for
        AI accelerators (:func:`workbench.supply.power_ceiling`), like the manufacturing
        ceiling; where the last estimated quarter connected more than the grid table allowed,
        the table's path is re-based on that observed pace, its growth kept
        (:func:`workbench.supply.project_shipments`). Off by default because the quarters
        that followed contradict it: backtested from 2025-07-01, 2025-10-01 and 2026-01-01
        (:func:`~workbench.gap.backtest`), the capped outlook under-forecast the installed
        base of the next quarters by up to 27% (50%/90% coverage 25%/75%, CRPS 0.070),
        the uncapped one held 58%/100% (CRPS 0.035). ``True`` reads as the scenario "if grid
        connections grow as the IEA's base case" (docs/outlook-model.md gives both).
    freq
        How demand meets the supply. ``"quarter"`` (default): demand is simulated per
        quarter, at each quarter's end like the installed base, and the gap of a year is the
        annual mean of both sides over its four quarters (``compute_gap(period="year")``);
        calibration sees demand in use at every quarter with revenue data. ``"year"``:
        demand at 1 January of each year against the stock at the end of the quarter
        before (one instant a year; faster, and lower where demand grows through the year).
    horizon
        Deprecated name of ``end`` (``horizon`` is a count of periods elsewhere).

    Returns
    -------
    xarray.DataTree
        Nodes ``supply`` (installed base, quarterly), ``shipments`` (history and projection),
        ``demand`` (the simulation, from the first observed year), ``gap``
        (:func:`compute_gap`, from the outlook's first year) and ``drivers`` (of the gap's
        surplus, per year), all on the posterior draws when calibrated; then
        also ``calibration`` (observations, weights, effective sample size, inputs' prior and
        posterior) and ``prior_gap`` (the gap on the prior draws).
    """
    end = to_year(renamed(horizon, end, old="horizon", new="end", default=DEFAULT_END), "end")
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    if cooling not in COOLING:
        raise invalid("cooling", f"one of {format_choices(COOLING)}", cooling)
    if region not in REGIONS:
        raise invalid("region", f"one of {format_choices(REGIONS)}", region)
    if end < MIN_END:
        raise invalid("end", f"a year from {MIN_END} on", end)
    if not isinstance(calibrate, bool):
        raise invalid("calibrate", "True or False", calibrate)
    if not isinstance(power_ceiling, bool):
        raise invalid("power_ceiling", "True or False", power_ceiling)
    check_count(oversample, "oversample")
    if freq not in FREQS:
        raise invalid("freq", f"one of {format_choices(FREQS)}", freq)
    period = "year" if freq == "quarter" else None
    shipments = supply.estimate_shipments(None, n_draws=n_draws, seed=seed)
    ceiling = supply.capacity_ceiling(n_draws=n_draws, seed=seed)
    grid = supply.power_ceiling(n_draws=n_draws, seed=seed) if power_ceiling else None
    world = supply.project_shipments(
        shipments, end=end, method=supply_method, ceiling=ceiling, power_ceiling=grid
    )
    world_base = supply.installed_base(world, lifetime_years=lifetime_years, cooling=cooling)
    if region == "world":
        projected, base = world, world_base
    else:
        regional = shipments.where(shipments["region"].str.lower() == region, drop=True)
        projected = supply.project_shipments(regional, end=end, method=supply_method)
        base = supply.installed_base(projected, lifetime_years=lifetime_years, cooling=cooling)
    # Demand from the first observed year, so that its draws can be set against what was
    # observed; the outlook itself starts at FIRST_YEAR.

    def simulate_demand(draws, quiet=False, **proposal):
        with warnings.catch_warnings():
            if quiet:
                # A proposal's draws are reweighted: warnings about their tails are not
                # about the outlook's distribution.
                warnings.filterwarnings("ignore", message=PROPOSAL_NOISE)
            return demand.simulate(
                scenario,
                n_draws=n_draws * draws,
                seed=seed,
                start=OBSERVED_FROM,
                end=end,
                cooling=cooling,
                freq=freq,
                **proposal,
            )

    needed = simulate_demand(1)
    supply_inputs = _supply_inputs(base, projected)
    demand_inputs = demand.sampled_inputs(needed)
    nodes: dict[str, xr.Dataset] = {}
    if calibrate:
        # The first n_draws demand draws are the uncalibrated outlook's (uncertainty.sample).
        prior_demand = _from(needed.isel(draw=slice(0, n_draws)), FIRST_YEAR)
        nodes["/prior_gap"] = compute_gap(base, prior_demand, unit=unit, period=period)
        needed, index, record = calibration.calibrate_adaptively(
            needed,
            world_base,
            lambda **proposal: simulate_demand(1, quiet=True, **proposal),
            stages=oversample - 1,
            target_ess=n_draws * TARGET_ESS_SHARE,
            estimated_quarters=world["quarter"].values[~world["projected"].values],
            seed=seed,
            utilisation=utilisation,
            min_ess=min_ess,
            supply_inputs=supply_inputs,
        )
        demand_inputs = demand.sampled_inputs(needed)
        nodes["/calibration"] = record
        paired = index % n_draws
        base, projected, supply_inputs = (
            _redraw(ds, paired) for ds in (base, projected, supply_inputs)
        )
        needed, demand_inputs = (_redraw(ds, index) for ds in (needed, demand_inputs))
    gap = compute_gap(base, _from(needed, FIRST_YEAR), unit=unit, period=period)
    explained = drivers(gap["surplus"], {"supply": supply_inputs, "demand": demand_inputs})
    settings = {
        "scenario": str(scenario),
        "end": int(end),
        "n_draws": int(n_draws),
        "cooling": cooling,
        "region": region,
        "unit": unit,
        "seed": int(seed),
        "supply_method": supply_method,
        "calibrated": str(calibrate),
        "power_ceiling": str(power_ceiling),
        "demand_freq": freq,
        "oversample": int(oversample) if calibrate else 1,
    }
    tree = xr.DataTree.from_dict(
        {
            "/supply": base,
            "/shipments": projected,
            "/demand": needed,
            "/gap": gap,
            "/drivers": explained,
            **nodes,
        }
    )
    tree.attrs = {
        "title": f"Compute outlook to {end}: {scenario} demand, {cooling} cooling, {region}"
        + (", calibrated to observations" if calibrate else ", prior (uncalibrated)"),
        **{k: str(v) for k, v in settings.items()},
        **merge(base, needed, method="workbench.gap.outlook"),
    }
    if calibrate:
        tree.attrs["ess"] = record.attrs["ess"]
    return tree


def _supply_inputs(base: xr.Dataset, projected: xr.Dataset) -> xr.Dataset:
    """The supply's sampled inputs along ``draw`` (for drivers and calibration)."""
    inputs = xr.Dataset({name: base[name] for name in ("pue", "server_overhead") if name in base})
    # The supply's level uncertainty: each draw's recent shipments relative to the median.
    recent = (
        projected["h100e"].where(~projected["projected"], drop=True).isel(quarter=slice(-4, None))
    )
    inputs["recent_shipments"] = recent.sum("quarter").assign_attrs(
        units="1", long_name="H100e shipped in the last four estimated quarters"
    )
    inputs.attrs = merge(base, projected)  # drawn from the supply's own inputs
    return inputs


def _redraw(ds: xr.Dataset, index: np.ndarray) -> xr.Dataset:
    """``ds`` on the posterior draws ``index`` (renumbered 0..n-1, attrs kept)."""
    if "draw" not in ds.dims:
        return ds
    out = ds.isel(draw=index)
    return out.assign_coords(draw=np.arange(index.size))


def _from(ds: xr.Dataset, year: int) -> xr.Dataset:
    """``ds`` from 1 January of ``year`` on (its year or quarter dimension)."""
    dim = "quarter" if "quarter" in ds.dims else "year"
    return ds.sel({dim: ds[dim] >= np.datetime64(f"{year}-01-01", "ns")})


@public
def headline(tree: xr.DataTree, year=None, *, prior: bool = False) -> xr.Dataset:
    """The outlook's key numbers for one year (default: the outlook's end), with 90% intervals.

    ``year`` is a year in any form :func:`workbench._time.to_year` reads (``2030``,
    ``"2030-01-01"``, a date).

    Variables along ``quantile`` (0.05, 0.5, 0.95): ``supply_h100e``, ``demand_h100e``,
    ``supply_power``, ``demand_power`` (MW), ``ratio``; and ``shortfall_probability``.
    ``prior=True`` gives the numbers before calibration (the prior draws of a calibrated
    outlook; an uncalibrated outlook is its own prior).
    """
    node = "prior_gap" if prior and "prior_gap" in tree.children else "gap"
    gap = tree[node].to_dataset()
    year = _end_year(tree, gap) if year is None else to_year(year)
    at = select_year(gap, year)
    out = xr.Dataset(
        {
            name: at[name].quantile([0.05, 0.5, 0.95], dim="draw", keep_attrs=True)
            for name in ("supply_h100e", "demand_h100e", "supply_power", "demand_power", "ratio")
            if name in at
        }
    )
    out["shortfall_probability"] = at["shortfall_probability"]
    out.attrs = {**tree.attrs, "year": year, "distribution": "prior" if prior else "posterior"}
    if prior or tree.attrs.get("calibrated") != "True":
        out.attrs["distribution"] = "prior"
    return out


@public
def headline_records(tree: xr.DataTree, years=None) -> list[dict]:
    """The outlook's headline values as records a report can keep and compare from build to
    build (:func:`workbench.reports.headline` takes each as keywords).

    Per year (default: the first and the last year): the supply/demand ratio and the
    probability of a shortfall (in %), and in the last year supply and demand in H100e; each a
    median with its 90% interval. Records are ``name``, ``value``, ``units``, ``lower``,
    ``upper``.
    """
    gap_years = tree["gap"]["year"].dt.year.values
    years = [int(gap_years[0]), int(gap_years[-1])] if years is None else list(years)
    records = []

    def median(at: xr.Dataset, name: str) -> dict:
        low, mid, high = (float(v) for v in at[name].values)
        return {"value": mid, "lower": low, "upper": high}

    for year in dict.fromkeys(years):
        at = headline(tree, year)
        records.append({"name": f"supply/demand {year}", "units": "1", **median(at, "ratio")})
        probability = 100 * float(at["shortfall_probability"])
        records.append({"name": f"P(shortfall) {year}", "units": "%", "value": probability})
        if year == years[-1]:
            for side in ("supply", "demand"):
                name = f"{side}_h100e"
                records.append({"name": f"{side} {year} (H100e)", "units": "1", **median(at, name)})
    return records


@public
def prior_posterior(tree: xr.DataTree, years=None) -> xr.Dataset:
    """The headline numbers before and after calibration, side by side.

    Parameters
    ----------
    tree
        A calibrated :func:`outlook`.
    years
        Years to show (default: the first year and the outlook's end).

    Returns
    -------
    xarray.Dataset
        The variables of :func:`headline` along ``distribution`` (``prior``, ``posterior``),
        ``year`` (int) and ``quantile``.
    """
    if "calibration" not in tree.children:
        raise invalid("tree", "a calibrated outlook (calibrate=True)", "uncalibrated")
    gap_years = tree["gap"].to_dataset()["year"].dt.year.values
    years = [int(gap_years[0]), _end_year(tree, tree["gap"])] if years is None else years
    rows = []
    for prior in (True, False):
        rows.append(
            xr.concat(
                [headline(tree, y, prior=prior).expand_dims(year=[int(y)]) for y in years],
                dim="year",
            )
        )
    out = xr.concat(rows, dim=pd.Index(["prior", "posterior"], name="distribution"))
    out.attrs = {
        "title": "Headline numbers before (prior) and after (posterior) calibration",
        "ess": tree.attrs.get("ess", ""),
        "source": tree.attrs.get("source", ""),
        "license": tree.attrs.get("license", ""),
        "as_of": tree.attrs.get("as_of", ""),
    }
    return out


@public
def moved_inputs(tree: xr.DataTree, n: int = 8) -> xr.Dataset:
    """The ``n`` inputs the calibration moved most: prior and posterior quantiles, the shift."""
    if "calibration" not in tree.children:
        raise invalid("tree", "a calibrated outlook (calibrate=True)", "uncalibrated")
    record = tree["calibration"].to_dataset()
    shifts = record["input_shift"]
    order = np.argsort(-np.abs(shifts.values), kind="stable")[:n]
    return record[["input_prior", "input_posterior", "input_shift"]].isel(input=order)


def calibration_note(tree: xr.DataTree) -> str:
    """One paragraph of Markdown: what the calibration changed in the outlook.

    Written in the current language (:mod:`workbench.i18n`): the sentences are templates of
    the message catalogue.
    """
    from workbench.numbers import si

    if "calibration" not in tree.children:
        return _("This outlook is **not calibrated**: it shows the prior (`calibrate=False`).")
    both = prior_posterior(tree)
    record = tree["calibration"].to_dataset()
    used = int(record["used"].sum())
    ess, n = float(record["ess"]), int(record.sizes["prior_draw"])

    def ratio(dist, year):
        r = both["ratio"].sel(distribution=dist, year=year).values
        return _("{median}× ({low}–{high}×)", median=f"{r[1]:.2g}", low=f"{r[0]:.2g}",
                 high=f"{r[2]:.2g}")  # fmt: skip

    def demand(dist, year):
        return si(both["demand_h100e"].sel(distribution=dist, year=year).values[1])

    first, last = (int(y) for y in both["year"].values)
    moved = moved_inputs(tree, 3)
    names = []
    for name in moved["input"].values:
        q = moved["input_posterior"].sel(input=name).values
        p = moved["input_prior"].sel(input=name).values
        names.append(
            _(
                "{input} (median {prior} → {posterior})",
                input=_markdown_text(str(name).split(": ")[-1]),
                prior=f"{p[1]:.3g}",
                posterior=f"{q[1]:.3g}",
            )
        )
    note = _(
        "**What calibration changed.** Conditioning the draws on {used} observations (providers' "
        "token volumes, the installed base in use in the quarters with revenue data, and "
        "frontier training compute) moved demand in {first} from {first_prior} to "
        "{first_posterior} H100e and in {last} from {last_prior} to {last_posterior}; supply "
        "covers demand {first_ratio} in {first} (prior {first_prior_ratio}) and {last_ratio} in "
        "{last} (prior {last_prior_ratio}). The inputs that moved most: {moved}. The weighted "
        "sample is worth {ess} of {n} draws",
        used=used,
        first=first,
        last=last,
        first_prior=demand("prior", first),
        first_posterior=demand("posterior", first),
        last_prior=demand("prior", last),
        last_posterior=demand("posterior", last),
        first_ratio=ratio("posterior", first),
        first_prior_ratio=ratio("prior", first),
        last_ratio=ratio("posterior", last),
        last_prior_ratio=ratio("prior", last),
        moved=_("; ").join(names),
        ess=f"{ess:,.0f}",
        n=f"{n:,}",
    )
    return note + (_(" (few: read the posterior as rough).") if ess < LOW_ESS else _("."))


def _markdown_text(value: object) -> str:
    """``value`` as literal text in Markdown: no tag, no emphasis, no link of its own.

    Labels come from users (a scenario CSV's path); HTML is escaped and Markdown's
    punctuation backslash-escaped, so ``<img src=x onerror=…>`` shows as written.
    """
    text = html.escape(str(value), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", text)


def summary(tree: xr.DataTree, year: int | None = None) -> str:
    """The outlook's headline in a few sentences of Markdown, with 90% intervals.

    Written in the current language (:mod:`workbench.i18n`), numbers too ("39.9 M" in
    English, "3,990 万" in Chinese): the sentences are templates of the message catalogue.
    """
    from workbench.numbers import si, span

    numbers = headline(tree, year)
    year = numbers.attrs["year"]

    def count(name):
        q = numbers[name].values
        return _("**{median}** (90%: {bounds})", median=si(q[1]), bounds=span(q[0], q[2]))

    def gigawatts(name):
        q = numbers[name].values / 1e3
        return _("**{median} GW** (90%: {low}–{high} GW)", median=f"{q[1]:,.0f}",
                 low=f"{q[0]:,.0f}", high=f"{q[2]:,.0f}")  # fmt: skip

    p = float(numbers["shortfall_probability"])
    ratio = numbers["ratio"].values
    scenario, cooling, region = (
        _markdown_text(tree.attrs[name]) for name in ("scenario", "cooling", "region")
    )
    lines = [
        _(
            "**In {year}**, under the *{scenario}* demand scenario with {cooling} cooling "
            "({region}), ",
            year=year,
            scenario=scenario,
            cooling=cooling,
            region=region,
        )
        + (
            _("calibrated to the observed present:")
            if numbers.attrs["distribution"] == "posterior"
            else _("before calibration (the prior):")
        ),
        "",
        _("- installed supply: {supply} H100-equivalents;", supply=count("supply_h100e")),
        _("- demand: {demand} H100-equivalents;", demand=count("demand_h100e")),
        _(
            "- supply covers **{ratio}×** demand (90%: {low}–{high}×); the probability that "
            "demand exceeds supply is **{probability}**;",
            ratio=f"{ratio[1]:.2g}",
            low=f"{ratio[0]:.2g}",
            high=f"{ratio[2]:.2g}",
            probability=f"{p:.0%}",
        ),
    ]
    if "supply_power" in numbers and "demand_power" in numbers:
        lines.append(
            _(
                "- power: the installed base draws {supply} at full load; demand, on the same "
                "chips, {demand}.",
                supply=gigawatts("supply_power"),
                demand=gigawatts("demand_power"),
            )
        )
    if numbers.attrs["distribution"] == "posterior" and "calibration" in tree.children:
        ess = float(tree["calibration"]["ess"])
        if ess < LOW_ESS:
            lines.append(
                _(
                    "- **caution**: the calibrated draws are worth an effective sample of only "
                    "{ess} prior draws (the prior and the observations disagree), so these "
                    "intervals are too narrow to trust; compare the prior (`calibrate=False`).",
                    ess=f"{ess:,.0f}",
                )
            )
    return "\n".join(lines)


def _end_year(tree: xr.DataTree, gap) -> int:
    """The outlook's last year: attrs ``end`` (``horizon`` in trees saved before the rename)."""
    attrs = tree.attrs
    if "end" in attrs or "horizon" in attrs:
        return int(attrs.get("end", attrs.get("horizon")))
    return int(gap["year"].dt.year.values[-1])
