"""Scaled dot-product attention, forward and backward, with a causal mask and a key
padding mask.

Shapes: queries q (..., Tq, d), keys k (..., Tk, d), values v (..., Tk, dv), where
``...`` is any number of leading batch axes, the same for q, k and v: (N,) for a batch
of sequences, (N, H) for N sequences of H heads. Tq query positions, Tk key positions,
d the query/key size, dv the value size.

The interface is hw1's: ``attention_forward -> (out, cache)``, ``attention_backward(dout,
cache) -> (dq, dk, dv)``, each gradient with its input's shape. float64; inputs are
never changed in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def attention_forward(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool = False,
    key_padding_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, Cache]:
    """Scaled dot-product attention. For each query i, a softmax over the keys j it may
    see, then the weighted average of their values:

        s[..., i, j] = q[..., i, :] . k[..., j, :] / sqrt(d),
        a[..., i, :] = softmax over the allowed j of s[..., i, :]   (0 where not allowed),
        out[..., i, :] = sum_j a[..., i, j] v[..., j, :].

    Which keys a query may see (the others are masked):
    - ``causal=True``: query i sees keys j <= i only (a position never looks ahead).
      It requires Tq == Tk (self-attention over one sequence); a ValueError otherwise.
    - ``key_padding_mask`` (..., Tk) booleans, **True = a padded key to ignore** (the
      convention of ``nn.MultiheadAttention``'s key_padding_mask; note that the boolean
      ``attn_mask`` of ``F.scaled_dot_product_attention`` means the opposite, True =
      take part). Its leading axes broadcast against q's: (N, Tk) for q (N, Tq, d);
      for q (N, H, Tq, d) pass (N, 1, Tk) to mask the same keys in every head.
    Both may be given; a key is then seen only if both allow it.

    A query that sees no key at all (every key padded, say) has an empty softmax. Its
    weights are all 0, so its output row is **zeros**, never NaN (PyTorch returns NaN
    there), and no gradient flows through it. Compute the softmax stably: subtract the
    max over the allowed keys only, and make every masked weight exactly 0.

    Inputs:  q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv), causal, key_padding_mask.
    Returns: out (..., Tq, dv), and a cache for the backward pass.
    """
    if causal and q.shape[-2] != k.shape[-2]:
        raise ValueError(f"causal attention needs Tq == Tk, got {q.shape[-2]} and {k.shape[-2]}")
    # BEGIN SOLUTION: scores, a boolean mask of allowed keys, a stable masked softmax, one product
    tq, tk = q.shape[-2], k.shape[-2]
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = (q @ k.swapaxes(-1, -2)) * scale  # (..., Tq, Tk)
    allowed = np.ones((tq, tk), dtype=bool)
    if causal:
        allowed = np.tril(allowed)
    if key_padding_mask is not None:
        allowed = allowed & ~key_padding_mask.astype(bool)[..., None, :]  # (..., Tq, Tk)
    allowed = np.broadcast_to(allowed, scores.shape)
    row_max = np.max(scores, axis=-1, where=allowed, initial=-np.inf, keepdims=True)  # -inf: no key
    weights = np.exp(np.where(allowed, scores - row_max, -np.inf))  # exactly 0 where masked
    total = weights.sum(axis=-1, keepdims=True)
    weights /= np.where(total > 0, total, 1.0)  # a row with no key keeps its zeros
    return weights @ v, (q, k, v, weights, scale)
    # END SOLUTION


def attention_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `attention_forward`: go backward through its three steps (the
    weighted sum of values, the softmax of each row, the scaled products q . k). The
    masked weights are the constant 0: no gradient reaches their scores, and a query
    that sees no key gets dq = 0 and gives nothing to dk and dv.

    Inputs:  dout (..., Tq, dv), the cache.
    Returns: dq (..., Tq, d), dk (..., Tk, d), dv (..., Tk, dv).
    """
    # BEGIN SOLUTION: through out = a v, then each row's softmax Jacobian, then s = q k^T * scale
    q, k, v, weights, scale = cache
    dv = weights.swapaxes(-1, -2) @ dout  # (..., Tk, dv)
    dweights = dout @ v.swapaxes(-1, -2)  # (..., Tq, Tk)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))
    dscores *= scale
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, dv
    # END SOLUTION
