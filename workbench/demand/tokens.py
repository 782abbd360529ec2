"""Token demand over time: grown from providers' public statements, or built from drivers.

Observed (``token_model="observed"``): the anchor is the latest all-products figure of the
largest reporter (Google), scaled by ``1 + other_providers_ratio`` for everyone else. Its
growth starts at the rate fitted to the statements (:func:`fit_token_growth`) and the log of
the growth rate decays with a half-life towards a long-run rate (:func:`decaying_growth`):
growth of 10-50x a year, as in 2024-2026, cannot last, and how fast it fades is the main
uncertainty.

Drivers (``token_model="drivers"``): daily users (growing, with a ceiling) × model calls per
user per day × tokens per call, each growing at its own rate (:func:`tokens_from_drivers`).

Time is measured in years of 365.2425 days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import xarray as xr

from workbench.demand._checks import as_array, fresh_attrs
from workbench.errors import DataError, ParameterError

__all__ = [
    "ANCHOR_SERIES",
    "GROWTH_SERIES",
    "SECONDS_PER_YEAR",
    "decaying_growth",
    "fit_token_growth",
    "statement_series",
    "token_anchor",
    "tokens_from_drivers",
    "years_between",
]

SECONDS_PER_YEAR = 365.2425 * 86_400.0
SECONDS_PER_MONTH = SECONDS_PER_YEAR / 12.0
# Series whose statements keep one scope over time (three or more each): Google's all-products
# monthly figure, Google's API-only per-minute figure and ByteDance's Doubao daily figure.
# Each series keeps its own level; only their common growth is fitted.
GROWTH_SERIES = ("google", "google-api", "bytedance")
ANCHOR_SERIES = "google"
_SERIES = re.compile(r"^(?P<series>.+?)-\d{4}-\d{2}")


@fresh_attrs
def years_between(times, origin) -> xr.DataArray:
    """Years (of 365.2425 days) from ``origin`` to ``times`` (negative before it)."""
    times = times if isinstance(times, xr.DataArray) else xr.DataArray(np.asarray(times))
    delta = (times - np.datetime64(origin, "ns")) / np.timedelta64(1, "D")
    return (delta / 365.2425).assign_attrs(units="year", long_name="Years since origin")


def statement_series(token_volume: xr.Dataset) -> xr.DataArray:
    """The series each statement belongs to: its identifier up to the date (``google-api``)."""
    labels = []
    for statement in token_volume["statement"].values:
        match = _SERIES.match(str(statement))
        labels.append(match["series"] if match else str(statement))
    return xr.DataArray(
        labels,
        dims="statement",
        coords={"statement": token_volume["statement"]},
        attrs={"long_name": "Series of consistent statements"},
    )


def _load_token_volume(token_volume: xr.Dataset | None) -> xr.Dataset:
    if token_volume is None:
        from workbench.data import load

        token_volume = load("token_volume")
    for name in ("tokens_per_month", "refers_to"):
        if name not in token_volume:
            raise DataError(f"token_volume lacks the variable {name!r}", path="token_volume")
    return token_volume


def fit_token_growth(
    token_volume: xr.Dataset | None = None,
    *,
    series: Sequence[str] = GROWTH_SERIES,
    level: float = 0.9,
) -> xr.Dataset:
    """Yearly growth of token volume fitted to providers' statements, with its interval.

    Each series is divided by its own geometric mean, so a series' level (all products, API
    only, another provider) does not pass for growth; the pooled, normalised volumes are then
    fitted against the date each figure refers to with :func:`workbench.scaling.fit_trend`.

    Parameters
    ----------
    token_volume
        The ``token_volume`` table; the bundled one when omitted.
    series
        Statement-identifier prefixes of the series to pool (see :data:`GROWTH_SERIES`).
    level
        Probability of the reported interval of the growth rate.

    Returns
    -------
    xarray.Dataset
        Scalars ``growth_per_year``, ``growth_low`` and ``growth_high`` [1] (multiples per
        year) and ``n_statements``.
    """
    from workbench.scaling import fit_trend

    owner = "fit_token_growth"
    table = _load_token_volume(token_volume)
    labels = statement_series(table)
    keep = labels.isin(list(series))
    if int(keep.sum()) < 3:
        raise ParameterError.invalid(
            "series", owner, "series with at least 3 statements in all", list(series)
        )
    volume = table["tokens_per_month"].where(keep, drop=True)
    groups = labels.where(keep, drop=True).rename("series")
    log_volume = np.log(volume)
    normalised = np.exp(log_volume.groupby(groups) - log_volume.groupby(groups).mean())
    when = table["refers_to"].sel(statement=normalised["statement"])
    order = np.argsort(when.values)
    normalised = normalised.isel(statement=order)
    when = when.isel(statement=order)
    fit = fit_trend(normalised, when, level=level)
    interval = fit.conf_int(level)["growth_per_year"]
    low, high = (float(v) for v in interval)
    return xr.Dataset(
        {
            "growth_per_year": xr.DataArray(
                float(fit.growth_per_year),
                attrs={"units": "1", "long_name": "Fitted token-volume growth (multiple per year)"},
            ),
            "growth_low": xr.DataArray(
                low, attrs={"units": "1", "long_name": f"Lower end of the {level:.0%} interval"}
            ),
            "growth_high": xr.DataArray(
                high, attrs={"units": "1", "long_name": f"Upper end of the {level:.0%} interval"}
            ),
            "n_statements": xr.DataArray(int(normalised.size), attrs={"units": "1"}),
        },
        attrs={
            "series": ", ".join(series),
            "level": level,
            "method": "OLS of log volume on time, each series normalised by its geometric mean",
            "source": table.attrs.get("source", "token_volume"),
            "license": table.attrs.get("license", "CC-BY-4.0"),
            "as_of": table.attrs.get("as_of", ""),
        },
    )


def token_anchor(
    token_volume: xr.Dataset | None = None, *, series: str = ANCHOR_SERIES
) -> xr.Dataset:
    """The latest statement of ``series``: the date it refers to and its tokens per month."""
    table = _load_token_volume(token_volume)
    labels = statement_series(table)
    chosen = table.where(labels == series, drop=True)
    if chosen.sizes.get("statement", 0) == 0:
        raise ParameterError.invalid(
            "series", "token_anchor", "a series of the token_volume table", series
        )
    latest = chosen.isel(statement=int(np.argmax(chosen["refers_to"].values)))
    return xr.Dataset(
        {
            "tokens_per_month": latest["tokens_per_month"].drop_vars("statement"),
            "refers_to": latest["refers_to"].drop_vars("statement"),
        },
        attrs={"statement": str(latest["statement"].values), "series": series},
    )


@fresh_attrs
def decaying_growth(elapsed, *, initial, long_run, half_life) -> xr.DataArray:
    """Cumulative growth multiple after ``elapsed`` years of a decaying growth rate.

    The log growth rate starts at ``log(initial)`` and approaches ``log(long_run)``, the gap
    halving every ``half_life`` years:
    ``log g(t) = r∞·t + (r₀ − r∞)·(1 − e^{−kt})/k`` with ``k = ln 2 / half_life``.
    Negative ``elapsed`` runs the same curve backwards.
    """
    owner = "decaying_growth"
    elapsed = as_array(elapsed, "elapsed", owner)
    r0 = np.log(as_array(initial, "initial", owner))
    r_inf = np.log(as_array(long_run, "long_run", owner))
    k = np.log(2.0) / as_array(half_life, "half_life", owner)
    log_growth = r_inf * elapsed + (r0 - r_inf) * (-np.expm1(-k * elapsed)) / k
    return np.exp(log_growth).assign_attrs(units="1", long_name="Cumulative growth multiple")


@fresh_attrs
def tokens_from_drivers(
    elapsed,
    *,
    users,
    users_growth,
    max_users,
    requests_per_user_per_day,
    requests_growth,
    tokens_per_request,
    tokens_per_request_growth,
) -> xr.DataArray:
    """Average tokens per second from users × calls per user per day × tokens per call.

    Users grow by ``users_growth`` a year up to ``max_users``; calls per user and tokens per
    call grow at their own rates. ``elapsed`` is in years since the levels' date.
    """
    owner = "tokens_from_drivers"
    t = as_array(elapsed, "elapsed", owner)
    daily_users = np.minimum(users * users_growth**t, max_users)
    calls = requests_per_user_per_day * requests_growth**t
    tokens = tokens_per_request * tokens_per_request_growth**t
    return (daily_users * calls * tokens / 86_400.0).assign_attrs(
        units="1/s", long_name="Tokens per second (average)"
    )
