"""Shipments against a published per-quarter estimate, quarter by quarter."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench import data
from workbench.errors import ParameterError
from workbench.supply import compare_by_quarter, estimate_shipments


@pytest.fixture(scope="module")
def google():
    return estimate_shipments("Google", n_draws=2000, seed=0)


def published_from(shipments, factor):
    """A per-quarter 'publication' made from our own draws, scaled by ``factor`` per quarter."""
    total = shipments["h100e"].sum("chip", min_count=1).dropna("quarter")
    q = total.quantile([0.05, 0.5, 0.95], dim="draw").rename(quantile="quantile")
    q = (q * xr.DataArray(factor(np.arange(total.sizes["quarter"])), dims="quarter")).transpose(
        "quarter", "quantile"
    )
    values = q.expand_dims(chip=["TPU"], axis=1)
    return xr.Dataset(
        {"h100e": values, "manufacturer": ("chip", ["Google"])},
        attrs={"source": "a test publication", "license": "CC0-1.0"},
    )


def test_our_own_quantiles_agree_everywhere(google):
    published = published_from(google, lambda i: np.ones(i.size))
    out = compare_by_quarter(google, published)
    np.testing.assert_allclose(out["ratio"], 1.0, rtol=1e-12)
    assert bool(out["inside"].all()) and out.attrs["quarters_outside"] == 0
    np.testing.assert_allclose(out.attrs["width_ratio"], 1.0, rtol=1e-9)
    assert out.attrs["license"] == "CC-BY-4.0; CC0-1.0"  # both inputs' licences, none invented


def test_a_quarter_published_three_times_higher_is_outside(google):
    published = published_from(google, lambda i: np.where(i == 2, 3.0, 1.0))
    out = compare_by_quarter(google, published)
    assert out.attrs["quarters_outside"] == 1
    assert not bool(out["inside"].isel(quarter=2))
    assert float(out["ratio"].isel(quarter=2)) == pytest.approx(1 / 3)


def test_bad_inputs_are_named(google):
    with pytest.raises(ParameterError, match=r"'published'.*vendor the shipments cover"):
        other = published_from(google, lambda i: np.ones(i.size))
        compare_by_quarter(google, other.assign(manufacturer=("chip", ["Huawei"])))
    with pytest.raises(ParameterError, match="'quantity'"):
        compare_by_quarter(google, published_from(google, lambda i: np.ones(i.size)), quantity="x")
    with pytest.raises(ParameterError, match="'shipments'"):
        compare_by_quarter(xr.Dataset(), xr.Dataset())


def test_against_epochs_real_tpu_file(google, epoch_snapshot):
    epoch = data.read_epoch_chip_sales(epoch_snapshot("tpu_calendar_quarter_chip_timelines.csv"))
    out = compare_by_quarter(google, epoch)
    assert out.attrs["quarters"] >= 8
    # Two independent estimates from the same filings: medians within a factor of two in
    # most quarters (the newest quarter of a snapshot is often incomplete at the publisher).
    assert float((np.abs(np.log(out["ratio"])) < np.log(2)).mean()) >= 0.75
