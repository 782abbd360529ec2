"""find_eras: 0 to 3 breaks by BIC or cross-validation, and the bootstrap distribution of breaks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.scaling import decimal_years, find_eras
from workbench.scaling.eras import _segmentations


def _series(rng, slopes, breaks, n=150, noise=0.1):
    """Continuous piecewise log-linear trend 2000-2024 with the given slopes and break years."""
    dates = pd.Timestamp("2000-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 24 * 365, n)), "D")
    years = decimal_years(dates.values)
    edges = [2000.0, *breaks]
    level = np.zeros_like(years)
    for k, slope in enumerate(slopes):
        lo = edges[k]
        hi = edges[k + 1] if k + 1 < len(edges) else np.inf
        level += slope * np.clip(years - lo, 0, hi - lo)
    return 10 ** (level + 15 + rng.normal(0, noise, n)), dates.values


def test_two_true_breaks_are_found_with_their_distribution(rng):
    values, dates = _series(rng, [0.1, 0.5, 0.2], [2008.0, 2016.0])
    eras = find_eras(values, dates, n_boot=100, seed=3)
    assert eras.n_breaks == 2
    found = decimal_years(eras.breakpoints)
    np.testing.assert_allclose(found, [2008.0, 2016.0], atol=0.7)
    assert [s.slope for s in eras.segments] == pytest.approx([0.1, 0.5, 0.2], abs=0.06)
    share = eras.n_breaks_share
    assert float(share.sum()) == pytest.approx(1.0)
    histogram = eras.break_histogram()
    # The bootstrap's modes sit at the true break years, not between them.
    top = set(histogram.sortby(histogram, ascending=False).year.values[:4])
    assert top & {2007, 2008} and top & {2015, 2016}
    assert float(histogram.sel(year=2012)) < 0.1
    ds = eras.to_dataset()
    assert {"estimate", "lower", "upper", "break_draws", "break_histogram"} <= set(ds)
    assert ds.attrs["level"] == 0.9
    assert "bootstrap" in str(eras.summary())


def test_a_straight_trend_has_no_break(rng):
    values, dates = _series(rng, [0.3], [])
    assert find_eras(values, dates, n_boot=0).n_breaks == 0
    assert find_eras(values, dates, n_boot=0, criterion="cv").n_breaks == 0


def test_cross_validation_finds_a_clear_break(rng):
    values, dates = _series(rng, [0.1, 0.6], [2012.0])
    eras = find_eras(values, dates, n_boot=0, criterion="cv")
    assert eras.n_breaks == 1
    assert decimal_years(eras.breakpoints)[0] == pytest.approx(2012.0, abs=0.7)


def test_dynamic_programme_is_the_brute_force_optimum(rng):
    x = np.sort(rng.uniform(0, 10, 30))
    z = np.where(x < 4, 0.1 * x, 0.4 + 0.8 * (x - 4)) + rng.normal(0, 0.2, 30)
    ssr, splits = _segmentations(x, z, np.ones(30), 4, 2)

    def cost(lo, hi):
        coef = np.polyfit(x[lo:hi], z[lo:hi], 1)
        return ((np.polyval(coef, x[lo:hi]) - z[lo:hi]) ** 2).sum()

    best = min(
        (cost(0, i) + cost(i, j) + cost(j, 30), (i, j))
        for i, j in itertools.combinations(range(4, 27), 2)
        if j - i >= 4
    )
    assert ssr[2] == pytest.approx(best[0], rel=1e-9)
    assert tuple(splits[2]) == best[1]


def test_bad_options(rng):
    values, dates = _series(rng, [0.3], [], n=30)
    with pytest.raises(ParameterError, match="'max_breaks'"):
        find_eras(values, dates, max_breaks=4)
    with pytest.raises(ParameterError, match="'criterion'"):
        find_eras(values, dates, criterion="aic")
