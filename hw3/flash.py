"""Tiled attention with an online softmax (the recurrence of FlashAttention, Dao et al.
2022): the same output as `hw3.attention.attention_forward`, computed one block of
queries against one block of keys at a time, so that the Tq x Tk score matrix is never
formed. Memory grows with T, not with T^2.

Shapes as in `hw3.attention`: q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv), the same
leading batch axes ``...`` for all three. Forward only.
"""

from __future__ import annotations

import numpy as np


def tiled_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool = False,
    block_size: int = 64,
    key_padding_mask: np.ndarray | None = None,
) -> np.ndarray:
    """`attention_forward`'s output (same masks, same conventions: ``causal`` needs
    Tq == Tk; ``key_padding_mask`` (..., Tk), True = a padded key to ignore; a query
    that sees no key gets a row of zeros), without ever holding more than one
    (block_size x block_size) tile of scores per batch element at a time.

    The online softmax. Take the queries in blocks of ``block_size`` rows. For one block,
    keep for every query row i a running max m_i (start -inf), a running sum l_i
    (start 0) and an accumulator acc_i (dv,) (start 0). For each block of keys in turn,
    with s the tile of scaled scores (masked entries excluded) and m_i' = max(m_i,
    max_j s_ij):

        acc_i <- exp(m_i - m_i') acc_i + sum_j exp(s_ij - m_i') v_j,
        l_i   <- exp(m_i - m_i') l_i   + sum_j exp(s_ij - m_i'),
        m_i   <- m_i'.

    After the last key block, out_i = acc_i / l_i (zeros where l_i = 0: no key seen).
    Every exponent is <= 0, so nothing overflows; the factor exp(m_i - m_i') rescales
    what was summed under the old max. Prove to yourself that this gives exactly the
    softmax-weighted average. With ``causal``, skip every key block that lies entirely
    above the diagonal (all its keys come after all the block's queries): it would
    only add zeros. Mind the rows whose running max is still -inf.

    Inputs:  q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv), causal, block_size >= 1,
             key_padding_mask.
    Returns: out (..., Tq, dv).
    """
    if causal and q.shape[-2] != k.shape[-2]:
        raise ValueError(f"causal attention needs Tq == Tk, got {q.shape[-2]} and {k.shape[-2]}")
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    # BEGIN SOLUTION: loop over query blocks, then key blocks, updating m, l and acc per tile
    tq, tk = q.shape[-2], k.shape[-2]
    scale = 1.0 / np.sqrt(q.shape[-1])
    batch = q.shape[:-2]
    out = np.zeros((*batch, tq, v.shape[-1]))
    keep = None if key_padding_mask is None else ~key_padding_mask.astype(bool)  # (..., Tk)
    for i0 in range(0, tq, block_size):
        i1 = min(i0 + block_size, tq)
        qi = q[..., i0:i1, :]  # (..., bq, d)
        m = np.full((*batch, i1 - i0, 1), -np.inf)  # running max
        l = np.zeros((*batch, i1 - i0, 1))  # running sum of exponentials
        acc = np.zeros((*batch, i1 - i0, v.shape[-1]))  # running weighted sum of values
        for j0 in range(0, i1 if causal else tk, block_size):  # causal: keys j < i1 only
            j1 = min(j0 + block_size, tk)
            s = (qi @ k[..., j0:j1, :].swapaxes(-1, -2)) * scale  # (..., bq, bk)
            allowed = np.ones((i1 - i0, j1 - j0), dtype=bool)
            if causal:
                allowed = np.arange(j0, j1) <= np.arange(i0, i1)[:, None]
            if keep is not None:
                allowed = allowed & keep[..., None, j0:j1]
            allowed = np.broadcast_to(allowed, s.shape)
            tile_max = np.max(s, axis=-1, where=allowed, initial=-np.inf, keepdims=True)
            m_new = np.maximum(m, tile_max)
            shift = np.where(np.isfinite(m_new), m_new, 0.0)  # rows that have seen no key
            rescale = np.exp(m - shift)  # 0 while m is -inf (nothing summed yet)
            p = np.exp(np.where(allowed, s - shift, -np.inf))  # exactly 0 where masked
            l = rescale * l + p.sum(axis=-1, keepdims=True)
            acc = rescale * acc + p @ v[..., j0:j1, :]
            m = m_new
        out[..., i0:i1, :] = acc / np.where(l > 0, l, 1.0)
    return out
    # END SOLUTION
