"""Max and average pooling over square windows, forward and backward, naive and fast.

Shapes: x (N, C, H, W); window k x k moved by stride s (no padding); output
(N, C, H', W') with H' = (H - k) // s + 1 and W' = (W - k) // s + 1:

    max:  out[n, c, i, j] = max_{u, v < k} x[n, c, s i + u, s j + v]
    avg:  out[n, c, i, j] = mean_{u, v < k} x[n, c, s i + u, s j + v]

The backward passes are yours to derive: for each entry x[n, c, s i + u, s j + v] of
a window, what is d out[n, c, i, j] / d x there? Conventions the cases check:

- Ties (PyTorch's convention): when several entries of a window equal its maximum, only
  the first in row-major order (smallest u, then smallest v) counts as the maximum.
- Overlapping windows (s < k) share entries; an entry collects a contribution from
  every window it lies in, and they add.
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
    """Backward pass of max pooling, with the forward's loops over output positions:
    add dout[:, :, i, j] times d out[:, :, i, j] / d x to the entries of its window
    (ties: the module docstring's convention). Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: the forward's loops; each window's local derivative times dout, added
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
    # BEGIN SOLUTION: a window view, then max over the window axes; cache what backward needs
    _out_size(min(x.shape[2:]), k, stride)
    windows = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], k * k)
    argmax = flat.argmax(axis=4)  # (N, C, H', W'): the first maximum of each window
    out = np.take_along_axis(flat, argmax[..., None], axis=4)[..., 0]
    return out, (x.shape, argmax, k, stride)
    # END SOLUTION


def max_pool_backward_fast(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of `max_pool_forward_fast`: the same gradient as the naive version,
    with no loop over output positions (a loop over the k * k window offsets (u, v) is
    fine). Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: a loop over the k * k window offsets, none over output positions
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
    """Backward pass of average pooling, with the forward's loops over output
    positions: add dout[:, :, i, j] times d out[:, :, i, j] / d x to the entries of its
    window. Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: the forward's loops; each window's local derivative times dout, added
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
    """Backward pass of `avg_pool_forward_fast`: the same gradient as the naive version,
    with no loop over output positions (a loop over the k * k window offsets (u, v) is
    fine). Returns: dx (N, C, H, W)."""
    # BEGIN SOLUTION: a loop over the k * k window offsets, none over output positions
    shape, k, stride = cache
    _, _, ho, wo = dout.shape
    dx = np.zeros(shape)
    share = dout / (k * k)
    for u in range(k):
        for v in range(k):
            dx[:, :, u : u + stride * ho : stride, v : v + stride * wo : stride] += share
    return dx
    # END SOLUTION
