"""Offline data sets: real data that ships inside installed packages, split reproducibly.

Nothing here downloads anything: scikit-learn carries the digits and diabetes tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_diabetes


@dataclass(frozen=True)
class RegressionSplit:
    """A train/test split with standardized features and a trailing column of ones.

    X_train: (N_train, D + 1); y_train: (N_train,); X_test: (N_test, D + 1); y_test: (N_test,).
    Features are standardized with the *training* mean and standard deviation.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]


def train_test_indices(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random partition of ``range(n)`` into sorted train and test indices."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def diabetes(test_fraction: float = 0.2, seed: int = 0) -> RegressionSplit:
    """The diabetes table (442 patients, 10 features, disease progression after a year).

    Efron et al., "Least Angle Regression" (2004); shipped with scikit-learn.
    """
    data = load_diabetes(scaled=False)
    X, y = np.asarray(data.data, dtype=np.float64), np.asarray(data.target, dtype=np.float64)
    train, test = train_test_indices(len(y), test_fraction, seed)
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)

    def design(rows: np.ndarray) -> np.ndarray:
        Z = (X[rows] - mean) / std
        return np.hstack([Z, np.ones((len(rows), 1))])

    return RegressionSplit(
        X_train=design(train),
        y_train=y[train],
        X_test=design(test),
        y_test=y[test],
        feature_names=(*data.feature_names, "bias"),
    )
