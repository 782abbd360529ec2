"""Moore's-law references and the growth comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.scaling import fit_trend, growth_comparison, moores_law


def test_moores_law_doubles_every_period():
    times = np.array(["2020-01-01", "2022-01-01", "2024-01-01"], dtype="datetime64[ns]")
    line = moores_law(times, start_value=3.0, doubling_months=24)
    np.testing.assert_allclose(line.values, [3, 6, 12], rtol=2e-3)
    assert line.attrs["units"] == "1"
    with pytest.raises(ParameterError, match="doubling_months"):
        moores_law(times, doubling_months=0)


def test_growth_comparison_against_moore():
    dates = pd.date_range("2015-01-01", periods=10, freq="YS")
    values = 10.0 ** (np.arange(10) * 0.5) * np.array([1, 1.1, 0.9] * 3 + [1])
    fit = fit_trend(values, dates)
    table = growth_comparison(fit, months=18)
    assert table.sizes["series"] == 3
    assert table.growth[0] == pytest.approx(fit.growth_over(18))
    assert table.growth[1] == pytest.approx(2.0)
    assert table.growth[2] == pytest.approx(2**0.75)
    assert table.growth_lower[0] < table.growth[0] < table.growth_upper[0]
    assert table.doubling_time_months.attrs["units"] == "month"
