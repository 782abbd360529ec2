"""Backtest of the outlook: data cut at as_of, proper scores, coverage against a naive trend."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench import data
from workbench.data.paths import ENV_VAR
from workbench.errors import ParameterError
from workbench.gap import backtest, backtest_note, backtest_scores
from workbench.gap.backtest import _crps_normal, _crps_sample, _naive, published_before


def test_published_before_cuts_the_observed_tables_and_restores_the_environment():
    before = os.environ.get(ENV_VAR)
    scenarios = data.dataset_path("demand_scenarios").read_text()
    with published_before("2025-07-01") as folder:
        assert os.environ[ENV_VAR] == str(folder)
        tokens = data.load("token_volume")
        assert (tokens["date"].values < np.datetime64("2025-07-01", "ns")).all()
        assert "google-2025-05-io" in tokens["statement"].values
        revenue = pd.read_csv(folder / "vendor_revenue.csv")
        ends = pd.to_datetime(revenue["period_end"])
        assert ends.max() <= pd.Timestamp("2025-07-01") - pd.Timedelta(days=40)
        models = data.load("models")
        assert (models["publication_date"].values < np.datetime64("2025-07-01", "ns")).all()
        # Assumption tables are copied whole.
        assert (folder / "demand_scenarios.csv").read_text() == scenarios
    assert os.environ.get(ENV_VAR) == before
    assert len(data.load("token_volume")["statement"]) > len(tokens["statement"])


def test_crps_of_a_sample_matches_the_normal_closed_form():
    rng = np.random.default_rng(0)
    sample = rng.normal(1.0, 2.0, 200_000)
    for y in (-1.0, 1.0, 4.0):
        assert _crps_sample(sample, y) == pytest.approx(_crps_normal(1.0, 2.0, y), rel=0.01)
    # A point forecast's CRPS is its absolute error.
    assert _crps_sample(np.full(10, 3.0), 1.0) == pytest.approx(2.0)


def test_naive_trend_interval_is_the_ols_prediction_interval():
    times = np.array(["2024-01-01", "2024-07-01", "2025-01-01", "2025-07-01"], "datetime64[ns]")
    values = np.exp(np.array([0.0, 0.6, 0.9, 1.6]))
    mean, sd = _naive(times, values, np.datetime64("2026-01-01", "ns"), floor=0.0)
    x = (times.astype("int64") / 86400e9 / 365.2425).astype(float)
    fit = stats.linregress(x, np.log(values))
    x0 = float(np.datetime64("2026-01-01", "ns").astype("int64") / 86400e9 / 365.2425)
    assert mean == pytest.approx(fit.intercept + fit.slope * x0)
    resid = np.log(values) - (fit.intercept + fit.slope * x)
    s2 = np.sum(resid**2) / 2
    expected = np.sqrt(s2 * (1 + 1 / 4 + (x0 - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2)))
    assert sd == pytest.approx(expected)


@pytest.fixture(scope="module")
def result():
    return backtest(["2026-01-01"], n_draws=300, seed=1)


def test_backtest_scores_what_followed(result):
    assert set(result["target"].values) == {"installed_h100e", "google_tokens_per_month"}
    assert (result["time"].values > np.datetime64("2025-09-30", "ns")).all()
    google = result.where(result["target"] == "google_tokens_per_month", drop=True)
    assert float(google["observed"].max()) == pytest.approx(3.2e15)
    q = result["forecast_q"].values
    assert (np.diff(q, axis=1) >= 0).all()
    assert (result["crps"] >= 0).all() and (result["naive_crps"] >= 0).all()
    scores = backtest_scores(result)
    for name in ("coverage_50", "coverage_90", "naive_coverage_90"):
        assert 0 <= float(scores[name].sel(target="all")) <= 1
    assert int(scores["n"].sel(target="all")) == result.sizes["forecast"]
    assert "backtest" in backtest_note(result) and "90%" in backtest_note(result)


def test_backtest_bad_dates():
    with pytest.raises(ParameterError, match=r"'as_of' parameter of gap\.backtest"):
        backtest("2025-07-01")
    with pytest.raises(ParameterError, match=r"'as_of' parameter of gap\.backtest"):
        backtest(["not a date"])


def test_backtest_judges_the_grid_power_ceiling():
    # The ceiling caps the projected installed base; the backtest scores that choice against
    # what the later quarters recorded (see gap.outlook's power_ceiling).
    capped = backtest(["2025-07-01"], n_draws=300, seed=1, power_ceiling=True)
    free = backtest(["2025-07-01"], n_draws=300, seed=1)
    pick = {"target": "installed_h100e"}
    capped_q = capped.where(capped["target"] == pick["target"], drop=True)["forecast_q"]
    free_q = free.where(free["target"] == pick["target"], drop=True)["forecast_q"]
    assert bool((capped_q.sel(quantile=0.5) <= free_q.sel(quantile=0.5) * (1 + 1e-9)).all())
    assert float(capped_q.sel(quantile=0.5)[-1]) < float(free_q.sel(quantile=0.5)[-1])
