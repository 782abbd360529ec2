"""Supply charts build from the supply datasets (no rendering, no network)."""

from __future__ import annotations

import altair as alt
import pytest

from workbench.plots import supply as charts
from workbench.supply import (
    backtest,
    cap_forecast,
    capacity_ceiling,
    compare_to_published,
    estimate_shipments,
    forecast,
    installed_base,
)


@pytest.fixture(scope="module")
def results():
    shipments = estimate_shipments(None, n_draws=100, seed=0)
    nvidia = estimate_shipments("NVIDIA", n_draws=100, seed=0)
    series = nvidia["h100e"].sum("chip").median("draw")
    ceiling = capacity_ceiling(vendor="NVIDIA", n_draws=100)
    return {
        "shipments": shipments,
        "nvidia": nvidia,
        "base": installed_base(nvidia, breakdown="region"),
        "forecast": cap_forecast(forecast(series, method="loglinear"), ceiling),
        "backtest": backtest(series, method="loglinear"),
        "ceiling": ceiling,
        "comparison": compare_to_published(shipments),
    }


def test_every_builder_returns_a_chart(results):
    built = [
        charts.shipments_chart(results["shipments"], by="vendor"),
        charts.shipments_chart(results["nvidia"], variable="h100e", by=None),
        charts.cumulative_chart(
            results["shipments"], by="vendor", comparison=results["comparison"]
        ),
        charts.cumulative_chart(results["shipments"], comparison=results["comparison"]),
        charts.installed_base_chart(results["base"], variable="power"),
        charts.installed_base_chart(results["base"], variable="flops", by="region", log=True),
        charts.forecast_chart(results["forecast"], log=True),
        charts.backtest_chart(results["backtest"]),
        charts.ceiling_chart(results["ceiling"], shipments=results["nvidia"]),
        charts.comparison_chart(results["comparison"]),
    ]
    for chart in built:
        assert isinstance(chart, alt.TopLevelMixin)
        assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite")


def test_unknown_variable_is_named(results):
    from workbench.errors import ParameterError

    with pytest.raises(ParameterError, match=r"'variable' parameter of plots\.shipments_chart"):
        charts.shipments_chart(results["nvidia"], variable="wafers")


def test_forecast_chart_draws_a_forecast_fit_from_its_prediction(results):
    series = results["nvidia"]["h100e"].sum("chip").median("draw")
    fit = forecast(series, steps=4, method="loglinear")
    spec = charts.forecast_chart(fit).to_dict()
    rows = next(iter(spec["datasets"].values()))
    expected = fit.predict()
    assert len(rows) == expected.sizes["quarter"]
    assert sum(r["mean"] is not None for r in rows) == 4
    encodings = [layer["encoding"]["y"]["field"] for layer in spec["layer"]]
    assert encodings == ["lower", "observed", "mean"]
