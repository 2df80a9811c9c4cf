from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from dlkit.data import diabetes, train_test_indices


def test_diabetes_reads_the_same_table_as_scikit_learn() -> None:
    oracle = load_diabetes(scaled=False)
    split = diabetes(test_fraction=0.2, seed=0)
    assert split.feature_names == (*oracle.feature_names, "bias")
    assert len(split.y_train) + len(split.y_test) == len(oracle.target) == 442
    train, test = train_test_indices(442, 0.2, 0)
    np.testing.assert_array_equal(split.y_train, oracle.target[train])
    np.testing.assert_array_equal(split.y_test, oracle.target[test])
    X_train = oracle.data[train]
    standardized = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    np.testing.assert_allclose(split.X_train[:, :-1], standardized, atol=1e-12)
    np.testing.assert_array_equal(split.X_train[:, -1], 1.0)


def test_splits_are_seeded_partitions() -> None:
    train, test = train_test_indices(50, 0.3, seed=4)
    assert len(test) == 15 and sorted([*train, *test]) == list(range(50))
    again, _ = train_test_indices(50, 0.3, seed=4)
    other, _ = train_test_indices(50, 0.3, seed=5)
    assert np.array_equal(train, again) and not np.array_equal(train, other)
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_indices(10, 1.0, 0)
