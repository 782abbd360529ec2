"""The public-debate questions return numbers with intervals, from the modules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.gap import questions


def test_compute_growth_beats_moore_with_an_interval():
    result = questions.compute_growth_vs_moore()
    trend = result.isel(series=0)
    assert trend.growth_lower < trend.growth < trend.growth_upper
    moore_18 = result.sel(series="Moore's law (x2 every 18 months)")
    assert moore_18.growth.item() == pytest.approx(2.0)
    assert trend.growth_lower > moore_18.growth  # the data say compute outpaces Moore's law
    assert result.attrs["points"] >= 10


def test_training_vs_inference_shares_are_probabilities():
    years = pd.date_range("2026", periods=3, freq="YS")
    rng = np.random.default_rng(0)
    inference = xr.DataArray(
        rng.lognormal(0, 1, (3, 200)),
        dims=("year", "draw"),
        coords={"year": years},
        attrs={"units": "FLOP/s"},
    )
    training = xr.DataArray(
        rng.lognormal(0, 1, (3, 200)),
        dims=("year", "draw"),
        coords={"year": years},
        attrs={"units": "FLOP/s"},
    )
    result = questions.training_vs_inference(
        xr.Dataset(
            {
                "inference_flops": inference,
                "training_flops": training,
                "flops_required": inference + training,
            }
        )
    )
    share = result.inference_share
    assert ((share >= 0) & (share <= 1)).all()
    assert (share.sel(quantile=0.05) <= share.sel(quantile=0.95)).all()
    expected = (inference > training).mean("draw")
    xr.testing.assert_allclose(result.inference_exceeds_training, expected)
    with pytest.raises(ParameterError, match="simulate result"):
        questions.training_vs_inference(xr.Dataset({"inference_flops": inference}))


def test_liquid_cooling_needs_less_power():
    result = questions.power_by_cooling(n_draws=300, seed=1, start=2026, end=2027)
    median = result.power.sel(quantile=0.5)
    assert (median.sel(cooling="liquid") < median.sel(cooling="air")).all()
    assert (result.power_saved.sel(quantile=0.05) > 0).all()
    assert result.power.attrs["units"] == "MW"


def test_china_share_from_an_installed_base_by_region():
    quarters = pd.date_range("2025", periods=2, freq="QS")
    by_region = xr.DataArray(
        np.stack([np.full((2, 50), 1.0), np.full((2, 50), 9.0)], axis=1),
        dims=("quarter", "region", "draw"),
        coords={"quarter": quarters, "region": ["china", "rest of world"]},
    )
    base = xr.Dataset({"h100e_by_region": by_region, "h100e": by_region.sum("region")})
    result = questions.china_vs_world(base)
    assert np.allclose(result.china_share.values, 0.1)
    with pytest.raises(ParameterError, match="breakdown='region'"):
        questions.china_vs_world(base.drop_vars("h100e_by_region"))


def test_compute_gets_cheaper_over_time():
    result = questions.compute_cost_trend()
    assert result.growth_per_year_lower < result.growth_per_year < result.growth_per_year_upper
    assert result.growth_per_year > 1
    assert result.n >= 8
    assert set(np.unique(result.price_basis.values)) <= {
        "average selling price (median)",
        "launch price",
    }
    assert result.flops_per_usd.attrs["units"] == "FLOP/s/USD"
