"""Learning from imbalanced classes: a loss that focuses on hard examples, and class
weights from the effective number of samples."""

from __future__ import annotations

import numpy as np
import torch


def focal_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    gamma: float = 2.0,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Focal loss (Lin et al., 2017), for C classes with a softmax:

        FL_i = -w[y_i] (1 - p_i)^gamma log p_i,    p_i = softmax(logits_i)[y_i],

    averaged as ``sum_i FL_i / sum_i w[y_i]`` (as `cross_entropy` with weights does), so
    gamma = 0 gives the (weighted) cross-entropy. Easy examples (p_i near 1) are scaled
    down by (1 - p_i)^gamma; the hard ones dominate the gradient. Compute log p_i with
    `log_softmax`, not log(softmax): the latter underflows.

    Inputs:  logits (N, C); targets (N,) int64; weights (C,) or None (all ones).
    Returns: a scalar tensor, differentiable in logits.
    """
    # BEGIN SOLUTION: log_softmax, gather the target's log p, modulate, weight, average
    log_p = torch.log_softmax(logits, dim=1).gather(1, targets[:, None])[:, 0]  # (N,)
    w = torch.ones_like(log_p) if weights is None else weights[targets].to(log_p.dtype)
    loss = -w * (1.0 - log_p.exp()) ** gamma * log_p
    return loss.sum() / w.sum()
    # END SOLUTION


def class_balanced_weights(counts: np.ndarray, beta: float = 0.999) -> np.ndarray:
    """Class-balanced weights (Cui et al., 2019) from the effective number of samples:

        E_c = (1 - beta^n_c) / (1 - beta),    w_c proportional to 1 / E_c,

    normalized so that the weights sum to the number of classes C. With beta = 0 every
    weight is 1; as beta -> 1, w_c -> proportional to 1 / n_c (inverse frequency).

    Inputs:  counts (C,) examples per class (each at least 1); 0 <= beta < 1.
    Returns: weights (C,), float64.
    """
    # BEGIN SOLUTION: effective numbers, inverse, normalized to sum to C
    counts = np.asarray(counts, dtype=np.float64)
    effective = (1.0 - beta**counts) / (1.0 - beta)
    weights = 1.0 / effective
    return weights * len(counts) / weights.sum()
    # END SOLUTION
