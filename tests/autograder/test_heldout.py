from __future__ import annotations

import numpy as np

from autograder.heldout import accuracy_at_least, labelled_split


def _load() -> tuple[np.ndarray, np.ndarray]:
    return np.arange(20.0).reshape(10, 2), np.arange(10) % 3


def test_the_split_is_fixed_by_its_seed_and_keeps_labels_for_the_check() -> None:
    build = labelled_split(_load, seed=5, test_fraction=0.3)
    case, judge = build(np.random.default_rng(0))
    again, _ = build(np.random.default_rng(99))  # the case's generator does not matter
    assert set(case) == {"X_train", "y_train", "X_test"} and set(judge) == {"y_test"}
    assert len(case["X_test"]) == len(judge["y_test"]) == 3 and len(case["y_train"]) == 7
    np.testing.assert_array_equal(case["X_test"], again["X_test"])
    X, y = _load()
    rows = np.concatenate([case["X_train"], case["X_test"]])[:, 0] // 2
    labels = np.concatenate([case["y_train"], judge["y_test"]])
    np.testing.assert_array_equal(y[rows.astype(int)], labels)  # rows still paired


def test_accuracy_at_least_passes_at_the_target_and_not_below() -> None:
    check = accuracy_at_least(0.75)
    y = np.array([0, 1, 2, 3])
    assert check({"predictions": np.array([0, 1, 2, 0])}, {}, {"y_test": y}).passed
    verdict = check({"predictions": np.array([0, 1, 0, 0])}, {}, {"y_test": y})
    assert not verdict.passed and "50.0% is below the target (needs 75%)" in verdict.message
