"""Future shipments as draws: whole paths from capacity growth or a forecast, capped by a ceiling.

Two ways to continue the history. ``method="capacity"`` (the default) grows each draw's recent
shipments by yearly multipliers of packaging capacity and of H100e per package, sampled per
draw from the bundled ``supply_growth`` table: what can be built bounds what is shipped, and
statistical extrapolation of a few years of hypergrowth does not. The statsmodels methods of
:func:`~workbench.supply.forecast` are the alternative, read as follows.

:func:`~workbench.supply.forecast` gives each future quarter a central value and an interval.
An installed base adds quarters up, so its uncertainty needs whole paths, not quarters drawn
independently (which would average the uncertainty away). Each draw here follows one path: a
single standard-normal score per draw sets where in every quarter's interval the path runs (a
comonotone path: a fast future stays fast). The path is scaled by the draw's own recent
history, so the uncertainty of the revenue-based estimate carries on into the future, and
capped quarter by quarter by the manufacturing ceiling where its table has data.

The future has no chip breakdown: ``units``, ``flops``, ``power`` (and ``h100e_bandwidth``,
the capacity for decode) follow ``h100e`` at each draw's ratios over the last four historical
quarters (with ``"capacity"``, units and power per
H100e then fall as packages hold more H100e and draw more power each). Power of chips
without a published TDP (Google's TPUs) is counted at the fleet's power per H100e in the same
quarter, rather than as zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from workbench._time import bound
from workbench._validation import check_seed, invalid, public
from workbench.data import load
from workbench.errors import format_choices
from workbench.supply.ceiling import cap_draws
from workbench.supply.forecast import forecast
from workbench.supply.methods import METHODS
from workbench.supply.shipments import impute_power
from workbench.uncertainty import (
    STREAMS_ATTR,
    Normal,
    as_distribution,
    distributions_from_table,
    merge_streams,
    sample,
    stream,
)

__all__ = ["project_shipments", "shipment_totals"]

STREAM = "supply.projection"
RECENT_QUARTERS = 4
# Variables summed over chips (power is summed with imputation, see shipment_totals).
SUMMED = ("units", "h100e", "h100e_bandwidth", "flops")


def shipment_totals(shipments: xr.Dataset) -> xr.Dataset:
    """Shipments summed over chips, with the power of chips lacking a TDP imputed.

    Returns ``units``, ``h100e``, ``flops`` and ``power`` (W) along ``quarter`` and ``draw``,
    and ``h100e_bandwidth`` when the shipments have it.
    """
    summed = [name for name in SUMMED if name in shipments]
    if "chip" not in shipments.dims:
        return shipments[[*summed, "power"]]
    filled = impute_power(shipments)
    totals = xr.Dataset({name: _sum_over_chips(shipments[name]) for name in summed})
    # min_count: a quarter whose chips all lack a TDP has unknown power, not zero.
    totals["power"] = _sum_over_chips(filled["power"], min_count=1)
    totals.attrs = shipments.attrs
    return totals


def _sum_over_chips(da: xr.DataArray, min_count: int = 0) -> xr.DataArray:
    """``da.sum("chip", min_count=min_count, keep_attrs=True)`` (NaN skipped), in numpy.

    The per-chip arrays are the largest of an outlook; xarray's reduction cost twice this.
    """
    axis = da.get_axis_num("chip")
    missing = np.isnan(da.values)
    total = np.where(missing, 0.0, da.values).sum(axis=axis)
    if min_count:
        total = np.where((~missing).sum(axis=axis) < min_count, np.nan, total)
    return xr.DataArray(
        total,
        dims=[d for d in da.dims if d != "chip"],
        coords={k: v for k, v in da.coords.items() if "chip" not in v.dims},
        attrs=da.attrs,
    )


def _check_draws(ceiling: xr.Dataset, n_draws: int, parameter: str) -> None:
    """Draw *j* of the projection meets draw *j* of the ceiling: as many draws on both."""
    if ceiling.sizes.get("draw") != n_draws:
        # The message names the function that makes the ceiling: 'ceiling' is a capacity one.
        made_by = {"ceiling": "capacity_ceiling"}.get(parameter, parameter)
        raise invalid(parameter, f"a {made_by} with {n_draws} draws", ceiling.sizes.get("draw"))


def _cap_quarters(h100e, future_quarters, ceiling, parameter: str, cap_at) -> np.ndarray:
    """Cap ``h100e`` (quarter, draw; in place) where ``ceiling`` has the quarter.

    ``cap_at(i, quarter)`` gives the cap of every draw in future quarter ``i``; draw *j* of
    the projection meets draw *j* of the ceiling, so the two must have as many draws.
    Returns the share of draws the cap cut, per future quarter (0 where it has no data).
    """
    _check_draws(ceiling, h100e.shape[1], parameter)
    known = pd.DatetimeIndex(ceiling["quarter"].values)
    shares = np.zeros(len(future_quarters))
    for i, quarter in enumerate(future_quarters):
        if quarter in known:
            h100e[i], shares[i] = cap_draws(h100e[i], cap_at(i, quarter))
    return shares


def _end_quarter(end) -> pd.Timestamp:
    # A year (2030 or "2030") ends with its last quarter; a date ends with its own quarter.
    return pd.Timestamp(bound(end, "end", end=True)).to_period("Q").start_time


@public
def project_shipments(
    shipments: xr.Dataset,
    *,
    end: int | str = 2030,
    method: str = "capacity",
    level: float = 0.9,
    ceiling: xr.Dataset | None = None,
    power_ceiling: xr.Dataset | None = None,
    growth: dict | None = None,
    seed: int | None = None,
) -> xr.Dataset:
    """Historical shipments continued to ``end`` as draws, ready for :func:`installed_base`.

    Parameters
    ----------
    shipments
        :func:`~workbench.supply.estimate_shipments` output (``quarter``, ``draw``, optionally
        ``chip``).
    end
        Last year (its fourth quarter) or date to project to.
    method
        ``"capacity"``: yearly growth of packaging capacity × H100e per package, with power
        per package growing too (the ``supply_growth`` table, or ``growth``). Or a forecast
        method of :func:`~workbench.supply.forecast` (``"auto"``, ``"ets"``, ``"arima"``, ``"ucm"``,
        ``"loglinear"``) applied to the median of total H100e shipped per quarter.
    level
        Interval probability of a forecast method.
    growth
        For ``"capacity"``: ``{"packaging_growth": spec, "h100e_per_package_growth": spec,
        "power_per_package_growth": spec}`` replacing bundled inputs (any
        :func:`~workbench.uncertainty.as_distribution` spec).
    ceiling
        Optional :func:`~workbench.supply.capacity_ceiling` result (same number of draws): each
        draw is capped by the ceiling's ``h100e`` in the quarters it covers.
    power_ceiling
        Optional :func:`~workbench.supply.power_ceiling` result (same number of draws): each
        draw's shipments of a quarter are capped so that their facility power (TDP × the
        draw's facility multiplier) fits in the quarter's new power for AI accelerators, or
        in the power the draw's last estimated quarter connected if that is more. Where that
        quarter connected more than the table allowed in it, the table's path is re-based on
        that observed pace (multiplied by their ratio, its growth kept): the observed present
        bounds the ceiling from below. Quarters after the ceiling
        table's last year are not capped.
    seed
        Seed of the growth draws or path scores (stream ``"supply.projection"``); ``None``
        uses the shipments' seed, so one seed drives the analysis, each stage on its own
        named stream of it (see :mod:`workbench.uncertainty`).

    Returns
    -------
    xr.Dataset
        ``units``, ``h100e``, ``flops``, ``power`` along ``quarter`` (history then future) and
        ``draw``; ``projected`` (bool, quarter) marks the future; ``capped_share`` (quarter)
        the share of draws the manufacturing ceiling cut, ``power_capped_share`` the share the
        power ceiling cut. Attrs record the forecast method and its choice.
    """
    if (
        not isinstance(shipments, xr.Dataset)
        or "quarter" not in shipments.dims
        or "draw" not in shipments.dims
    ):
        raise invalid("shipments", "an estimate_shipments Dataset (dims quarter, draw)", shipments)
    seed = check_seed(int(shipments.attrs.get("seed", 0)) if seed is None else seed)
    history = shipment_totals(shipments)
    quarters = pd.DatetimeIndex(history["quarter"].values)
    last = quarters[-1]
    stop = _end_quarter(end)
    if stop <= last:
        raise invalid("end", f"after the last quarter of history ({last.date()})", end)
    future_quarters = pd.date_range(last, stop, freq="QS")[1:]
    n_draws = history.sizes["draw"]
    recent = history.isel(quarter=slice(-RECENT_QUARTERS, None))
    steps = np.arange(1, len(future_quarters) + 1)
    if method == "capacity":
        inputs = distributions_from_table(load("supply_growth"))
        unknown = sorted(set(growth or {}) - set(inputs))
        if unknown:
            raise invalid("growth", f"a mapping with keys {format_choices(inputs)}", unknown[0])
        inputs.update({k: as_distribution(v, name=k) for k, v in (growth or {}).items()})
        draws = sample(inputs, n_draws=n_draws, seed=seed, stream=STREAM)
        per_package = draws["h100e_per_package_growth"].values
        yearly = draws["packaging_growth"].values * per_package
        # The recent mean stands for the middle of the last four quarters.
        offset = (RECENT_QUARTERS - 1) / 2
        years = (steps[:, None] + offset) / 4
        level_now = recent["h100e"].mean("quarter").values
        h100e = level_now[None, :] * yearly[None, :] ** years
        # Newer packages hold more H100e each and draw less power per H100e.
        trend = {
            "units": per_package[None, :] ** -years,
            "power": (draws["power_per_package_growth"].values / per_package)[None, :] ** years,
        }
        description = (
            "yearly growth of packaging capacity x H100e per package (supply_growth table), "
            f"one multiplier per draw, from each draw's mean of the last {RECENT_QUARTERS} "
            "quarters"
        )
        chosen, selection = "capacity", "assumption-based growth"
    elif method in METHODS or method == "auto":
        horizon = len(future_quarters)
        median = history["h100e"].median("draw").assign_attrs(history["h100e"].attrs)
        median.name = "h100e"
        fit = forecast(median, steps=horizon, method=method, level=level, log=True)
        fc = fit.predict()
        future = fc["mean"].notnull().values
        center = np.log(fc["mean"].values[future])
        z = float(special.ndtri(0.5 + level / 2))
        spread = (np.log(fc["upper"].values[future]) - np.log(fc["lower"].values[future])) / (2 * z)
        scores = sample({"path": Normal(0.0, 1.0)}, n_draws=n_draws, seed=seed, stream=STREAM)[
            "path"
        ]
        path = np.exp(center[:, None] + spread[:, None] * scores.values[None, :])
        level_ratio = (
            recent["h100e"].sum("quarter")
            / median.isel(quarter=slice(-RECENT_QUARTERS, None)).sum("quarter")
        ).values
        h100e = path * level_ratio[None, :]
        chosen, selection = fc.attrs["method"], fc.attrs.get("selection", "")
        trend = {}
        description = (
            f"forecast of median H100e shipped per quarter ({chosen}, {level:.0%} interval) as "
            f"comonotone lognormal paths, scaled by each draw's last {RECENT_QUARTERS} quarters"
        )
    else:
        raise invalid("method", f"one of {format_choices(['capacity', 'auto', *METHODS])}", method)
    capped_share = np.zeros(len(future_quarters))
    if ceiling is not None:
        capped_share = _cap_quarters(
            h100e,
            future_quarters,
            ceiling,
            "ceiling",
            lambda i, quarter: ceiling["h100e"].sel(quarter=quarter).values,
        )
    # Everything but h100e follows it at the recent ratios.
    follows = [name for name in (*SUMMED, "power") if name != "h100e" and name in history]
    per_h100e = {
        name: (recent[name].sum("quarter") / recent["h100e"].sum("quarter")).values
        for name in follows
    }
    power_capped = np.zeros(len(future_quarters))
    if power_ceiling is not None:
        _check_draws(power_ceiling, n_draws, "power_ceiling")
        multiplier = power_ceiling["facility_multiplier"].values
        power_trend = np.broadcast_to(trend.get("power", 1.0), h100e.shape)
        # A ceiling the estimated history already broke is not a ceiling: where the draw's
        # last estimated quarter connected more facility power than the table allowed in it,
        # the table's path is re-based on that observed pace (its growth kept), per draw; and
        # no quarter's room is below that pace.
        last = recent.isel(quarter=-1)
        connected = last["power"].values * multiplier / 1e6
        rebase = np.ones(n_draws)
        known = pd.DatetimeIndex(power_ceiling["quarter"].values)
        if pd.Timestamp(last["quarter"].values) in known:
            allowed = power_ceiling["power"].sel(quarter=last["quarter"].values).values
            rebase = np.maximum(connected / allowed, 1.0)

        def h100e_room(i, quarter):
            # Facility W per H100e shipped in the quarter.
            watts = per_h100e["power"] * multiplier * power_trend[i]
            path = power_ceiling["power"].sel(quarter=quarter).values * rebase
            return np.maximum(path, connected) * 1e6 / watts

        power_capped = _cap_quarters(
            h100e, future_quarters, power_ceiling, "power_ceiling", h100e_room
        )
    coords = {"quarter": future_quarters, "draw": history["draw"].values}
    projected = xr.Dataset(
        {
            "h100e": (("quarter", "draw"), h100e),
            **{
                # No H100e projected means none of anything (a ratio of 0/0 is not NaN here).
                name: (
                    ("quarter", "draw"),
                    np.where(h100e == 0, 0.0, h100e * ratio[None, :] * trend.get(name, 1.0)),
                )
                for name, ratio in per_h100e.items()
            },
        },
        coords=coords,
    )
    out = xr.concat([history[["h100e", *follows]], projected], dim="quarter")
    for name in ("h100e", *follows):
        out[name].attrs = history[name].attrs
    out["projected"] = xr.DataArray(
        np.r_[np.zeros(len(quarters), bool), np.ones(len(future_quarters), bool)],
        dims="quarter",
        attrs={"long_name": "Quarter projected (not estimated from revenue)"},
    )
    out["capped_share"] = xr.DataArray(
        np.r_[np.zeros(len(quarters)), capped_share],
        dims="quarter",
        attrs={"units": "1", "long_name": "Share of draws capped by the manufacturing ceiling"},
    )
    out["power_capped_share"] = xr.DataArray(
        np.r_[np.zeros(len(quarters)), power_capped],
        dims="quarter",
        attrs={"units": "1", "long_name": "Share of draws capped by the grid-power ceiling"},
    )
    out.attrs = {
        **shipments.attrs,
        "title": "Accelerator shipments: estimated history and projected future",
        "projection": description
        + ("; capped by the manufacturing ceiling" if ceiling is not None else "")
        + ("; capped by the grid-power ceiling" if power_ceiling is not None else ""),
        "projection_method": chosen,
        "projection_selection": selection,
        "projection_seed": seed,
        STREAMS_ATTR: merge_streams(
            shipments,
            stream(seed, STREAM),
            *[c for c in (ceiling, power_ceiling) if c is not None],
        ),
    }
    return out
