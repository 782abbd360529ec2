"""Training runs (parameters, tokens, final loss) for loss-law fits: simulated or read from CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from workbench._provenance import UNKNOWN
from workbench._random import stream
from workbench._validation import check_count, check_positive, check_seed, invalid, public
from workbench.errors import DataError, format_choices
from workbench.scaling.loss_law import (
    FLOP_PER_PARAMETER_TOKEN,
    NAMES,
    _optimal_allocation,
    law_loss,
)

__all__ = [
    "CHINCHILLA_PARAMS",
    "DEFAULT_LAW",
    "LAWS",
    "REPLICATION_PARAMS",
    "read_runs",
    "simulate_runs",
]

# Hoffmann et al. (2022), Approach 3 estimates as rounded in their equation 10. Their
# allocation disagrees with their own Approaches 1 and 2 (58-264 tokens per parameter at
# 1e21-1e26 FLOP against ~20).
CHINCHILLA_PARAMS = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
# Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt", refit of Approach 3 to
# the data reconstructed from Hoffmann et al.'s Figure 4 (their equation 4): consistent with
# Approaches 1 and 2 (about 20 tokens per parameter).
REPLICATION_PARAMS = {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.348, "beta": 0.366}
LAWS = {"besiroglu2024": REPLICATION_PARAMS, "hoffmann2022": CHINCHILLA_PARAMS}
DEFAULT_LAW = "besiroglu2024"
RUN_COLUMNS = ("params", "tokens", "loss")
# Optional columns: the budget of each run's IsoFLOP profile (FLOP).
BUDGET_COLUMNS = ("compute", "budget")


def law_params(params, parameter: str) -> dict[str, float]:
    """A law by name (:data:`LAWS`) or as a mapping of ``E, A, B, alpha, beta``."""
    if params is None:
        params = DEFAULT_LAW
    if isinstance(params, str):
        if params not in LAWS:
            raise invalid(parameter, f"a law name ({format_choices(LAWS)}) or a mapping", params)
        return dict(LAWS[params])
    truth = dict(params)
    if sorted(truth) != sorted(CHINCHILLA_PARAMS):
        raise invalid(parameter, f"a mapping with keys {format_choices(CHINCHILLA_PARAMS)}", params)
    return {k: float(v) for k, v in truth.items()}


def _runs_dataset(params, tokens, loss, compute, attrs) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "params": ("run", params, {"units": "1", "long_name": "Parameter count"}),
            "tokens": ("run", tokens, {"units": "1", "long_name": "Training tokens"}),
            "loss": ("run", loss, {"units": "1", "long_name": "Final loss (nats per token)"}),
            "training_compute": (
                "run",
                compute,
                {"units": "FLOP", "long_name": "Training compute (6 N D)"},
            ),
        },
        coords={"run": np.arange(len(params))},
    )
    ds.attrs = attrs
    # Each variable carries the provenance too, so a fit given only ds.loss can cite it.
    for name in ds.data_vars:
        ds[name].attrs.update({k: str(attrs[k]) for k in ("source", "license", "as_of")})
    return ds


@public
def simulate_runs(
    n_runs: int = 250,
    *,
    params: dict[str, float] | str | None = None,
    noise: float = 0.02,
    min_compute: float = 3e18,
    max_compute: float = 1e22,
    n_budgets: int = 10,
    span: tuple[float, float] = (-1.0, 1.0),
    sizes=None,
    seed: int = 0,
) -> xr.Dataset:
    """Synthetic training runs on IsoFLOP profiles from a known loss law, with noise.

    Budgets are log-spaced between ``min_compute`` and ``max_compute`` (FLOP); on each, model
    sizes are evenly log-spaced from ``10**span[0]`` to ``10**span[1]`` times the law's
    optimum (default a factor 10 either side), with ``D = C / (6 N)``. The loss
    is the law's value times ``exp(noise · standard normal)``.

    Parameters
    ----------
    n_runs
        Number of runs (spread evenly over the budgets).
    n_budgets
        Number of IsoFLOP budgets.
    span
        Sizes sampled per budget, in decades from the optimum (``(-0.5, 1.5)``: a wide,
        asymmetric sweep, mostly above the optimum).
    sizes
        Model sizes trained at every budget instead (a fixed grid, as real sweeps often
        reuse): the sweep is then asymmetric in a way that changes with the budget. The
        runs per budget are ``len(sizes)``, so ``n_runs`` is ignored.
    params
        The true law: a name of :data:`LAWS` or a mapping of ``E, A, B, alpha, beta``.
        Default ``"besiroglu2024"`` (the replication's E 1.82, A 482, B 2085, alpha 0.348,
        beta 0.366, about 20 tokens per parameter at the optimum); ``"hoffmann2022"`` is
        the original's rounded Approach-3 law.
    noise
        Standard deviation of the log-loss noise.
    min_compute, max_compute
        Range of training budgets in FLOP.
    seed
        Seed of the noise and of the jitter in model sizes.

    Returns
    -------
    xr.Dataset
        ``params``, ``tokens``, ``loss``, ``training_compute`` along ``run``;
        ``attrs["true_params"]`` holds the law used (as a string) and ``source`` says the
        data are synthetic.
    """
    n_runs = check_count(n_runs, "n_runs", minimum=1)
    seed = check_seed(seed)
    truth = law_params(params, "params")
    if not (noise >= 0):
        raise invalid("noise", "a number >= 0", noise)
    if not 0 < min_compute < max_compute:
        raise invalid("min_compute", "positive and below max_compute", min_compute)
    n_budgets = check_count(n_budgets, "n_budgets", minimum=1)
    try:
        low, high = (float(v) for v in span)
    except (TypeError, ValueError):
        raise invalid("span", "two numbers (low, high)", span) from None
    if not low < high:
        raise invalid("span", "(low, high) with low < high", span)
    rng = stream(seed, "scaling.simulate_runs").generator()
    if sizes is not None:
        grid = check_positive(sizes, "sizes")
        n_runs = grid.size * n_budgets
    n_budgets = min(n_budgets, n_runs)
    budget = np.repeat(np.geomspace(min_compute, max_compute, n_budgets), -(-n_runs // n_budgets))
    budget = budget[:n_runs]
    optimum = _optimal_allocation(np.array([[truth[k] for k in NAMES]]), budget)[0][0]
    # Sizes spread around each budget's optimum, as in an IsoFLOP sweep.
    position = np.concatenate(
        [np.linspace(low, high, np.count_nonzero(budget == c)) for c in np.unique(budget)]
    )
    n_params = optimum * 10**position * np.exp(rng.normal(0.0, 0.05, n_runs))
    if sizes is not None:
        n_params = np.tile(grid, n_budgets)
    n_tokens = budget / (FLOP_PER_PARAMETER_TOKEN * n_params)
    law = law_loss(truth, n_params, n_tokens)
    loss = law * np.exp(rng.normal(0.0, noise, n_runs))
    attrs = {
        "title": "Synthetic training runs",
        "source": (
            f"SYNTHETIC: workbench.scaling.simulate_runs(n_runs={n_runs}, noise={noise}, "
            f"seed={seed}) from the law {truth}"
        ),
        "license": "CC0-1.0",
        "as_of": "synthetic",
        "true_params": str(truth),
    }
    # The budget itself, not 6 N D recomputed: runs of one IsoFLOP profile share it exactly.
    return _runs_dataset(n_params, n_tokens, loss, budget, attrs)


@public
def read_runs(path: str | Path, *, columns: dict[str, str] | None = None) -> xr.Dataset:
    """Read a CSV of one's own training runs: parameter count, tokens, final loss.

    The columns are ``params``, ``tokens`` and ``loss``, or other names mapped with
    ``columns`` (``{"params": "n_params", "tokens": "D", "loss": "eval_loss"}``). An
    optional budget column (``compute`` or ``budget``, or mapped as ``"compute"``) gives the
    FLOP budget of each run's IsoFLOP profile; without one, ``training_compute`` is
    ``6 N D``, which rounding in a CSV spreads around each budget (see
    :func:`~workbench.scaling.fit_isoflop`'s ``rtol``). Extra columns are ignored; rows with
    an empty cell in a used column are dropped (the count in ``attrs["dropped_rows"]``).

    Parameters
    ----------
    path
        The CSV file.
    columns
        Map of the workbench's names (``params``, ``tokens``, ``loss``, ``compute``) to
        the file's column names.

    Raises
    ------
    DataError
        The file is missing, lacks a column, or holds a non-numeric or non-positive value.
    ParameterError
        ``columns`` maps a name the workbench does not know.
    """
    path = Path(path)
    known = (*RUN_COLUMNS, "compute")
    mapping = dict(columns or {})
    unknown = [k for k in mapping if k not in known]
    if unknown:
        raise invalid("columns", f"a mapping from {format_choices(known)}", unknown)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError("no such file", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"is not a readable CSV ({exc})", path=path) from None
    wanted = {name: mapping.get(name, name) for name in RUN_COLUMNS}
    if "compute" in mapping:
        wanted["compute"] = mapping["compute"]
    else:
        found = [c for c in BUDGET_COLUMNS if c in frame.columns]
        if found:
            wanted["compute"] = found[0]
    missing = [c for c in wanted.values() if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {format_choices(missing)}; the header has "
            f"{format_choices(frame.columns)} (map other names with read_runs(path, "
            "columns={'params': ..., 'tokens': ..., 'loss': ...}))",
            path=path,
            line=1,
        )
    for column in wanted.values():
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        bad |= values <= 0
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"expected a positive number; got {frame[column].iloc[row]!r}",
                path=path,
                line=row + 2,
                column=column,
            )
        frame[column] = values
    kept = frame[list(wanted.values())].dropna()
    attrs = {
        "title": f"Training runs from {path.name}",
        "source": str(path),
        "license": UNKNOWN,  # a user's file: its licence and date are theirs to state
        "as_of": UNKNOWN,
        "dropped_rows": len(frame) - len(kept),
        "columns": ", ".join(f"{k}={v}" for k, v in wanted.items()),
    }
    n_params = kept[wanted["params"]].to_numpy(float)
    n_tokens = kept[wanted["tokens"]].to_numpy(float)
    if "compute" in wanted:
        compute = kept[wanted["compute"]].to_numpy(float)
        attrs["compute_from"] = f"column {wanted['compute']!r} (the runs' budgets)"
    else:
        compute = 6.0 * n_params * n_tokens
        attrs["compute_from"] = "6 N D (no budget column)"
    ds = _runs_dataset(n_params, n_tokens, kept[wanted["loss"]].to_numpy(float), compute, attrs)
    if "compute" in wanted:
        ds["training_compute"].attrs["long_name"] = "Training compute budget"
    return ds
