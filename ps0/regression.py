"""Tasks 14-15: linear regression, in closed form and by gradient descent.

The data is the diabetes table shipped with scikit-learn (``dlkit.data.diabetes``):
ten standardized clinical measurements per patient plus a column of ones, and a
measure of disease progression one year later as the target.
"""

from __future__ import annotations

import numpy as np


def normal_equations(X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """Task 14. The (ridge-regularized) least-squares weights in closed form.

    w* = argmin_w 1/2 ||X w - y||^2 + l2/2 ||w||^2

    is where the objective's gradient vanishes: a D x D linear system A w* = c that you
    derive (README, Task 14). Solve it with ``np.linalg.solve``; never form the
    inverse: it is slower and less accurate. The penalty covers every weight, the bias
    included.

    Inputs:  X (N, D), y (N,), l2 >= 0.
    Returns: w* (D,).
    """
    # BEGIN SOLUTION: build the system you derived, then one np.linalg.solve
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + l2 * np.eye(d), X.T @ y)
    # END SOLUTION


def gradient_descent(
    X: np.ndarray, y: np.ndarray, lr: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Task 15. Fit least squares by full-batch gradient descent from w = 0.

    Minimize L(w) = 1/(2N) ||X w - y||^2 with the update

    w <- w - lr * dL/dw(w)      (the gradient you derived in Task 7)

    repeated ``steps`` times, starting from w = 0. Record the loss L(w) *before* each
    update, so losses[0] is the loss at w = 0 and losses[t] the loss of the weights
    step t starts from.

    Inputs:  X (N, D), y (N,), lr > 0, steps >= 1.
    Returns: (w, losses): the final weights (D,) and the recorded losses (steps,).
    """
    # BEGIN SOLUTION: start from zeros; each step: residual, record loss, gradient step
    n, d = X.shape
    w = np.zeros(d)
    losses = np.empty(steps)
    for t in range(steps):
        residual = X @ w - y
        losses[t] = residual @ residual / (2.0 * n)
        w = w - lr * (X.T @ residual) / n
    return w, losses
    # END SOLUTION
