"""Layers as pairs of functions: ``*_forward`` returns ``(out, cache)``; ``*_backward``
takes the upstream gradient ``dout`` (the gradient of the loss with respect to ``out``,
same shape as ``out``) and the cache, and returns the gradients with respect to the
forward's inputs, each with its input's shape.

Shapes: N examples, D input features, M output features.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """An affine (fully connected) layer: ``out = x @ w + b``.

    Inputs:  x (N, D), w (D, M), b (M,).
    Returns: out (N, M), and a cache for the backward pass.
    """
    # BEGIN SOLUTION: one matrix product plus the broadcast bias; cache the inputs
    return x @ w + b, (x, w)
    # END SOLUTION


def affine_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `affine_forward`.

    Derive it one entry at a time: dL/dx[n, d] = sum_m dout[n, m] d out[n, m] / d x[n, d],
    and the same for w[d, m] and b[m]; then recognize each sum as a matrix product or a
    sum over an axis (README, Task 2). Each gradient has its input's shape.

    Inputs:  dout (N, M), the cache of the forward pass.
    Returns: dx (N, D), dw (D, M), db (M,).
    """
    # BEGIN SOLUTION: two matrix products and a sum over the batch axis
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
    # END SOLUTION


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """ReLU: ``out = max(0, x)`` elementwise. Any shape."""
    # BEGIN SOLUTION: np.maximum with 0; cache the input
    return np.maximum(x, 0.0), x
    # END SOLUTION


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of ReLU: dx (x's shape), dout times the local slope of max(0, x),
    entry by entry. Derive the slope on each side of 0; at exactly x = 0 use the left
    slope, 0 (PyTorch's convention)."""
    # BEGIN SOLUTION: dout times the local slope, entry by entry
    return dout * (cache > 0)
    # END SOLUTION


def leaky_relu_forward(x: np.ndarray, alpha: float = 0.01) -> tuple[np.ndarray, Cache]:
    """Leaky ReLU: ``out = x`` where x > 0, ``alpha * x`` elsewhere. Any shape."""
    # BEGIN SOLUTION: np.where on the sign of x; cache x and alpha
    return np.where(x > 0, x, alpha * x), (x, alpha)
    # END SOLUTION


def leaky_relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of leaky ReLU: dx (x's shape), dout times the local slope, entry by
    entry. Derive the slope on each side of 0; at exactly x = 0 use the left slope,
    ``alpha`` (PyTorch's convention)."""
    # BEGIN SOLUTION: scale dout by the local slope
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)
    # END SOLUTION


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Logistic sigmoid ``s(x) = 1 / (1 + exp(-x))``, computed without overflow.

    For x >= 0 use 1 / (1 + exp(-x)); for x < 0 the equal exp(x) / (1 + exp(x)), so
    that exp never sees a large positive argument: the cases make numpy's overflow
    warning an error (``np.errstate(over="raise")``). Any shape.
    """
    # BEGIN SOLUTION: np.where on the sign, exponentiating -|x| only; cache the output
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, s
    # END SOLUTION


def sigmoid_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the sigmoid: dx (x's shape). Derive s'(x) on paper and write it
    in terms of the output s(x), which the forward pass cached: no exp needed here."""
    # BEGIN SOLUTION: dout times s'(x), written with the cached output s
    s = cache
    return dout * s * (1.0 - s)
    # END SOLUTION


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Hyperbolic tangent, elementwise (``np.tanh``). Any shape."""
    # BEGIN SOLUTION: np.tanh; cache the output
    t = np.tanh(x)
    return t, t
    # END SOLUTION


def tanh_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of tanh: dx (x's shape). Derive tanh'(x) on paper and write it in
    terms of the output tanh(x), which the forward pass cached."""
    # BEGIN SOLUTION: reuse the cached output
    return dout * (1.0 - cache**2)
    # END SOLUTION


GELU_C = np.sqrt(2.0 / np.pi)


def gelu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """GELU in its tanh approximation (as in GPT-2 and ``torch.nn.GELU("tanh")``):

    gelu(x) = 0.5 x (1 + tanh(u)),   u = sqrt(2 / pi) (x + 0.044715 x^3).

    Any shape.
    """
    # BEGIN SOLUTION: compute u, then the formula; cache x and tanh(u)
    t = np.tanh(GELU_C * (x + 0.044715 * x**3))
    return 0.5 * x * (1.0 + t), (x, t)
    # END SOLUTION


def gelu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the tanh-approximate GELU: dx (x's shape).

    Derive gelu'(x) on paper with the product rule and the chain rule through tanh and
    u, and write it in x and t = tanh(u): the forward pass cached both, so the backward
    pass reuses t instead of computing tanh again.
    """
    # BEGIN SOLUTION: the product rule, then the chain rule through tanh and u
    x, t = cache
    du = GELU_C * (1.0 + 3 * 0.044715 * x**2)
    return dout * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * du)
    # END SOLUTION


def dropout_forward(
    x: np.ndarray, p: float, train: bool, rng: np.random.Generator
) -> tuple[np.ndarray, Cache]:
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale the
    survivors by 1 / (1 - p), so that the expected activation is unchanged and evaluation
    needs no rescaling; in evaluation, return x unchanged.

    Draw the mask as ``rng.random(x.shape) >= p`` (exactly this call: the grader checks
    your output against the reference with the same generator).

    Inputs:  x, any shape; 0 <= p < 1; train: training or evaluation mode; a Generator.
    Returns: out (x's shape), and a cache.
    """
    # BEGIN SOLUTION: in training, a kept-unit mask from rng divided by 1 - p; else identity
    if not train or p == 0.0:
        return x, None
    mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
    # END SOLUTION


def dropout_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of inverted dropout: dx (dout's shape), in training and in
    evaluation mode, from the cache `dropout_forward` kept. In training out = x * mask,
    with the mask a constant; in evaluation out = x."""
    # BEGIN SOLUTION: differentiate out = x * mask (the mask fixed), or out = x in evaluation
    return dout if cache is None else dout * cache
    # END SOLUTION


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, state: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Batch normalization over the features of a batch.

    Training (``state["train"]`` true): with the batch mean mu and biased variance var
    of each feature,

        x_hat = (x - mu) / sqrt(var + eps),   out = gamma * x_hat + beta,

    and the running statistics move towards the batch ones (updated in ``state``):

        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var

    Evaluation: normalize with running_mean and running_var instead.

    ``state`` holds "train" (bool), "eps" (default 1e-5), "momentum" (default 0.9), and
    "running_mean", "running_var" (each (D,), zeros and ones when absent).

    Inputs:  x (N, D), gamma (D,), beta (D,), state.
    Returns: out (N, D), and a cache.
    """
    # BEGIN SOLUTION: batch statistics in training, running ones in evaluation; update state
    eps, momentum = state.get("eps", 1e-5), state.get("momentum", 0.9)
    d = x.shape[1]
    running_mean = state.setdefault("running_mean", np.zeros(d))
    running_var = state.setdefault("running_var", np.ones(d))
    if state["train"]:
        mu, var = x.mean(axis=0), x.var(axis=0)
        state["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        state["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)  # (D,)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)
    # END SOLUTION


def batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch normalization in training mode: dx, dgamma and dbeta from
    dout = dL/dout. The batch mean and variance depend on every example, so dx[n]
    collects gradient through x_hat[n] and through both statistics. Derive it on paper
    from the computation graph (README, Task 7), simplify, then write it vectorized:
    no loop. Check it with `dlkit.gradcheck`.

    Inputs:  dout (N, D), the cache from `batchnorm_forward`.
    Returns: dx (N, D), dgamma (D,), dbeta (D,).
    """
    # BEGIN SOLUTION: your derivation, vectorized; every sum over the batch axis (axis 0)
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    # END SOLUTION


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, Cache]:
    """Layer normalization: like batch normalization, but each *example* is normalized
    over its own features, the same way in training and evaluation (no running stats).

        x_hat = (x - mean_j x) / sqrt(var_j x + eps),   out = gamma * x_hat + beta

    Inputs:  x (N, D), gamma (D,), beta (D,).
    Returns: out (N, D), and a cache.
    """
    # BEGIN SOLUTION: batch normalization's formulas along axis 1, with keepdims
    mu = x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + eps)  # (N, 1)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)
    # END SOLUTION


def layernorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer normalization. Revisit your batch normalization derivation
    (Task 7): which values share one mean and one variance now, and how many are there?
    gamma and beta are still one per feature, shared by every example.

    Inputs:  dout (N, D), the cache.
    Returns: dx (N, D), dgamma (D,), dbeta (D,).
    """
    # BEGIN SOLUTION: your Task 7 derivation, redone for statistics per example (keepdims)
    x_hat, gamma, inv_std = cache
    d = dout.shape[1]
    g = dout * gamma
    dx = (
        inv_std
        / d
        * (d * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    )
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    # END SOLUTION
