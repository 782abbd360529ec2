"""Bad input (issue 4, item 6): a workbench error naming the parameter and the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from supply_cases import A100, H100
from supply_cases import fixed_assumptions as assumptions

from workbench.errors import ParameterError, WorkbenchError
from workbench.supply import estimate_shipments, forecast


def test_negative_revenue():
    with pytest.raises(ParameterError) as info:
        estimate_shipments(assumptions=assumptions(revenue={"2024Q1": 1e9, "2024Q2": -5e8}))
    message = str(info.value)
    assert "\"assumptions['revenue']\" parameter of supply.estimate_shipments" in message
    assert "non-negative revenue" in message and "2024Q2" in message and "-500000000.0" in message
    assert (
        isinstance(info.value, WorkbenchError) and info.value.parameter == "assumptions['revenue']"
    )


def test_negative_revenue_in_a_dataset():
    quarters = pd.date_range("2024-01-01", periods=2, freq="QS")
    revenue = xr.Dataset(
        {"revenue": (("vendor", "quarter"), [[1e9, -1.0]])},
        coords={"vendor": ["NVIDIA"], "quarter": quarters},
    )
    with pytest.raises(
        ParameterError, match=r"non-negative revenue in USD; got \('NVIDIA, 2024Q2', -1.0\)"
    ):
        estimate_shipments(assumptions=assumptions(revenue=revenue))


def test_mix_shares_not_summing_to_one():
    with pytest.raises(ParameterError) as info:
        estimate_shipments(assumptions=assumptions(mix={H100: 0.6, A100: 0.3}))
    message = str(info.value)
    assert "\"assumptions['mix']\"" in message and "summing to 1" in message
    assert "shares sum to 0.9" in message


def test_mix_shares_per_period_not_summing_to_one():
    mix = {"2024Q1": {H100: 1.0}, "2024Q2": {H100: 0.7, A100: 0.7}}
    with pytest.raises(ParameterError, match=r"NVIDIA 2024Q2: shares sum to 1.4"):
        estimate_shipments(assumptions=assumptions(mix=mix))


def test_price_interval_with_lower_above_upper():
    with pytest.raises(ParameterError) as info:
        estimate_shipments(assumptions=assumptions(prices={H100: (30_000, 20_000), A100: 10_000.0}))
    message = str(info.value)
    assert "\"assumptions['prices']\"" in message and "0 < low < high" in message
    assert "('NVIDIA H100 SXM', 30000.0, 20000.0)" in message


def test_chip_missing_from_accelerators():
    with pytest.raises(ParameterError) as info:
        estimate_shipments(
            assumptions=assumptions(
                mix={"NVIDIA H999": 0.5, A100: 0.5}, prices={"NVIDIA H999": 1.0, A100: 1.0}
            )
        )
    message = str(info.value)
    assert "\"assumptions['mix']\"" in message and "accelerators table" in message
    assert "'NVIDIA H999'" in message


def test_chip_without_a_price():
    with pytest.raises(ParameterError, match=r"a price for every chip in the mix; got 'NVIDIA L4'"):
        estimate_shipments(assumptions=assumptions(mix={"NVIDIA L4": 1.0}))


def test_series_too_short_for_the_model():
    quarters = pd.date_range("2024-01-01", periods=4, freq="QS")
    short = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="quarter", coords={"quarter": quarters})
    with pytest.raises(ParameterError) as info:
        forecast(short, method="arima")
    message = str(info.value)
    assert "'series' parameter of supply.forecast" in message
    assert "at least 6 observations for method='arima'" in message and "'4 observations'" in message


@pytest.mark.parametrize(
    ("kwargs", "parameter", "value"),
    [
        ({"vendor": "Cerebras"}, "vendor", "'Cerebras'"),
        ({"n_draws": 0}, "n_draws", "0"),
        ({"seed": -1}, "seed", "-1"),
        ({"assumptions": {"margin": 0.5}}, "assumptions", "'margin'"),
        ({"assumptions": assumptions(compute_share=1.5)}, "assumptions['compute_share']", "1.5"),
        (
            {"assumptions": assumptions(compute_share=(0.6, 0.4))},
            "assumptions['compute_share']",
            "0.6",
        ),
    ],
)
def test_other_bad_arguments(kwargs, parameter, value):
    with pytest.raises(ParameterError) as info:
        estimate_shipments(**kwargs)
    assert info.value.parameter == parameter
    assert value in str(info.value)


def test_bundled_defaults_pass_their_own_checks():
    ds = estimate_shipments(None, n_draws=10, seed=0)
    assert np.isfinite(ds["units"].sel(quarter="2025-01-01")).all()
