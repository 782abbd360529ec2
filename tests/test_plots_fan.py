"""Fan-chart bands: each band shows its own quantiles, never the nearest others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import ParameterError
from workbench.plots.fan import fan_chart, quantile_bands


def ready_quantiles(probs):
    years = pd.date_range("2026", periods=3, freq="YS")
    values = np.array([[100 * p + y for y in range(3)] for p in probs])
    return xr.DataArray(
        values,
        dims=("quantile", "year"),
        coords={"quantile": list(probs), "year": years},
        attrs={"long_name": "Accelerators", "units": "1"},
    )


def test_a_band_missing_from_given_quantiles_is_an_error_not_the_90_percent_bounds():
    # Issue 16: given (0.05, 0.5, 0.95), the "50%" band silently showed the 90% bounds.
    da = ready_quantiles((0.05, 0.5, 0.95))
    with pytest.raises(ParameterError, match=r"the 50% band needs 0.25 and 0.75"):
        quantile_bands(da, x="year", levels=(0.5, 0.9))
    with pytest.raises(ParameterError, match="levels"):
        fan_chart(da, x="year")


def test_given_quantiles_give_exactly_their_bands():
    da = ready_quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
    table = quantile_bands(da, x="year", levels=(0.5, 0.9))
    first = table[table["year"] == pd.Timestamp("2026")].set_index("level")
    assert first.loc["50%", ["lower", "median", "upper"]].tolist() == [25, 50, 75]
    assert first.loc["90%", ["lower", "median", "upper"]].tolist() == [5, 50, 95]
    only_90 = quantile_bands(ready_quantiles((0.05, 0.5, 0.95)), x="year", levels=(0.9,))
    assert set(only_90["level"]) == {"90%"} and only_90["lower"].iloc[0] == 5


def test_bands_from_draws_match_numpy_quantiles(rng):
    draws = xr.DataArray(
        rng.normal(size=(2_000, 2)), dims=("draw", "year"), coords={"year": [1, 2]}
    )
    table = quantile_bands(draws, x="year", levels=(0.5,))
    expected = np.quantile(draws.values[:, 0], [0.25, 0.75])
    assert table.loc[0, ["lower", "upper"]].tolist() == pytest.approx(expected)
