"""2-D convolution (cross-correlation, as in every deep-learning library), forward and
backward: a naive version that mirrors the definition, and a fast one.

Shapes: x (N, C, H, W) images; w (F, C, KH, KW) filters; b (F,) biases; stride s and
zero padding p on each side; output (N, F, H', W') with

    H' = (H + 2p - KH) // s + 1,     W' = (W + 2p - KW) // s + 1,
    out[n, f, i, j] = b[f] + sum_{c, u, v} xp[n, c, s i + u, s j + v] w[f, c, u, v],

where xp is x padded with p zeros on each side of both spatial axes. The pair of
functions follows hw1's interface: ``forward -> (out, cache)``, ``backward(dout,
cache) -> (dx, dw, db)``, each gradient with its input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Cache = Any


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    """H' (or W') for an input side ``size``; raises when the kernel does not fit."""
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(f"a kernel of {kernel} does not fit an input of {size} padded by {pad}")
    return (padded - kernel) // stride + 1


def _pad(x: np.ndarray, pad: int) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x


def conv_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, Cache]:
    """The definition above, with explicit loops over n, f, i and j (each step one
    elementwise product of a (C, KH, KW) window with a filter, summed).

    Returns: out (N, F, H', W'), and a cache.
    """
    # BEGIN SOLUTION: pad, then loop over examples, filters and output positions
    n_, _, h, w_ = x.shape
    f_, _, kh, kw = w.shape
    ho, wo = output_size(h, kh, stride, pad), output_size(w_, kw, stride, pad)
    xp = _pad(x, pad)
    out = np.zeros((n_, f_, ho, wo))
    for n in range(n_):
        for f in range(f_):
            for i in range(ho):
                for j in range(wo):
                    window = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, stride, pad)
    # END SOLUTION


def conv_backward_naive(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `conv_forward_naive`, with the same loops. Output (n, f, i, j)
    depends only on its (C, KH, KW) window of xp, on the filter w[f] and on b[f]. Work
    out its partial derivative with respect to each, and add dout[n, f, i, j] times it
    where it belongs: an entry of xp that lies in several windows collects from each.
    Accumulate into the gradient of xp (xp's shape) and remove the padding at the end.

    Inputs:  dout (N, F, H', W'), the cache.
    Returns: dx (N, C, H, W), dw (F, C, KH, KW), db (F,).
    """
    # BEGIN SOLUTION: the forward's loops, accumulating into the padded gradient, dw and db
    x, w, stride, pad = cache
    _, _, kh, kw = w.shape
    xp = _pad(x, pad)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    n_, f_, ho, wo = dout.shape
    for n in range(n_):
        for f in range(f_):
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))
    # END SOLUTION


def conv_forward_fast(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, Cache]:
    """The same convolution as `conv_forward_naive` (same inputs, same output), with no
    Python loop: gather the windows of the padded input (im2col; ``sliding_window_view``
    gives them without copying) and compute every output with one matrix product.

    Inputs:  x (N, C, H, W), w (F, C, KH, KW), b (F,), stride s, padding p.
    Returns: out (N, F, H', W'), and a cache for `conv_backward_fast`.
    """
    # BEGIN SOLUTION: every window at once, one matrix product, the bias broadcast
    _, _, kh, kw = w.shape
    output_size(x.shape[2], kh, stride, pad)  # each raises when the kernel does not fit
    output_size(x.shape[3], kw, stride, pad)
    xp = _pad(x, pad)
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    out = out.transpose(0, 3, 1, 2) + b[None, :, None, None]
    return np.ascontiguousarray(out), (x.shape, xp, windows, w, stride, pad)
    # END SOLUTION


def conv_backward_fast(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `conv_forward_fast`: the same gradients as `conv_backward_naive`,
    with no loop over examples, filters or output positions (a loop over the KH * KW
    kernel offsets is fine: it is 9 steps for a 3x3 kernel).

    Inputs:  dout (N, F, H', W'), the cache.
    Returns: dx (N, C, H, W), dw (F, C, KH, KW), db (F,).
    """
    # BEGIN SOLUTION: no loop over positions (a loop over the kernel offsets is fine)
    x_shape, xp, windows, w, stride, pad = cache
    _, _, kh, kw = w.shape
    _, _, ho, wo = dout.shape
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))  # (F, C, KH, KW)
    dcols = np.tensordot(dout, w, axes=([1], [0]))  # (N, H', W', C, KH, KW)
    dxp = np.zeros_like(xp)
    for u in range(kh):
        for v in range(kw):
            target = dxp[:, :, u : u + stride * ho : stride, v : v + stride * wo : stride]
            target += dcols[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    dx = dxp[:, :, pad : pad + x_shape[2], pad : pad + x_shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))
    # END SOLUTION
