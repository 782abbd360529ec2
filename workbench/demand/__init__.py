"""Demand for AI compute: roofline throughput, uncertain scenarios, simulation, power.

>>> from workbench.demand import decode_throughput, simulate
"""

from workbench.demand.other_workloads import other_workload_h100e
from workbench.demand.power import annual_energy, facility_power, mixed_pue
from workbench.demand.roofline import (
    attention_flops_per_token,
    chip_seconds_per_token,
    chip_specs,
    decode_throughput,
    decode_workload,
    kv_cache_bytes_per_token,
    prefill_throughput,
    prefill_workload,
)
from workbench.demand.scenarios import (
    INPUTS,
    InputSpec,
    ScenarioInputs,
    list_scenarios,
    load_correlations,
    load_scenarios,
    scenario_inputs,
)
from workbench.demand.simulate import (
    DEFAULT_CHIPS,
    REFERENCE_CHIP,
    correlation_sensitivity,
    sampled_inputs,
    simulate,
)
from workbench.demand.tokens import (
    TokenGrowthFit,
    decaying_growth,
    fit_token_growth,
    token_anchor,
    tokens_from_drivers,
)
from workbench.demand.training import training_flops

__all__ = [
    "DEFAULT_CHIPS",
    "INPUTS",
    "REFERENCE_CHIP",
    "InputSpec",
    "ScenarioInputs",
    "TokenGrowthFit",
    "annual_energy",
    "attention_flops_per_token",
    "chip_seconds_per_token",
    "chip_specs",
    "correlation_sensitivity",
    "decaying_growth",
    "decode_throughput",
    "decode_workload",
    "facility_power",
    "fit_token_growth",
    "kv_cache_bytes_per_token",
    "list_scenarios",
    "load_correlations",
    "load_scenarios",
    "mixed_pue",
    "other_workload_h100e",
    "prefill_throughput",
    "prefill_workload",
    "sampled_inputs",
    "scenario_inputs",
    "simulate",
    "token_anchor",
    "tokens_from_drivers",
    "training_flops",
]
