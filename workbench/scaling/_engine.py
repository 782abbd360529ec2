"""The fitting engine of the loss laws: a Huber fit of log-loss, batched over starts and data.

Hoffmann et al. (2022, Approach 3) fit ``L(N, D) = E + A/N^α + B/D^β`` by minimising

    Σ_i w_i · Huber_δ( LSE(e, a − α·log N_i, b − β·log D_i) − log L_i )

with ``e = log E``, ``a = log A``, ``b = log B`` and L-BFGS from each point of a 4,500-point
grid, keeping the best. Run one start at a time with finite-difference gradients this takes
minutes. Here every start (and every bootstrap resample, through the weights ``w``) is one row
of a matrix, the gradient is analytic, and a damped Newton (Levenberg-Marquardt) step is taken
for all rows at once: with the Gauss-Newton matrix of the iteratively reweighted problem far
from a minimum, with the exact Hessian near one. The polish works in coordinates centred on
the data's mean log N and log D (the same objective, better conditioned), adapts each row's
damping to how well its model predicted the last step, and steps a few hundred rows at a time
so that its arrays stay in cache. The rare row that still crawls after the iteration cap is
finished by L-BFGS-B with the analytic gradient.

The search is global in two steps, the same for the main fit and for every bootstrap refit:
the objective is evaluated at every grid point (for the bootstrap, one matrix product gives it
for all resamples at once), and the ``n_polish`` best grid points are polished to convergence.
The tests check against running every grid start to convergence that the screen keeps a start
in the global basin. ``n_polish`` is 8: with 4, one bootstrap resample of 24 brute-force checks
had its first global-basin start ranked fifth by the screen. A bootstrap refit
(:func:`bootstrap_fit`) searches the same starts but starts those the full data's polish took
to a minimum from that minimum, unless a pilot of resamples finds the landscape rugged.

Parameter vectors are ordered as :data:`PARAMETERS`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import optimize

PARAMETERS = ("e", "a", "b", "alpha", "beta")
# Hoffmann et al. (2022), Appendix D.2: the initialisation grid of Approach 3.
DEFAULT_GRID_AXES = {
    "e": np.arange(-1.0, 1.01, 0.5),
    "a": np.arange(0.0, 25.1, 5.0),
    "b": np.arange(0.0, 25.1, 5.0),
    "alpha": np.arange(0.0, 2.01, 0.5),
    "beta": np.arange(0.0, 2.01, 0.5),
}
# exp() of more than ~709 overflows; a prediction term that large is far outside any fit.
_EXP_CEILING = 700.0
# Rows of (resamples x starts) screened and handed to polish together: bounds the screen's
# (resamples x grid) objective at ~70 MB for the paper's grid and 8 + 1 starts.
_ROWS_PER_BLOCK = 16384
# Relative objective decrease per step below which a row takes Newton steps (see polish).
_NEWTON_SWITCH = 1e-1
# Points (rows x data points) stepped together by polish: its arrays stay in a core's cache.
_BATCH_POINTS = 64_000
# Largest step of one parameter per iteration (the grid's spacing is 0.5 to 5).
_MAX_STEP = 2.0
# Least relative damping after a rejected step: Newton steps push the damping to ~1e-8,
# and climbing back by doublings costs a wasted evaluation each.
_REJECT_FLOOR = 1e-3
# Above-diagonal entries of a 5 x 5 matrix.
_UPPER = np.triu_indices(5, 1)
# Rows per small matrix product in _sums.
_SUM_BLOCK = 16
# Best starts of the full data polished once for the bootstrap (see bootstrap_fit).
_BOOT_KNOWN = 64
# Resamples on which bootstrap_fit checks its shortcut against the full search.
_BOOT_PILOT = 32
# Relative gaps above a resample's best within which a start's minimum marks the landscape
# as rugged (close local minima), not merely another basin or the same minimum.
_RUGGED = (1e-8, 0.1)


def product_grid(axes: dict[str, np.ndarray]) -> np.ndarray:
    """All combinations of the axis values, one start per row in :data:`PARAMETERS` order."""
    mesh = np.meshgrid(*(np.asarray(axes[name], dtype=float) for name in PARAMETERS), indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def default_grid() -> np.ndarray:
    """The 4,500 starts of Hoffmann et al. (2022), Approach 3."""
    return product_grid(DEFAULT_GRID_AXES)


@dataclass
class Observations:
    """Logs of the data: ``x = log N``, ``y = log D``, ``z = log L`` (1-D, same length)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    @property
    def n(self) -> int:
        return self.x.size

    # Columns that turn sums over points into matrix products (see _weighted_jtj).
    @functools.cached_property
    def basis_x(self) -> np.ndarray:
        return np.stack([np.ones_like(self.x), self.x, self.x * self.x], axis=1)

    @functools.cached_property
    def basis_y(self) -> np.ndarray:
        return np.stack([np.ones_like(self.y), self.y, self.y * self.y], axis=1)

    @functools.cached_property
    def basis_xy(self) -> np.ndarray:
        return np.stack([np.ones_like(self.x), self.x, self.y, self.x * self.y], axis=1)


def log_prediction(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log L̂`` for each parameter row of ``theta`` (M, 5) at each point: (M, n)."""
    theta = np.atleast_2d(theta)
    terms = _power_terms(theta, x, y)
    return np.log(terms[0] + terms[1] + terms[2])


def huber(residual: np.ndarray, delta: float) -> np.ndarray:
    """The Huber loss: quadratic within ``±delta``, linear outside."""
    magnitude = np.abs(residual)
    clipped = np.minimum(magnitude, delta)
    return clipped * (magnitude - 0.5 * clipped)


def grid_point_losses(grid: np.ndarray, data: Observations, delta: float) -> np.ndarray:
    """Huber loss of every data point at every grid start, (G, n), for screening.

    The same numbers as ``huber(log_prediction(grid, x, y) - z, delta)``, faster: a grid's
    size term depends only on ``(a, alpha)`` and its data term only on ``(b, beta)``, which
    take few distinct values (30 each in the paper's grid of 4,500), so the exponentials are
    computed once per distinct pair, and the rest in place.
    """
    grid = np.atleast_2d(np.asarray(grid, dtype=float))
    # A pair as one complex number: np.unique of a 1-D array is ~20x faster than axis=0.
    size_pairs, size_of = np.unique(grid[:, 1] + 1j * grid[:, 3], return_inverse=True)
    data_pairs, data_of = np.unique(grid[:, 2] + 1j * grid[:, 4], return_inverse=True)
    size_terms = np.exp(
        np.minimum(
            size_pairs.real[:, None] - np.multiply.outer(size_pairs.imag, data.x), _EXP_CEILING
        )
    )
    data_terms = np.exp(
        np.minimum(
            data_pairs.real[:, None] - np.multiply.outer(data_pairs.imag, data.y), _EXP_CEILING
        )
    )
    floor = np.exp(np.clip(grid[:, 0], -_EXP_CEILING, _EXP_CEILING))[:, None]
    size_of, data_of = size_of.ravel(), data_of.ravel()
    out = np.empty((len(grid), data.n))
    clipped = np.empty((max(1, _BATCH_POINTS // data.n), data.n))
    # In blocks of rows that stay in cache through the eight passes.
    for start in range(0, len(grid), len(clipped)):
        rows = slice(start, start + len(clipped))
        block = out[rows]
        np.take(size_terms, size_of[rows], axis=0, out=block)
        block += data_terms[data_of[rows]]
        block += floor[rows]
        np.log(block, out=block)
        block -= data.z
        np.abs(block, out=block)
        clip = clipped[: len(block)]
        np.minimum(block, delta, out=clip)
        clip *= -0.5
        block += clip
        clip *= -2.0
        block *= clip
    return out


def screen(point_losses: np.ndarray, weights: np.ndarray | None, n_keep: int) -> np.ndarray:
    """Indices of the ``n_keep`` grid starts with the lowest objective, per weight row.

    ``point_losses`` is (G, n); ``weights`` (R, n) or None (all ones). Returns (R, n_keep).
    """
    if weights is None:
        objective = point_losses.sum(axis=1)[None, :]
    else:
        objective = weights @ point_losses.T
    n_keep = min(n_keep, objective.shape[1])
    # Non-finite objectives (overflowing starts) sort last.
    objective = np.where(np.isfinite(objective), objective, np.inf)
    kept = np.argpartition(objective, n_keep - 1, axis=1)[:, :n_keep]
    order = np.take_along_axis(objective, kept, axis=1).argsort(axis=1, kind="stable")
    return np.take_along_axis(kept, order, axis=1)


def _power_terms(theta: np.ndarray, x: np.ndarray, y: np.ndarray):
    e, a, b, alpha, beta = (np.ascontiguousarray(theta[:, k]) for k in range(5))
    size_term = np.multiply.outer(-alpha, x)
    size_term += a[:, None]
    np.minimum(size_term, _EXP_CEILING, out=size_term)
    np.exp(size_term, out=size_term)
    data_term = np.multiply.outer(-beta, y)
    data_term += b[:, None]
    np.minimum(data_term, _EXP_CEILING, out=data_term)
    np.exp(data_term, out=data_term)
    floor_term = np.exp(np.clip(e, -_EXP_CEILING, _EXP_CEILING))[:, None]
    return size_term, data_term, floor_term


def _objective(theta, data: Observations, weights, delta):
    """Weighted Huber objective of each row of ``theta`` (M,) and its ingredients."""
    size_term, data_term, floor_term = _power_terms(theta, data.x, data.y)
    total = size_term + data_term
    total += floor_term
    residual = np.log(total)
    residual -= data.z
    magnitude = np.abs(residual)
    clipped = np.minimum(magnitude, delta)
    loss = magnitude - 0.5 * clipped
    loss *= clipped
    objective = np.einsum("mn,mn->m", loss, weights) if weights is not None else loss.sum(1)
    return objective, (size_term, data_term, total, residual, magnitude, clipped)


def _derivatives(parts, data: Observations, weights, delta, exact=None):
    """Gradient (M, 5) and a curvature matrix (M, 5, 5) of the objective.

    The log-prediction's Jacobian is ``J = [p3, p1, p2, -p1·x, -p2·y]`` with ``p1, p2, p3``
    the shares of the size, data and floor terms in the prediction (``p3 = 1 - p1 - p2``).
    Rows flagged in ``exact`` get the exact Hessian (Newton converges fast near a minimum);
    the others, and exact rows whose Hessian is not positive definite, get the Gauss-Newton
    matrix of iteratively reweighted least squares, ``Σ ψ(r)/r · J Jᵀ``, which majorises
    the Huber loss and always gives a descent direction. Returns also which rows got the
    exact Hessian.
    """
    size_term, data_term, total, residual, magnitude, clipped = parts
    rows = len(total)
    exact = np.zeros(rows, bool) if exact is None else exact
    p1 = size_term / total
    p2 = data_term / total
    psi = np.copysign(clipped, residual)
    if weights is not None:
        psi *= weights
    g1 = _sums(psi * p1, data.basis_x)
    g2 = _sums(psi * p2, data.basis_y)
    g3 = psi.sum(1) - g1[:, 0] - g2[:, 0]
    gradient = np.stack([g3, g1[:, 0], g2[:, 0], -g1[:, 1], -g2[:, 1]], axis=1)

    every = exact.all()
    if every:
        curvature = None
    else:
        # IRLS weight psi(r)/r: 1 inside ±delta, delta/|r| outside (|r| = 0 gives 1).
        with np.errstate(divide="ignore"):
            curvature = np.divide(delta, magnitude)
        np.minimum(curvature, 1.0, out=curvature)
        if weights is not None:
            curvature *= weights
    if exact.any():
        # Exact Hessian: Σ w [ψ'(r) J Jᵀ + ψ(r) ∇²LSE] with ∇²LSE = Σ_k p_k g_k g_kᵀ - J Jᵀ.
        inside = magnitude <= delta
        newton = inside.astype(float) if weights is None else np.where(inside, weights, 0.0)
        newton -= psi
        curvature = newton if every else np.where(exact[:, None], newton, curvature)
    matrix = _weighted_jtj(curvature, p1, p2, data)
    if exact.any():
        m = matrix if every else matrix[exact]
        a, b = (g1, g2) if every else (g1[exact], g2[exact])
        m[:, 0, 0] += g3[exact]
        m[:, 1, 1] += a[:, 0]
        m[:, 2, 2] += b[:, 0]
        m[:, 1, 3] -= a[:, 1]
        m[:, 3, 1] -= a[:, 1]
        m[:, 3, 3] += a[:, 2]
        m[:, 2, 4] -= b[:, 1]
        m[:, 4, 2] -= b[:, 1]
        m[:, 4, 4] += b[:, 2]
        trace = np.abs(np.einsum("mkk->m", m))
        positive = np.linalg.eigvalsh(m)[:, 0] > 1e-10 * trace
        if not every:
            matrix[exact] = m
        fallback = np.flatnonzero(exact)[~positive]
        if fallback.size:
            with np.errstate(divide="ignore"):
                ratio = np.minimum(np.divide(delta, magnitude[fallback]), 1.0)
            if weights is not None:
                ratio *= weights[fallback]
            matrix[fallback] = _weighted_jtj(ratio, p1[fallback], p2[fallback], data)
            exact = exact.copy()
            exact[fallback] = False
    return gradient, matrix, exact


def _sums(values: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """``values @ basis`` (M, n) x (n, k), in blocks of rows.

    One large product of this thin shape makes OpenBLAS start all its threads, which costs
    more than the product itself (ten times more on a busy two-core machine); a stack of
    small products stays on one thread.
    """
    rows = len(values)
    whole = rows - rows % _SUM_BLOCK
    out = np.empty((rows, basis.shape[1]))
    if whole:
        blocks = values[:whole].reshape(-1, _SUM_BLOCK, values.shape[1])
        out[:whole] = np.matmul(blocks, basis).reshape(whole, -1)
    if whole < rows:
        out[whole:] = values[whole:] @ basis
    return out


def _weighted_jtj(weight, p1, p2, data: Observations):
    """``Σ_i weight_i J_i J_iᵀ`` for each row, from sums against ``1, x, y, x², xy, y²``."""
    s0 = weight.sum(1)
    w1 = weight * p1
    w2 = weight * p2
    s1 = _sums(w1, data.basis_x)
    s2 = _sums(w2, data.basis_y)
    w1 *= p1
    q11 = _sums(w1, data.basis_x)
    w2 *= p2
    q22 = _sums(w2, data.basis_y)
    w1 = weight * p1
    w1 *= p2
    q12 = _sums(w1, data.basis_xy)
    h = np.empty((len(s0), 5, 5))
    # Order e, a, b, alpha, beta; Jacobian columns p3, p1, p2, -p1 x, -p2 y.
    h[:, 0, 0] = s0 - 2 * s1[:, 0] - 2 * s2[:, 0] + q11[:, 0] + 2 * q12[:, 0] + q22[:, 0]
    h[:, 0, 1] = s1[:, 0] - q11[:, 0] - q12[:, 0]
    h[:, 0, 2] = s2[:, 0] - q12[:, 0] - q22[:, 0]
    h[:, 0, 3] = -(s1[:, 1] - q11[:, 1] - q12[:, 1])
    h[:, 0, 4] = -(s2[:, 1] - q12[:, 2] - q22[:, 1])
    h[:, 1, 1] = q11[:, 0]
    h[:, 1, 2] = q12[:, 0]
    h[:, 1, 3] = -q11[:, 1]
    h[:, 1, 4] = -q12[:, 2]
    h[:, 2, 2] = q22[:, 0]
    h[:, 2, 3] = -q12[:, 1]
    h[:, 2, 4] = -q22[:, 1]
    h[:, 3, 3] = q11[:, 2]
    h[:, 3, 4] = q12[:, 3]
    h[:, 4, 4] = q22[:, 2]
    h[:, _UPPER[1], _UPPER[0]] = h[:, _UPPER[0], _UPPER[1]]
    return h


def objective_and_gradient(theta, data: Observations, weights, delta):
    """Objective (M,) and gradient (M, 5) for parameter rows ``theta`` (M, 5)."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    objective, parts = _objective(theta, data, weights, delta)
    gradient, _, _ = _derivatives(parts, data, weights, delta)
    return objective, gradient


@dataclass
class Polished:
    """Result of :func:`polish`: one row per start."""

    theta: np.ndarray  # (M, 5)
    objective: np.ndarray  # (M,)
    converged: np.ndarray  # (M,) bool
    iterations: np.ndarray  # (M,) int


def polish(
    theta: np.ndarray,
    data: Observations,
    weights: np.ndarray | None,
    delta: float,
    *,
    rtol: float = 1e-12,
    max_iter: int = 500,
    finish: bool = True,
    batch: int | None = None,
) -> Polished:
    """Levenberg-Marquardt from every row of ``theta``, each with its own damping.

    ``weights`` is None (all ones) or (M, n), one row per start. A row stops when an accepted
    step lowers its objective by less than ``rtol`` relatively, or when no damping finds a
    lower objective (it sits at a minimum to machine precision); rows stopped by ``max_iter``
    are finished with L-BFGS-B (same iteration cap; skipped with ``finish=False``) and
    reported as not converged if that stops short too.

    At most ``batch`` rows (default: ~64,000 row-points' worth) are stepped together, and a
    row that stops makes room for the next one waiting: the (rows x points) arrays stay in
    cache, and the last slow rows do not each cost a pass over a large, mostly finished set.
    """
    # In coordinates centred on the data, a - alpha log N = a_c - alpha (log N - mean): the
    # same objective, without the steep a-alpha (and b-beta) valley that a diagonal damping
    # crawls along.
    shift = np.array([data.x.mean(), data.y.mean()])
    centred = Observations(data.x - shift[0], data.y - shift[1], data.z)
    theta = np.array(theta, dtype=float)
    theta[:, 1:3] -= theta[:, 3:5] * shift
    result = _polish_centred(theta, centred, weights, delta, rtol, max_iter, finish, batch)
    result.theta[:, 1:3] += result.theta[:, 3:5] * shift
    return result


def _polish_centred(theta, data, weights, delta, rtol, max_iter, finish, batch):
    n_rows = len(theta)
    if weights is not None:
        weights = np.broadcast_to(weights, (n_rows, data.n))
    if batch is None:
        batch = max(16, _BATCH_POINTS // data.n)
    objective = np.full(n_rows, np.nan)
    gradient = np.zeros((n_rows, 5))
    matrix = np.zeros((n_rows, 5, 5))
    # Rows switch to Newton steps once their steps make only small relative progress: far
    # from a minimum the exact Hessian is often indefinite and costs a wasted evaluation.
    near = np.zeros(n_rows, bool)
    # Marquardt damping relative to the diagonal, adapted by the gain ratio (Nielsen 1999):
    # after a run of Newton steps it is tiny, and a rejection must raise it fast.
    damping = np.full(n_rows, 1e-3)
    growth = np.full(n_rows, 2.0)
    converged = np.zeros(n_rows, bool)
    capped = np.zeros(n_rows, bool)
    iterations = np.zeros(n_rows, int)
    eye = np.eye(5)
    working = np.zeros(0, int)
    waiting = 0
    while True:
        if waiting < n_rows and len(working) <= batch // 2:
            new = np.arange(waiting, min(n_rows, waiting + batch - len(working)))
            waiting = new[-1] + 1
            new_weights = None if weights is None else weights[new]
            value, parts = _objective(theta[new], data, new_weights, delta)
            gradient[new], matrix[new], _ = _derivatives(parts, data, new_weights, delta)
            objective[new] = value
            working = np.concatenate([working, new[np.isfinite(value)]])
        if working.size == 0:
            if waiting >= n_rows:
                break
            continue
        rows = working
        h = matrix[rows]
        g_rows = gradient[rows]
        diag = np.abs(np.einsum("mkk->mk", h))
        # A tiny ridge keeps the system solvable when a term vanishes (its column is ~0).
        ridge = 1e-12 * (1.0 + diag.max(axis=1, keepdims=True))
        shift = damping[rows, None] * diag + ridge
        system = h + shift[:, :, None] * eye
        step = -np.linalg.solve(system, g_rows[..., None])[..., 0]
        # Far from a minimum the first Gauss-Newton steps run to 1e3: shorten them to the
        # scale of the grid's spacing rather than reject them one damping increase at a time.
        length = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, _MAX_STEP / np.maximum(length, np.finfo(float).tiny))
        # Decrease predicted by the quadratic model: -g.s - s.H.s / 2 = (s.H.s / 2 + s.shift.s).
        predicted = -np.einsum("mk,mk->m", g_rows, step) - 0.5 * np.einsum(
            "mk,mkl,ml->m", step, h, step
        )
        trial = theta[rows] + step
        row_weights = None if weights is None else weights[rows]
        trial_objective, trial_parts = _objective(trial, data, row_weights, delta)
        better = trial_objective < objective[rows]
        iterations[rows] += 1
        stop = np.zeros(len(rows), bool)
        accepted = rows[better]
        if accepted.size:
            actual = objective[accepted] - trial_objective[better]
            decrease = actual / np.maximum(np.abs(objective[accepted]), np.finfo(float).tiny)
            gain = actual / np.maximum(predicted[better], np.finfo(float).tiny)
            near[accepted] = decrease < _NEWTON_SWITCH
            every = accepted.size == rows.size
            kept_parts = trial_parts if every else tuple(part[better] for part in trial_parts)
            g, m, _ = _derivatives(
                kept_parts,
                data,
                row_weights if row_weights is None or every else row_weights[better],
                delta,
                exact=near[accepted],
            )
            theta[accepted] = trial[better]
            objective[accepted] = trial_objective[better]
            gradient[accepted] = g
            matrix[accepted] = m
            factor = np.maximum(1.0 / 3.0, 1.0 - (2.0 * np.minimum(gain, 1.0) - 1.0) ** 3)
            damping[accepted] = np.maximum(damping[accepted] * factor, 1e-12)
            growth[accepted] = 2.0
            done = decrease < rtol
            converged[accepted[done]] = True
            stop[np.flatnonzero(better)[done]] = True
        rejected = rows[~better]
        damping[rejected] = np.maximum(damping[rejected] * growth[rejected], _REJECT_FLOOR)
        growth[rejected] *= 2.0
        stuck = ~better & (damping[rows] > 1e12)
        converged[rows[stuck]] = True
        stop |= stuck
        cap = iterations[rows] >= max_iter
        capped[rows[cap & ~stop]] = True
        working = rows[~(stop | cap)]
    # The rare row still crawling along a flat valley (about one bootstrap refit in a
    # thousand) is finished by L-BFGS-B with the analytic gradient, one row at a time.
    for row in np.flatnonzero(capped & np.isfinite(objective) & finish):
        row_weights = None if weights is None else weights[row : row + 1]
        result = _lbfgs(theta[row], data, row_weights, delta, rtol, max_iter)
        if result.fun <= objective[row]:
            theta[row], objective[row] = result.x, result.fun
        iterations[row] += result.nit
        converged[row] = bool(result.success)
    return Polished(theta, objective, converged, iterations)


def _lbfgs(theta, data, weights, delta, rtol, max_iter):
    def objective_gradient(vector):
        value, gradient = objective_and_gradient(vector[None, :], data, weights, delta)
        return float(value[0]), gradient[0]

    return optimize.minimize(
        objective_gradient,
        theta,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "ftol": rtol, "gtol": 1e-12, "maxcor": 20},
    )


def global_fit(
    data: Observations,
    delta: float,
    grid: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    n_polish: int = 8,
    rtol: float = 1e-12,
    max_iter: int = 500,
    warm: np.ndarray | None = None,
    every: bool = False,
) -> Polished | tuple[Polished, np.ndarray]:
    """The best of ``n_polish`` polished grid starts, for each row of ``weights``.

    ``weights`` None fits the data once (a result with one row); (R, n) fits R reweighted
    data sets (bootstrap resamples as counts), each screened on its own objective.
    ``warm`` (one parameter row, e.g. the full data's optimum) is polished as one more start
    of every row: a bootstrap resample's optimum is close to the full data's, so it
    converges in a few steps and rescues a resample whose screen ranks the global basin low.
    With ``every``, also returns every polished start's objective, (rows, starts per row).
    """
    point_losses = grid_point_losses(grid, data, delta)
    rows = 1 if weights is None else len(weights)
    n_keep = min(n_polish, len(grid))
    per_block = max(1, _ROWS_PER_BLOCK // (n_keep + (warm is not None)))
    results = []
    ends = []
    for start in range(0, rows, per_block):
        block = None if weights is None else weights[start : start + per_block]
        kept = screen(point_losses, block, n_keep)  # (r, k)
        starts = grid[kept]  # (r, k, 5)
        if warm is not None:
            extra = np.broadcast_to(np.asarray(warm, float).reshape(1, 1, 5), (len(kept), 1, 5))
            starts = np.concatenate([starts, extra], axis=1)
        per_row = starts.shape[1]
        starts = starts.reshape(-1, 5)
        repeated = None if block is None else np.repeat(block, per_row, axis=0)
        polished = polish(starts, data, repeated, delta, rtol=rtol, max_iter=max_iter)
        objective = polished.objective.reshape(-1, per_row)
        objective = np.where(np.isfinite(objective), objective, np.inf)
        ends.append(objective)
        best = objective.argmin(axis=1) + per_row * np.arange(len(objective))
        results.append(
            Polished(
                polished.theta[best],
                polished.objective[best],
                polished.converged[best],
                polished.iterations[best],
            )
        )
    if every:
        return _concatenate(results), np.concatenate(ends)
    return _concatenate(results)


def _concatenate(results: list[Polished]) -> Polished:
    return Polished(
        np.concatenate([r.theta for r in results]),
        np.concatenate([r.objective for r in results]),
        np.concatenate([r.converged for r in results]),
        np.concatenate([r.iterations for r in results]),
    )


def bootstrap_fit(
    data: Observations,
    delta: float,
    grid: np.ndarray,
    weights: np.ndarray,
    *,
    n_polish: int = 8,
    n_known: int = _BOOT_KNOWN,
    n_pilot: int = _BOOT_PILOT,
    rtol: float = 1e-12,
    max_iter: int = 500,
    warm: np.ndarray | None = None,
) -> Polished:
    """:func:`global_fit` of each row of ``weights`` (R, n), reusing the full data's polish.

    Each resample is screened on its own objective and its ``n_polish`` best grid starts are
    searched, as in :func:`global_fit`. But a resample is a small perturbation of the data:
    the ``n_known`` best starts of the full data are polished once, on the full data, and a
    resample's start among them is replaced by the full-data minimum it reached, which lies
    in the resample's version of that basin and converges in about half the steps. Starts
    that reached one minimum share one polish; starts outside the ``n_known`` are polished
    from the grid. ``warm`` (one parameter row) is one more start of every resample.

    That shortcut assumes a start falls into the same basin on a resample as on the data.
    Where the landscape is rugged (few, noisy runs: the resample's duplicated points make
    close local minima) it can fail, so it is checked on the first ``n_pilot`` resamples
    against the full search of :func:`global_fit`; if the full search finds a lower optimum
    on any of them (by more than 1e-9 relatively), every resample gets the full search.
    """
    weights = np.asarray(weights, dtype=float)
    point_losses = grid_point_losses(grid, data, delta)
    known = screen(point_losses, None, min(n_known, len(grid)))[0]
    reached = polish(grid[known], data, None, delta, rtol=rtol, max_iter=max_iter)
    value = reached.objective
    # Known starts whose minima agree in objective to 1e-9 reached one basin; one of them
    # represents it. A start that reached no finite minimum stays unknown.
    order = np.argsort(np.where(np.isfinite(value), value, np.inf), kind="stable")
    order = order[np.isfinite(value[order])]
    distinct = np.ones(len(order), bool)
    distinct[1:] = np.diff(value[order]) > 1e-9 * np.abs(value[order[1:]])
    basin_of_known = np.cumsum(distinct) - 1
    minima = reached.theta[order[distinct]]
    if warm is not None:
        minima = np.vstack([minima, np.asarray(warm, float).reshape(1, 5)])
    n_minima = len(minima)
    # A start code: a minimum's index, or n_minima + the grid index of an unknown start.
    code_of_grid = n_minima + np.arange(len(grid))
    code_of_grid[known[order]] = basin_of_known
    table = np.vstack([minima, grid])

    n_keep = min(n_polish, len(grid))
    per_block = max(1, _ROWS_PER_BLOCK // (n_keep + 1))
    theta = np.empty((len(weights), 5))
    objective = np.empty(len(weights))
    converged = np.empty(len(weights), bool)
    iterations = np.empty(len(weights), int)
    for first in range(0, len(weights), per_block):
        block = weights[first : first + per_block]
        codes = code_of_grid[screen(point_losses, block, n_keep)]
        if warm is not None:
            codes = np.concatenate([codes, np.full((len(codes), 1), n_minima - 1)], axis=1)
        codes.sort(axis=1)
        fresh = np.ones(codes.shape, bool)
        fresh[:, 1:] = codes[:, 1:] != codes[:, :-1]
        owner, column = np.nonzero(fresh)
        polished = polish(
            table[codes[owner, column]], data, block[owner], delta, rtol=rtol, max_iter=max_iter
        )
        # The best start of each resample: sort by (resample, objective), take each first.
        value = np.where(np.isfinite(polished.objective), polished.objective, np.inf)
        ranked = np.lexsort((value, owner))
        best = ranked[np.r_[True, owner[ranked][1:] != owner[ranked][:-1]]]
        rows = slice(first, first + len(block))
        theta[rows] = polished.theta[best]
        objective[rows] = polished.objective[best]
        converged[rows] = polished.converged[best]
        iterations[rows] = polished.iterations[best]
    fast = Polished(theta, objective, converged, iterations)
    pilot = min(n_pilot, len(weights))
    options = {"n_polish": n_polish, "rtol": rtol, "max_iter": max_iter, "warm": warm}
    full, ends = global_fit(data, delta, grid, weights=weights[:pilot], every=True, **options)
    # Rugged: some start of a pilot resample stops at a local minimum close above its best.
    gap = ends / full.objective[:, None] - 1
    if np.any((gap > _RUGGED[0]) & (gap < _RUGGED[1])):
        if pilot == len(weights):
            return full
        return _concatenate(
            [full, global_fit(data, delta, grid, weights=weights[pilot:], **options)]
        )
    lower = full.objective < objective[:pilot]
    for field in ("theta", "objective", "converged", "iterations"):
        getattr(fast, field)[:pilot][lower] = getattr(full, field)[lower]
    return fast
