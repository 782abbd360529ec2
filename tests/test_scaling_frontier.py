"""Frontier selection on a small hand-built models dataset."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.scaling import frontier


@pytest.fixture
def models():
    dates = np.array(
        ["2015-01-01", "2016-01-01", "2017-01-01", "2018-01-01", "2019-01-01", "2020-01-01"],
        dtype="datetime64[ns]",
    )
    compute = np.array([1e20, 1e19, 1e22, 1e21, np.nan, 1e24])
    return xr.Dataset(
        {
            "training_compute": ("model", compute, {"units": "FLOP", "long_name": "Compute"}),
            "publication_date": ("model", dates),
        },
        coords={"model": ["a", "b", "c", "d", "e", "f"]},
        attrs={"source": "test", "license": "CC0-1.0", "as_of": "2026-11-25"},
    )


def test_running_top_one_keeps_record_setters(models):
    selected = frontier(models, n=1)
    assert list(selected.model.values) == ["a", "c", "f"]
    assert "running top 1" in selected.attrs["frontier"]
    assert selected.attrs["license"] == "CC0-1.0"


def test_running_top_two(models):
    assert list(frontier(models, n=2).model.values) == ["a", "b", "c", "d", "f"]


def test_residual_method_keeps_models_above_the_trend(models):
    selected = frontier(models, "residual", margin=0.0)
    assert 0 < selected.sizes["model"] < 5
    assert "e" not in selected.model.values


def test_bad_method_lists_choices(models):
    with pytest.raises(ParameterError, match="'top_n' or 'residual'"):
        frontier(models, "best")
    with pytest.raises(ParameterError, match="'variable'"):
        frontier(models, variable="flops")
