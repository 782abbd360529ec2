"""Calibration of the outlook to the observed present: the inputs are a prior, data condition it.

The outlook's Monte Carlo draws are a sample of the prior (every input drawn from its stated
distribution). Each draw also predicts what should have been observed already: the token
volumes providers stated, the accelerators in use in the quarters with revenue data, the
compute of the largest training runs. :func:`importance_weights` scores every draw by the
likelihood of those observations, and :func:`calibrate` resamples the draws by their weights,
so every downstream summary (medians, intervals, shortfall odds, drivers) is a summary of the
posterior without knowing about weights.

The likelihood is stated, not tuned
-----------------------------------
Each observation compares a simulated quantity ``s`` with an observed value ``y`` on the log
scale. ``kind="value"``: ``log y = log s + e``, ``e`` Gaussian with the observation's
``log_sd``, plus a ``shared_sd`` common to every observation of the same ``group`` (an error
that does not average out over repeated observations of one series, such as the share of the
installed base in use or a common bias of compute estimates): within a group the errors are
jointly Gaussian with covariance ``shared_sd² J + diag(log_sd²)``. ``kind="lower_bound"``:
the observation says ``s >= y`` up to a Gaussian error of ``log_sd`` (probability
``Φ((log s − log y) / log_sd)``), as when a provider's statement covers part of a market.

The observations (:func:`observations`)
---------------------------------------
- **Token volumes** (``token_volume``): Google's all-products statements are values of the
  simulated Google volume (the demand model's world volume over ``1 + other_providers_ratio``
  when it has that input); every other provider's statement is a lower bound on the volume
  of all providers but Google. ``log_sd`` 0.2: the statements are rounded ("over 480
  trillion") and providers change how they count (multimodal, input and output tokens).
- **Installed base in use**: in each instant of the demand model that falls in a quarter with
  revenue data, demand's H100-equivalents over the installed base estimated from revenue is
  the share of the installed base in use, lognormal with a 90% interval of
  :data:`UTILISATION` (0.6–0.95: every large provider reports being capacity-constrained,
  while chips spend weeks between delivery and service, and some capacity is spare or being
  repaired). It is one share for all quarters (``shared_sd``) with a quarter-to-quarter
  wobble of 0.1.
- **Frontier training compute** (``models``): the compute of each model that set a new record
  from 2023 on is a value of the largest run at its publication date (``log_sd`` 0.5: Epoch
  AI's estimates span about ×3, plus a shared 0.3); after the last disclosed record, the
  largest compute published by each later half-year is a lower bound (labs stopped disclosing
  the compute of their largest runs).

Model discrepancy
-----------------
The demand model is a smooth curve through a market that moves in steps; even its best draw
misses the data by more than the measurement error. As in history matching (Craig, Goldstein,
Seheult & Smith 1997; Kennedy & O'Hagan 2001), each quantity's error adds a stated model
discrepancy (:data:`DISCREPANCY`, log scale, independent per observation) to the measurement
error: 0.3 (a factor of 1.35) for token volumes and the installed base in use, none beyond the
already wide 0.5 for training compute. ``log_sd`` is the two combined; ``measurement_sd`` and
``discrepancy_sd`` are kept beside it.

Two stages (adaptive importance sampling)
-----------------------------------------
Where the prior is wide and the data sharp, few prior draws carry weight. :func:`proposal`
then fits a proposal to the first stage's draws (in the normal scores of each input's prior,
moment-matched to the weights tempered to a workable effective sample, widened by
:data:`INFLATE`), the second stage draws from it, and :func:`proposal_log_ratio` corrects the
weights exactly by the prior's density over the proposal's (population Monte Carlo, Cappé,
Guillin, Marin & Robert 2004): the proposal changes how efficiently the posterior is
sampled, never what it is. The prior's marginals and the correlation of its scores are taken
from the first stage's draws, so whatever the demand model samples (and however its inputs
are correlated) the ratio follows it; the proposal's draws stay within the range the first
stage drew.

The effective sample size ``(Σw)² / Σw²`` says how many equally weighted draws the weighted
sample is worth; when it falls below ``min_ess``, a :class:`~workbench.errors.CalibrationWarning`
says that the prior and the observations disagree and the posterior rests on few draws.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special

from workbench import data
from workbench._random import stream
from workbench._time import time_dim
from workbench._validation import check_seed, invalid, public
from workbench.demand.tokens import SECONDS_PER_MONTH, statement_series, years_between
from workbench.errors import CalibrationWarning
from workbench.gap.core import counts_binding_resource, instants, occupancy
from workbench.uncertainty import Distribution

__all__ = [
    "DISCREPANCY",
    "QUANTITIES",
    "UTILISATION",
    "ShiftedScores",
    "calibrate",
    "calibrate_adaptively",
    "importance_weights",
    "observations",
    "proposal",
    "proposal_log_ratio",
    "simulate_observations",
    "summarise_inputs",
]

log = logging.getLogger(__name__)

UTILISATION = (0.6, 0.95)  # 90% interval of the share of the installed base in use
DISCREPANCY = {
    "google_tokens_per_month": 0.3,
    "other_tokens_per_month": 0.3,
    "h100e_in_use": 0.3,
    "frontier_training_compute": 0.0,
}
QUANTITIES = {
    "google_tokens_per_month": "Google's tokens per month (all products and APIs)",
    "other_tokens_per_month": "Tokens per month of all providers but Google",
    "h100e_in_use": "Demand's H100e over the installed base estimated from revenue",
    "frontier_training_compute": "Compute of the largest training run to date",
}
TOKEN_LOG_SD = 0.2
UTILISATION_WOBBLE = 0.1
COMPUTE_LOG_SD, COMPUTE_SHARED_SD = 0.5, 0.3
RECORDS_FROM = "2023-01-01"
IN_USE_FROM = 2024  # the demand model is not meant for the years before
# Statements that overlap another provider's (a router's traffic is other providers' tokens).
OVERLAPPING_SERIES = ("openrouter", "google-api")
QUANTILES = (0.05, 0.5, 0.95)
INFLATE = 1.5  # the proposal's scores are this much wider than the tempered posterior's
TEMPERED_ESS_SHARE = 0.05  # the first stage's weights are tempered to this effective share
Z90 = 1.6448536269514722


def _stream(seed: int, name: str) -> np.random.Generator:
    """The generator of the named stream ``name`` of ``seed`` (see :mod:`workbench._random`)."""
    return stream(seed, name).generator()


@public
def observations(
    *,
    as_of: str | np.datetime64 | None = None,
    token_volume: xr.Dataset | None = None,
    models: xr.Dataset | None = None,
    utilisation: tuple[float, float] = UTILISATION,
    in_use_times=(),
    discrepancy: Mapping[str, float] = DISCREPANCY,
) -> xr.Dataset:
    """The observations the outlook is calibrated to, along ``observation``.

    Parameters
    ----------
    as_of
        Keep only what was published before this date (statements by their ``date``, models
        by ``publication_date``); default everything.
    token_volume, models
        The tables (default the bundled ones).
    utilisation
        90% interval of the share of the installed base in use.
    in_use_times
        Instants at which demand is compared with the installed base in use (the demand
        model's instants in quarters with revenue data; see :func:`calibrate`).
    discrepancy
        Model discrepancy (sd of log) per quantity, added in quadrature to the measurement
        error.

    Returns
    -------
    xarray.Dataset
        ``quantity``, ``time``, ``observed`` (the value ``y``), ``log_sd``, ``shared_sd``,
        ``group``, ``kind`` and ``source`` along ``observation``.
    """
    low, high = (float(v) for v in utilisation)
    if not 0 < low < high <= 1:
        raise invalid(
            "utilisation", "a 90% interval (low, high) with 0 < low < high <= 1", utilisation
        )
    cutoff = None if as_of is None else np.datetime64(pd.Timestamp(as_of), "ns")
    rows: list[dict] = []
    rows += _token_rows(data.load("token_volume") if token_volume is None else token_volume, cutoff)
    rows += _compute_rows(data.load("models") if models is None else models, cutoff)
    mu, sd = (np.log(low) + np.log(high)) / 2, (np.log(high) - np.log(low)) / (2 * Z90)
    for t in in_use_times:
        t = np.datetime64(pd.Timestamp(t), "ns")
        rows.append(
            {
                "observation": f"in-use-{str(t)[:10]}",
                "quantity": "h100e_in_use",
                "time": t,
                "observed": float(np.exp(mu)),
                "log_sd": UTILISATION_WOBBLE,
                "shared_sd": float(sd),
                "group": "h100e_in_use",
                "kind": "value",
                "source": f"vendor_revenue installed base x share in use (90%: {low:g}-{high:g})",
            }
        )
    if not rows:
        raise invalid("as_of", "a date after the first observation", as_of)
    frame = pd.DataFrame(rows).set_index("observation")
    unknown = sorted(set(discrepancy) - set(QUANTITIES))
    if unknown or any(float(v) < 0 for v in discrepancy.values()):
        raise invalid(
            "discrepancy", f"sd >= 0 for quantities among {sorted(QUANTITIES)}", discrepancy
        )
    frame["measurement_sd"] = frame["log_sd"]
    frame["discrepancy_sd"] = [float(discrepancy.get(q, 0.0)) for q in frame["quantity"]]
    frame["log_sd"] = np.hypot(frame["measurement_sd"], frame["discrepancy_sd"])
    out = xr.Dataset.from_dataframe(frame)
    out["observed"].attrs = {"units": "1", "long_name": "Observed value (units of the quantity)"}
    out["log_sd"].attrs = {"units": "1", "long_name": "Independent error of log(observed)"}
    out["measurement_sd"].attrs = {"units": "1", "long_name": "Measurement error of log"}
    out["discrepancy_sd"].attrs = {"units": "1", "long_name": "Model discrepancy of log"}
    out["shared_sd"].attrs = {
        "units": "1",
        "long_name": "Error of log(observed) shared in its group",
    }
    out["time"].attrs = {"long_name": "Date the observation refers to"}
    out.attrs = {
        "title": "Observations the outlook is calibrated to",
        "as_of": "" if as_of is None else str(pd.Timestamp(as_of).date()),
        "source": "bundled tables token_volume, models and vendor_revenue",
        "utilisation": f"{low:g}-{high:g} (90%)",
    }
    return out


def _token_rows(table: xr.Dataset, cutoff) -> list[dict]:
    series = statement_series(table)
    rows = []
    for i, statement in enumerate(table["statement"].values):
        label = str(series.values[i])
        if label in OVERLAPPING_SERIES:
            continue
        if cutoff is not None and table["date"].values[i] >= cutoff:
            continue
        google = label == "google"
        rows.append(
            {
                "observation": f"tokens-{statement}",
                "quantity": "google_tokens_per_month" if google else "other_tokens_per_month",
                "time": table["refers_to"].values[i],
                "observed": float(table["tokens_per_month"].values[i]),
                "log_sd": TOKEN_LOG_SD,
                "shared_sd": 0.0,
                "group": f"tokens-{label}",
                "kind": "value" if google else "lower_bound",
                "source": f"token_volume {statement}",
            }
        )
    return rows


def _compute_rows(models: xr.Dataset, cutoff) -> list[dict]:
    frame = models[["publication_date", "training_compute"]].to_dataframe().dropna()
    if cutoff is not None:
        frame = frame[frame["publication_date"].values < cutoff]
    if frame.empty:
        return []
    frame = frame.sort_values("publication_date")
    record = frame["training_compute"].cummax()
    is_record = frame["training_compute"].ge(record) & ~record.duplicated()
    rows = []
    records = frame[is_record & (frame["publication_date"] >= pd.Timestamp(RECORDS_FROM))]
    for name, row in records.iterrows():
        rows.append(
            {
                "observation": f"compute-{name}",
                "quantity": "frontier_training_compute",
                "time": row["publication_date"].to_datetime64(),
                "observed": float(row["training_compute"]),
                "log_sd": COMPUTE_LOG_SD,
                "shared_sd": COMPUTE_SHARED_SD,
                "group": "frontier_training_compute",
                "kind": "value",
                "source": f"models {name} (a new record of training compute)",
            }
        )
    last_record = frame.loc[is_record, "publication_date"].max()
    end = frame["publication_date"].max()
    for t in pd.date_range(last_record + pd.offsets.MonthBegin(1), end, freq="6MS"):
        before = frame[frame["publication_date"] <= t]
        rows.append(
            {
                "observation": f"compute-max-{t.date()}",
                "quantity": "frontier_training_compute",
                "time": t.to_datetime64(),
                "observed": float(before["training_compute"].max()),
                "log_sd": COMPUTE_LOG_SD,
                "shared_sd": 0.0,
                "group": f"compute-max-{t.date()}",
                "kind": "lower_bound",
                "source": "models: the largest training compute published by then",
            }
        )
    return rows


def _log_interp(da: xr.DataArray, times: np.ndarray) -> np.ndarray:
    """``da`` (time × draw) at instants ``times``, interpolating its log; NaN outside."""
    dim = time_dim(da, "tree")
    # The instants the labels refer to (a quarter's stock is at its end; see gap.core).
    when = instants(da.to_dataset(name="v"), dim)
    grid = when.values.astype("datetime64[ns]").astype("int64").astype(float)
    raw = da.transpose(dim, "draw").values
    logs: dict[int, np.ndarray] = {}

    def values(j: int) -> np.ndarray:
        # Only the instants either side of an observation are needed: their logs alone.
        if j not in logs:
            logs[j] = np.log(np.maximum(raw[j].astype(float), 1e-300))
        return logs[j]

    at = np.asarray(times, dtype="datetime64[ns]").astype("int64").astype(float)
    out = np.full((at.size, raw.shape[1]), np.nan)
    for k, t in enumerate(at):
        if not grid[0] <= t <= grid[-1]:
            continue
        j = min(int(np.searchsorted(grid, t, side="right")) - 1, grid.size - 2)
        if grid.size == 1:
            out[k] = values(0)
            continue
        f = (t - grid[j]) / (grid[j + 1] - grid[j])
        out[k] = (1 - f) * values(j) + f * values(j + 1)
    return np.exp(out)


@public
def simulate_observations(demand: xr.Dataset, supply: xr.Dataset, obs: xr.Dataset) -> xr.DataArray:
    """What every draw predicts for each observation, along ``observation`` and ``draw``.

    ``demand`` is a :func:`workbench.demand.simulate` result covering the observations'
    instants, ``supply`` the installed base (:func:`workbench.supply.installed_base`) on the
    same draws. An observation the draws cannot predict (outside the simulated span, or a
    quantity whose inputs the demand model lacks) is NaN.
    """
    n = demand.sizes["draw"]
    out = np.full((obs.sizes["observation"], n), np.nan)
    quantity = obs["quantity"].values
    times = obs["time"].values
    total = demand["tokens_per_second"] * SECONDS_PER_MONTH
    ratio = demand["other_providers_ratio"] if "other_providers_ratio" in demand else None
    for q in np.unique(quantity):
        idx = np.flatnonzero(quantity == q)
        if q in ("google_tokens_per_month", "other_tokens_per_month"):
            world = _log_interp(total, times[idx])
            if ratio is None:
                # Without a share of Google, a statement bounds the world volume from below.
                out[idx] = world
            else:
                r = ratio.values[None, :]
                out[idx] = (
                    world / (1 + r) if q == "google_tokens_per_month" else world * r / (1 + r)
                )
        elif q == "h100e_in_use":
            used = _log_interp(demand["h100e"], times[idx])
            installed = _log_interp(supply["h100e"], times[idx])
            if counts_binding_resource(supply, demand):
                # Each part of demand on its binding resource, as compute_gap compares them.
                out[idx] = occupancy(
                    used,
                    _log_interp(demand["bandwidth_h100e"], times[idx]),
                    installed,
                    _log_interp(supply["h100e_bandwidth"], times[idx]),
                )
            else:
                out[idx] = used / installed
        elif q == "frontier_training_compute":
            if {"frontier_training_compute", "training_compute_growth"} <= set(demand.data_vars):
                since = years_between(times[idx], demand.attrs["base_date"]).values[:, None]
                f0 = demand["frontier_training_compute"].values[None, :]
                g = demand["training_compute_growth"].values[None, :]
                out[idx] = f0 * g**since
        else:
            raise invalid("obs", f"quantities among {sorted(QUANTITIES)}", q)
    return xr.DataArray(
        out,
        dims=("observation", "draw"),
        coords={"observation": obs["observation"].values, "draw": demand["draw"].values},
        attrs={"long_name": "Simulated observation", "units": "1"},
    )


@public
def importance_weights(
    simulated: xr.DataArray,
    obs: xr.Dataset,
    *,
    min_ess: float = 100.0,
    log_ratio: np.ndarray | None = None,
) -> xr.Dataset:
    """Importance weights of prior draws under the stated likelihood of the observations.

    Parameters
    ----------
    simulated
        Each draw's prediction of each observation (``observation`` × ``draw``), e.g. from
        :func:`simulate_observations`; NaN rows (not predicted) are left out.
    obs
        ``observed``, ``log_sd``, ``shared_sd``, ``group`` and ``kind`` along ``observation``
        (see :func:`observations`).
    min_ess
        Below this effective sample size a :class:`~workbench.errors.CalibrationWarning` is
        issued.
    log_ratio
        For draws from a proposal rather than the prior: log(prior / proposal density) of
        each draw (:func:`proposal_log_ratio`), added to the log-likelihood.

    Returns
    -------
    xarray.Dataset
        ``weight`` (summing to one) and ``log_likelihood`` along ``draw``; scalars ``ess``
        and ``ess_share`` (ESS over the number of draws); ``used`` along ``observation``.
    """
    if set(simulated.dims) != {"observation", "draw"}:
        raise invalid("simulated", "a DataArray on ('observation', 'draw')", simulated.dims)
    obs = obs.sel(observation=simulated["observation"])
    sim = simulated.transpose("observation", "draw").values.astype(float)
    used = np.isfinite(sim).all(axis=1) & (sim > 0).all(axis=1)
    if np.any(np.asarray(obs["log_sd"].values)[used] <= 0):
        raise invalid("obs", "positive log_sd for every observation", "<= 0")
    n = sim.shape[1]
    loglik = np.zeros(n)
    log_sim = np.log(np.where(used[:, None], sim, 1.0))
    log_obs = np.log(np.asarray(obs["observed"].values, dtype=float))
    sd = np.asarray(obs["log_sd"].values, dtype=float)
    shared = np.asarray(obs["shared_sd"].values, dtype=float)
    kind = np.asarray(obs["kind"].values).astype(str)
    group = np.asarray(obs["group"].values).astype(str)
    bounds = used & (kind == "lower_bound")
    for i in np.flatnonzero(bounds):
        loglik += special.log_ndtr((log_sim[i] - log_obs[i]) / sd[i])
    values = used & (kind == "value")
    for g in np.unique(group[values]):
        idx = np.flatnonzero(values & (group == g))
        cov = np.diag(sd[idx] ** 2) + shared[idx][:, None] * shared[idx][None, :]
        residual = log_obs[idx][:, None] - log_sim[idx]
        loglik += -0.5 * np.einsum("in,in->n", residual, np.linalg.solve(cov, residual))
    unknown = used & ~np.isin(kind, ["value", "lower_bound"])
    if unknown.any():
        raise invalid("obs", "kind 'value' or 'lower_bound'", sorted(set(kind[unknown])))
    logw = loglik if log_ratio is None else loglik + np.asarray(log_ratio, dtype=float)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w**2))
    _warn_if_small(ess, n, min_ess, stacklevel=3)
    return xr.Dataset(
        {
            "weight": ("draw", w, {"units": "1", "long_name": "Importance weight (sums to 1)"}),
            "log_likelihood": ("draw", loglik, {"units": "1", "long_name": "Log-likelihood"}),
            "ess": ((), ess, {"units": "1", "long_name": "Effective sample size"}),
            "ess_share": (
                (),
                ess / n,
                {"units": "1", "long_name": "Effective sample size / draws"},
            ),
            "used": ("observation", used, {"long_name": "Observation predicted by the draws"}),
        },
        coords={"draw": simulated["draw"].values, "observation": simulated["observation"].values},
        attrs={
            "method": "importance weighting of prior draws (likelihood in the module docstring)"
        },
    )


def _warn_if_small(ess: float, n: int, min_ess: float, stacklevel: int = 2) -> None:
    if ess < min_ess:
        warnings.warn(
            f"calibration rests on an effective sample of {ess:.0f} of {n} draws (below "
            f"{min_ess:g}): the prior and the observations disagree; widen the prior, draw "
            "more, or read the posterior as rough",
            CalibrationWarning,
            stacklevel=stacklevel + 1,
        )


def check_ess(record: xr.Dataset, min_ess: float = 100.0) -> None:
    """Warn (:class:`~workbench.errors.CalibrationWarning`) if ``record``'s ESS is small."""
    _warn_if_small(float(record["ess"]), int(record.sizes["prior_draw"]), min_ess, stacklevel=2)


@public
def resample(weight: np.ndarray, seed: int, size: int | None = None) -> np.ndarray:
    """Systematic resampling: ``size`` indices whose counts follow ``weight`` (low variance)."""
    seed = check_seed(seed)
    n = weight.size if size is None else int(size)
    positions = (_stream(seed, "gap.calibration").random() + np.arange(n)) / n
    cumulative = np.cumsum(weight)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions)


@dataclass(frozen=True, eq=False)
class _Scores:
    """An input's prior as drawn: its sorted draws against their normal scores."""

    values: np.ndarray
    scores: np.ndarray

    @classmethod
    def of(cls, draws: np.ndarray) -> _Scores:
        n = draws.size
        return cls(np.sort(draws), special.ndtri((np.arange(n) + 0.5) / n))

    def to_scores(self, x: np.ndarray) -> np.ndarray:
        return np.interp(x, self.values, self.scores)

    def to_values(self, z: np.ndarray) -> np.ndarray:
        return np.interp(z, self.scores, self.values)


@dataclass(frozen=True, eq=False)
class ShiftedScores(Distribution):
    """A proposal: the prior's values at normal scores ``shift + scale × z``."""

    units: str | None = None
    prior: _Scores | None = None
    shift: float = 0.0
    scale: float = 1.0

    def _from_normal(self, z):
        return self.prior.to_values(self.shift + self.scale * np.asarray(z, dtype=float))

    def ppf(self, u):
        return self._from_normal(special.ndtri(np.asarray(u, dtype=float)))


def _temper(loglik: np.ndarray, share: float) -> np.ndarray:
    """Weights ``L^β`` with the largest β in (0, 1] whose effective share is at least ``share``."""

    def weights(beta):
        w = np.exp(beta * (loglik - loglik.max()))
        return w / w.sum()

    def ess_share(beta):
        return 1.0 / np.sum(weights(beta) ** 2) / loglik.size

    if ess_share(1.0) >= share:
        return weights(1.0)
    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if ess_share(mid) >= share else (low, mid)
    return weights(low)


def proposal(
    inputs: Mapping[str, xr.DataArray],
    log_weight: np.ndarray,
    *,
    previous: dict | None = None,
    inflate: float = INFLATE,
    scores: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, ShiftedScores], dict]:
    """A proposal for the next stage from a stage's draws and their log-weights.

    Parameters
    ----------
    inputs
        The stage's sampled inputs along ``draw``.
    log_weight
        Their log-likelihood, plus :func:`proposal_log_ratio` when they came from a proposal.
    previous
        The fitted proposal the stage was drawn from (``None``: the stage is the prior's, whose
        marginals and score correlation are read from it).
    inflate
        How much wider the proposal's scores are than the tempered posterior's.
    scores
        The stage's normal scores under ``previous``'s priors, when the caller has them
        (as :func:`proposal_log_ratio` computed them).

    Returns
    -------
    (dict, dict)
        The overrides (one :class:`ShiftedScores` per uncertain input, to pass to
        :func:`workbench.demand.simulate`) and what :func:`proposal_log_ratio` needs.
    """
    w = _temper(np.asarray(log_weight, dtype=float), TEMPERED_ESS_SHARE)
    overrides, names, rows = {}, [], []
    for name, da in inputs.items():
        x = np.asarray(da.values, dtype=float)
        if previous is not None:
            if name not in previous["names"]:
                continue
            prior = previous["overrides"][name].prior
        elif x.ndim != 1 or np.ptp(x) == 0:
            continue
        else:
            prior = _Scores.of(x)
        z = scores[name] if scores is not None and name in scores else prior.to_scores(x)
        mean = float(np.sum(w * z))
        sd = float(np.sqrt(np.sum(w * (z - mean) ** 2)))
        scale = float(np.clip(inflate * sd, 0.05, 1.0))
        overrides[name] = ShiftedScores(
            units=da.attrs.get("units"), prior=prior, shift=mean, scale=scale
        )
        names.append(name)
        rows.append(z)
    if previous is not None:
        correlation = previous["correlation"]
    elif len(names) > 1:
        correlation = np.corrcoef(np.stack(rows))
    else:
        correlation = np.ones((1, 1))
    return overrides, {"names": names, "correlation": correlation, "overrides": overrides}


def _scores_under(inputs: Mapping[str, xr.DataArray], fitted: dict) -> dict[str, np.ndarray]:
    """The normal scores of a proposal's draws under its inputs' priors, by input."""
    return {
        n: fitted["overrides"][n].prior.to_scores(np.asarray(inputs[n].values, float))
        for n in fitted["names"]
    }


def proposal_log_ratio(
    inputs: Mapping[str, xr.DataArray], fitted: dict, *, scores: Mapping | None = None
) -> np.ndarray:
    """log(prior density / proposal density) of each second-stage draw (see the module).

    ``scores``: the draws' normal scores under the priors, when the caller has them.
    """
    names = fitted["names"]
    if not names:
        return np.zeros(next(iter(inputs.values())).size)
    scores = _scores_under(inputs, fitted) if scores is None else scores
    z = np.stack([scores[n] for n in names])
    shift = np.array([fitted["overrides"][n].shift for n in names])[:, None]
    scale = np.array([fitted["overrides"][n].scale for n in names])[:, None]
    u = (z - shift) / scale
    precision = np.linalg.pinv(fitted["correlation"])
    quad = np.einsum("in,ij,jn->n", z, precision, z) - np.einsum("in,ij,jn->n", u, precision, u)
    return -0.5 * quad + np.sum(np.log(scale))


def _weighted_quantiles(values: np.ndarray, weight: np.ndarray, probs, order=None) -> np.ndarray:
    order = np.argsort(values, kind="stable") if order is None else order  # the caller's
    v, w = values[order], weight[order]
    # Tied draws are one point of the weighted CDF carrying their summed weight, so the result
    # does not depend on how a sort orders ties (numpy's SIMD sorts order them by CPU).
    ends = np.flatnonzero(np.append(v[1:] != v[:-1], True))
    w = np.add.reduceat(w, np.append(0, ends[:-1] + 1))
    cdf = np.cumsum(w) - 0.5 * w
    return np.interp(probs, cdf / cdf[-1], v[ends])


def _input_shift(
    inputs: Mapping[str, xr.DataArray],
    weight: np.ndarray,
    prior: Mapping[str, np.ndarray] | None = None,
) -> xr.Dataset:
    """Prior and posterior quantiles of each input, and how far the posterior moved.

    ``prior`` holds prior draws of the inputs when ``inputs`` were drawn from a proposal;
    otherwise ``inputs`` are themselves the prior's draws.
    """
    names, prior_q, post_q, shift = [], [], [], []
    for name, da in inputs.items():
        v = np.asarray(da.values, dtype=float)
        if v.ndim != 1 or np.nanstd(v) == 0:
            continue
        reference = np.sort(v if prior is None or name not in prior else prior[name])
        names.append(name)
        prior_q.append(np.quantile(reference, QUANTILES))
        post_q.append(_weighted_quantiles(v, weight, QUANTILES))
        # The prior's CDF at each draw (mid-rank among the prior's draws).
        left = np.searchsorted(reference, v, side="left")
        right = np.searchsorted(reference, v, side="right")
        cdf = (left + right) / (2.0 * reference.size)
        shift.append(float(np.sum(weight * cdf) - 0.5))
    return xr.Dataset(
        {
            "input_prior": (
                ("input", "quantile"),
                np.array(prior_q),
                {"long_name": "Input, prior"},
            ),
            "input_posterior": (
                ("input", "quantile"),
                np.array(post_q),
                {"long_name": "Input, posterior"},
            ),
            "input_shift": (
                "input",
                np.array(shift),
                {
                    "units": "1",
                    "long_name": "Posterior mean of the input's prior CDF minus 0.5 "
                    "(0: unmoved; ±0.5: to the prior's edge)",
                },
            ),
        },
        coords={"input": names, "quantile": list(QUANTILES)},
    )


@public
def calibrate(
    demand: xr.Dataset,
    supply: xr.Dataset,
    *,
    estimated_quarters,
    seed: int = 0,
    as_of=None,
    utilisation: tuple[float, float] = UTILISATION,
    min_ess: float = 100.0,
    inputs: Mapping[str, xr.DataArray] | None = None,
    log_ratio: np.ndarray | None = None,
    prior: xr.Dataset | None = None,
    prior_inputs: Mapping[str, xr.DataArray] | None = None,
    summarise: bool = True,
    obs: xr.Dataset | None = None,
) -> tuple[np.ndarray, xr.Dataset]:
    """Weights and posterior draw indices of an outlook's paired supply and demand draws.

    Parameters
    ----------
    demand, supply
        Draws of demand (:func:`workbench.demand.simulate`, covering the observed years) and
        of the installed base. Demand may hold a multiple of the supply's draws (the prior
        oversampled where it is wide): demand draw *j* is paired with supply draw
        ``j mod n_supply``, still a sample of the prior, since the two are independent.
    estimated_quarters
        Quarters whose installed base rests on revenue data (not projected).
    seed
        The outlook's seed; resampling draws from its own stream ``"calibration"``.
    as_of, utilisation
        See :func:`observations`.
    min_ess
        See :func:`importance_weights`.
    inputs
        The sampled inputs to report prior against posterior (default demand's).
    log_ratio
        When demand was drawn from a proposal: log(prior / proposal) per draw (see
        :func:`proposal_log_ratio`).
    prior
        When demand was drawn from a proposal: the calibration record of the prior's draws,
        whose prior predictions this record reports; ``prior_inputs`` the prior's draws of
        the inputs (named as in ``inputs``).
    summarise
        Add the inputs' prior and posterior quantiles (:func:`summarise_inputs`); ``False``
        leaves that to the caller (for a stage that may not be kept).
    obs
        The observations, when the caller has them for these instants (stages of one
        calibration share them); default :func:`observations` at demand's instants in the
        quarters with revenue data, with ``as_of`` and ``utilisation``.

    Returns
    -------
    (numpy.ndarray, xarray.Dataset)
        The indices of the posterior draws (positions along demand's ``draw``; the supply
        draw of position *j* is ``j mod n_supply``), as many as the supply's draws, and the
        calibration record: observations with their prior and posterior predictions,
        ``weight``, ``ess``, and the inputs' prior and posterior quantiles (``input_shift``
        sorts the inputs that moved most).
    """
    seed = check_seed(seed)
    if obs is None:
        obs = _observed(demand, supply, estimated_quarters, as_of, utilisation)
    n_supply = supply.sizes["draw"]
    pairs = np.arange(demand.sizes["draw"]) % n_supply
    capacity = [name for name in ("h100e", "h100e_bandwidth") if name in supply]
    supply = supply[capacity].isel(draw=pairs).assign_coords(draw=demand["draw"].values)
    simulated = simulate_observations(demand, supply, obs)
    weights = importance_weights(simulated, obs, min_ess=min_ess, log_ratio=log_ratio)
    index = resample(weights["weight"].values, seed, size=n_supply)
    w = weights["weight"].values
    sim = simulated.values
    flat = np.full(w.size, 1.0 / w.size)
    prior_q = np.full((sim.shape[0], len(QUANTILES)), np.nan)
    post_q = np.full_like(prior_q, np.nan)
    for i in np.flatnonzero(np.isfinite(sim).all(axis=1)):
        order = np.argsort(sim[i], kind="stable")
        prior_q[i] = _weighted_quantiles(sim[i], flat, QUANTILES, order)
        post_q[i] = _weighted_quantiles(sim[i], w, QUANTILES, order)
    if prior is not None:
        prior_q = prior["simulated_prior"].sel(observation=obs["observation"]).values
    record = obs.assign(
        simulated_prior=(("observation", "quantile"), prior_q, {"long_name": "Prior prediction"}),
        simulated_posterior=(
            ("observation", "quantile"),
            post_q,
            {"long_name": "Posterior prediction"},
        ),
    ).assign_coords(quantile=list(QUANTILES))
    record = record.merge(weights.rename(draw="prior_draw"))
    if summarise:
        record = summarise_inputs(
            record, inputs if inputs is not None else _sampled(demand), prior_inputs
        )
    record.attrs = {
        "title": "Calibration of the outlook to observations",
        "method": "importance weighting of the prior draws by the stated likelihood, then "
        "systematic resampling (see workbench.gap.calibration)",
        "ess": f"{float(weights['ess']):.0f}",
        "stage": "prior draws" if log_ratio is None else "proposal draws",
        "as_of": obs.attrs["as_of"],
        "utilisation": obs.attrs["utilisation"],
        "source": obs.attrs["source"],
    }
    log.info("calibration: ESS %.0f of %d draws", float(weights["ess"]), w.size)
    return index, record


def _observed(demand, supply, estimated_quarters, as_of, utilisation) -> xr.Dataset:
    """:func:`observations` with the installed base in use at demand's instants that fall in
    quarters whose installed base rests on revenue data."""
    estimated = np.isin(supply["quarter"].values, np.asarray(estimated_quarters, "datetime64[ns]"))
    measured = instants(supply, "quarter")[estimated]
    in_use = [
        t for t in instants(demand) if t in measured and t >= pd.Timestamp(f"{IN_USE_FROM}-01-01")
    ]
    return observations(as_of=as_of, utilisation=utilisation, in_use_times=in_use)


def calibrate_adaptively(
    first: xr.Dataset,
    supply: xr.Dataset,
    draw_demand,
    *,
    stages: int,
    target_ess: float,
    supply_inputs: xr.Dataset | None = None,
    min_ess: float = 100.0,
    **settings,
) -> tuple[xr.Dataset, np.ndarray, xr.Dataset]:
    """Calibrate demand draws in stages: the prior's, then proposals fitted to each stage.

    Parameters
    ----------
    first
        Demand drawn from the prior (:func:`workbench.demand.simulate`).
    supply
        The world's installed base on its own draws (paired by position modulo its size).
    draw_demand
        ``draw_demand(**overrides)`` draws demand again with the inputs in ``overrides``
        replaced by proposal distributions (:class:`ShiftedScores`).
    stages
        At most this many proposal stages, stopped once the effective sample reaches
        ``target_ess``.
    supply_inputs
        The supply's sampled inputs, reported beside demand's (``"supply: name"``).
    min_ess
        See :func:`importance_weights` (checked on the stage kept).
    **settings
        ``estimated_quarters``, ``seed``, ``as_of``, ``utilisation`` of :func:`calibrate`.

    Returns
    -------
    (xarray.Dataset, numpy.ndarray, xarray.Dataset)
        The demand draws of the stage kept (the one of largest effective sample), the
        posterior indices into them, and the calibration record.
    """

    def named(demand: xr.Dataset) -> dict[str, xr.DataArray]:
        inputs = {f"demand: {k}": v for k, v in _sampled(demand).items()}
        if supply_inputs is not None:
            inputs.update({f"supply: {k}": v for k, v in supply_inputs.data_vars.items()})
        return inputs

    # Every stage is observed at the same instants: the observations are built once.
    obs = _observed(
        first,
        supply,
        settings["estimated_quarters"],
        settings.get("as_of"),
        settings.get("utilisation", UTILISATION),
    )
    index, record = calibrate(first, supply, min_ess=0.0, summarise=False, obs=obs, **settings)
    record.attrs["stage"] = "prior draws"
    kept, pilot = first, record
    stage, stage_record, fitted, ratio, scores = first, record, None, None, None
    for k in range(1, int(stages) + 1):
        if float(record["ess"]) >= target_ess:
            break
        log_weight = stage_record["log_likelihood"].values + (0.0 if ratio is None else ratio)
        overrides, fitted = proposal(_sampled(stage), log_weight, previous=fitted, scores=scores)
        stage = draw_demand(**overrides)
        # The stage's scores serve its weights now and the next proposal's fit.
        scores = _scores_under(_sampled(stage), fitted)
        ratio = proposal_log_ratio(_sampled(stage), fitted, scores=scores)
        stage_index, stage_record = calibrate(
            stage,
            supply,
            log_ratio=ratio,
            prior=pilot,
            min_ess=0.0,
            summarise=False,
            obs=obs,
            **settings,
        )
        if float(stage_record["ess"]) > float(record["ess"]):
            index, record, kept = stage_index, stage_record, stage
            record.attrs["stage"] = f"proposal stage {k}"
    stage_name = record.attrs["stage"]
    record = summarise_inputs(record, named(kept), None if kept is first else named(first))
    record.attrs["stage"] = stage_name
    check_ess(record, min_ess)
    return kept, index, record


def summarise_inputs(
    record: xr.Dataset,
    inputs: Mapping[str, xr.DataArray],
    prior_inputs: Mapping[str, xr.DataArray] | None = None,
) -> xr.Dataset:
    """``record`` with its inputs' prior and posterior quantiles and shifts (``input_*``).

    ``inputs`` are the draws ``record`` weighs (a shorter input, such as the supply's, is
    paired draw *j* to *j mod n*); ``prior_inputs`` the prior's draws when those were drawn
    from a proposal.
    """
    w = record["weight"].values
    paired = {k: v.isel(draw=np.arange(w.size) % v.sizes["draw"]) for k, v in inputs.items()}
    prior = None if prior_inputs is None else {k: v.values for k, v in prior_inputs.items()}
    return record.merge(_input_shift(paired, w, prior))


def _sampled(demand: xr.Dataset) -> dict[str, xr.DataArray]:
    return {str(n): da for n, da in demand.data_vars.items() if da.attrs.get("role") == "input"}
