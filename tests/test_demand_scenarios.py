"""Demand scenarios: the bundled table, users' own files, overrides and their checks."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from workbench import uncertainty
from workbench.data import dataset_path
from workbench.demand import INPUTS, list_scenarios, load_scenarios, scenario_inputs, simulate
from workbench.errors import DataError, ParameterError, WorkbenchError

SMALL = {"n_draws": 200, "end": 2027}


def test_bundled_scenarios_cover_every_input_with_a_source():
    table = load_scenarios()
    assert sorted(list_scenarios()) == ["base", "bear", "bull"]
    for key in ("source", "license", "as_of", "base_date"):
        assert table.attrs[key]
    tabled = {n for n in INPUTS if n != "initial_token_growth"}  # fitted to token_volume
    for scenario in ("bear", "base", "bull"):
        rows = table.sel(scenario=scenario)
        assert {str(i) for i in rows.input.values if rows.dist.sel(input=i).item()} == tabled
        for name in tabled:
            row = rows.sel(input=name)
            assert row.units.item() == INPUTS[name].units, name
            assert row.source.item().strip(), name
            assert row.rationale.item().strip(), name


@pytest.mark.parametrize("scenario", ["bear", "base", "bull"])
def test_bundled_distributions_match_their_rows(scenario):
    inputs = scenario_inputs(scenario, token_model="drivers")
    table = load_scenarios().sel(scenario=scenario)
    for name, dist in inputs.distributions.items():
        row = table.sel(input=name)
        low, high = float(row.low), float(row.high)
        if row.dist.item() == "uniform":
            assert (dist.low, dist.high) == (low, high)
        else:
            np.testing.assert_allclose(dist.interval(float(row.level)), (low, high), rtol=1e-6)


def test_bear_demand_is_below_bull_demand():
    bear = simulate("bear", n_draws=2_000, end=2032, seed=1)
    bull = simulate("bull", n_draws=2_000, end=2032, seed=1)
    last = {"year": bear.year[-1]}
    assert float(bear.h100e.sel(last).median()) < float(bull.h100e.sel(last).median())


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"active_share": 1.5}, "active_share"),
        ({"input_share": (0.5, 1.2)}, "input_share"),  # a lognormal reaching above 1
        ({"liquid_share": {"dist": "normal", "low": 0.2, "high": 0.8}}, "liquid_share"),
        ({"model_params": -7e10}, "model_params"),
        ({"pue_air": 0.9}, "pue_air"),
        ({"peak_to_average": {"dist": "uniform", "low": 0.5, "high": 2}}, "peak_to_average"),
        (
            {"training_runs_per_year": {"dist": "normal", "low": 1, "high": 5}},
            "training_runs_per_year",
        ),
        ({"mbu": 0.0}, "mbu"),
    ],
)
def test_impossible_values_are_refused_naming_the_input(overrides, name):
    with pytest.raises(ParameterError) as info:
        simulate(**SMALL, **overrides)
    assert f"'{name}' parameter of demand.simulate" in str(info.value)


def test_negative_counts_are_refused_in_the_drivers_model():
    with pytest.raises(ParameterError, match=r"'users' parameter of demand\.simulate"):
        simulate(token_model="drivers", users=-5.0, **SMALL)


def test_unknown_and_misplaced_inputs_are_refused():
    with pytest.raises(ParameterError, match=r"'usres'.*'users'"):
        simulate(token_model="drivers", usres=1e9, **SMALL)
    with pytest.raises(ParameterError, match=r"'users'.*token_model='drivers'"):
        simulate(users=1e9, **SMALL)
    with pytest.raises(ParameterError, match="'token_model'"):
        simulate(token_model="vibes", **SMALL)
    with pytest.raises(ParameterError, match=r"'scenario'.*'base'"):
        simulate("bullish", **SMALL)
    with pytest.raises(ParameterError, match="'end'"):
        simulate(start=2030, end=2026, n_draws=10)
    with pytest.raises(ParameterError, match="'n_draws'"):
        simulate(n_draws=0)


def test_overrides_replace_scenario_inputs():
    inputs = scenario_inputs("base", users=2e9, mbu=(0.6, 0.7), token_model="drivers")
    assert inputs.distributions["users"] == uncertainty.Fixed(2e9)
    assert isinstance(inputs.distributions["mbu"], uncertainty.LogNormal)
    assert inputs.origin["users"] == "override" and inputs.origin["model_params"] == "base"


def _write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _base_rows():
    with open(dataset_path("demand_scenarios"), encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["scenario"] == "base"]


def test_a_users_scenario_file_fills_gaps_from_base(tmp_path):
    rows = [dict(r, scenario="mine") for r in _base_rows() if r["input"] == "peak_to_average"]
    rows[0].update(dist="fixed", low="", high="", value="3.0", level="")
    path = tmp_path / "mine.csv"
    _write_rows(path, rows)
    ds = simulate(path, **SMALL)
    assert ds.attrs["scenario"] == "mine (mine.csv)"
    assert (ds.peak_to_average == 3.0).all()
    assert ds.peak_to_average.attrs["origin"] == "mine"
    assert ds.model_params.attrs["origin"] == "base"
    np.testing.assert_allclose(ds.tokens_per_second_peak, 3.0 * ds.tokens_per_second)
    # The user's numbers state no licence: the result's is theirs (unknown) beside the
    # bundled tables' it also used, never the bundled licence alone.
    assert ds.attrs["license"].split("; ")[0] == "unknown"
    assert "scenario table mine.csv" in ds.attrs["source"]


def test_simulate_cites_its_inputs_licences():
    from workbench.data import load

    ds = simulate("base", **SMALL)
    tables = ("demand_scenarios", "token_volume", "accelerators", "demand_correlations")
    stated = {load(name).attrs["license"] for name in tables}
    assert ds.attrs["license"] == "; ".join(sorted(stated))
    assert ds.attrs["as_of"] == max(load(name).attrs["as_of"] for name in tables)
    mine = simulate("base", correlation={("efficiency_gain", "efficiency_growth"): 0.3}, **SMALL)
    assert "user-supplied data" in mine.attrs["source"]  # the caller's correlations


def test_a_users_file_with_several_scenarios_needs_a_name(tmp_path):
    rows = [dict(r, scenario=s) for s in ("a", "b") for r in _base_rows()[:2]]
    path = tmp_path / "two.csv"
    _write_rows(path, rows)
    with pytest.raises(ParameterError, match=r"'scenario'.*several"):
        simulate(path, **SMALL)
    assert simulate((path, "b"), **SMALL).attrs["scenario"] == "b (two.csv)"


def test_a_users_file_is_checked_row_by_row(tmp_path):
    row = dict(_base_rows()[0], scenario="mine")
    wrong_units = dict(row, units="GW")
    _write_rows(tmp_path / "units.csv", [wrong_units])
    with pytest.raises(ParameterError, match=f"'{row['input']}'.*units"):
        simulate(tmp_path / "units.csv", **SMALL)
    unknown = dict(row, input="vibes")
    _write_rows(tmp_path / "unknown.csv", [unknown])
    with pytest.raises(ParameterError, match=r"'scenario'.*vibes"):
        simulate(tmp_path / "unknown.csv", **SMALL)
    no_source = dict(row, source="")
    _write_rows(tmp_path / "nosource.csv", [no_source])
    with pytest.raises(DataError, match="source"):
        simulate(tmp_path / "nosource.csv", **SMALL)
    with pytest.raises(WorkbenchError, match=r"missing.csv"):
        simulate(tmp_path / "missing.csv", **SMALL)


@pytest.mark.parametrize("cooling", ["air", "liquid"])
def test_cooling_choice_sets_the_pue(cooling):
    ds = simulate(cooling=cooling, **SMALL)
    np.testing.assert_allclose(ds.pue, ds[f"pue_{cooling}"])


def test_cooling_errors():
    with pytest.raises(ParameterError, match="'cooling'"):
        simulate(cooling="gas", **SMALL)
    with pytest.raises(ParameterError, match="'liquid_share'"):
        simulate(cooling="air", liquid_share=0.5, **SMALL)


def test_owner_is_ignored_with_a_deprecation_warning():
    from workbench.demand import load_correlations, scenario_inputs

    with pytest.warns(DeprecationWarning, match=r"'owner' parameter of demand\.scenario_inputs"):
        scenario_inputs("base", owner="simulate")
    with pytest.warns(DeprecationWarning, match="is ignored"):
        load_correlations(owner="simulate")
