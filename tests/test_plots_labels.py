"""Axis titles: one rule for every chart, ``long_name [units]``."""

from __future__ import annotations

import xarray as xr

from workbench.plots.labels import axis_title, with_units


def test_units_follow_the_label_unless_dimensionless():
    assert with_units("Training compute", "FLOP") == "Training compute [FLOP]"
    assert with_units("Utilisation", "1") == "Utilisation"
    assert with_units("Count", None) == "Count"


def test_the_label_falls_back_to_default_then_name_then_value():
    described = xr.DataArray([1.0], name="power", attrs={"long_name": "Power", "units": "MW"})
    assert axis_title(described) == "Power [MW]"
    assert axis_title(described, "ignored") == "Power [MW]"
    bare = xr.DataArray([1.0], name="loss", attrs={"units": "nat"})
    assert axis_title(bare, "Loss") == "Loss [nat]"
    assert axis_title(bare) == "loss [nat]"
    assert axis_title(xr.DataArray([1.0])) == "value"


def test_xarray_labels_a_count_as_a_count_and_keeps_the_udunits_units():
    """xarray's own label is ``long_name [units]``: "[1]" for a count, unless ``labelled``."""
    from xarray.plot.utils import label_from_attrs

    from workbench.plots import labelled

    quarters = xr.DataArray([1, 2, 3], dims="quarter", attrs={"long_name": "Quarter"})
    units = xr.DataArray(
        [1200.0, 3400.0, 5600.0],
        dims="quarter",
        coords={"quarter": quarters},
        name="units",
        attrs={"units": "1", "long_name": "Accelerators"},
    )
    assert label_from_attrs(units) == "Accelerators [1]", "xarray's own rule, unchanged"
    assert label_from_attrs(labelled(units)) == "Accelerators (count)"
    assert units.attrs["units"] == "1", "the original keeps its UDUNITS units"
    ds = xr.Dataset(
        {
            "units": units,
            "china_share": ("quarter", [0.1, 0.2, 0.3], {"units": "1", "long_name": "Share"}),
            "power": ("quarter", [1.5, 2.5, 3.5], {"units": "MW", "long_name": "Power"}),
            "ratio": ("quarter", [0.5, 1.5, 2.5], {"units": "1", "long_name": "Supply / demand"}),
        }
    )
    shown = labelled(ds)
    assert label_from_attrs(shown["units"]) == "Accelerators (count)"
    assert label_from_attrs(shown["china_share"]) == "Share (fraction)"
    assert label_from_attrs(shown["power"]) == "Power [MW]"
    assert label_from_attrs(shown["ratio"]) == "Supply / demand"
    assert label_from_attrs(shown["quarter"]) == "Quarter"
    assert ds["units"].attrs["units"] == ds["china_share"].attrs["units"] == "1"


def test_xarray_plot_draws_the_labelled_axis(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workbench import i18n
    from workbench.plots import labelled

    da = xr.DataArray(
        [1200.0, 3400.0], dims="quarter", coords={"quarter": [0, 1]}, name="units",
        attrs={"units": "1", "long_name": "Accelerators"},
    )  # fmt: skip
    lines = labelled(da).plot()
    assert lines[0].axes.get_ylabel() == "Accelerators (count)"
    plt.close("all")
    i18n.set_language("zh")
    try:
        lines = labelled(da.assign_attrs(long_name="Units shipped")).plot()
        assert lines[0].axes.get_ylabel() == "出货量（数量）"
    finally:
        i18n.set_language("en")
        plt.close("all")
