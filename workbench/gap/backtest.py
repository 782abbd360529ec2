"""Backtest of the outlook: forecast from the data published by a date, score what followed.

For each ``as_of`` date, :func:`backtest` builds a copy of the bundled tables holding only what
had been published before it (vendors' revenue for quarters whose results were due by then,
tokens statements made before it, models published before it), runs :func:`outlook` on that
copy, and scores its forecasts of what the full tables later recorded:

- the installed base (H100e) in each later quarter with revenue data, against the installed
  base estimated from the full revenue table (its median: the estimate the workbench would
  make today);
- Google's stated token volume at each later statement, against the statement (the forecast
  carries the statement's measurement error of :mod:`workbench.gap.calibration`).

Scores are on the log scale (a factor of two counts the same at every size): coverage of the
central 50% and 90% intervals, and the continuous ranked probability score (CRPS, Gneiting &
Raftery 2007; lower is better), set against a naive forecast: a log-linear trend through the
same series' own values before ``as_of``, with its OLS prediction interval.

Only the three observed tables are cut at ``as_of``; assumption tables (chip mix, prices,
packaging capacity, scenario inputs) are today's, which gives the outlook some knowledge the
forecaster would not have had: the coverage is, if anything, flattering.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from workbench import data, supply
from workbench._random import stream
from workbench._validation import check_n_draws, check_seed, invalid, public
from workbench.data.paths import ENV_VAR
from workbench.errors import CalibrationWarning
from workbench.gap import calibration
from workbench.gap.outlook import outlook
from workbench.i18n import translate as _

__all__ = ["AS_OF", "REPORTING_LAG_DAYS", "backtest", "backtest_note", "backtest_scores"]

log = logging.getLogger(__name__)

AS_OF = ("2025-07-01", "2025-10-01", "2026-01-01")
# A quarter's results count as published this many days after it ends: the SEC's deadline for
# a large accelerated filer's 10-Q (Form 10-Q, General Instruction A.1).
REPORTING_LAG_DAYS = 40
PROBS = (0.05, 0.25, 0.5, 0.75, 0.95)


@contextlib.contextmanager
def published_before(as_of) -> Iterator[Path]:
    """A copy of the bundled tables holding only what was published before ``as_of``.

    While the context is open, ``$WORKBENCH_DATA_DIR`` points at the copy, so every loader
    (supply, demand, calibration) reads it; the variable is restored on exit. Not thread-safe:
    it changes the process's environment.
    """
    cutoff = pd.Timestamp(as_of)
    source = data.data_dir()
    previous = os.environ.get(ENV_VAR)
    with tempfile.TemporaryDirectory(prefix="workbench-as-of-") as folder:
        target = Path(folder)
        for path in source.iterdir():
            if path.suffix in (".csv", ".toml"):
                shutil.copy2(path, target / path.name)
        _cut(
            target / "vendor_revenue.csv",
            "period_end",
            cutoff - pd.Timedelta(days=REPORTING_LAG_DAYS),
        )
        _cut(target / "token_volume.csv", "date", cutoff)
        _cut(target / "models.csv", "publication_date", cutoff)
        os.environ[ENV_VAR] = str(target)
        try:
            yield target
        finally:
            if previous is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = previous


def _cut(path: Path, column: str, cutoff: pd.Timestamp) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    dates = pd.to_datetime(frame[column], errors="coerce")
    frame[dates < cutoff].to_csv(path, index=False)


def _crps_sample(samples: np.ndarray, y: float) -> float:
    """CRPS of an empirical sample at ``y``: E|X − y| − ½ E|X − X'|."""
    x = np.sort(samples)
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def _crps_normal(mu: float, sd: float, y: float) -> float:
    """CRPS of a normal distribution at ``y`` (closed form)."""
    z = (y - mu) / sd
    pdf = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    return float(sd * (z * (2 * special.ndtr(z) - 1) + 2 * pdf - 1 / np.sqrt(np.pi)))


def _naive(times: np.ndarray, values: np.ndarray, at: np.datetime64, floor: float):
    """Log-linear trend through (times, values) at ``at``: predictive mean and sd of log."""
    x = (times.astype("datetime64[ns]").astype("int64") / 86400e9 / 365.2425).astype(float)
    y = np.log(values.astype(float))
    x0 = float(np.datetime64(at, "ns").astype("int64") / 86400e9 / 365.2425)
    n = x.size
    if n == 1:
        return float(y[0]), floor
    slope, intercept = np.polyfit(x, y, 1)
    mean = intercept + slope * x0
    if n <= 2:
        return float(mean), floor
    resid = y - (intercept + slope * x)
    s2 = float(np.sum(resid**2) / (n - 2))
    sxx = float(np.sum((x - x.mean()) ** 2))
    sd = np.sqrt(s2 * (1 + 1 / n + (x0 - x.mean()) ** 2 / sxx) + floor**2)
    return float(mean), float(sd)


@public
def backtest(
    as_of: Sequence[str] = AS_OF,
    *,
    scenario: str = "base",
    n_draws: int = 2_000,
    seed: int = 0,
    calibrate: bool = True,
    power_ceiling: bool = False,
    naive_points: int = 6,
) -> xr.Dataset:
    """Re-run the outlook with the data published before each ``as_of``; score what followed.

    Parameters
    ----------
    as_of
        Dates (ISO strings) to forecast from; each needs a Google token statement before it
        (the demand model's anchor).
    scenario, n_draws, seed, calibrate, power_ceiling
        Passed to :func:`~workbench.gap.outlook`.
    naive_points
        Points of each series (before ``as_of``) the naive trend is fitted to.

    Returns
    -------
    xarray.Dataset
        Along ``forecast`` (one row per ``as_of`` and scored target): ``as_of``, ``target``,
        ``time``, ``observed``; the outlook's quantiles ``forecast_q`` (``quantile``), whether
        the observation lies in its central 50% and 90% intervals (``in_50``, ``in_90``) and
        its log-scale ``crps``; the same for the naive trend (``naive_q``, ``naive_in_50``,
        ``naive_in_90``, ``naive_crps``); ``ess`` of each run's calibration. attrs hold the
        overall coverage and mean CRPS (see :func:`backtest_scores`).
    """
    if isinstance(as_of, str) or not len(as_of):
        raise invalid("as_of", "a sequence of dates", as_of)
    n_draws, seed = check_n_draws(n_draws), check_seed(seed)
    dates = []
    for value in as_of:
        try:
            dates.append(pd.Timestamp(value))
        except (ValueError, TypeError):
            raise invalid("as_of", "ISO dates", value) from None
    truth = _truth(n_draws, seed)
    rng = stream(seed, "gap.backtest").generator()
    rows = []
    for date in dates:
        with published_before(date), warnings.catch_warnings():
            # The runs' own warnings (small effective samples, demand tails) are summarised
            # by the scores and the ess column, not repeated per run.
            warnings.simplefilter("ignore", CalibrationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            tree = outlook(
                scenario,
                end=max(2027, date.year + 2),
                n_draws=n_draws,
                seed=seed,
                calibrate=calibrate,
                power_ceiling=power_ceiling,
            )
            known = data.load("token_volume")
        ess = float(tree["calibration"]["ess"]) if calibrate else float(n_draws)
        rows += _score_installed(tree, truth, date, naive_points, ess)
        rows += _score_tokens(tree, known, date, naive_points, ess, rng)
    if not rows:
        raise invalid("as_of", "dates followed by observations in the bundled data", as_of)
    frame = pd.DataFrame(rows)
    frame.index.name = "forecast"
    ds = xr.Dataset(
        {
            "as_of": ("forecast", frame["as_of"].values.astype("datetime64[ns]")),
            "target": ("forecast", frame["target"].values.astype(str)),
            "time": ("forecast", frame["time"].values.astype("datetime64[ns]")),
            "observed": ("forecast", frame["observed"].values, {"units": "1"}),
            "forecast_q": (("forecast", "quantile"), np.stack(frame["forecast_q"]), {"units": "1"}),
            "naive_q": (("forecast", "quantile"), np.stack(frame["naive_q"]), {"units": "1"}),
            **{
                name: ("forecast", frame[name].values)
                for name in ("in_50", "in_90", "naive_in_50", "naive_in_90")
            },
            "crps": ("forecast", frame["crps"].values, {"units": "1", "long_name": "CRPS of log"}),
            "naive_crps": ("forecast", frame["naive_crps"].values, {"units": "1"}),
            "ess": ("forecast", frame["ess"].values, {"units": "1"}),
        },
        coords={"forecast": np.arange(len(frame)), "quantile": list(PROBS)},
    )
    ds.attrs = {
        "title": "Backtest of the outlook against what the bundled data later recorded",
        "as_of_dates": ", ".join(str(d.date()) for d in dates),
        "scenario": scenario,
        "calibrated": str(calibrate),
        "n_draws": int(n_draws),
        "seed": int(seed),
        "reporting_lag_days": REPORTING_LAG_DAYS,
        "source": "workbench.gap.backtest over bundled tables vendor_revenue, token_volume, models",
        "as_of": str(data.load("token_volume").attrs.get("as_of", "")),
    }
    scores = backtest_scores(ds)
    ds.attrs.update(
        {
            f"{k}_{t}": float(scores[k].sel(target=t))
            for k in (
                "coverage_50",
                "coverage_90",
                "crps",
                "naive_coverage_50",
                "naive_coverage_90",
                "naive_crps",
            )
            for t in scores["target"].values
        }
    )
    return ds


def _truth(n_draws: int, seed: int) -> xr.DataArray:
    """The installed base (median H100e) in each quarter, from the full revenue table."""
    shipments = supply.estimate_shipments(None, n_draws=n_draws, seed=seed)
    return supply.installed_base(shipments)["h100e"].median("draw")


def _row(as_of, target, time, observed, samples, mean, sd, ess) -> dict:
    y = np.log(observed)
    logs = np.log(samples)
    q = np.quantile(logs, PROBS)
    naive = mean + sd * special.ndtri(np.asarray(PROBS))
    return {
        "as_of": as_of.to_datetime64(),
        "target": target,
        "time": np.datetime64(time, "ns"),
        "observed": float(observed),
        "forecast_q": np.exp(q),
        "naive_q": np.exp(naive),
        "in_50": bool(q[1] <= y <= q[3]),
        "in_90": bool(q[0] <= y <= q[4]),
        "naive_in_50": bool(naive[1] <= y <= naive[3]),
        "naive_in_90": bool(naive[0] <= y <= naive[4]),
        "crps": _crps_sample(logs, y),
        "naive_crps": _crps_normal(mean, sd, y),
        "ess": ess,
    }


def _score_installed(tree, truth, as_of, naive_points, ess) -> list[dict]:
    shipments = tree["shipments"].to_dataset()
    estimated = shipments["quarter"].values[~shipments["projected"].values]
    if tree.attrs.get("region", "world") != "world" or not estimated.size:
        return []
    supply_h100e = tree["supply"]["h100e"]
    history = supply_h100e.median("draw").sel(quarter=estimated[-naive_points:])
    later = [
        q for q in truth["quarter"].values if q > estimated[-1] and q in supply_h100e["quarter"]
    ]
    rows = []
    for q in later:
        mean, sd = _naive(history["quarter"].values, history.values, q, floor=0.05)
        samples = supply_h100e.sel(quarter=q).values
        rows.append(
            _row(as_of, "installed_h100e", q, float(truth.sel(quarter=q)), samples, mean, sd, ess)
        )
    return rows


def _score_tokens(tree, known, as_of, naive_points, ess, rng) -> list[dict]:
    full = calibration.observations()
    google = full.where(full["quantity"] == "google_tokens_per_month", drop=True)
    later = google.where(google["time"] > np.datetime64(as_of.to_datetime64(), "ns"), drop=True)
    before = calibration.observations(as_of=as_of, token_volume=known)
    before = before.where(before["quantity"] == "google_tokens_per_month", drop=True)
    if not later.sizes.get("observation") or not before.sizes.get("observation"):
        return []
    demand = tree["demand"].to_dataset()
    simulated = calibration.simulate_observations(demand, tree["supply"].to_dataset(), later)
    rows = []
    sd_obs = calibration.TOKEN_LOG_SD
    hist_t = before["time"].values[-naive_points:]
    hist_v = before["observed"].values[-naive_points:]
    for i, name in enumerate(later["observation"].values):
        sim = simulated.sel(observation=name).values
        if not np.isfinite(sim).all():
            continue
        samples = sim * np.exp(rng.normal(0.0, sd_obs, sim.size))
        mean, sd = _naive(hist_t, hist_v, later["time"].values[i], floor=sd_obs)
        rows.append(
            _row(
                as_of,
                "google_tokens_per_month",
                later["time"].values[i],
                float(later["observed"].values[i]),
                samples,
                mean,
                sd,
                ess,
            )
        )
    return rows


def backtest_scores(result: xr.Dataset) -> xr.Dataset:
    """Coverage of the 50% and 90% intervals and mean CRPS per target, outlook against naive.

    ``crps_skill`` is ``1 − crps / naive_crps``: positive where the outlook beats the trend.
    """
    frame = result[
        ["target", "in_50", "in_90", "crps", "naive_in_50", "naive_in_90", "naive_crps"]
    ].to_dataframe()
    frame = pd.concat([frame, frame.assign(target="all")])
    table = frame.groupby("target").agg(
        coverage_50=("in_50", "mean"),
        coverage_90=("in_90", "mean"),
        crps=("crps", "mean"),
        naive_coverage_50=("naive_in_50", "mean"),
        naive_coverage_90=("naive_in_90", "mean"),
        naive_crps=("naive_crps", "mean"),
        n=("crps", "size"),
    )
    table["crps_skill"] = 1 - table["crps"] / table["naive_crps"]
    out = xr.Dataset.from_dataframe(table)
    out.attrs = {
        "title": "Backtest scores (log scale)",
        "as_of_dates": result.attrs.get("as_of_dates", ""),
    }
    return out


def backtest_note(result: xr.Dataset) -> str:
    """One paragraph of Markdown on how the backtest went, in the current language."""
    scores = backtest_scores(result).sel(target="all")
    n = int(scores["n"])
    return _(
        "**How the backtest did.** Re-run from the data published before {as_of}, the "
        "outlook's 50% intervals held {coverage_50} and its 90% intervals {coverage_90} of the "
        "{n} later observations (installed base from revenue, Google's token statements); a "
        "naive log-linear trend held {naive_50} and {naive_90}. Mean CRPS of the log: {crps} "
        "against the trend's {naive_crps} (skill {skill}; positive beats the trend).",
        as_of=result.attrs["as_of_dates"],
        coverage_50=f"{float(scores['coverage_50']):.0%}",
        coverage_90=f"{float(scores['coverage_90']):.0%}",
        n=n,
        naive_50=f"{float(scores['naive_coverage_50']):.0%}",
        naive_90=f"{float(scores['naive_coverage_90']):.0%}",
        crps=f"{float(scores['crps']):.3f}",
        naive_crps=f"{float(scores['naive_crps']):.3f}",
        skill=f"{float(scores['crps_skill']):+.0%}",
    )
