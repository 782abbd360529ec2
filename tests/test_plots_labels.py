"""Axis titles: one rule for every chart, ``long_name [units]``."""

from __future__ import annotations

import xarray as xr

from workbench.plots.labels import axis_title, with_units


def test_units_follow_the_label_unless_dimensionless():
    assert with_units("Training compute", "FLOP") == "Training compute [FLOP]"
    assert with_units("Utilisation", "1") == "Utilisation"
    assert with_units("Count", None) == "Count"


def test_the_label_falls_back_to_default_then_name_then_value():
    described = xr.DataArray([1.0], name="power", attrs={"long_name": "Power", "units": "MW"})
    assert axis_title(described) == "Power [MW]"
    assert axis_title(described, "ignored") == "Power [MW]"
    bare = xr.DataArray([1.0], name="loss", attrs={"units": "nat"})
    assert axis_title(bare, "Loss") == "Loss [nat]"
    assert axis_title(bare) == "loss [nat]"
    assert axis_title(xr.DataArray([1.0])) == "value"
