"""Training runs: the synthetic generator and reading a user's CSV."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import DataError
from workbench.scaling import read_runs, simulate_runs


def test_simulated_runs_are_labelled_and_seeded():
    runs = simulate_runs(50, seed=4)
    assert runs.attrs["source"].startswith("SYNTHETIC")
    assert runs.training_compute.attrs["units"] == "FLOP"
    np.testing.assert_allclose(6 * runs.params * runs.tokens, runs.training_compute, rtol=1e-12)
    np.testing.assert_array_equal(runs.loss, simulate_runs(50, seed=4).loss)


def test_read_runs(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss,note\n1e8,2e9,3.1,a\n1e9,2e10,2.6,\n2e9,,2.5,x\n")
    runs = read_runs(path)
    assert runs.sizes["run"] == 2
    assert runs.attrs["dropped_rows"] == 1
    # One word for a licence nobody stated (the kernel's), as every other reader says it.
    assert runs.attrs["license"] == runs.attrs["as_of"] == "unknown"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("params,loss\n1,2\n", "missing column"),
        ("params,tokens,loss\n1e8,2e9,-3\n", "line 2, column 'loss'"),
        ("params,tokens,loss\n1e8,abc,3\n", "column 'tokens'"),
    ],
)
def test_bad_csv(tmp_path, text, match):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        read_runs(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_runs(tmp_path / "absent.csv")


def test_default_law_is_the_replication_and_the_original_is_named():
    from workbench.scaling import CHINCHILLA_PARAMS, REPLICATION_PARAMS, fit_chinchilla

    assert REPLICATION_PARAMS == {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.348, "beta": 0.366}
    default = simulate_runs(60, seed=1, noise=0.0)
    assert default.attrs["true_params"] == str(REPLICATION_PARAMS)
    original = simulate_runs(60, seed=1, noise=0.0, params="hoffmann2022")
    assert original.attrs["true_params"] == str(CHINCHILLA_PARAMS)
    # The replication's allocation is about 20 tokens per parameter (Besiroglu et al. 2024).
    law = fit_chinchilla(default.params, default.tokens, default.loss)
    ratio = law.compute_optimal([1e21, 1e24]).tokens_per_param.values
    assert ratio == pytest.approx([20, 20], rel=0.5)


def test_column_mapping(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("n_params,D,eval_loss\n1e8,2e9,3.1\n1e9,2e10,2.6\n")
    runs = read_runs(path, columns={"params": "n_params", "tokens": "D", "loss": "eval_loss"})
    assert list(runs.loss.values) == [3.1, 2.6]
    assert runs.training_compute.values == pytest.approx([6 * 1e8 * 2e9, 6 * 1e9 * 2e10])
    with pytest.raises(DataError, match=r"missing column.*columns="):
        read_runs(path)
    from workbench.errors import ParameterError

    with pytest.raises(ParameterError, match="'columns'"):
        read_runs(path, columns={"size": "n_params"})
