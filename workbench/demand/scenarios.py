"""Demand scenarios: the uncertain inputs of the demand model, read from a table, checked.

The bundled table ``demand_scenarios`` holds the ``bear``, ``base`` and ``bull`` scenarios,
one row per (scenario, input) with a distribution stated as an interval (``dist``, ``low``,
``high``, ``level``) or a ``value``, its ``units`` and a ``source`` or ``rationale``. Users
add a scenario by writing a CSV with the same columns (inputs it omits are taken from
``base``), and override any input by keyword.

Every input is declared once in :data:`INPUTS` with its units and the values it may take;
an unknown name, units that differ from the declared ones, or a distribution that can
produce impossible values (a share outside [0, 1], a negative count) is refused with a
:class:`~workbench.errors.ParameterError` naming the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from workbench import uncertainty
from workbench._provenance import UNKNOWN, merge
from workbench._validation import invalid, public, retired
from workbench.data import dataset_path, load_table
from workbench.errors import format_choices

__all__ = [
    "INPUTS",
    "TOKEN_MODELS",
    "Correlations",
    "InputSpec",
    "ScenarioInputs",
    "list_scenarios",
    "load_correlations",
    "load_scenarios",
    "scenario_inputs",
]

TABLE = "demand_scenarios"
CORRELATIONS = "demand_correlations"
TOKEN_MODELS = ("observed", "drivers")


@dataclass(frozen=True)
class InputSpec:
    """What one input of the demand model is and which values it may take.

    ``domain`` is one of ``"positive"`` (> 0), ``"non_negative"`` (>= 0), ``"share"``
    ([0, 1]), ``"positive_share"`` ((0, 1]) or ``"at_least_one"`` (>= 1). ``group`` says
    which token model uses the input (``"observed"``, ``"drivers"``) or ``"common"``.
    """

    units: str
    long_name: str
    domain: str
    group: str = "common"


_BOUNDS = {
    "positive": (0.0, np.inf, False, "positive"),
    "non_negative": (0.0, np.inf, True, ">= 0"),
    "share": (0.0, 1.0, True, "a share in [0, 1]"),
    "positive_share": (0.0, 1.0, False, "a share in (0, 1]"),
    "at_least_one": (1.0, np.inf, True, ">= 1"),
}

INPUTS: dict[str, InputSpec] = {
    # Token demand grown from the bundled token_volume statements.
    "other_providers_ratio": InputSpec(
        "1", "Tokens of all other providers per token of Google's", "non_negative", "observed"
    ),
    "initial_token_growth": InputSpec(
        "1", "Token-volume growth at the anchor date (multiple per year)", "positive", "observed"
    ),
    "token_growth_half_life": InputSpec(
        "year", "Half-life of the token-volume growth rate", "positive", "observed"
    ),
    "long_run_token_growth": InputSpec(
        "1", "Long-run token-volume growth (multiple per year)", "positive", "observed"
    ),
    # Token demand built from drivers.
    "users": InputSpec("1", "Daily active users of AI services", "non_negative", "drivers"),
    "users_growth": InputSpec(
        "1", "Growth of daily users (multiple per year)", "positive", "drivers"
    ),
    "max_users": InputSpec("1", "Ceiling on daily users", "non_negative", "drivers"),
    "requests_per_user_per_day": InputSpec(
        "1/day", "Model calls per user per day", "non_negative", "drivers"
    ),
    "requests_growth": InputSpec(
        "1", "Growth of calls per user (multiple per year)", "positive", "drivers"
    ),
    "tokens_per_request": InputSpec("1", "Tokens per model call", "non_negative", "drivers"),
    "tokens_per_request_growth": InputSpec(
        "1", "Growth of tokens per call (multiple per year)", "positive", "drivers"
    ),
    # The models served and how they are served.
    "model_params": InputSpec("1", "Parameters of the average served model", "positive"),
    "active_share": InputSpec("1", "Share of parameters active per token", "positive_share"),
    "model_params_growth": InputSpec(
        "1", "Growth of served model size (multiple per year)", "positive"
    ),
    "context_tokens": InputSpec("1", "Mean context attended per token", "non_negative"),
    "kv_bytes_per_token": InputSpec("byte", "KV-cache bytes per context token", "non_negative"),
    "bytes_per_param": InputSpec("byte", "Bytes per weight", "positive"),
    "input_share": InputSpec("1", "Share of counted tokens that are prompt tokens", "share"),
    "cached_prompt_share": InputSpec(
        "1", "Share of prompt tokens served from a prefix cache (not recomputed)", "share"
    ),
    "hidden_token_ratio": InputSpec(
        "1",
        "Uncounted tokens computed per counted token (hidden reasoning, retries)",
        "non_negative",
    ),
    "decode_batch": InputSpec("1", "Sequences decoded together per replica", "positive"),
    "mbu": InputSpec("1", "Share of peak memory bandwidth reached in decode", "positive_share"),
    "mfu": InputSpec("1", "Share of peak FLOP/s reached in prefill", "positive_share"),
    "fleet_utilisation": InputSpec(
        "1", "Share of serving capacity busy at peak load", "positive_share"
    ),
    "peak_to_average": InputSpec("1", "Peak over average token rate", "at_least_one"),
    # Training.
    "frontier_training_compute": InputSpec(
        "FLOP", "Compute of the largest training run at the base date", "positive"
    ),
    "training_compute_growth": InputSpec(
        "1", "Growth of the largest training run (multiple per year)", "positive"
    ),
    "training_runs_per_year": InputSpec(
        "1/year", "All training compute per year, in largest-run equivalents", "non_negative"
    ),
    "training_mfu": InputSpec("1", "Model FLOP utilisation in training", "positive_share"),
    # Other AI workloads (workbench.demand.other_workloads).
    "other_workload_h100e": InputSpec(
        "1",
        "H100e held by AI workloads outside LLM serving and frontier training, at the base date",
        "non_negative",
    ),
    "other_workload_growth": InputSpec(
        "1", "Growth of other AI workloads' H100e (multiple per year)", "positive"
    ),
    # Power.
    "host_overhead": InputSpec(
        "1", "Host, network and storage power per watt of accelerator", "non_negative"
    ),
    "pue_air": InputSpec("1", "PUE of air-cooled facilities", "at_least_one"),
    "pue_liquid": InputSpec("1", "PUE of liquid-cooled facilities", "at_least_one"),
    "liquid_share": InputSpec("1", "Share of capacity liquid-cooled", "share"),
    "efficiency_gain": InputSpec(
        "1", "FLOP/s per watt of the average accelerator relative to the H100", "positive"
    ),
    "efficiency_growth": InputSpec(
        "1", "Growth of FLOP/s per watt (multiple per year)", "positive"
    ),
    "power_load_factor": InputSpec(
        "1", "Average power draw over provisioned power", "positive_share"
    ),
}


@dataclass(frozen=True)
class ScenarioInputs:
    """The checked distributions of a scenario's inputs and where each came from."""

    distributions: dict[str, uncertainty.Distribution]
    origin: dict[str, str]  # input -> scenario name, "base" (filled in) or "override"
    scenario: str  # a label: the scenario's name, with its file for a user's CSV
    base_date: str  # the date levels refer to (ISO)
    as_of: str
    source: str
    license: str = UNKNOWN  # the tables' licences (workbench._provenance.merge)

    @property
    def attrs(self) -> dict[str, str]:
        """The provenance of the inputs, as :func:`workbench._provenance.merge` reads it."""
        return {"source": self.source, "license": self.license, "as_of": self.as_of}


class Correlations(dict):
    """``{(input_a, input_b): rho}``, with the provenance of the table it was read from.

    ``attrs`` is empty for a mapping given in code (the caller's own numbers).
    """

    def __init__(self, pairs=(), attrs=None):
        super().__init__(pairs)
        self.attrs = dict(attrs or {})


@public
def load_scenarios(path: str | Path | None = None) -> xr.Dataset:
    """The scenario table: the bundled one, or a user's CSV in the same format.

    A user's CSV needs the columns ``scenario, input, dist, low, high, value, level, units``
    and ``source`` (and optionally ``rationale``); a ``NAME.toml`` beside it is used if
    present, else the bundled table's metadata (so the same checks apply).

    Returns
    -------
    xarray.Dataset
        On dimensions ``scenario`` and ``input``.
    """
    if path is None:
        csv = dataset_path(TABLE)
        table = load_table(csv)
    else:
        csv = Path(path)
        if not csv.exists():
            raise invalid("scenario", "an existing CSV file", str(csv))
        table = load_table(csv, like=TABLE)
    missing = [c for c in ("dist", "low", "high", "value", "units") if c not in table]
    if missing or set(table.dims) != {"scenario", "input"}:
        raise invalid(
            "scenario",
            "a table indexed by (scenario, input) with columns dist, low, high, value, units",
            f"{csv.name}: dims {tuple(table.dims)}, missing {missing}",
        )
    table.attrs.setdefault("file", csv.name)
    return table


def list_scenarios(path: str | Path | None = None) -> list[str]:
    """Names of the scenarios in the bundled table (or in a user's CSV)."""
    return [str(s) for s in load_scenarios(path)["scenario"].values]


def _rows(table: xr.Dataset, scenario: str) -> dict[str, dict[str, Any]]:
    """The rows of one scenario that are present (a 2-D table leaves absent pairs empty)."""
    rows = {}
    subset = table.sel(scenario=scenario)
    # Whole columns as Python values (one selection per cell cost more than the rest).
    fields = [f for f in ("dist", "low", "high", "value", "level", "units") if f in subset]
    columns = {f: subset[f].values.tolist() for f in fields}
    for i, name in enumerate(subset["input"].values):
        spec = {}
        for field in fields:
            value = columns[field][i]
            if isinstance(value, float) and np.isnan(value):
                continue
            if value is None or value == "":
                continue
            spec[field] = value
        if "dist" in spec:
            rows[str(name)] = spec
    return rows


def _resolve_table(scenario) -> tuple[xr.Dataset, str, str]:
    """(table, scenario name, label) for a bundled name or a path to a user's CSV."""
    if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith(".csv")):
        table = load_scenarios(scenario)
        names = [str(s) for s in table["scenario"].values]
        if len(names) != 1:
            raise invalid(
                "scenario",
                "a CSV holding one scenario (this file has several: pass (path, name))",
                f"{Path(scenario).name}: {format_choices(names)}",
            )
        return table, names[0], f"{names[0]} ({Path(scenario).name})"
    if isinstance(scenario, tuple) and len(scenario) == 2:
        table = load_scenarios(scenario[0])
        names = [str(s) for s in table["scenario"].values]
        if scenario[1] not in names:
            raise invalid(
                "scenario", f"a scenario of the file ({format_choices(names)})", scenario[1]
            )
        return table, str(scenario[1]), f"{scenario[1]} ({Path(scenario[0]).name})"
    table = load_scenarios()
    names = [str(s) for s in table["scenario"].values]
    if scenario not in names:
        raise invalid(
            "scenario",
            f"one of {format_choices(names)} or the path of a scenario CSV",
            scenario,
        )
    return table, str(scenario), str(scenario)


def _check_domain(name: str, dist: uncertainty.Distribution) -> None:
    """Refuse a distribution that can produce values outside the input's domain."""
    low, high, inclusive, expected = _BOUNDS[INPUTS[name].domain]
    # The extremes sample() can produce: probabilities are clipped to [U_MIN, 1 - U_MIN].
    extremes = dist.ppf(np.array([uncertainty.U_MIN, 1 - uncertainty.U_MIN]))
    lowest, highest = float(np.min(extremes)), float(np.max(extremes))
    below = lowest < low if inclusive else lowest <= low
    if below or highest > high or not np.isfinite([lowest, highest]).all():
        shown = (
            f"{lowest:.4g}" if lowest == highest else f"values from {lowest:.4g} to {highest:.4g}"
        )
        raise invalid(name, f"{expected} ({INPUTS[name].long_name}) for every draw", shown)


@public
def scenario_inputs(
    scenario: str | Path | tuple = "base",
    *,
    token_model: str = "observed",
    owner: str | None = None,
    **overrides,
) -> ScenarioInputs:
    """The distributions of the inputs a scenario gives, with overrides applied and checked.

    Parameters
    ----------
    scenario
        ``"bear"``, ``"base"``, ``"bull"``; the path of a CSV holding one scenario; or
        ``(path, name)`` for a CSV holding several.
    token_model
        ``"observed"`` or ``"drivers"``: only the inputs of that token model (and the common
        ones) are returned.
    owner
        Deprecated and ignored: messages name the public function called (``@public``).
    **overrides
        Input name -> anything :func:`workbench.uncertainty.as_distribution` accepts: a
        number, a ``(low, high)`` 90% interval (lognormal), a mapping or a Distribution.

    Returns
    -------
    ScenarioInputs
        Input name -> Distribution, where each came from (the scenario, the base scenario for
        inputs a user's file omits, or ``"override"``), and the table's base date.
    """
    retired(owner, old="owner", reason="messages name the public function called")
    if token_model not in TOKEN_MODELS:
        raise invalid("token_model", f"one of {format_choices(TOKEN_MODELS)}", token_model)
    unknown = [k for k in overrides if k not in INPUTS]
    if unknown:
        raise invalid(
            unknown[0],
            f"an input of the demand model ({format_choices(INPUTS)})",
            overrides[unknown[0]],
        )
    for name in overrides:
        group = INPUTS[name].group
        if group not in ("common", token_model):
            raise invalid(
                name,
                f"an input of the {token_model!r} token model (it belongs to "
                f"token_model={group!r})",
                overrides[name],
            )
    wanted = [n for n, spec in INPUTS.items() if spec.group in ("common", token_model)]
    table, name, label = _resolve_table(scenario)
    rows = _rows(table, name)
    origin = {n: name for n in rows}
    tables = [table]
    if "base" in list_scenarios() and (len(rows) < len(wanted)):
        tables.append(load_scenarios())
        base = _rows(tables[-1], "base")
        for n, row in base.items():
            if n not in rows:
                rows[n], origin[n] = row, "base"
    for n in rows:
        if n not in INPUTS:
            raise invalid(
                "scenario",
                f"rows naming inputs of the demand model ({format_choices(INPUTS)})",
                n,
            )
        units = rows[n].get("units")
        if units is not None and str(units) != INPUTS[n].units:
            raise invalid(n, f"stated in {INPUTS[n].units!r} (the units column)", str(units))
    dists: dict[str, uncertainty.Distribution] = {}
    for n in wanted:
        if n in overrides:
            dists[n] = uncertainty.as_distribution(overrides[n], name=n)
            origin[n] = "override"
        elif n in rows:
            spec = {k: v for k, v in rows[n].items() if k != "units"}
            dists[n] = uncertainty.as_distribution(spec, name=n)
        # An input absent everywhere is left out: the simulation supplies it or refuses.
    for n, dist in dists.items():
        _check_domain(n, dist)
    return ScenarioInputs(
        distributions=dists,
        origin={n: origin[n] for n in dists},
        scenario=label,
        base_date=str(table.attrs.get("base_date", "2026-01-01")),
        as_of=merge(*tables)["as_of"],
        source=f"scenario table {table.attrs.get('file', TABLE)}",
        license=merge(*tables)["license"],
    )


@public
def load_correlations(
    correlation="stated", *, inputs=None, owner: str | None = None
) -> Correlations:
    """Correlations between demand inputs as ``{(input_a, input_b): rho}``.

    The mapping's ``attrs`` are the provenance of the table it was read from.

    Parameters
    ----------
    correlation
        ``"stated"``: the bundled ``demand_correlations`` table (each pair with a source and a
        rationale); ``None``, ``"none"`` or ``{}``: independent inputs; the path of a CSV in
        the same format; or a mapping ``{(a, b): rho}``.
    inputs
        If given, pairs naming an input not in it are left out (e.g. the ``drivers`` token
        model has no ``long_run_token_growth``).
    owner
        Deprecated and ignored: messages name the public function called (``@public``).
    """
    retired(owner, old="owner", reason="messages name the public function called")
    attrs: dict = {}
    if correlation is None or (isinstance(correlation, str) and correlation == "none"):
        return Correlations()
    if isinstance(correlation, dict) or hasattr(correlation, "items"):
        pairs = {tuple(k): float(v) for k, v in dict(correlation).items()}
        attrs = dict(getattr(correlation, "attrs", {}))
    elif isinstance(correlation, (str, Path)):
        if correlation == "stated":
            table = load_table(dataset_path(CORRELATIONS))
        else:
            path = Path(correlation)
            if not path.exists():
                raise invalid(
                    "correlation",
                    "'stated', 'none', a mapping {(a, b): rho} or an existing CSV",
                    str(correlation),
                )
            table = load_table(path, like=CORRELATIONS)
        attrs = {k: table.attrs[k] for k in ("source", "license", "as_of") if k in table.attrs}
        frame = table["rho"].to_series().dropna()
        pairs = {(str(a), str(b)): float(v) for (a, b), v in frame.items()}
    else:
        raise invalid("correlation", "'stated', 'none', a mapping or a CSV path", correlation)
    for a, b in pairs:
        for name in (a, b):
            if name not in INPUTS:
                raise invalid("correlation", f"pairs of inputs ({format_choices(INPUTS)})", name)
    if inputs is not None:
        pairs = {k: v for k, v in pairs.items() if k[0] in inputs and k[1] in inputs}
    return Correlations(pairs, attrs)
