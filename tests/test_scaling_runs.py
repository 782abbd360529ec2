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
