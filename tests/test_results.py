"""workbench._results: the Fit base and its one dataset shape."""

from __future__ import annotations

import numpy as np
import pytest

from workbench._results import DEFAULT_LEVEL, Fit, Summary
from workbench._validation import check_level
from workbench.errors import ParameterError


class _Mean(Fit):
    """A toy fit: the mean of normal data with a known sd of 1."""

    def __init__(self, values):
        self.values = np.asarray(values, float)
        self.provenance = {"source": "toy", "license": "not stated", "as_of": "not stated"}

    def _estimates(self):
        return {"mean": float(self.values.mean())}

    def _interval(self, level):
        from scipy import stats

        half = stats.norm.ppf(0.5 + level / 2) / np.sqrt(self.values.size)
        return {"mean": (self._estimates()["mean"] - half, self._estimates()["mean"] + half)}

    def _param_attrs(self):
        return {"mean": {"units": "m", "long_name": "Mean"}}


def test_default_level_and_shape():
    fit = _Mean([1.0, 2.0, 3.0])
    assert fit.level == DEFAULT_LEVEL == 0.9
    ds = fit.to_dataset()
    assert set(ds.data_vars) == {"estimate", "lower", "upper"}
    assert ds.estimate.dims == ("param",)
    assert ds.attrs["level"] == 0.9 and ds.lower.attrs["level"] == 0.9
    assert ds.param_units.sel(param="mean") == "m"
    assert ds.attrs["source"] == "toy"
    # The half-width at 90% is 1.645 / sqrt(3).
    assert (ds.upper - ds.estimate).item() == pytest.approx(1.6448536 / np.sqrt(3), rel=1e-6)


def test_level_changes_the_interval_and_is_checked():
    fit = _Mean(np.arange(10.0))
    wide, narrow = fit.conf_int(0.99)["mean"], fit.conf_int(0.5)["mean"]
    assert wide[1] - wide[0] > narrow[1] - narrow[0]
    assert fit.to_dataset(level=0.5).attrs["level"] == 0.5
    with pytest.raises(ParameterError, match=r"'level' parameter of _Mean\.conf_int"):
        fit.conf_int(1.5)
    with pytest.raises(ParameterError, match="'level' parameter of f"):
        check_level("high", owner="f")


def test_summary_table():
    table = _Mean([1.0, 2.0]).summary(0.8)
    assert isinstance(table, Summary)
    assert "80% interval" in str(table)
    assert "<table>" in table._repr_html_()


def test_predict_must_be_provided():
    with pytest.raises(NotImplementedError, match="_Mean has no predict"):
        _Mean([1.0]).predict([1])


def test_every_public_fit_returns_a_fit():
    """Issue 16: every fit_* returns a workbench._results.Fit (token growth included)."""
    import importlib
    import inspect
    import pkgutil
    import typing

    import workbench
    from workbench._results import Fit

    found = {}
    for info in pkgutil.walk_packages(workbench.__path__, "workbench."):
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if name.startswith("fit_") and inspect.isfunction(function):
                if function.__module__ == module.__name__:
                    found[f"{module.__name__}.{name}"] = function
    assert "workbench.demand.tokens.fit_token_growth" in found
    for name, function in found.items():
        returned = typing.get_type_hints(inspect.unwrap(function))["return"]
        assert issubclass(returned, Fit), name
