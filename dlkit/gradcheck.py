"""Numerical gradients, to debug a backward pass before the grader sees it.

A backward pass is right when it agrees with centered differences,

    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2 h),

to a relative error of about 1e-7 or less in float64 (1e-2 means a bug). Typical use,
checking ``affine_backward`` for the input ``w``::

    out, cache = affine_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = affine_backward(dout, cache)
    dw_num = numerical_gradient(lambda w_: affine_forward(x, w_, b)[0], w, dout)
    print(relative_error(dw, dw_num))
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float | np.ndarray],
    x: np.ndarray,
    dout: np.ndarray | None = None,
    h: float = 1e-6,
) -> np.ndarray:
    """Centered-difference gradient of ``f`` at ``x``.

    When ``f`` returns a number, the result is df/dx. When it returns an array (a layer's
    output), pass the upstream gradient ``dout`` of that output's shape: the result is
    the gradient of ``sum(f(x) * dout)``, which is what a backward pass returns for x.

    ``f`` is called on perturbed copies of ``x``; ``x`` itself is left unchanged.
    Inputs:  x, any shape, float64; dout, f(x)'s shape (or None for a scalar f).
    Returns: the gradient, x's shape. Costs 2 calls of f per entry of x.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)

    def value(point: np.ndarray) -> float:
        out = f(point)
        if dout is None:
            if np.ndim(out) != 0:
                raise ValueError(
                    f"f returned an array of shape {np.shape(out)}: pass dout, the upstream "
                    "gradient of that shape, or make f return a number"
                )
            return float(out)  # type: ignore[arg-type]
        if np.shape(out) != np.shape(dout):
            raise ValueError(f"f returned shape {np.shape(out)}, but dout has {np.shape(dout)}")
        return float(np.sum(np.asarray(out) * dout))

    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        plus = value(x.copy())
        flat[i] = saved - h
        minus = value(x.copy())
        flat[i] = saved
        grad_flat[i] = (plus - minus) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray | float, b: np.ndarray | float) -> float:
    """The largest ``|a - b| / max(|a| + |b|, 1e-8)`` over all entries: scale-free, so
    1e-7 means "agrees" whether the gradients are near 1e-3 or 1e3."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
