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
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy import stats

from workbench._provenance import fresh_attrs
from workbench._results import Fit
from workbench._validation import as_dataarray, invalid, public
from workbench.errors import DataError, format_choices

__all__ = [
    "ANCHOR_SERIES",
    "GROWTH_SERIES",
    "SECONDS_PER_YEAR",
    "TokenGrowthFit",
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


@dataclass(frozen=True)
class TokenGrowthFit(Fit):
    """A common yearly growth of token volume fitted within series, with its uncertainty.

    The model is ``log v_ij = a_i + r (t_ij - t̄_i) + e_ij``: series *i* keeps its own level
    ``a_i`` (all products, API only, another provider), its dates are centred on their own
    mean ``t̄_i``, and only the common log growth rate ``r`` is shared. Centring the dates per
    series is what keeps a short, late series from passing its level off as growth. ``r`` is
    the ordinary least squares estimate on the within-series deviations; its standard error
    uses ``n - n_series - 1`` residual degrees of freedom and intervals are Student-t.
    """

    log_rate: float  # r, per year
    se: float  # standard error of r
    dof: int
    n_statements: int
    n_series: int
    series: tuple[str, ...]
    centre: np.datetime64  # mean date of all statements: where the fitted rate applies
    last: np.datetime64  # date of the latest statement used
    levels: dict  # series -> (mean log volume a_i, its mean date t̄_i)
    level: float = 0.9
    attrs: dict = field(default_factory=dict)

    @property
    def growth_per_year(self) -> float:
        """The fitted growth as a multiple per year, ``exp(r)``."""
        return float(np.exp(self.log_rate))

    @property
    def provenance(self) -> dict:
        """``source``, ``license`` and ``as_of`` of the statements fitted (in ``attrs``)."""
        return {k: v for k, v in self.attrs.items() if k in ("source", "license", "as_of")}

    def _estimates(self) -> dict[str, float]:
        return {"growth_per_year": self.growth_per_year, "log_rate": float(self.log_rate)}

    def _interval(self, level: float) -> dict[str, tuple[float, float]]:
        """Student-t interval of ``log_rate``; ``growth_per_year``'s is its exponential."""
        half = float(stats.t.ppf(0.5 + level / 2, self.dof)) * self.se
        low, high = self.log_rate - half, self.log_rate + half
        return {
            "log_rate": (low, high),
            "growth_per_year": (float(np.exp(low)), float(np.exp(high))),
        }

    def _param_attrs(self):
        return {
            "growth_per_year": {"units": "1", "long_name": "Token volume growth, ×/year"},
            "log_rate": {"units": "1/year", "long_name": "Log growth rate"},
        }

    @public
    def predict(self, times, series: str | None = None, *, level: float | None = None):
        """Fitted tokens per month of ``series`` (default: the first) at ``times``, with bounds.

        Returns a Dataset along ``time`` with ``mean``, ``lower`` and ``upper``: the bounds
        carry the growth rate's uncertainty only (not the scatter of statements).
        """
        series = self.series[0] if series is None else series
        if series not in self.levels:
            raise invalid("series", f"one of {format_choices(self.levels)}", series)
        level = self.level if level is None else float(level)
        mean_log, mean_date = self.levels[series]
        when = np.asarray(times, dtype="datetime64[ns]").reshape(-1)
        dt = (when - np.datetime64(mean_date, "ns")) / np.timedelta64(1, "D") / 365.2425
        low, high = self.conf_int(level)["log_rate"]
        coords = {"time": when}
        parts = {"mean": self.log_rate, "lower": np.where(dt >= 0, low, high), "upper": None}
        parts["upper"] = np.where(dt >= 0, high, low)
        out = xr.Dataset(
            {
                name: ("time", np.exp(mean_log + rate * dt), {"units": "1/month"})
                for name, rate in parts.items()
            },
            coords=coords,
            attrs={"series": series, "level": level},
        )
        out["mean"].attrs["long_name"] = f"Fitted tokens per month ({series})"
        return out

    def _summary_title(self) -> str:
        return "Token-volume growth, within-series OLS (dates centred per series)"

    def _summary_notes(self) -> list[str]:
        return [
            f"log rate {self.log_rate:.4f}, se {self.se:.4f}, dof {self.dof}; statements "
            f"{self.n_statements} in {self.n_series} series ({', '.join(self.series)}); "
            f"rate refers to {str(self.centre)[:10]}"
        ]

    def _add_to_dataset(self, ds: xr.Dataset, level: float) -> xr.Dataset:
        ds["se"] = ("param", [np.nan, self.se], {"long_name": "Standard error"})
        ds = ds.assign_coords(units=("param", ds["param_units"].values))  # the older name
        ds.attrs.update(
            method=self.attrs.get("method", ""),
            n_statements=self.n_statements,
            dof=self.dof,
            centre_date=str(self.centre)[:10],
            last_date=str(self.last)[:10],
        )
        return ds


@public
def fit_token_growth(
    token_volume: xr.Dataset | None = None,
    *,
    series: Sequence[str] = GROWTH_SERIES,
    level: float = 0.9,
) -> TokenGrowthFit:
    """Yearly growth of token volume, fitted within series, with its interval.

    Each series keeps its own level and its dates are centred on the series' own mean date;
    the common growth rate is the OLS slope of the within-series deviations of log volume on
    those of time (the fixed-effects estimator). See :class:`TokenGrowthFit`.

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
    TokenGrowthFit
        ``growth_per_year``, ``conf_int()``, ``predict()``, ``summary()``, ``to_dataset()``.

    Examples
    --------
    >>> fit = fit_token_growth()
    >>> low, high = fit.conf_int()["growth_per_year"]
    >>> bool(low < fit.growth_per_year < high)
    True
    """
    if not 0 < level < 1:
        raise invalid("level", "a probability in (0, 1)", level)
    table = _load_token_volume(token_volume)
    labels = statement_series(table).values
    keep = np.isin(labels, list(series))
    volume = np.asarray(table["tokens_per_month"].values, dtype=float)[keep]
    when = np.asarray(table["refers_to"].values, dtype="datetime64[ns]")[keep]
    groups = labels[keep]
    ok = np.isfinite(volume) & (volume > 0) & ~np.isnat(when)
    volume, when, groups = volume[ok], when[ok], groups[ok]
    present = [s for s in series if (groups == s).any()]
    n = volume.size
    if n - len(present) < 2:
        raise invalid(
            "series",
            "series with at least two more statements than series (to fit and test a growth)",
            list(series),
        )
    origin = when.min()
    t = (when - origin) / np.timedelta64(1, "D") / 365.2425
    y = np.log(volume)
    t_dev, y_dev, levels = np.empty(n), np.empty(n), {}
    for name in present:
        mask = groups == name
        t_mean, y_mean = t[mask].mean(), y[mask].mean()
        t_dev[mask], y_dev[mask] = t[mask] - t_mean, y[mask] - y_mean
        mean_date = origin + np.timedelta64(round(t_mean * 365.2425 * 86_400e9), "ns")
        levels[name] = (float(y_mean), mean_date)
    sxx = float(np.sum(t_dev**2))
    if sxx == 0:
        raise invalid("series", "series whose statements span more than one date", list(series))
    rate = float(np.sum(t_dev * y_dev) / sxx)
    dof = n - len(present) - 1
    residual = y_dev - rate * t_dev
    se = float(np.sqrt(np.sum(residual**2) / dof / sxx))
    centre = origin + np.timedelta64(round(t.mean() * 365.2425 * 86_400e9), "ns")
    return TokenGrowthFit(
        log_rate=rate,
        se=se,
        dof=dof,
        n_statements=int(n),
        n_series=len(present),
        series=tuple(present),
        centre=centre,
        last=when.max(),
        levels=levels,
        level=float(level),
        attrs={
            "method": "within-series OLS of log volume on time (each series its own level, "
            "dates centred per series), Student-t interval",
            "source": table.attrs.get("source", "token_volume"),
            "license": table.attrs.get("license", "unknown"),
            "as_of": table.attrs.get("as_of", ""),
        },
    )


@public
def token_anchor(
    token_volume: xr.Dataset | None = None, *, series: str = ANCHOR_SERIES
) -> xr.Dataset:
    """The latest statement of ``series``: the date it refers to and its tokens per month."""
    table = _load_token_volume(token_volume)
    labels = statement_series(table)
    chosen = table.isel(statement=np.flatnonzero(labels.values == series))
    if chosen.sizes.get("statement", 0) == 0:
        raise invalid("series", "a series of the token_volume table", series)
    latest = chosen.isel(statement=int(np.argmax(chosen["refers_to"].values)))
    return xr.Dataset(
        {
            "tokens_per_month": latest["tokens_per_month"].drop_vars("statement"),
            "refers_to": latest["refers_to"].drop_vars("statement"),
        },
        attrs={"statement": str(latest["statement"].values), "series": series},
    )


@public
@fresh_attrs
def decaying_growth(elapsed, *, initial, long_run, half_life, lead=0.0) -> xr.DataArray:
    """Cumulative growth multiple ``elapsed`` years after the anchor, the growth rate decaying.

    The log growth rate is ``log(initial)`` at ``lead`` years before the anchor (the date a
    fitted rate refers to: the centre of the data it was fitted to) and approaches
    ``log(long_run)`` after it, the gap halving every ``half_life`` years. With
    ``k = ln 2 / half_life``, ``r0 = log(initial)``, ``r∞ = log(long_run)`` and ``L = lead``,
    from the anchor on: ``log g(t) = r∞·t + (r0 − r∞)·e^{−kL}·(1 − e^{−kt})/k``.

    The curve is anchored at the last observation (``g(0) = 1``) and never run backwards
    past the data: before the date the rate refers to (``t < −L``) the rate stays at
    ``r0``, the rate the data themselves show, instead of growing ever faster into the past.
    """
    elapsed = as_dataarray(elapsed, "elapsed")
    lead = as_dataarray(lead, "lead")
    if lead.chunks is None and bool((lead < 0).any()):
        raise invalid("lead", "years >= 0", float(lead.min()))
    growth = _decaying_growth(
        elapsed,
        initial=as_dataarray(initial, "initial"),
        long_run=as_dataarray(long_run, "long_run"),
        half_life=as_dataarray(half_life, "half_life"),
        lead=lead,
    )
    return growth.assign_attrs(units="1", long_name="Cumulative growth multiple")


def _decaying_growth(elapsed, *, initial, long_run, half_life, lead):
    """The arithmetic of :func:`decaying_growth`, on DataArrays or broadcasting numpy arrays."""
    r0 = np.log(initial)
    r_inf = np.log(long_run)
    k = np.log(2.0) / half_life
    after = np.maximum(elapsed, -lead)  # the decaying part stops at the rate's own date
    decay = np.exp(-k * lead) * (-np.expm1(-k * after)) / k
    log_growth = r_inf * after + (r0 - r_inf) * decay + r0 * np.minimum(elapsed + lead, 0.0)
    return np.exp(log_growth)


@public
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
    return _tokens_from_drivers(
        as_dataarray(elapsed, "elapsed"),
        users=users,
        users_growth=users_growth,
        max_users=max_users,
        requests_per_user_per_day=requests_per_user_per_day,
        requests_growth=requests_growth,
        tokens_per_request=tokens_per_request,
        tokens_per_request_growth=tokens_per_request_growth,
    ).assign_attrs(units="1/s", long_name="Tokens per second (average)")


def _tokens_from_drivers(
    t,
    *,
    users,
    users_growth,
    max_users,
    requests_per_user_per_day,
    requests_growth,
    tokens_per_request,
    tokens_per_request_growth,
):
    """The arithmetic of :func:`tokens_from_drivers`, on DataArrays or numpy arrays."""
    daily_users = np.minimum(users * users_growth**t, max_users)
    calls = requests_per_user_per_day * requests_growth**t
    tokens = tokens_per_request * tokens_per_request_growth**t
    return daily_users * calls * tokens / 86_400.0
