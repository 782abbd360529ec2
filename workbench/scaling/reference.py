"""Moore's law as a reference: a doubling every 18 or 24 months, against a fitted trend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from workbench._validation import check_level, invalid, public
from workbench.scaling.trend import TrendFit, _as_datetimes, decimal_years

__all__ = ["MOORE_DOUBLING_MONTHS", "growth_comparison", "moores_law"]

# Moore (1975) revised the doubling of transistor counts to every two years; the popular
# "18 months" (House, Intel) counts performance. Both are common references.
MOORE_DOUBLING_MONTHS = (18.0, 24.0)


@public
def moores_law(times, *, start_value: float = 1.0, doubling_months: float = 24.0) -> xr.DataArray:
    """A doubling every ``doubling_months`` from ``start_value`` at the first of ``times``.

    Returns a DataArray along ``time`` (units ``1`` unless ``start_value`` is a DataArray
    with units), for drawing beside a trend.
    """
    if not (np.isfinite(doubling_months) and doubling_months > 0):
        raise invalid("doubling_months", "a positive number", doubling_months)
    stamps = _as_datetimes(times, "times")
    months = (decimal_years(stamps) - decimal_years(stamps[:1])[0]) * 12.0
    units = getattr(start_value, "attrs", {}).get("units", "1")
    return xr.DataArray(
        float(start_value) * 2.0 ** (months / doubling_months),
        dims="time",
        coords={"time": stamps},
        attrs={"units": units, "long_name": f"Moore's law (x2 every {doubling_months:g} months)"},
    )


@public
def growth_comparison(
    fit: TrendFit,
    *,
    months: float = 18.0,
    doubling_months: Sequence[float] = MOORE_DOUBLING_MONTHS,
    level: float | None = None,
) -> xr.Dataset:
    """Growth over ``months`` and doubling time of a trend beside Moore's-law references.

    Returns a Dataset along ``series`` (the trend first, then one row per Moore's-law
    doubling time) with ``growth`` and ``doubling_time_months`` and their ``_lower`` and
    ``_upper`` bounds (equal to the value for the references, which are exact).
    """
    if not isinstance(fit, TrendFit):
        raise invalid("fit", "a TrendFit (from fit_trend)", type(fit).__name__)
    if not (np.isfinite(months) and months > 0):
        raise invalid("months", "a positive number", months)
    level = fit.level if level is None else check_level(level)
    bounds = fit.conf_int(level)
    growth_lower, growth_upper = fit.growth_over_conf_int(months, level)
    labels = [f"trend of {fit.long_name}"]
    growth = [fit.growth_over(months)]
    lower, upper = [growth_lower], [growth_upper]
    doubling = [fit.doubling_time_months]
    d_lower, d_upper = [bounds["doubling_time_months"][0]], [bounds["doubling_time_months"][1]]
    for period in doubling_months:
        value = 2.0 ** (months / period)
        labels.append(f"Moore's law (x2 every {period:g} months)")
        growth.append(value)
        lower.append(value)
        upper.append(value)
        doubling += [period]
        d_lower += [period]
        d_upper += [period]
    growth_attrs = {"units": "1", "long_name": f"Growth multiplier over {months:g} months"}
    doubling_attrs = {"units": "month", "long_name": "Doubling time"}
    ds = xr.Dataset(
        {
            "growth": ("series", growth, growth_attrs),
            "growth_lower": ("series", lower, {**growth_attrs, "level": level}),
            "growth_upper": ("series", upper, {**growth_attrs, "level": level}),
            "doubling_time_months": ("series", doubling, doubling_attrs),
            "doubling_time_months_lower": ("series", d_lower, {**doubling_attrs, "level": level}),
            "doubling_time_months_upper": ("series", d_upper, {**doubling_attrs, "level": level}),
        },
        coords={"series": labels},
    )
    ds.attrs = {**fit.provenance, "months": months, "level": level}
    return ds
