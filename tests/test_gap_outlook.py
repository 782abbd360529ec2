"""The outlook joins supply and demand; its summary states numbers with intervals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from workbench.errors import CalibrationWarning, ParameterError
from workbench.gap import (
    calibration_note,
    headline,
    moved_inputs,
    outlook,
    prior_posterior,
    summary,
)


def _quiet(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        return outlook("base", end=2028, n_draws=400, seed=3, **kwargs)


@pytest.fixture(scope="module")
def tree():
    return _quiet()


@pytest.fixture(scope="module")
def prior():
    return _quiet(calibrate=False)


def test_outlook_holds_every_stage(tree):
    assert set(tree.children) == {
        "supply",
        "shipments",
        "demand",
        "gap",
        "drivers",
        "calibration",
        "prior_gap",
    }
    gap = tree["gap"].to_dataset()
    assert gap.year.dt.year.values.tolist() == [2026, 2027, 2028]
    assert gap.surplus.dims == ("year", "draw") or set(gap.surplus.dims) == {"year", "draw"}
    assert ((gap.shortfall_probability >= 0) & (gap.shortfall_probability <= 1)).all()
    drivers = tree["drivers"].to_dataset()
    assert any(name.startswith("demand: ") for name in drivers.input.values)
    assert tree.attrs["scenario"] == "base" and tree.attrs["seed"] == "3"


def test_outlook_is_reproducible(tree):
    again = _quiet()
    xr.testing.assert_identical(tree["gap"].to_dataset(), again["gap"].to_dataset())


def test_headline_and_summary(tree):
    numbers = headline(tree)
    assert numbers.attrs["year"] == 2028
    q = numbers.supply_h100e.values
    assert q[0] <= q[1] <= q[2]
    text = summary(tree)
    assert "In 2028" in text and "90%" in text and "probability" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cooling": "oil"}, "'cooling' parameter"),
        ({"region": "mars"}, "'region' parameter"),
        ({"end": 2020}, "'end' parameter"),
        ({"calibrate": "yes"}, "'calibrate' parameter"),
        ({"oversample": 0}, "'oversample' parameter"),
    ],
)
def test_bad_outlook_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        outlook(n_draws=100, **kwargs)


def test_calibrate_false_is_the_prior_of_the_calibrated_outlook(tree, prior):
    assert set(prior.children) == {"supply", "shipments", "demand", "gap", "drivers"}
    assert prior.attrs["calibrated"] == "False"
    # The calibrated tree's prior gap is the uncalibrated outlook's gap, draw for draw.
    xr.testing.assert_allclose(tree["prior_gap"].to_dataset(), prior["gap"].to_dataset())
    np.testing.assert_allclose(
        headline(tree, 2028, prior=True)["ratio"], headline(prior, 2028)["ratio"]
    )


def test_posterior_draws_are_a_resample_of_paired_prior_draws(tree):
    record = tree["calibration"].to_dataset()
    n = tree["gap"].sizes["draw"]
    # Every stage (the prior's, then proposals) holds n demand draws.
    assert record.sizes["prior_draw"] == n
    assert record.attrs["stage"] in ("prior draws", *(f"proposal stage {k}" for k in (1, 2, 3)))
    assert float(record["weight"].sum()) == pytest.approx(1.0)
    assert 1 <= float(record["ess"]) <= n
    assert ("caution" in summary(tree)) == (float(record["ess"]) < 100)
    # Every posterior demand draw is a prior demand draw, with its own inputs.
    demand = tree["demand"].to_dataset()
    ratio = demand["other_providers_ratio"].values
    prior_ratio = record["input_prior"].sel(input="demand: other_providers_ratio").values
    assert prior_ratio[0] <= np.median(ratio) <= prior_ratio[2] * 10
    # Demand starts at the observed present, quarter by quarter like the supply.
    assert str(demand["quarter"].values[0])[:10] == "2024-01-01"
    assert tree.attrs["demand_freq"] == "quarter"
    observed = record["simulated_posterior"].sel(observation="tokens-google-2026-05-io")
    assert observed.sel(quantile=0.5) == pytest.approx(3.2e15, rel=0.5)


def test_prior_posterior_side_by_side(tree):
    both = prior_posterior(tree)
    assert both["distribution"].values.tolist() == ["prior", "posterior"]
    assert both["year"].values.tolist() == [2026, 2028]
    assert both["ratio"].dims == ("distribution", "year", "quantile")
    moved = moved_inputs(tree, 5)
    assert moved.sizes["input"] == 5
    shifts = np.abs(moved["input_shift"].values)
    assert (np.diff(shifts) <= 0).all() and (shifts <= 0.5).all()
    note = calibration_note(tree)
    assert "What calibration changed" in note and "draws" in note
    assert "\\_" in note or "_" not in note.split("moved most:")[1].split("The weighted")[0]


def test_uncalibrated_outlook_says_so(prior):
    assert "not calibrated" in calibration_note(prior)
    assert "before calibration" in summary(prior)
    with pytest.raises(ParameterError, match=r"'tree' parameter of gap\.prior_posterior"):
        prior_posterior(prior)


def test_a_regional_outlook_is_calibrated_against_the_world_installed_base(tree):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        china = outlook("base", end=2028, n_draws=400, seed=3, region="china")
    world, regional = tree["calibration"].to_dataset(), china["calibration"].to_dataset()
    # Same draws, same observations: the calibration does not depend on the region shown.
    np.testing.assert_allclose(world["weight"], regional["weight"])
    assert float(headline(china, 2028)["supply_h100e"][1]) < float(
        headline(tree, 2028)["supply_h100e"][1]
    )


def test_the_grid_power_ceiling_caps_the_world_supply_when_asked():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = outlook(n_draws=200, calibrate=False, seed=4)
        capped = outlook(n_draws=200, calibrate=False, seed=4, power_ceiling=True)
    s_free, s_capped = free["supply"]["h100e"], capped["supply"]["h100e"]
    assert bool((s_capped <= s_free * (1 + 1e-9)).all())
    assert float(s_capped.isel(quarter=-1).median()) < 0.8 * float(s_free.isel(quarter=-1).median())
    assert capped.attrs["power_ceiling"] == "True" and free.attrs["power_ceiling"] == "False"
    assert float(capped["shipments"]["power_capped_share"].max()) > 0
    with pytest.raises(ParameterError, match="power_ceiling"):
        outlook(n_draws=10, power_ceiling="yes")


def test_cooling_and_regions_are_declared_once():
    # gap's choices are the lower layers' own: demand's cooling, supply's regions plus "world",
    # and the bundled facility table's PUE presets name the same cooling choices.
    from workbench import demand, gap, supply
    from workbench.data import load
    from workbench.uncertainty import distributions_from_table

    assert gap.COOLING is demand.power.COOLING
    assert gap.REGIONS == ("world", *(r.lower() for r in supply.REGIONS))
    presets = distributions_from_table(load("facility_power"))
    assert {k.removeprefix("pue_") for k in presets if k.startswith("pue_")} == set(gap.COOLING)


def test_horizon_is_the_deprecated_name_of_end():
    # 'horizon' was a year here and a count of periods in supply.forecast: now end vs steps.
    with pytest.warns(DeprecationWarning, match=r"'horizon' parameter of gap\.outlook is now"):
        with pytest.raises(ParameterError, match=r"'end' parameter of gap\.outlook"):
            outlook(n_draws=100, horizon=2020)
    with pytest.raises(ParameterError, match=r"'horizon' parameter of gap\.outlook must be left"):
        outlook(n_draws=100, end=2030, horizon=2030)
    with pytest.raises(ParameterError, match=r"'end' parameter of gap\.outlook must be a year"):
        outlook(n_draws=100, end="soon")


def test_trees_saved_with_horizon_still_read(tree):
    old = tree.copy()
    old.attrs = {k: v for k, v in tree.attrs.items() if k != "end"} | {"horizon": 2028}
    assert headline(old).attrs["year"] == 2028


def test_headline_takes_a_year_in_any_form(tree):
    by_int = headline(tree, 2028)
    for year in ("2028", "2028-01-01", np.datetime64("2028-01-01")):
        assert headline(tree, year).identical(by_int)
    with pytest.raises(ParameterError, match=r"'year' parameter of gap\.headline"):
        headline(tree, 2040)


def test_the_fleet_in_use_is_not_explained_by_frontier_training_alone():
    # Issue 12's calibration, before AI workloads outside LLM serving and frontier training
    # had their own component: the installed base in use could only be filled by training, so
    # training_runs_per_year moved from 35 to 100, beyond its prior's 95th percentile (81),
    # and training was 97% of demand in 2030.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = outlook("base", end=2027, n_draws=2_000, seed=0)
    record = tree["calibration"].to_dataset()
    runs = "demand: training_runs_per_year"
    prior = record["input_prior"].sel(input=runs)
    posterior = record["input_posterior"].sel(input=runs)
    assert float(posterior.sel(quantile=0.5)) < float(prior.sel(quantile=0.95))
    other = record["input_posterior"].sel(input="demand: other_workload_h100e", quantile=0.5)
    assert 1e6 < float(other) < 2e7
    demand = tree["demand"].to_dataset().sel(quarter="2026").mean("quarter")
    assert float((demand.training_h100e / demand.h100e).median()) < 0.5
