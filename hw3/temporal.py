"""Layers that act on every time step of a batch of sequences at once: word embedding,
the temporal affine layer and the masked temporal softmax cross-entropy, plus gradient
clipping by global norm (what keeps backpropagation through time from exploding).

The interface is hw1's: ``*_forward`` returns ``(out, cache)``; ``*_backward`` takes
``dout`` (the gradient of the loss with respect to ``out``, ``out``'s shape) and the
cache, and returns the gradients with respect to the forward's inputs, each with its
input's shape. float64 throughout; no function changes its inputs in place.

Shapes: N sequences, T time steps, V vocabulary size, D embedding (input) size, M output
size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def embedding_forward(idx: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Word embedding: each integer token id picks its row of the table W,

        out[n, t] = W[idx[n, t]].

    Inputs:  idx (N, T) integers in [0, V), W (V, D).
    Returns: out (N, T, D), and a cache for the backward pass.
    """
    # BEGIN SOLUTION: integer-array indexing of W; cache the ids and the table's shape
    return W[idx], (idx, W.shape)
    # END SOLUTION


def embedding_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of `embedding_forward`: dW (V, D), the gradient with respect to the
    table only (the ids are integers, they have no gradient).

    Row v of dW collects from every (n, t) with idx[n, t] == v, and a token can appear
    many times in a batch. Beware: ``dW[idx] += dout`` adds only one of the repeated
    entries (numpy buffers the fancy-indexed update); ``np.add.at`` accumulates them all.

    Inputs:  dout (N, T, D), the cache.
    Returns: dW (V, D); rows of tokens absent from the batch are zero.
    """
    # BEGIN SOLUTION: scatter-add dout into a zero table with np.add.at
    idx, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, idx, dout)
    return dW
    # END SOLUTION


def temporal_affine_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, Cache]:
    """hw1's affine layer applied at every time step with the same weights:

        out[n, t] = x[n, t] @ w + b.

    Inputs:  x (N, T, D), w (D, M), b (M,).
    Returns: out (N, T, M), and a cache.
    """
    # BEGIN SOLUTION: matmul broadcasts over the leading axes; cache the inputs
    return x @ w + b, (x, w)
    # END SOLUTION


def temporal_affine_backward(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `temporal_affine_forward`. The same w and b serve every (n, t),
    so their gradients collect from all N * T positions (think of the batch as N * T
    examples of hw1's affine layer).

    Inputs:  dout (N, T, M), the cache.
    Returns: dx (N, T, D), dw (D, M), db (M,).
    """
    # BEGIN SOLUTION: hw1's affine backward with the (N, T) axes flattened into one
    x, w = cache
    d, m = w.shape
    dw = x.reshape(-1, d).T @ dout.reshape(-1, m)
    return dout @ w.T, dw, dout.sum(axis=(0, 1))
    # END SOLUTION


def temporal_softmax_cross_entropy(
    scores: np.ndarray, y: np.ndarray, mask: np.ndarray
) -> tuple[float, np.ndarray]:
    """Cross-entropy of the softmax over the vocabulary at every time step, summed over
    the unmasked steps and averaged over the N sequences:

        p[n, t] = softmax(scores[n, t]),
        loss = -(1/N) sum_{n, t with mask[n, t]} log p[n, t, y[n, t]].

    The normalization is per sequence (divide by N, as CS231n does), not per token: a
    sequence's loss is the negative log-likelihood of the whole sequence, and a step's
    gradient does not depend on how much padding the rest of the batch holds. PyTorch's
    ``cross_entropy(..., ignore_index=i, reduction="sum") / N`` is the same number; its
    default ``reduction="mean"`` would divide by the number of unmasked tokens instead.

    Masked steps (mask False: padding after a sequence's end) contribute nothing to the
    loss and get zero gradient; their labels are never used. A batch with every step
    masked has loss 0 and dscores 0. Compute log p stably, as in hw1: subtract each
    row's max before exponentiating, and never take log of a softmax.

    Inputs:  scores (N, T, V); y (N, T) integers, in [0, V) wherever mask is True;
             mask (N, T) booleans, True where the step counts.
    Returns: (loss, dscores) with loss a float and dscores (N, T, V), the gradient of
             the loss above.
    """
    # BEGIN SOLUTION: hw1's stable log-softmax at every step; weight each step by its mask
    n = scores.shape[0]
    mask = mask.astype(bool)
    labels = np.where(mask, y, 0)[..., None]  # masked labels are never read: any value works
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (N, T, V)
    log_p_y = np.take_along_axis(log_p, labels, axis=-1)[..., 0]  # (N, T)
    loss = -float(log_p_y[mask].sum()) / n
    one_hot = np.arange(scores.shape[-1]) == labels  # (N, T, V)
    dscores = (np.exp(log_p) - one_hot) * mask[..., None] / n
    return loss, dscores
    # END SOLUTION


def clip_grad_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Gradient clipping by global norm, as ``torch.nn.utils.clip_grad_norm_``:

        total_norm = sqrt(sum over every array g in grads of sum(g ** 2)),
        clipped[name] = grads[name] * min(1, max_norm / (total_norm + 1e-6)).

    So the gradients are scaled down together (their direction kept) when total_norm
    exceeds max_norm, and left as they are otherwise. The 1e-6 is PyTorch's: it guards
    the division and leaves the clipped norm just under max_norm.

    Inputs:  grads, a dict of arrays of any shapes; max_norm > 0.
    Returns: (clipped, total_norm): a new dict with new arrays (the same keys and shapes;
             ``grads`` and its arrays are left unchanged), and the norm before clipping
             as a float.
    """
    # BEGIN SOLUTION: one norm over all arrays together; one scale factor for every array
    total_norm = float(np.sqrt(sum(float(np.sum(g**2)) for g in grads.values())))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return {name: g * scale for name, g in grads.items()}, total_norm
    # END SOLUTION
