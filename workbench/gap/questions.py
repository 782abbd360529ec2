"""The questions of the public debate on compute, each answered with numbers and intervals.

1. :func:`compute_growth_vs_moore`: does training compute grow ×35 per 18 months against
   Moore's ×2?
2. :func:`training_vs_inference`: how does demand split between training and inference?
3. :func:`power_by_cooling`: how much power does demand need with air or liquid cooling?
4. :func:`china_vs_world`: how much of the installed compute is in China?
5. :func:`compute_cost_trend`: how fast does the cost of a unit of compute fall?

Each returns a Dataset whose attrs say how the answer was made; the numbers come from the
modules below (scaling, supply, demand), never from the notebook.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from workbench import data, demand, scaling
from workbench._provenance import merge
from workbench._validation import check_n_draws, check_seed, invalid, public
from workbench.gap.core import annual_means
from workbench.uncertainty import quantiles

__all__ = [
    "china_vs_world",
    "compute_cost_trend",
    "compute_growth_vs_moore",
    "power_by_cooling",
    "training_vs_inference",
]

QUANTILES = (0.05, 0.5, 0.95)
#: Draws a side question needs at most: with 5,000 the 5% and 95% quantiles are within
#: +-0.3 percentage points of probability (sqrt(0.05 * 0.95 / 5000)), as fine as a report
#: shows them; the flagship's own draws may be many more.
SIDE_DRAWS = 5_000


def compute_growth_vs_moore(
    models: xr.Dataset | None = None,
    *,
    months: float = 18.0,
    start: str = "2010-01-01",
    end: str | None = None,
    frontier_method: str | None = "top_n",
    n: int = 10,
    level: float = 0.9,
) -> xr.Dataset:
    """Growth of training compute over ``months`` against Moore's law (×2 per 18 or 24 months).

    Fits a log-linear trend (:func:`workbench.scaling.fit_trend`) to the training compute of
    the bundled models (or ``models``) published from ``start``, on the frontier when
    ``frontier_method`` is given (see :func:`workbench.scaling.frontier`), and sets its growth
    beside Moore's-law references with intervals (:func:`workbench.scaling.growth_comparison`).
    """
    models = data.load("models") if models is None else models
    selected = models
    if frontier_method is not None:
        selected = scaling.frontier(models, method=frontier_method, n=n)
    fit = scaling.fit_trend(
        selected["training_compute"],
        selected["publication_date"],
        start=start,
        end=end,
        level=level,
    )
    result = scaling.growth_comparison(fit, months=months, level=level)
    result.attrs.update(
        question=f"Training compute growth over {months:g} months against Moore's law",
        selection=f"frontier ({frontier_method}, n={n})" if frontier_method else "all models",
        points=fit.n,
        **merge(models, method="workbench.gap.compute_growth_vs_moore"),
    )
    return result


def _share_quantiles(part: xr.DataArray, whole: xr.DataArray, q, long_name: str) -> xr.DataArray:
    share = (part / whole).assign_attrs(units="1", long_name=long_name)
    return quantiles(share, q)


@public
def training_vs_inference(
    demand_result: xr.Dataset, *, q: Sequence[float] = QUANTILES
) -> xr.Dataset:
    """Training and inference compute per year and inference's share, with quantiles.

    ``demand_result`` is a :func:`workbench.demand.simulate` result (``inference_flops``,
    ``training_flops``, ``flops_required`` along ``year`` or ``quarter``, and ``draw``); a
    quarterly one is summarised per calendar year (the mean over its four quarters). Where
    it has ``other_flops`` (AI workloads outside LLM serving and frontier training), the
    result also gives ``other_flops`` and ``other_share``; shares are of all compute
    executed.
    """
    needed = ["inference_flops", "training_flops", "flops_required"]
    missing = [v for v in needed if v not in demand_result]
    if missing:
        raise invalid(
            "demand_result",
            "a workbench.demand.simulate result",
            f"lacking {missing}",
        )
    # Results from before the other-workloads component have no other_flops.
    kept = needed + (["other_flops"] if "other_flops" in demand_result else [])
    if "quarter" in demand_result.dims:  # per year: the mean rate over its four quarters
        demand_result = annual_means(demand_result[kept]).assign_attrs(demand_result.attrs)
    others = {}
    if "other_flops" in demand_result:
        others = {
            "other_flops": quantiles(demand_result["other_flops"], q),
            "other_share": _share_quantiles(
                demand_result["other_flops"],
                demand_result["flops_required"],
                q,
                "Other AI workloads' share of compute executed",
            ),
        }
    out = xr.Dataset(
        {
            "inference_flops": quantiles(demand_result["inference_flops"], q),
            "training_flops": quantiles(demand_result["training_flops"], q),
            **others,
            "inference_share": _share_quantiles(
                demand_result["inference_flops"],
                demand_result["flops_required"],
                q,
                "Inference share of compute executed",
            ),
            "inference_exceeds_training": (
                demand_result["inference_flops"] > demand_result["training_flops"]
            )
            .mean("draw")
            .assign_attrs(units="1", long_name="P(inference > training)"),
        },
        attrs={
            "question": "Training against inference share of demand over time",
            **merge(demand_result, method="workbench.gap.training_vs_inference"),
            "scenario": demand_result.attrs.get("scenario", ""),
        },
    )
    return out


@public
def power_by_cooling(
    scenario: str = "base",
    *,
    n_draws: int = 10_000,
    seed: int = 0,
    start: int = 2026,
    end: int = 2030,
    q: Sequence[float] = QUANTILES,
    **overrides,
) -> xr.Dataset:
    """Facility power and annual energy of demand with all-air against all-liquid cooling.

    Runs :func:`workbench.demand.simulate` twice with the same seed (so the two differ only in
    cooling) and returns quantiles along ``cooling`` and ``year`` of ``power`` (MW) and
    ``energy`` (TWh), plus the power liquid cooling saves (MW) per draw, summarised.
    """
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    runs = {
        cooling: demand.simulate(
            scenario, n_draws=n_draws, seed=seed, start=start, end=end, cooling=cooling, **overrides
        )
        for cooling in ("air", "liquid")
    }
    power = xr.concat([runs[c]["power"] for c in runs], dim=pd.Index(list(runs), name="cooling"))
    energy = xr.concat([runs[c]["energy"] for c in runs], dim=pd.Index(list(runs), name="cooling"))
    saved = (runs["air"]["power"] - runs["liquid"]["power"]).assign_attrs(
        units="MW", long_name="Power saved by liquid cooling"
    )
    return xr.Dataset(
        {
            "power": quantiles(power.assign_attrs(runs["air"]["power"].attrs), q),
            "energy": quantiles(energy.assign_attrs(runs["air"]["energy"].attrs), q),
            "power_saved": quantiles(saved, q),
        },
        attrs={
            "question": "Power needed with air against liquid cooling",
            "scenario": scenario,
            "seed": seed,
            **merge(*runs.values(), method="workbench.gap.power_by_cooling"),
        },
    )


@public
def china_vs_world(base: xr.Dataset, *, q: Sequence[float] = QUANTILES) -> xr.Dataset:
    """Installed compute by region (China against the rest of the world) with China's share.

    ``base`` is :func:`workbench.supply.installed_base` called with ``breakdown="region"``
    (variables ``h100e_by_region`` and ``h100e``).
    """
    if "h100e_by_region" not in base:
        raise invalid(
            "base",
            "an installed base made with breakdown='region' (variable 'h100e_by_region')",
            sorted(map(str, base.data_vars)),
        )
    by_region = base["h100e_by_region"]
    regions = [str(r) for r in by_region["region"].values]
    china = [r for r in regions if r.lower() == "china"]
    out = xr.Dataset(
        {"h100e": quantiles(by_region, q)},
        attrs={
            "question": "Installed AI compute in China against the rest of the world",
            **merge(base, method="workbench.gap.china_vs_world"),
            "coverage": f"vendors in the supply estimate: {base.attrs.get('vendors', 'n/a')}",
        },
    )
    if china:
        out["china_share"] = _share_quantiles(
            by_region.sel(region=china[0]), base["h100e"], q, "China's share of installed H100e"
        )
    return out


def compute_cost_trend(
    accelerators: xr.Dataset | None = None,
    prices: xr.Dataset | None = None,
    *,
    precision: str = "bf16",
    start: str = "2017-01-01",
    level: float = 0.9,
) -> xr.Dataset:
    """How fast dense peak FLOP/s per dollar grows (the cost of a unit of compute falls).

    Each datacenter chip's price is the median of its average-selling-price interval in the
    bundled ``shipment_prices`` table where there is one (what buyers pay), else its launch
    price from ``accelerators``. A log-linear trend of FLOP/s per USD against release date
    gives the yearly improvement and its interval.

    Returns
    -------
    xr.Dataset
        Along ``chip``: ``flops_per_usd`` (FLOP/s/USD), ``price`` (USD), ``price_basis``;
        scalars ``growth_per_year`` (×/year) with ``_lower``/``_upper``, ``halving_time_months``
        of the cost of a unit of compute, and the trend's ``n``.
    """
    accelerators = data.load("accelerators") if accelerators is None else accelerators
    prices = data.load("shipment_prices") if prices is None else prices
    chips = accelerators.where(accelerators["segment"] == "datacenter", drop=True)
    launch = chips["launch_price"]
    asp = xr.full_like(launch, np.nan)
    for chip in prices["chip"].values:
        if chip in chips["chip"].values:
            low, high = float(prices["low"].sel(chip=chip)), float(prices["high"].sel(chip=chip))
            asp.loc[{"chip": chip}] = np.sqrt(low * high)  # lognormal median
    price = asp.fillna(launch).assign_attrs(units="USD", long_name="Price per chip")
    basis = xr.where(
        asp.notnull(),
        "average selling price (median)",
        xr.where(launch.notnull(), "launch price", ""),
    )
    flops_per_usd = (chips["peak_flops"].sel(precision=precision) / price).assign_attrs(
        units="FLOP/s/USD", long_name=f"Dense {precision} peak FLOP/s per dollar"
    )
    keep = flops_per_usd.notnull()
    table = xr.Dataset(
        {
            "flops_per_usd": flops_per_usd,
            "price": price,
            "price_basis": basis.assign_attrs(long_name="Where the price comes from"),
            "release_date": chips["release_date"],
        }
    ).where(keep, drop=True)
    fit = scaling.fit_trend(table["flops_per_usd"], table["release_date"], start=start, level=level)
    bounds = fit.conf_int(level)
    table["growth_per_year"] = xr.DataArray(
        fit.growth_per_year, attrs={"units": "1", "long_name": "FLOP/s per USD, ×/year"}
    )
    table["growth_per_year_lower"] = xr.DataArray(
        bounds["growth_per_year"][0], attrs={"units": "1", "level": level}
    )
    table["growth_per_year_upper"] = xr.DataArray(
        bounds["growth_per_year"][1], attrs={"units": "1", "level": level}
    )
    table["halving_time_months"] = xr.DataArray(
        fit.doubling_time_months,
        attrs={"units": "month", "long_name": "Months for the cost of a FLOP/s to halve"},
    )
    table["n"] = xr.DataArray(fit.n, attrs={"units": "1", "long_name": "Chips in the trend"})
    table.attrs = {
        "question": "Cost per unit of compute over time",
        **merge(accelerators, prices, method="workbench.gap.compute_cost_trend"),
        "precision": precision,
    }
    return table
