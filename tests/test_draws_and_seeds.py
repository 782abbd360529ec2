"""Every public function that takes draws or a seed checks them with the kernel's one check.

A bad ``n_draws``, ``n_boot`` or ``seed`` gives the same :class:`ParameterError`, naming the
parameter and the function the user called, before any work is done (numpy's own errors, or a
``TypeError`` from comparing a string, named neither).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import workbench
from workbench import demand, gap, scaling, supply, uncertainty
from workbench._validation import check_n_draws, check_seed
from workbench.errors import ParameterError
from workbench.gap import calibration, questions

BAD_SEEDS = [-1, 1.5, "0", True]
BAD_DRAWS = [0, 2.5, "10", True]
BAD_BOOTS = [-1, 2.5, "10"]


@pytest.fixture(scope="module")
def shipments():
    return supply.estimate_shipments("NVIDIA", n_draws=20, seed=0)


@pytest.fixture(scope="module")
def runs():
    return scaling.simulate_runs(n_runs=12, seed=0)


@pytest.fixture(scope="module")
def trend():
    dates = pd.date_range("2012-01-01", periods=12, freq="YS")
    return xr.DataArray(10.0 ** (0.5 * np.arange(12)), coords={"year": dates}, dims="year")


# The name messages give -> (the function, a call of it taking the checked keyword arguments
# given the fixtures; None: the function itself, called with those arguments alone).
CALLS = {
    "sample": (
        uncertainty.sample,
        lambda f, **kw: uncertainty.sample({"a": 1.0}, **{"n_draws": 10, "seed": 0, **kw}),
    ),
    "supply.estimate_shipments": (
        supply.estimate_shipments,
        lambda f, **kw: supply.estimate_shipments("NVIDIA", **kw),
    ),
    "supply.domestic_china_shipments": (supply.domestic_china_shipments, None),
    "supply.capacity_ceiling": (supply.capacity_ceiling, None),
    "supply.power_ceiling": (supply.power_ceiling, None),
    "supply.cap_forecast": (
        supply.cap_forecast,
        lambda f, **kw: supply.cap_forecast(None, None, **kw),
    ),
    "supply.installed_base": (
        supply.installed_base,
        lambda f, **kw: supply.installed_base(f["shipments"], **kw),
    ),
    "supply.project_shipments": (
        supply.project_shipments,
        lambda f, **kw: supply.project_shipments(f["shipments"], **kw),
    ),
    "demand.simulate": (demand.simulate, None),
    "demand.correlation_sensitivity": (demand.correlation_sensitivity, None),
    "gap.outlook": (gap.outlook, None),
    "gap.backtest": (gap.backtest, None),
    "gap.calibrate": (
        gap.calibrate,
        lambda f, **kw: gap.calibrate(None, None, estimated_quarters=[], **kw),
    ),
    "gap.resample": (
        calibration.resample,
        lambda f, **kw: calibration.resample(np.ones(4) / 4, **kw),
    ),
    "gap.power_by_cooling": (questions.power_by_cooling, None),
    "scaling.fit_trend": (scaling.fit_trend, lambda f, **kw: scaling.fit_trend(f["trend"], **kw)),
    "scaling.find_breakpoint": (
        scaling.find_breakpoint,
        lambda f, **kw: scaling.find_breakpoint(f["trend"], **kw),
    ),
    "scaling.find_eras": (scaling.find_eras, lambda f, **kw: scaling.find_eras(f["trend"], **kw)),
    "scaling.fit_chinchilla": (
        scaling.fit_chinchilla,
        lambda f, **kw: scaling.fit_chinchilla(
            f["runs"].params, f["runs"].tokens, f["runs"].loss, **kw
        ),
    ),
    "scaling.compare_approaches": (
        scaling.compare_approaches,
        lambda f, **kw: scaling.compare_approaches(f["runs"], **kw),
    ),
    "scaling.score_extrapolation": (
        scaling.score_extrapolation,
        lambda f, **kw: scaling.score_extrapolation(f["runs"], cut=1e30, **kw),
    ),
    "scaling.isoflop_design": (
        scaling.isoflop_design,
        lambda f, **kw: scaling.isoflop_design([1e8, 2e8], [1e18, 1e18], **kw),
    ),
    "scaling.simulate_curves": (scaling.simulate_curves, None),
    "scaling.simulate_runs": (scaling.simulate_runs, None),
}
CHECKED = ("n_draws", "n_boot", "seed")


def _exported_functions_with_draws():
    """Every exported analysis function taking draws or a seed."""
    found = set()
    for info in pkgutil.walk_packages(workbench.__path__, "workbench."):
        if info.name.split(".")[1].startswith(("_", "reports", "cli")):
            continue
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if name not in getattr(module, "__all__", ()) or not inspect.isfunction(function):
                continue
            if function.__module__ != module.__name__:
                continue
            if any(p in inspect.signature(function).parameters for p in CHECKED):
                found.add(inspect.unwrap(function))
    return found


def test_the_table_covers_every_function_that_takes_draws_or_a_seed():
    listed = {inspect.unwrap(function) for function, _ in CALLS.values()}
    missing = _exported_functions_with_draws() - listed
    assert not missing, sorted(f.__qualname__ for f in missing)


def _cases():
    for name, (function, _) in CALLS.items():
        for parameter in (p for p in CHECKED if p in inspect.signature(function).parameters):
            bad = {"seed": BAD_SEEDS, "n_draws": BAD_DRAWS, "n_boot": BAD_BOOTS}[parameter]
            for value in bad:
                yield pytest.param(name, parameter, value, id=f"{name}-{parameter}={value!r}")


@pytest.fixture(scope="module")
def inputs(shipments, runs, trend):
    return {"shipments": shipments, "runs": runs, "trend": trend}


@pytest.mark.parametrize(("name", "parameter", "value"), list(_cases()))
def test_a_bad_draw_count_or_seed_is_the_same_error_naming_it(inputs, name, parameter, value):
    minimum = {"seed": 0, "n_draws": 1, "n_boot": 10 if name == "scaling.fit_trend" else 0}
    expected = (
        f"The {parameter!r} parameter of {name} must be a whole number >= "
        f"{minimum[parameter]}; got {value!r} instead."
    )
    with pytest.raises(ParameterError, match=f"^{re.escape(expected)}$") as raised:
        function, call = CALLS[name]
        call(inputs, **{parameter: value}) if call else function(**{parameter: value})
    assert raised.value.parameter == parameter


def test_the_checks_return_plain_ints():
    assert type(check_seed(np.int64(3))) is int and check_seed(0) == 0
    assert type(check_n_draws(np.int32(5))) is int
    assert check_n_draws(0, "n_boot", minimum=0) == 0
    with pytest.raises(ParameterError, match="'seed' parameter of Stream"):
        check_seed(-1, owner="Stream")


def test_every_generator_comes_from_a_named_stream():
    # A generator built from the seed directly (or from [seed, constant]) is seed arithmetic
    # outside the kernel: two analyses run with related seeds could share numbers unseen.
    root = Path(workbench.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "_random.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"default_rng\(|RandomState\(|SeedSequence\(", line.split("#")[0])
    ]
    assert not found, found
