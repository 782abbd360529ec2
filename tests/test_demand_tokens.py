"""Token demand: the within-series growth estimator on known truth, and anchored decay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.data import load
from workbench.demand import decaying_growth, fit_token_growth, token_anchor
from workbench.demand.tokens import statement_series
from workbench.errors import ParameterError


def synthetic_volume(spec: dict, *, growth: float, noise: float = 0.0, seed: int = 0):
    """A token_volume-like table: series -> (level, first date, last date, statements)."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, (level, first, last, n) in spec.items():
        dates = pd.date_range(first, last, periods=n)
        years = (dates - pd.Timestamp("2024-01-01")) / pd.Timedelta(days=365.2425)
        volume = level * growth**years * np.exp(noise * rng.standard_normal(n))
        rows += [
            (f"{name}-{d:%Y-%m}-{i}", d, v)
            for i, (d, v) in enumerate(zip(dates, volume, strict=True))
        ]
    labels, dates, volumes = zip(*rows, strict=True)
    return xr.Dataset(
        {
            "tokens_per_month": ("statement", np.array(volumes), {"units": "1/month"}),
            "refers_to": ("statement", np.array(dates, dtype="datetime64[ns]")),
        },
        coords={"statement": list(labels)},
        attrs={"source": "synthetic", "license": "CC0-1.0", "as_of": "2026-01-01"},
    )


# A long early series and a short late one at a level 30x higher: the case of the issue.
UNEQUAL = {
    "long": (1e12, "2024-01-01", "2026-01-01", 8),
    "late": (3e13, "2025-10-01", "2026-03-01", 3),
}


def test_within_series_fit_recovers_known_growth_with_unequal_spans():
    table = synthetic_volume(UNEQUAL, growth=10.0)
    fit = fit_token_growth(table, series=("long", "late"))
    assert fit.growth_per_year == pytest.approx(10.0, rel=1e-9)
    # Removing each series' mean level but not its mean date (the old estimator) turns the
    # late series' higher level into growth: far from 10.
    labels = statement_series(table).values
    y = np.log(table.tokens_per_month.values)
    t = (table.refers_to.values - np.datetime64("2024-01-01")) / np.timedelta64(1, "D") / 365.2425
    for name in ("long", "late"):
        y[labels == name] -= y[labels == name].mean()
    naive = np.exp(np.polyfit(t, y, 1)[0])
    assert not 7 < naive < 13


def test_interval_covers_the_truth_at_its_level():
    covered = []
    for seed in range(200):
        table = synthetic_volume(UNEQUAL, growth=10.0, noise=0.3, seed=seed)
        low, high = fit_token_growth(table, series=("long", "late")).conf_int(0.9)[
            "growth_per_year"
        ]
        covered.append(low < 10.0 < high)
    assert np.mean(covered) == pytest.approx(0.9, abs=0.05)


def test_results_object_shape():
    fit = fit_token_growth()
    ds = fit.to_dataset()
    assert ds.param.values.tolist() == ["growth_per_year", "log_rate"]
    assert set(ds.data_vars) >= {"estimate", "lower", "upper"}
    assert ds.attrs["level"] == 0.9 and ds.attrs["license"]
    assert (ds.lower < ds.estimate).all() and (ds.estimate < ds.upper).all()
    assert "within-series" in str(fit.summary())
    wider = fit.conf_int(0.99)["growth_per_year"]
    assert wider[0] < fit.conf_int()["growth_per_year"][0]
    pred = fit.predict(["2025-05-20", "2026-05-19"], series="google")
    assert pred["mean"].dims == ("time",) and (pred.lower <= pred.upper).all()
    # The bundled statements: the short late API series no longer halves the growth.
    assert 12 < fit.growth_per_year < 25
    with pytest.raises(ParameterError, match="'series'"):
        fit_token_growth(series=("nope",))


def test_decaying_growth_is_anchored_and_never_speeds_up_into_the_past():
    t = xr.DataArray(np.linspace(-3, 5, 81), dims="time")
    g = decaying_growth(t, initial=10.0, long_run=1.2, half_life=1.0, lead=0.8)
    assert float(g.isel(time=30)) == pytest.approx(1.0)  # t = 0: the anchor
    rate = np.gradient(np.log(g.values), t.values)
    # Before the rate's own date (t < -0.8) the rate is the fitted one, not faster.
    assert rate[t.values < -0.9] == pytest.approx(np.log(10.0), rel=1e-6)
    assert np.all(np.diff(rate) <= 1e-9)  # it only decays
    assert rate[-1] == pytest.approx(np.log(1.2), abs=0.05)
    # Without a lead it is the classic curve from the anchor on.
    k = np.log(2)
    expected = np.exp(np.log(1.2) * 2 + (np.log(10) - np.log(1.2)) * (1 - np.exp(-2 * k)) / k)
    assert float(decaying_growth(2.0, initial=10.0, long_run=1.2, half_life=1.0)) == pytest.approx(
        expected
    )


def test_the_model_reproduces_googles_own_statements():
    # The issue: simulate put all providers at 5.7e13 tokens/month in January 2025 while
    # Google alone reported 4.8e14 in May 2025. Google's share of the model (anchor x growth,
    # without other providers) must stay within a factor of 2.5 of each Google statement.
    from workbench.demand import simulate

    table = load("token_volume")
    google = table.where(statement_series(table) == "google", drop=True)
    anchor = token_anchor()
    ds = simulate(n_draws=2_000, start=2024, end=2026, freq="quarter", seed=1)
    per_month = ds.tokens_per_second * (365.2425 * 86_400 / 12) / (1 + ds.other_providers_ratio)
    when = ds.quarter.values + np.timedelta64(91, "D")  # values refer to quarter ends
    median = np.median(per_month.values, axis=0)
    for date, volume in zip(google.refers_to.values, google.tokens_per_month.values, strict=True):
        if date >= anchor.refers_to.values:
            continue
        modelled = np.exp(np.interp(date.astype(float), when.astype(float), np.log(median)))
        assert 1 / 2.5 < modelled / volume < 2.5, (str(date)[:10], modelled, volume)
