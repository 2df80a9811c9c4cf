"""Losses with their gradients: each returns ``(loss, dinput)``, the loss a float
averaged over the batch and ``dinput`` the gradient of that average."""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the softmax of ``scores`` against integer labels ``y``.

    With p = softmax(scores[i]) (computed stably, the row max subtracted),

        loss = -1/N sum_i log p[i, y_i].

    Compute log p as shifted - log(sum(exp(shifted))) rather than log(p): p can
    underflow to 0 for very negative scores, and log(0) is -inf.

    Derive dscores on paper: take d(-log p[i, y_i]) / d scores[i, j] for j = y_i and for
    j != y_i (PS0's softmax Jacobian helps) and simplify; the result is short and needs
    only p and the labels. Mind the 1/N of the mean.

    Inputs:  scores (N, C), y (N,) integers in [0, C).
    Returns: (loss, dscores) with dscores (N, C).
    """
    # BEGIN SOLUTION: log-softmax from the shifted scores; dscores from your derivation
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(log_p[np.arange(n), y].mean())
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n
    # END SOLUTION


def mse(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over every entry: ``loss = mean((pred - target)^2)``.

    Derive dpred one entry at a time, d loss / d pred[k], minding the 1/K of the mean.

    Inputs:  pred and target of the same shape (K entries in all).
    Returns: (loss, dpred) with dpred of pred's shape.
    """
    # BEGIN SOLUTION: the mean of the squared difference; the gradient of that mean
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
    # END SOLUTION
