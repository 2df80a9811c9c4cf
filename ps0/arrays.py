"""Tasks 1-5: numpy without Python loops, and inputs left as they were given.

Every function here works on whole arrays at once: no ``for``, ``while``, comprehension
or ``np.vectorize`` over elements, rows or batches (Task 5 may loop over its batches).
Broadcasting, ``keepdims`` and ``np.einsum`` are the tools; results are new arrays.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def pairwise_sq_dists(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Task 1. Squared Euclidean distance between every row of ``X`` and every row of ``Y``.

    D[i, j] = ||X[i] - Y[j]||^2 = ||X[i]||^2 + ||Y[j]||^2 - 2 X[i] . Y[j]

    Use the expansion on the right: one matrix product, no (N, M, D) intermediate.
    Rounding can make tiny distances slightly negative; clip them at zero.

    Inputs:  X (N, D), Y (M, D), floats.
    Returns: D (N, M), float64, every entry >= 0.
    """
    # BEGIN SOLUTION: expand the square: squared row norms of X and Y plus one product X @ Y.T
    sq_x = np.sum(X * X, axis=1)[:, None]  # (N, 1)
    sq_y = np.sum(Y * Y, axis=1)[None, :]  # (1, M)
    return np.maximum(sq_x + sq_y - 2.0 * (X @ Y.T), 0.0)
    # END SOLUTION


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Task 2a. Numerically stable softmax along ``axis``.

    softmax(z)_k = exp(z_k) / sum_j exp(z_j) = exp(z_k - c) / sum_j exp(z_j - c)

    for any constant c; with c = max_j z_j no exponent is positive, so nothing
    overflows even for z = 1000. Take the max along ``axis`` (one per row for axis=-1):
    a single max of the whole array would underflow a row far below it to 0 / 0.

    Inputs:  z, any shape, floats.
    Returns: an array of z's shape, non-negative, summing to 1 along ``axis``.
    """
    # BEGIN SOLUTION: subtract the max along `axis` (keepdims=True) before exponentiating
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    # END SOLUTION


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Task 2b. Numerically stable log(sum(exp(z))) along ``axis``.

    logsumexp(z) = c + log sum_j exp(z_j - c),  c = max_j z_j

    Inputs:  z, any shape, floats.
    Returns: z's shape without ``axis`` (``np.sum(z, axis)`` has the same shape).
    """
    # BEGIN SOLUTION: factor out c = max(z) along `axis`, then add it back outside the log
    c = np.max(z, axis=axis, keepdims=True)
    out = c + np.log(np.sum(np.exp(z - c), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)
    # END SOLUTION


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Task 3. One-hot encoding: row i has a single 1 in column labels[i].

    Inputs:  labels (N,), integers in [0, num_classes).
    Returns: Y (N, num_classes), float64, Y[i, labels[i]] = 1 and 0 elsewhere (the width
             is num_classes even when some classes never occur).
    Raises:  ValueError when a label is negative or >= num_classes.
    """
    # BEGIN SOLUTION: check the range, then index np.eye(num_classes) with the labels
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}"
        )
    return np.eye(num_classes, dtype=np.float64)[labels]
    # END SOLUTION


def batched_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Task 4a. A matrix product for each item of a batch, with ``np.einsum``.

    C[b] = A[b] @ B[b],  i.e.  C[b, n, m] = sum_k A[b, n, k] B[b, k, m]

    Inputs:  A (batch, N, K), B (batch, K, M).
    Returns: C (batch, N, M).
    """
    # BEGIN SOLUTION: one einsum whose subscripts spell out the sum over k
    return np.einsum("bnk,bkm->bnm", A, B)
    # END SOLUTION


def batched_quadratic_form(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Task 4b. The quadratic form x[b]^T A[b] x[b] for each item of a batch, with einsum.

    q[b] = sum_{i,j} x[b, i] A[b, i, j] x[b, j]

    Inputs:  A (batch, D, D), x (batch, D).
    Returns: q (batch,).
    """
    # BEGIN SOLUTION: a single einsum over i and j that keeps the batch index
    return np.einsum("bi,bij,bj->b", x, A, x)
    # END SOLUTION


def iterate_minibatches(
    X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Task 5. Yield shuffled minibatches (X_batch, y_batch) covering the data once.

    Draw one random order of the N examples with ``rng`` (``rng.permutation``), then
    yield consecutive slices of that order: a loop over the batches is fine, a loop over
    the rows inside a batch is not (index X with the slice). Every example appears in
    exactly one batch;
    all batches have ``batch_size`` rows except the last, which holds the remainder.
    Rows of X and entries of y stay paired.

    Inputs:  X (N, ...), y (N,), batch_size >= 1, a numpy Generator.
    Yields:  ceil(N / batch_size) pairs (X[idx], y[idx]), idx a slice of the random order.
    """
    # BEGIN SOLUTION: permute the indices once with rng.permutation, then slice the order
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]
    # END SOLUTION
