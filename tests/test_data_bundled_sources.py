"""The bundled tables as issue 17 asks: source quality on every row, the missing chips, prices."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import data
from workbench.scaling.hardware import price_performance

QUALITIES = {"primary", "secondary", "estimate"}
# Content sites named in issue 17 that must never be a row's source.
NAMED_AGGREGATORS = (
    "dailywise.app",
    "moneycheck.com",
    "parameter.io",
    "smbom.com",
    "redplanx.com",
    "slicast.com",
    "techfastforward.com",
)
OWN_TABLES = data.list_datasets()  # every bundled table


@pytest.mark.parametrize("name", OWN_TABLES)
def test_every_row_says_how_good_its_source_is(name):
    ds = data.load(name)
    assert "source_quality" in ds, f"{name} has no source_quality column"
    rows = ds["source"].values.ravel() != ""
    values = set(ds["source_quality"].values.ravel()[rows].tolist())
    assert values <= QUALITIES, f"{name}: {values - QUALITIES}"


def test_the_named_aggregators_are_on_the_maintained_list():
    # tests/test_data_sources.py checks every table against the whole list.
    from workbench.data.sources import AGGREGATOR_DOMAINS

    assert set(NAMED_AGGREGATORS) <= AGGREGATOR_DOMAINS


def test_gb300_is_its_own_chip_and_tpu_fp8_is_not_invented():
    ds = data.load("accelerators")
    peak = ds.peak_flops
    gb300, b300 = "NVIDIA GB300 (per GPU)", "NVIDIA B300 (HGX)"
    assert peak.sel(chip=gb300, precision="fp8").item() == pytest.approx(5.0e15)
    assert peak.sel(chip=b300, precision="fp8").item() == pytest.approx(4.5e15)
    assert ds.tdp.sel(chip=gb300).item() == 1400 and ds.tdp.sel(chip=b300).item() == 1100
    for tpu in ("Google TPU v5p", "Google TPU v6e (Trillium)"):
        assert np.isnan(peak.sel(chip=tpu, precision="fp8").item())  # Google lists bf16/int8
        assert peak.sel(chip=tpu, precision="bf16").item() > 0
    names = " ".join(ds.chip.values)
    for fragment in ("Ascend 910B", "Ascend 910C", "Cambricon", "Trainium2", "Trainium3", "Maia"):
        assert fragment in names
    assert "MTIA" in names
    prices = data.load("shipment_prices")
    assert gb300 in prices.chip.values


def test_forty_chips_with_a_launch_price_feed_the_price_performance_trend():
    ds = data.load("accelerators")
    assert int(ds.launch_price.notnull().sum()) >= 40
    assert price_performance(ds, "fp32").sizes["chip"] >= 40
