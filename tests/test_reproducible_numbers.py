"""The numbers a seed gives: demand.simulate and gap.outlook against stored reference values.

Speed work must not change a number: the same seed gives the same draws, outputs, weights and
posterior. The reference values (tests/fixtures/reference_numbers.json) are fingerprints of
every float variable of a few runs (its mean and values at fixed positions), compared to
1e-9 relative (1e-5 for a float32 run). Not bitwise: numpy's SIMD kernels (exp, log, sums)
differ in the last bits between CPUs, which a simulation carries to ~1e-11 (measured between
an AVX-512 machine and the one that wrote the file); a change to the model moves numbers by
far more. A change to the model changes them on purpose: then regenerate the file, and say
so in the commit message:

    PYTHONPATH=. python tests/test_reproducible_numbers.py --update
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

REFERENCE = Path(__file__).parent / "fixtures" / "reference_numbers.json"
RTOL = 1e-9
RTOL_FLOAT32 = 1e-5  # a few float32 ulps (6e-8 each)
POSITIONS = 7  # values kept per variable, evenly spaced through its flattened array

SIMULATIONS = {
    "simulate-base-seed0": {"n_draws": 300, "seed": 0},
    "simulate-base-seed1": {"n_draws": 300, "seed": 1},
    "simulate-bull-quarter": {
        "scenario": "bull",
        "n_draws": 300,
        "seed": 2,
        "start": 2024,
        "end": 2030,
        "freq": "quarter",
    },
    "simulate-drivers-one-chip": {
        "n_draws": 300,
        "seed": 3,
        "token_model": "drivers",
        "chips": ["NVIDIA B200 (HGX)"],
        "cooling": "liquid",
    },
    "simulate-lean-float32": {
        "n_draws": 300,
        "seed": 4,
        "variables": ["h100e", "bandwidth_h100e", "power", "energy"],
        "dtype": "float32",
    },
}
OUTLOOKS = {
    "outlook-seed0": {"n_draws": 1000, "seed": 0},
    "outlook-seed5-year": {"n_draws": 1000, "seed": 5, "freq": "year", "scenario": "bull"},
}


def fingerprint(ds: xr.Dataset) -> dict:
    """Mean and evenly spaced values of every float variable (coordinates included)."""
    out = {}
    for name, da in ds.variables.items():
        if da.dtype.kind != "f" or da.size == 0:
            continue
        flat = np.asarray(da.values, dtype=float).ravel()
        at = np.linspace(0, flat.size - 1, min(POSITIONS, flat.size)).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN variable
            mean = float(np.nanmean(flat))
        out[str(name)] = {"mean": mean, "values": flat[at].tolist()}
    return out


def run(name: str) -> dict:
    """Fingerprints of run ``name``: one dataset, or every node of an outlook's tree."""
    from workbench import demand, gap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in SIMULATIONS:
            return {"/": fingerprint(demand.simulate(**SIMULATIONS[name]))}
        tree = gap.outlook(**OUTLOOKS[name])
    return {node.path: fingerprint(node.to_dataset()) for node in tree.subtree}


def _close(actual: float, expected: float, rtol: float = RTOL) -> bool:
    if np.isnan(expected):
        return bool(np.isnan(actual))
    return abs(actual - expected) <= rtol * max(abs(expected), abs(actual)) or actual == expected


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.mark.parametrize("name", [*SIMULATIONS, *OUTLOOKS])
def test_the_same_seed_gives_the_stored_numbers(name, reference):
    expected, actual = reference[name], run(name)
    float32 = SIMULATIONS.get(name, {}).get("dtype") == "float32"
    rtol = RTOL_FLOAT32 if float32 else RTOL
    assert actual.keys() == expected.keys()
    for node, variables in expected.items():
        assert actual[node].keys() == variables.keys(), node
        for variable, stored in variables.items():
            got = actual[node][variable]
            pairs = [
                (got["mean"], stored["mean"]),
                *zip(got["values"], stored["values"], strict=True),
            ]
            bad = [(a, e) for a, e in pairs if not _close(a, e, rtol)]
            assert not bad, f"{name} {node} {variable}: got/stored {bad[:3]}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    REFERENCE.write_text(json.dumps({n: run(n) for n in [*SIMULATIONS, *OUTLOOKS]}, indent=1))
    print(f"wrote {REFERENCE}")
