"""Capacity by the binding resource: decode against memory bandwidth, the rest against FLOP/s."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.test_gap import annual_demand, quarterly_supply
from workbench import demand, supply
from workbench.gap import compute_gap, occupancy


def _with_bandwidth(ds, per_flop_h100e, *, bound=None):
    """``ds`` with a bandwidth count: supply ``h100e_bandwidth``, or demand ``bandwidth_h100e``."""
    if bound is None:
        return ds.assign(h100e_bandwidth=ds["h100e"] * per_flop_h100e)
    return ds.assign(bandwidth_h100e=ds["h100e"] * bound)


def test_a_fleet_of_h100s_compares_as_before():
    s = quarterly_supply([100, 200, 300, 400, 500, 600, 700, 800])
    d = annual_demand([300, 600, 900])
    before = compute_gap(s, d)
    after = compute_gap(_with_bandwidth(s, 1.0), _with_bandwidth(d, None, bound=0.6))
    np.testing.assert_allclose(after.ratio, before.ratio)
    np.testing.assert_allclose(after.binding_factor, 1.0)
    assert "binding resource" in after.attrs["alignment"]
    assert "binding resource" not in before.attrs["alignment"]


def test_bandwidth_rich_fleet_serves_decode_its_flops_would_not():
    # End of 2025Q4: 400 H100e by FLOP/s, 1,200 by bandwidth (an H20-like fleet). Demand at
    # 1 January 2026: 600 H100e, 500 of them decode (bandwidth-bound). Occupied share:
    # 100 / 400 + 500 / 1200 = 0.25 + 0.41667; ratio = 1 / 0.66667 = 1.5 (by FLOP/s: 0.667).
    s = _with_bandwidth(quarterly_supply([100, 200, 300, 400]), 3.0)
    d = _with_bandwidth(annual_demand([600], start="2026-01-01"), None, bound=500 / 600)
    gap = compute_gap(s, d).squeeze("year")
    assert float(gap.ratio) == pytest.approx(1.5)
    assert float(gap.demand_h100e) == pytest.approx(400 / 1.5)
    assert float(gap.binding_factor) == pytest.approx((400 / 1.5) / 600)
    # FLOP/s and power restated with it (they are proportional to the chips installed).
    assert float(gap.demand_flops) == pytest.approx(400 / 1.5 * 1e15)
    assert float(gap.ratio) == pytest.approx(1 / occupancy(600, 500, 400, 1200))


def test_without_a_bandwidth_count_on_one_side_demand_is_compared_by_flops():
    s = _with_bandwidth(quarterly_supply([100, 200, 300, 400]), 3.0)
    d = annual_demand([600], start="2026-01-01")
    gap = compute_gap(s, d).squeeze("year")
    assert float(gap.ratio) == pytest.approx(400 / 600)
    assert "binding_factor" not in gap


def test_shipments_and_installed_base_count_bandwidth_per_chip():
    shipments = supply.estimate_shipments("NVIDIA", n_draws=50, seed=0)
    per_unit = (shipments.h100e_bandwidth / shipments.units).median("draw")
    # H20: 4.0 TB/s of HBM against the H100's 3.35; 148 TFLOP/s bf16 against 989.4.
    h20 = per_unit.sel(chip="NVIDIA H20").dropna("quarter")
    assert float(h20[0]) == pytest.approx(4.0 / 3.35)
    by_flops = (shipments.h100e / shipments.units).sel(chip="NVIDIA H20").dropna("quarter")
    assert float(by_flops.median()) == pytest.approx(148 / 989.4, rel=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        projected = supply.project_shipments(shipments, end=2028)
    base = supply.installed_base(projected)
    assert base.h100e_bandwidth.attrs["units"] == "1"
    assert bool((base.h100e_bandwidth > 0).all())


def test_decode_is_the_bandwidth_bound_part_of_demand():
    d = demand.simulate("base", n_draws=300, start=2024, end=2028, seed=3)
    assert bool((d.bandwidth_h100e <= d.h100e * (1 + 1e-12)).all())
    assert bool((d.bandwidth_h100e >= 0).all())
    # Decode is bandwidth-bound at any realistic batch: nearly all of it is in the count.
    share = (d.bandwidth_h100e / d.decode_h100e).median("draw")
    assert bool((share > 0.9).all())


def test_china_against_world_gains_from_bandwidth_rich_export_chips():
    # The case: an H20 is 0.15 H100e by FLOP/s and about 1.2 by bandwidth, so a
    # China fleet compared by FLOP/s alone understates the decode it can serve.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shipments = supply.estimate_shipments(None, n_draws=400, seed=0)
        china = shipments.where(shipments["region"] == "China", drop=True)
        base = supply.installed_base(supply.project_shipments(china, end=2028))
    # At 1 January 2025 (the end of 2024Q4), when H20s were most of what China received;
    # LLM demand alone (other AI workloads count by FLOP/s and dilute the decode share).
    need = demand.simulate(
        "base", n_draws=400, start=2025, end=2026, seed=5, other_workload_h100e=0.0
    )
    binding = compute_gap(base, need)
    by_flops = compute_gap(base.drop_vars("h100e_bandwidth"), need)
    gain = (binding.ratio / by_flops.ratio).median("draw")
    assert bool((gain > 1.05).all()), gain.values
