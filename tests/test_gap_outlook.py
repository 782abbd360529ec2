"""The outlook joins supply and demand; its summary states numbers with intervals."""

from __future__ import annotations

import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.gap import headline, outlook, summary


@pytest.fixture(scope="module")
def tree():
    return outlook("base", horizon=2028, n_draws=400, seed=3)


def test_outlook_holds_every_stage(tree):
    assert set(tree.children) == {"supply", "shipments", "demand", "gap", "drivers"}
    gap = tree["gap"].to_dataset()
    assert gap.year.dt.year.values.tolist() == [2026, 2027, 2028]
    assert gap.surplus.dims == ("year", "draw") or set(gap.surplus.dims) == {"year", "draw"}
    assert ((gap.shortfall_probability >= 0) & (gap.shortfall_probability <= 1)).all()
    drivers = tree["drivers"].to_dataset()
    assert any(name.startswith("demand: ") for name in drivers.input.values)
    assert tree.attrs["scenario"] == "base" and tree.attrs["seed"] == "3"


def test_outlook_is_reproducible(tree):
    again = outlook("base", horizon=2028, n_draws=400, seed=3)
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
        ({"horizon": 2020}, "'horizon' parameter"),
    ],
)
def test_bad_outlook_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        outlook(n_draws=100, **kwargs)
