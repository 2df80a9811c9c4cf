"""Tasks 6-9: derivatives in code, numerical and analytic."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Task 6. Central-difference estimate of the gradient of a scalar function of an array.

    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

    where e_i is 1 at index i and 0 elsewhere; the error is O(h^2). Loop over the entries
    of x (``np.nditer`` or ``np.ndindex`` gives every index of an array of any shape).
    You may perturb x in place, but restore it: when the function returns, x must hold
    exactly the values it was given (put back the saved entry: adding and subtracting h
    can round).

    Inputs:  f maps an array of x's shape to a float; x, any shape, float64; h > 0.
    Returns: grad, x's shape, float64.
    """
    # BEGIN SOLUTION: perturb one entry at a time by +h and -h, restoring it after each
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad
    # END SOLUTION


def least_squares(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Task 7. Mean squared-error loss of a linear model and its gradient.

    L(w) = 1/(2N) ||X w - y||^2

    Derive dL/dw by hand (expand the square, or use d(r . r) = 2 r . dr with the residual
    r = X w - y), then check it against ``numerical_gradient``.

    Inputs:  w (D,), X (N, D), y (N,).
    Returns: (loss, grad): L(w), a float, and dL/dw, an array of shape (D,).
    """
    # BEGIN SOLUTION: form the residual r = X w - y once and reuse it for both results
    n = X.shape[0]
    residual = X @ w - y  # (N,)
    loss = float(residual @ residual) / (2.0 * n)
    return loss, X.T @ residual / n
    # END SOLUTION


def log_cos_exp_sin(x: np.ndarray) -> np.ndarray:
    """f(x) = log(cos(exp(sin(x)^3))), elementwise (given, not a task).

    Defined where cos(exp(sin(x)^3)) > 0, i.e. where sin(x) < log(pi / 2)^(1/3) ~ 0.767.
    """
    return np.log(np.cos(np.exp(np.sin(x) ** 3)))


def log_cos_exp_sin_grad(x: np.ndarray) -> np.ndarray:
    """Task 8. The derivative of f(x) = log(cos(exp(sin(x)^3))), by the chain rule.

    Write f as a chain u = sin(x), v = u^3, w = exp(v), c = cos(w), f = log(c); then

    f'(x) = df/dc * dc/dw * dw/dv * dv/du * du/dx,

    a product of local derivatives: work out each one by hand. Check the result against
    ``numerical_gradient`` on a few points before you rely on it.

    Inputs:  x, any shape, with sin(x) < 0.767 everywhere.
    Returns: f'(x), x's shape.
    """
    # BEGIN SOLUTION: name each link of the chain (u, v, w, c) and multiply their derivatives
    u = np.sin(x)
    v = u**3
    w = np.exp(v)
    return -np.tan(w) * w * 3.0 * u**2 * np.cos(x)
    # END SOLUTION


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Task 9. The Jacobian of the softmax, for each row of a batch.

    With p = softmax(z) for one row of length D, J[i, j] = d p_i / d z_j. Derive it by
    hand (the quotient rule on p_i = exp(z_i) / sum_k exp(z_k), the cases j = i and
    j != i apart) and write it as one matrix expression in p.

    Compute p stably (subtract the row max: logits may be near 1000) and build all N
    Jacobians at once with broadcasting, without a loop over the batch.

    Inputs:  z (N, D).
    Returns: J (N, D, D), J[n] the Jacobian of softmax at z[n].
    """
    # BEGIN SOLUTION: p from the shifted z, then your J for every row at once (broadcasting)
    shifted = z - z.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)  # (N, D)
    eye = np.eye(z.shape[1])  # (D, D)
    return p[:, :, None] * eye[None] - p[:, :, None] * p[:, None, :]
    # END SOLUTION
