"""Normalization of convolutional feature maps, forward and backward.

Shapes: x (N, C, H, W); gamma, beta (C,), one scale and shift per channel.

- Spatial batch normalization: hw1's batch normalization with each *channel* as a
  feature and every (n, h, w) position as an example: statistics over axes (0, 2, 3),
  M = N H W values per channel, running statistics for evaluation.
- Group normalization (Wu and He, 2018): the C channels of each example are split into
  G groups of C / G; each (example, group) is normalized over its C/G * H * W values,
  the same way in training and evaluation. Unlike batch normalization it does not
  depend on the batch, so it works with batches of one or two.

In both, with x_hat the normalized input, out = gamma x_hat + beta, with gamma and beta
broadcast over (N, H, W). The backward passes are your derivation for hw1's batch
normalization, applied to the M values that share one mean and variance. gamma and beta
are per channel, so dgamma and dbeta sum over (N, H, W). Check each backward pass with
``dlkit.gradcheck``, from a script of your own (this file may not import dlkit).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def _channels(v: np.ndarray) -> np.ndarray:
    return v[None, :, None, None]


def spatial_batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, state: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Batch normalization per channel, over (N, H, W).

    ``state`` as in hw1's `batchnorm_forward`: "train", "eps" (1e-5), "momentum" (0.9),
    "running_mean" and "running_var" of shape (C,), zeros and ones when absent, updated
    in training as
    ``running = momentum * running + (1 - momentum) * batch`` (biased variance).

    Returns: out (N, C, H, W), and a cache.
    """
    # BEGIN SOLUTION: statistics over axes (0, 2, 3), broadcast back per channel
    eps, momentum = state.get("eps", 1e-5), state.get("momentum", 0.9)
    c = x.shape[1]
    running_mean = state.setdefault("running_mean", np.zeros(c))
    running_var = state.setdefault("running_var", np.ones(c))
    if state["train"]:
        mu, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
        state["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        state["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
    x_hat = (x - _channels(mu)) * _channels(inv_std)
    return _channels(gamma) * x_hat + _channels(beta), (x_hat, gamma, inv_std)
    # END SOLUTION


def spatial_batchnorm_backward(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of spatial batch normalization in training mode. It is your hw1
    batch normalization derivation: ask which values now share one mean and variance,
    and what plays the role of N.

    Inputs:  dout (N, C, H, W), the cache.
    Returns: dx (N, C, H, W), dgamma (C,), dbeta (C,).
    """
    # BEGIN SOLUTION: your hw1 derivation, per channel, over the values of axes (0, 2, 3)
    x_hat, gamma, inv_std = cache
    n, _, h, w = dout.shape
    m = n * h * w
    g = dout * _channels(gamma)
    axes = (0, 2, 3)
    dx = (
        _channels(inv_std)
        / m
        * (
            m * g
            - g.sum(axis=axes, keepdims=True)
            - x_hat * (g * x_hat).sum(axis=axes, keepdims=True)
        )
    )
    return dx, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)
    # END SOLUTION


def groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, groups: int, eps: float = 1e-5
) -> tuple[np.ndarray, Cache]:
    """Group normalization with ``groups`` groups (C must be a multiple of it).

    Reshape x to (N, G, C/G * H * W), normalize along the last axis, reshape back,
    then scale and shift per channel.

    Returns: out (N, C, H, W), and a cache.
    """
    # BEGIN SOLUTION: reshape to (N, G, -1), normalize along the last axis, reshape back
    n, c, h, w = x.shape
    if c % groups:
        raise ValueError(f"{c} channels cannot be split into {groups} groups")
    grouped = x.reshape(n, groups, -1)
    mu = grouped.mean(axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(grouped.var(axis=2, keepdims=True) + eps)  # (N, G, 1)
    x_hat = ((grouped - mu) * inv_std).reshape(x.shape)
    return _channels(gamma) * x_hat + _channels(beta), (x_hat, gamma, inv_std, groups)
    # END SOLUTION


def groupnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of group normalization: your hw1 derivation again, now for the
    C/G * H * W values of each (example, group), which share one mean and variance.
    gamma and beta are per channel, so dgamma and dbeta sum over (N, H, W), and gamma
    may differ within a group: go backward through out = gamma x_hat + beta first, then
    through the normalization of each group.

    Inputs:  dout (N, C, H, W), the cache.
    Returns: dx (N, C, H, W), dgamma (C,), dbeta (C,).
    """
    # BEGIN SOLUTION: your hw1 derivation for each (example, group), on the grouped shape
    x_hat, gamma, inv_std, groups = cache
    n = dout.shape[0]
    g = (dout * _channels(gamma)).reshape(n, groups, -1)
    xh = x_hat.reshape(n, groups, -1)
    m = g.shape[2]
    dx = (
        inv_std
        / m
        * (m * g - g.sum(axis=2, keepdims=True) - xh * (g * xh).sum(axis=2, keepdims=True))
    )
    axes = (0, 2, 3)
    return dx.reshape(dout.shape), (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)
    # END SOLUTION
