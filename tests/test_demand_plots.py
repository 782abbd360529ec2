"""Chart builders of workbench.plots.demand: they build from demand results and refuse bad ones."""

from __future__ import annotations

import altair as alt
import numpy as np
import pytest
import xarray as xr

from workbench.demand import decode_throughput, simulate
from workbench.errors import ParameterError
from workbench.plots.demand import demand_fans, roofline_chart, workload_chart


@pytest.fixture(scope="module")
def result():
    return simulate(n_draws=300, end=2029, seed=1)


def test_roofline_chart_over_batch_and_chips():
    values = np.array([1, 8, 64, 512])
    batch = xr.DataArray(values, dims="batch", coords={"batch": values})
    out = decode_throughput(["NVIDIA H100 SXM", "NVIDIA B200 (HGX)"], params=70e9, batch=batch)
    chart = roofline_chart(out)
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert len(spec["datasets"][next(iter(spec["datasets"]))]) == 8  # 4 batches x 2 chips


def test_roofline_chart_needs_coordinates_and_dimensions():
    no_coords = decode_throughput(
        ["NVIDIA H100 SXM"], params=70e9, batch=xr.DataArray([1, 8], dims="batch")
    )
    with pytest.raises(ParameterError, match="'throughput'"):
        roofline_chart(no_coords)
    scalar = decode_throughput("NVIDIA H100 SXM", params=70e9)
    with pytest.raises(ParameterError, match="'throughput'"):
        roofline_chart(scalar)


def test_demand_fans_and_workload_chart(result):
    fans = demand_fans(result, ["tokens_per_second", "accelerators", "power"])
    assert isinstance(fans, alt.VConcatChart) and len(fans.vconcat) == 3
    chart = workload_chart(result)
    spec = chart.to_dict()
    rows = spec["datasets"][next(iter(spec["datasets"]))]
    assert {row["workload"] for row in rows} == {"inference", "training", "other"}
    with pytest.raises(ParameterError, match="'variables'"):
        demand_fans(result, ["nope"])
    with pytest.raises(ParameterError, match="'variables'"):
        workload_chart(result, variables=("inference_h100e", "power"))
