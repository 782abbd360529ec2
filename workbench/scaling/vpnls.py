"""Variable projection (VPNLS) for ``L(N, D) = E + A/N^α + B/D^β``.

For fixed exponents the law is linear in ``(E, A, B)``: ``L = X c`` with the columns
``X = [1, N^-α, D^-β]``. Variable projection searches only over ``(α, β)`` and solves the
linear parameters inside, so the outer problem has two dimensions instead of five and no
start for ``E, A, B`` is needed (Golub and Pereyra 1973; applied to Chinchilla-style laws in
the replication literature). The inner solve is:

- ``space="loss"``, ``objective="ls"``: non-negative least squares of ``L`` on ``X``;
- ``space="loss"``, ``objective="huber"``: the Huber loss of ``X c − L`` with a relative
  threshold (``δ`` of each run's loss, so ``δ`` means about the same as in log space), by
  Newton steps with an iteratively reweighted least-squares (IRLS) fallback, weights
  ``min(1, δ L_i / |r_i|)``;
- ``space="log"``: residuals ``log(X c) − log L``, the objective of the grid engine of
  :mod:`workbench.scaling._engine` (Gauss-Newton steps on the same weights, with step
  halving); on this objective VPNLS and the grid engine can be checked against each other.

The outer search screens a grid of ``(α, β)`` and polishes the best few with Nelder-Mead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["OBJECTIVES", "SPACES", "VPResult", "vpnls"]

OBJECTIVES = ("huber", "ls")
SPACES = ("loss", "log")
# Outer screen of the exponents, and how many of its best points are polished.
_ALPHA_AXIS = np.linspace(0.05, 1.5, 16)
_BETA_AXIS = np.linspace(0.05, 1.5, 16)
_N_POLISH = 3
_SCREEN_ITER = 15
_TINY = 1e-300


@dataclass
class VPResult:
    """Best ``(E, A, B, alpha, beta)``, its objective and whether the polish converged."""

    params: np.ndarray
    objective: float
    converged: bool


def vpnls(
    log_n: np.ndarray,
    log_d: np.ndarray,
    loss: np.ndarray,
    *,
    objective: str = "huber",
    space: str = "loss",
    delta: float = 1e-3,
    weights: np.ndarray | None = None,
    max_iter: int = 500,
) -> VPResult:
    """Fit the law by variable projection; ``weights`` are per-run counts (bootstrap)."""
    weights = np.ones_like(loss) if weights is None else np.asarray(weights, float)
    # The screen ranks exponents with a few inner iterations; the polish runs them to the end.
    problem = _Problem(log_n, log_d, loss, weights, objective, space, delta, _SCREEN_ITER)
    screen = [(problem.profile(np.array([a, b])), a, b) for a in _ALPHA_AXIS for b in _BETA_AXIS]
    screen.sort(key=lambda item: item[0])
    problem.max_iter = max_iter
    best = None
    for value, a, b in screen[:_N_POLISH]:
        if not np.isfinite(value):
            continue
        problem.warm = None
        result = optimize.minimize(
            problem.profile,
            np.array([a, b]),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-15, "maxiter": 4 * max_iter, "adaptive": True},
        )
        if best is None or result.fun < best.fun:
            best = result
    if best is None:
        return VPResult(np.full(5, np.nan), np.inf, False)
    alpha, beta = best.x
    linear = problem.solve(best.x)
    params = np.array([linear[0], linear[1], linear[2], alpha, beta])
    return VPResult(params, float(best.fun), bool(best.success))


class _Problem:
    def __init__(self, log_n, log_d, loss, weights, objective, space, delta, max_iter):
        self.log_n, self.log_d, self.loss = log_n, log_d, loss
        self.z = np.log(loss)
        self.w = weights
        self.objective, self.space, self.delta = objective, space, delta
        self.max_iter = max_iter
        # The last inner solution: Nelder-Mead moves in small steps, so it starts the next.
        self.warm = None

    def design(self, exponents) -> np.ndarray:
        alpha, beta = exponents
        return np.column_stack(
            [np.ones_like(self.log_n), np.exp(-alpha * self.log_n), np.exp(-beta * self.log_d)]
        )

    def value(self, c, design) -> float:
        """The objective at linear parameters ``c`` (the quantity VPNLS minimises)."""
        predicted = design @ c
        if self.space == "log":
            if (predicted <= 0).any():
                return np.inf
            residual = np.log(predicted) - self.z
            threshold = self.delta
        else:
            residual = predicted - self.loss
            threshold = self.delta * self.loss
        if self.objective == "ls":
            return float(0.5 * np.sum(self.w * residual**2))
        magnitude = np.abs(residual)
        clipped = np.minimum(magnitude, threshold)
        return float(np.sum(self.w * clipped * (magnitude - 0.5 * clipped)))

    def profile(self, exponents) -> float:
        if not (0 < exponents[0] < 5 and 0 < exponents[1] < 5):
            return np.inf
        design = self.design(exponents)
        return self.value(self.solve(exponents, design), design)

    def solve(self, exponents, design=None) -> np.ndarray:
        """The best non-negative ``(E, A, B)`` for the given exponents."""
        design = self.design(exponents) if design is None else design
        root = np.sqrt(self.w)
        c = _nnls(design * root[:, None], self.loss * root)
        if self.objective == "ls" and self.space == "loss":
            return c
        if self.warm is not None and self.value(self.warm, design) < self.value(c, design):
            c = self.warm
        if self.space == "loss":
            c = self._irls_loss(c, design)
        else:
            c = self._gauss_newton_log(c, design)
        self.warm = c
        return c

    def _residual(self, c, design):
        """Residuals, their Jacobian in ``c`` and the Huber thresholds of the inner problem."""
        predicted = design @ c
        if self.space == "log":
            return np.log(predicted) - self.z, design / predicted[:, None], self.delta
        return predicted - self.loss, design, self.delta * self.loss

    def _irls_loss(self, c, design) -> np.ndarray:
        return self._newton(c, design)

    def _gauss_newton_log(self, c, design) -> np.ndarray:
        c = np.maximum(c, 1e-12 * max(float(np.abs(c).max()), 1.0))
        return self._newton(c, design)

    def _newton(self, c, design) -> np.ndarray:
        """Minimise the inner objective over ``c >= 0``.

        Each iteration tries a Newton step of the Huber loss (curvature only from the points
        inside the threshold, which converges in a few steps near a minimum) and falls back
        to the IRLS step (``min(1, δ/|r|)`` weights, which majorises the loss and always
        descends), each with step halving.
        """
        current = self.value(c, design)
        for _ in range(self.max_iter):
            if not np.isfinite(current):
                break
            residual, jacobian, threshold = self._residual(c, design)
            magnitude = np.abs(residual)
            if self.objective == "huber":
                psi = np.clip(residual, -threshold, threshold)
                irls = np.minimum(1.0, threshold / np.maximum(magnitude, _TINY))
                inside = (magnitude <= threshold).astype(float)
            else:
                psi, irls, inside = residual, np.ones_like(residual), np.ones_like(residual)
            gradient = jacobian.T @ (self.w * psi)
            improved = False
            for curvature in (inside, irls):
                matrix = jacobian.T @ (jacobian * (self.w * curvature)[:, None])
                matrix += 1e-12 * np.trace(matrix) * np.eye(3)
                try:
                    step = -np.linalg.solve(matrix, gradient)
                except np.linalg.LinAlgError:
                    continue
                scale = 1.0
                while scale > 1e-6:
                    trial = np.maximum(c + scale * step, 0.0)
                    value = self.value(trial, design)
                    if value < current:
                        improved = True
                        break
                    scale *= 0.5
                if improved:
                    break
            if not improved:
                break
            change = current - value
            c, current = trial, value
            if change <= 1e-15 * max(current, _TINY):
                break
        return c


def _nnls(matrix, target) -> np.ndarray:
    """Non-negative least squares (the law's E, A and B are positive)."""
    solution, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    if (solution >= 0).all():
        return solution
    return optimize.nnls(matrix, target)[0]
