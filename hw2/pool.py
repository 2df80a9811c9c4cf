"""Max and average pooling over square windows, forward and backward, naive and fast.

Shapes: x (N, C, H, W); window k x k moved by stride s (no padding); output
(N, C, H', W') with H' = (H - k) // s + 1 and W' = (W - k) // s + 1:

    max:  out[n, c, i, j] = max_{u, v < k} x[n, c, s i + u, s j + v]
    avg:  out[n, c, i, j] = mean_{u, v < k} x[n, c, s i + u, s j + v]

Backward: average pooling spreads each dout evenly over its window (1/k^2 each); max
pooling sends each dout to the position of its window's maximum, the first one in
row-major order when several are equal (as PyTorch does). Overlapping windows
(s < k) add up their contributions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Cache = Any


def _out_size(size: int, k: int, stride: int) -> int:
    if k > size:
        raise ValueError(f"a pooling window of {k} does not fit an input side of {size}")
    return (size - k) // stride + 1


def max_pool_forward_naive(x: np.ndarray, k: int = 2, stride: int = 2) -> tuple[np.ndarray, Cache]:
    """Max pooling with loops over the output positions (n and c may be vectorized).

    Returns: out (N, C, H', W'), and a cache.
    """
    # BEGIN SOLUTION: loop over output rows and columns, max over each window's last two axes
    n, c, h, w = x.shape
    ho, wo = _out_size(h, k, stride), _out_size(w, k, stride)
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, k, stride)
    # END SOLUTION


def max_pool_backward_naive(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of max pooling, with the forward's loops: each dout goes to the
    first maximum of its window. Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: per window, argmax of the flattened window, unravelled, then +=
    x, k, stride = cache
    n, c, _, _ = x.shape
    dx = np.zeros_like(x)
    _, _, ho, wo = dout.shape
    rows, cols = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(ho):
        for j in range(wo):
            window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            u, v = np.unravel_index(window.reshape(n, c, k * k).argmax(axis=2), (k, k))
            dx[rows, cols, i * stride + u, j * stride + v] += dout[:, :, i, j]
    return dx
    # END SOLUTION


def max_pool_forward_fast(x: np.ndarray, k: int = 2, stride: int = 2) -> tuple[np.ndarray, Cache]:
    """Max pooling without Python loops: a strided view of every window
    (``sliding_window_view``), shape (N, C, H', W', k, k), and one max over its last
    two axes. Returns: out (N, C, H', W'), and a cache."""
    # BEGIN SOLUTION: a window view, then max over the window axes; cache the argmax
    _out_size(min(x.shape[2:]), k, stride)
    windows = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], k * k)
    argmax = flat.argmax(axis=4)  # (N, C, H', W'): the first maximum of each window
    out = np.take_along_axis(flat, argmax[..., None], axis=4)[..., 0]
    return out, (x.shape, argmax, k, stride)
    # END SOLUTION


def max_pool_backward_fast(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of `max_pool_forward_fast`: for each of the k * k offsets (u, v)
    of a window, the douts whose maximum sat there go to the strided slice
    ``dx[:, :, u : u + s H' : s, v : v + s W' : s]``. Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: a loop over the k * k window offsets, masks from the cached argmax
    shape, argmax, k, stride = cache
    _, _, ho, wo = dout.shape
    dx = np.zeros(shape)
    for u in range(k):
        for v in range(k):
            target = dx[:, :, u : u + stride * ho : stride, v : v + stride * wo : stride]
            target += dout * (argmax == u * k + v)
    return dx
    # END SOLUTION


def avg_pool_forward_naive(x: np.ndarray, k: int = 2, stride: int = 2) -> tuple[np.ndarray, Cache]:
    """Average pooling with loops over the output positions.

    Returns: out (N, C, H', W'), and a cache.
    """
    # BEGIN SOLUTION: loop over output rows and columns, mean over each window
    n, c, h, w = x.shape
    ho, wo = _out_size(h, k, stride), _out_size(w, k, stride)
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[
                :, :, i * stride : i * stride + k, j * stride : j * stride + k
            ].mean(axis=(2, 3))
    return out, (x.shape, k, stride)
    # END SOLUTION


def avg_pool_backward_naive(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of average pooling, with the forward's loops: each window gets
    its dout divided by k^2 on every one of its entries. Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: add dout / k^2, broadcast over the window, at each output position
    shape, k, stride = cache
    dx = np.zeros(shape)
    _, _, ho, wo = dout.shape
    for i in range(ho):
        for j in range(wo):
            window = dx[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            window += dout[:, :, i, j, None, None] / (k * k)
    return dx
    # END SOLUTION


def avg_pool_forward_fast(x: np.ndarray, k: int = 2, stride: int = 2) -> tuple[np.ndarray, Cache]:
    """Average pooling without Python loops (a window view and one mean).

    Returns: out (N, C, H', W'), and a cache.
    """
    # BEGIN SOLUTION: the window view, mean over its last two axes
    _out_size(min(x.shape[2:]), k, stride)
    windows = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.mean(axis=(4, 5)), (x.shape, k, stride)
    # END SOLUTION


def avg_pool_backward_fast(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of `avg_pool_forward_fast`: a loop over the k * k window offsets,
    each adding dout / k^2 to a strided slice of dx. Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: for each offset (u, v), dx's strided slice += dout / k^2
    shape, k, stride = cache
    _, _, ho, wo = dout.shape
    dx = np.zeros(shape)
    share = dout / (k * k)
    for u in range(k):
        for v in range(k):
            dx[:, :, u : u + stride * ho : stride, v : v + stride * wo : stride] += share
    return dx
    # END SOLUTION
