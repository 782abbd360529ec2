"""Sweeps: parsing --sweep, the cartesian product, and member folder names."""

from __future__ import annotations

import pytest

from workbench.errors import ParameterError
from workbench.reports.sweep import expand_sweep, member_folder, parse_sweep


def test_parse_sweep_splits_outside_brackets():
    assert parse_sweep("scenario=low,base,high") == ("scenario", ["low", "base", "high"])
    assert parse_sweep("regions=[us,eu],[cn]") == ("regions", ["[us,eu]", "[cn]"])


@pytest.mark.parametrize("text", ["scenario=", "scenario=a,,b", "scenario=a,"])
def test_empty_sweep_values_are_refused(text):
    with pytest.raises(ParameterError, match="The sweep of 'scenario' must list values"):
        parse_sweep(text)


def test_expand_is_the_cartesian_product_first_key_slowest():
    members = expand_sweep({"horizon": [2030, 2035], "scenario": ["low", "high"]})
    assert members == [
        {"horizon": 2030, "scenario": "low"},
        {"horizon": 2030, "scenario": "high"},
        {"horizon": 2035, "scenario": "low"},
        {"horizon": 2035, "scenario": "high"},
    ]


@pytest.mark.parametrize("values", ["low", [], 3])
def test_sweep_values_must_be_a_non_empty_list(values):
    with pytest.raises(ParameterError, match="must be a non-empty list"):
        expand_sweep({"scenario": values})


def test_member_folder_names_are_safe_and_readable():
    assert member_folder({"scenario": "high", "horizon": 2030}) == "scenario=high,horizon=2030"
    assert member_folder({"enabled": True, "years": [1, 2]}) == "enabled=true,years=[1%2C2]"
    assert member_folder({"path": "../x/y"}) == "path=..%2Fx%2Fy"
    assert "/" not in member_folder({"label": "a/b\\c"})


def test_long_member_folder_names_are_shortened_with_a_digest():
    long_one = member_folder({"label": "x" * 400})
    other = member_folder({"label": "x" * 399 + "y"})
    assert len(long_one.encode()) <= 200
    assert long_one != other
    assert long_one.startswith("label=xxx")
