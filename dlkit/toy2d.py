"""Two-dimensional toy distributions and two-sample distances, the trusted side of the
2-D generative-model cases: the grader draws training and held-out points here and
scores a model's samples against the held-out points.

The data come from scikit-learn's generators (imported on first use: importing
scikit-learn takes seconds), seeded from a numpy ``Generator``, and are put on a common
scale by FIXED constants, the per-axis mean and standard deviation of the distribution
itself (measured once on two million points), not by each draw's own statistics: two
draws from the same distribution are transformed by the same affine map, so held-out
points and training points are exchangeable.

The distances compare two samples ``a`` (N, D) and ``b`` (M, D) as empirical
distributions (V-statistics: every pair counts, the pairs of a point with itself too).
"""

from __future__ import annotations

import numpy as np

MOONS_NOISE = 0.1
MOONS_MEAN = np.array([0.5, 0.25])
MOONS_STD = np.array([0.872, 0.504])

SWISS_ROLL_NOISE = 0.5
SWISS_ROLL_MEAN = np.array([2.0, 0.2])
SWISS_ROLL_STD = np.array([6.64, 6.97])


def _sklearn_seed(rng: np.random.Generator) -> int:
    """The ``random_state`` handed to scikit-learn: one draw from ``rng``."""
    return int(rng.integers(0, 2**31 - 1))


def two_moons(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of scikit-learn's two interleaving half circles (``make_moons`` with
    Gaussian noise of standard deviation 0.1, the two moons in random order of equal
    size up to one point), standardized: (x - MOONS_MEAN) / MOONS_STD.

    Reproducible: the same ``rng`` state gives the same points; ``rng`` advances by one draw.
    Returns: (n, 2) float64.
    """
    from sklearn.datasets import make_moons

    X, _ = make_moons(n_samples=n, noise=MOONS_NOISE, random_state=_sklearn_seed(rng))
    return np.asarray((X - MOONS_MEAN) / MOONS_STD, dtype=np.float64)


def swiss_roll(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of scikit-learn's swiss roll (``make_swiss_roll`` with noise 0.5)
    seen from its side: columns 0 and 2 of the 3-D roll, a 2-D spiral, standardized:
    (x - SWISS_ROLL_MEAN) / SWISS_ROLL_STD.

    Reproducible: the same ``rng`` state gives the same points; ``rng`` advances by one draw.
    Returns: (n, 2) float64.
    """
    from sklearn.datasets import make_swiss_roll

    X, _ = make_swiss_roll(n_samples=n, noise=SWISS_ROLL_NOISE, random_state=_sklearn_seed(rng))
    return np.asarray((X[:, [0, 2]] - SWISS_ROLL_MEAN) / SWISS_ROLL_STD, dtype=np.float64)


def _as_points(x: np.ndarray) -> np.ndarray:
    """(N,) -> (N, 1); (N, D) unchanged; float64."""
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def _mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The mean Euclidean distance over all N * M pairs (a_i, b_j)."""
    diff = a[:, None, :] - b[None, :, :]  # (N, M, D)
    return float(np.sqrt((diff**2).sum(axis=-1)).mean())


def energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The energy distance between the empirical distributions of ``a`` and ``b``:

        sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|),

    X, X' drawn independently from the points of ``a``, Y, Y' from those of ``b``, |.| the
    Euclidean norm (the convention of ``scipy.stats.energy_distance``, which it matches
    on 1-D data). Zero iff the two point sets are the same multiset.

    Inputs:  a (N, D) or (N,), b (M, D) or (M,); memory O(N M D).
    Returns: a float >= 0.
    """
    a, b = _as_points(a), _as_points(b)
    squared = 2 * _mean_distance(a, b) - _mean_distance(a, a) - _mean_distance(b, b)
    return float(np.sqrt(max(squared, 0.0)))


def _kernel_mean(a: np.ndarray, b: np.ndarray, bandwidths: np.ndarray) -> float:
    """The mean over all pairs of sum_h exp(-|a_i - b_j|^2 / (2 h^2))."""
    sq = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)  # (N, M)
    k = np.exp(-sq[None, :, :] / (2 * bandwidths[:, None, None] ** 2))  # (H, N, M)
    return float(k.sum(axis=0).mean())


def mmd_rbf(
    a: np.ndarray, b: np.ndarray, bandwidths: tuple[float, ...] | np.ndarray = (0.1, 0.3, 1.0)
) -> float:
    """The squared maximum mean discrepancy between the empirical distributions of ``a``
    and ``b`` under the kernel k(x, y) = sum_h exp(-|x - y|^2 / (2 h^2)), a sum of
    Gaussian (RBF) kernels, one per bandwidth h:

        MMD^2 = E k(X, X') + E k(Y, Y') - 2 E k(X, Y)

    (the biased V-statistic: pairs of a point with itself count, so the value is >= 0).

    Inputs:  a (N, D) or (N,), b (M, D) or (M,), bandwidths > 0; memory O(H N M).
    Returns: a float >= 0.
    """
    a, b = _as_points(a), _as_points(b)
    h = np.asarray(bandwidths, dtype=np.float64).reshape(-1)
    if h.size == 0 or np.any(h <= 0):
        raise ValueError(f"bandwidths must be positive, got {bandwidths}")
    value = _kernel_mean(a, a, h) + _kernel_mean(b, b, h) - 2 * _kernel_mean(a, b, h)
    return max(value, 0.0)
