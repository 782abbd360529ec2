"""Training runs (parameters, tokens, final loss) for loss-law fits: simulated or read from CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from workbench.errors import DataError, ParameterError, format_choices
from workbench.scaling import _checks

__all__ = ["CHINCHILLA_PARAMS", "read_runs", "simulate_runs"]

# Hoffmann et al. (2022), Approach 3 estimates (their equation 10).
CHINCHILLA_PARAMS = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
RUN_COLUMNS = ("params", "tokens", "loss")


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


def simulate_runs(
    n_runs: int = 250,
    *,
    params: dict[str, float] | None = None,
    noise: float = 0.02,
    min_compute: float = 3e18,
    max_compute: float = 1e22,
    seed: int = 0,
) -> xr.Dataset:
    """Synthetic training runs on IsoFLOP profiles from a known loss law, with noise.

    Budgets are log-spaced between ``min_compute`` and ``max_compute`` (FLOP); on each, model
    sizes span a factor 10 either side of the law's optimum, with ``D = C / (6 N)``. The loss
    is the law's value times ``exp(noise · standard normal)``.

    Parameters
    ----------
    n_runs
        Number of runs (spread over ten budgets).
    params
        ``E, A, B, alpha, beta`` of the true law; default :data:`CHINCHILLA_PARAMS`.
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
    owner = "simulate_runs"
    n_runs = _checks.count(n_runs, "n_runs", owner, minimum=1)
    truth = dict(CHINCHILLA_PARAMS if params is None else params)
    if sorted(truth) != sorted(CHINCHILLA_PARAMS):
        raise ParameterError.invalid(
            "params", owner, f"a mapping with keys {format_choices(CHINCHILLA_PARAMS)}", params
        )
    if not (noise >= 0):
        raise ParameterError.invalid("noise", owner, "a number >= 0", noise)
    if not 0 < min_compute < max_compute:
        raise ParameterError.invalid(
            "min_compute", owner, "positive and below max_compute", min_compute
        )
    rng = np.random.default_rng(seed)
    n_budgets = min(10, n_runs)
    budget = np.repeat(np.geomspace(min_compute, max_compute, n_budgets), -(-n_runs // n_budgets))
    budget = budget[:n_runs]
    a, b, alpha, beta = truth["A"], truth["B"], truth["alpha"], truth["beta"]
    optimum = (alpha * a / (beta * b)) ** (1 / (alpha + beta)) * (budget / 6) ** (
        beta / (alpha + beta)
    )
    # Sizes spread over two decades around each budget's optimum, as in an IsoFLOP sweep.
    position = np.concatenate(
        [np.linspace(-1, 1, np.count_nonzero(budget == c)) for c in np.unique(budget)]
    )
    n_params = optimum * 10**position * np.exp(rng.normal(0.0, 0.05, n_runs))
    n_tokens = budget / (6 * n_params)
    law = truth["E"] + a / n_params**alpha + b / n_tokens**beta
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


def read_runs(path: str | Path) -> xr.Dataset:
    """Read a CSV of one's own training runs with columns ``params``, ``tokens``, ``loss``.

    Extra columns are ignored; rows with an empty cell in one of the three are dropped (with
    the count in ``attrs["dropped_rows"]``). Values must be positive numbers.

    Raises
    ------
    DataError
        The file is missing, lacks a column, or holds a non-numeric or non-positive value.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError("no such file", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"is not a readable CSV ({exc})", path=path) from None
    missing = [c for c in RUN_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {format_choices(missing)}; the header has "
            f"{format_choices(frame.columns)}",
            path=path,
            line=1,
        )
    for column in RUN_COLUMNS:
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
    kept = frame[list(RUN_COLUMNS)].dropna()
    attrs = {
        "title": f"Training runs from {path.name}",
        "source": str(path),
        "license": "not stated (user-supplied data)",
        "as_of": "not stated",
        "dropped_rows": len(frame) - len(kept),
    }
    return _runs_dataset(
        kept["params"].to_numpy(float),
        kept["tokens"].to_numpy(float),
        kept["loss"].to_numpy(float),
        6.0 * kept["params"].to_numpy(float) * kept["tokens"].to_numpy(float),
        attrs,
    )
