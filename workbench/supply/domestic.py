"""Chinese domestic accelerators, which the revenue-based estimate cannot see.

Huawei publishes no accelerator revenue or units, and Cambricon no units or prices, so
:func:`estimate_shipments` (revenue x mix / price) covers China only through NVIDIA's and AMD's
export variants. The bundled ``china_domestic_shipments`` table gives yearly output of Huawei
Ascend and Cambricon chips as wide 90% intervals from public estimates; this module draws them
into the ``estimate_shipments`` layout so that China against the rest of the world can include
them, and says which chips it covers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import merge
from workbench._time import quarter_coord
from workbench._validation import check_n_draws, check_seed, invalid, public
from workbench.data import load
from workbench.supply.chips import H100_REFERENCE
from workbench.uncertainty import LogNormal, sample

__all__ = ["domestic_china_shipments", "with_domestic_china"]

#: The named random stream of the domestic-chip draws (independent of the shipments' own).
STREAM = "supply.domestic_china"

TABLE = "china_domestic_shipments"


@public
def domestic_china_shipments(
    *, n_draws: int = 1000, seed: int = 0, table: xr.Dataset | None = None
) -> xr.Dataset:
    """Draw yearly output of Chinese domestic accelerators into calendar quarters.

    Parameters
    ----------
    n_draws
        Monte Carlo draws.
    seed
        Seed of the draws (its own named stream per chip, year and quantity).
    table
        A Dataset in the ``china_domestic_shipments`` layout; None loads the bundled table.

    Returns
    -------
    xr.Dataset
        Dims ``(quarter, chip, draw)`` like :func:`~workbench.supply.estimate_shipments`:
        ``units`` (a year's output spread evenly over its four quarters), ``h100e`` (units x
        H100-equivalents per unit, itself drawn from the table's interval), ``flops`` (h100e x
        the reference chip's dense bf16 peak) and ``power`` (NaN: no TDP is published).
        Coordinates ``vendor`` and ``region`` (``"China"``); attrs ``chips`` name the chips
        covered. A year's rows cover all of its domestic output: a chip without a row in a
        year the table covers counts 0 that year.
    """
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    table = load(TABLE) if table is None else table
    rows = [
        (str(chip), int(year))
        for chip in table["chip"].values
        for year in table["year"].values
        if np.isfinite(table["low"].sel(chip=chip, year=year).item())
    ]
    if not rows:
        raise invalid("table", "a table with at least one row", "no rows")
    inputs = {}
    for chip, year in rows:
        row = table.sel(chip=chip, year=year)
        level = float(row["level"])
        inputs[f"units {chip} {year}"] = LogNormal.from_interval(
            float(row["low"]), float(row["high"]), level=level, name=f"units {chip} {year}"
        )
        inputs[f"h100e {chip} {year}"] = LogNormal.from_interval(
            float(row["h100e_low"]), float(row["h100e_high"]), level=level, name=chip
        )
    draws = sample(inputs, n_draws=n_draws, seed=seed, stream=STREAM)
    chips = list(dict.fromkeys(chip for chip, _ in rows))
    years = [year for _, year in rows]
    quarters = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-10-01", freq="QS")
    # The rows of a year cover all of that year's domestic output, so a chip without a row in
    # a year the table covers was not made (or is counted as another chip) that year.
    units = np.zeros((len(quarters), len(chips), n_draws))
    h100e = np.zeros_like(units)
    for j, chip in enumerate(chips):
        for year in [y for c, y in rows if c == chip]:
            q = quarters.year == year
            per_quarter = draws[f"units {chip} {year}"].values / 4
            units[q, j] = per_quarter
            h100e[q, j] = per_quarter * draws[f"h100e {chip} {year}"].values
    accelerators = load("accelerators")
    reference = float(accelerators["peak_flops"].sel(chip=H100_REFERENCE, precision="bf16"))
    vendor = [str(accelerators["vendor"].sel(chip=c).item()) for c in chips]
    dims = ("quarter", "chip", "draw")
    return xr.Dataset(
        {
            "units": (dims, units, {"units": "1", "long_name": "Accelerators made in the quarter"}),
            "h100e": (
                dims,
                h100e,
                {"units": "1", "long_name": "H100-equivalents made in the quarter"},
            ),
            "flops": (
                dims,
                h100e * reference,
                {"units": "FLOP/s", "long_name": "Dense bf16-equivalent peak made in the quarter"},
            ),
            "power": (
                dims,
                np.full_like(units, np.nan),
                {"units": "W", "long_name": "Power at TDP (not published)"},
            ),
        },
        coords={
            "quarter": quarter_coord(quarters),
            "chip": ("chip", np.array(chips, dtype=object)),
            "draw": np.arange(n_draws),
            "vendor": ("chip", np.array(vendor, dtype=object)),
            "region": ("chip", np.array(["China"] * len(chips), dtype=object)),
        },
        attrs={
            "title": "Chinese domestic accelerators from public estimates",
            **merge(table, method=f"workbench.supply.domestic_china_shipments ({TABLE})"),
            "vendors": ", ".join(dict.fromkeys(vendor)),
            "chips": ", ".join(chips),
            "seed": seed,
        },
    )


@public
def with_domestic_china(shipments: xr.Dataset, domestic: xr.Dataset | None = None) -> xr.Dataset:
    """Add Chinese domestic chips to a revenue-based shipment estimate, over its quarters.

    ``domestic`` defaults to :func:`domestic_china_shipments` with the shipments' draws and
    seed. Only the variables both share are kept (``units``, ``h100e``, ``flops``, ``power``);
    quarters of ``shipments`` before the domestic table's first year count no domestic chips
    (outside the coverage, which attr ``china_domestic_from`` states), and ``power`` of the
    domestic chips is NaN (no TDP published). attrs ``vendors`` and ``chips_china_domestic``
    say what is covered.
    """
    if not isinstance(shipments, xr.Dataset) or "draw" not in shipments.dims:
        raise invalid("shipments", "a Dataset from estimate_shipments", shipments)
    if domestic is None:
        domestic = domestic_china_shipments(
            n_draws=shipments.sizes["draw"], seed=int(shipments.attrs.get("seed", 0))
        )
    if domestic.sizes["draw"] != shipments.sizes["draw"]:
        raise invalid(
            "domestic",
            f"as many draws as the shipments ({shipments.sizes['draw']})",
            domestic.sizes["draw"],
        )
    names = ["units", "h100e", "flops", "power"]
    own = domestic[names].reindex(quarter=shipments["quarter"].values)
    # Before the table's first year the domestic chips are outside the estimate's coverage,
    # not unknown within it: they count as none (attrs say from when they are covered), so
    # that totals and installed bases over the whole span stay defined. Power stays NaN.
    first = domestic["quarter"].values[0]
    before = own["quarter"] < first
    for name in ("units", "h100e", "flops"):
        own[name] = own[name].where(~before, 0.0)
    combined = xr.concat([shipments[names], own], dim="chip", combine_attrs="override")
    combined.attrs = dict(shipments.attrs)
    vendors = [*str(shipments.attrs.get("vendors", "")).split(", ")]
    vendors += domestic.attrs["vendors"].split(", ")
    combined.attrs["vendors"] = ", ".join(v for v in dict.fromkeys(vendors) if v)
    combined.attrs["chips_china_domestic"] = domestic.attrs["chips"]
    combined.attrs["china_domestic_from"] = str(pd.Timestamp(first).to_period("Q"))
    combined.attrs["source"] = f"{shipments.attrs.get('source', '')} ; {domestic.attrs['source']}"
    return combined
