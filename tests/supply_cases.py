"""Fixed supply assumptions shared by the supply tests: small enough to check by hand."""

from __future__ import annotations

from workbench.supply import H100_REFERENCE

H100, A100 = H100_REFERENCE, "NVIDIA A100 SXM 80GB"


def fixed_assumptions(**changes):
    """Two quarters of revenue, a fixed compute share, mix and prices; ``changes`` replace keys."""
    base = {
        "revenue": {"2024Q1": 1e9, "2024Q2": 2e9},
        "compute_share": 0.5,
        "mix": {H100: 0.6, A100: 0.4},
        "prices": {H100: 25_000.0, A100: 10_000.0},
    }
    base.update(changes)
    return base
