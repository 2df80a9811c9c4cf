from __future__ import annotations

import numpy as np

from autograder.heldout import disguised_split, labelled_split, orient


def _load() -> tuple[np.ndarray, np.ndarray]:
    return np.arange(20.0).reshape(10, 2), np.arange(10) % 3


def test_the_split_is_fixed_by_its_seed_and_keeps_the_test_set_for_the_check() -> None:
    build = labelled_split(_load, seed=5, test_fraction=0.3)
    case, judge = build(np.random.default_rng(0))
    again, judge_again = build(np.random.default_rng(99))  # the case's generator does not matter
    assert set(case) == {"X_train", "y_train"} and set(judge) == {"X_test", "y_test"}
    assert len(judge["X_test"]) == len(judge["y_test"]) == 3 and len(case["y_train"]) == 7
    np.testing.assert_array_equal(judge["X_test"], judge_again["X_test"])
    X, y = _load()
    rows = np.concatenate([case["X_train"], judge["X_test"]])[:, 0] // 2
    labels = np.concatenate([case["y_train"], judge["y_test"]])
    np.testing.assert_array_equal(y[rows.astype(int)], labels)  # rows still paired


def _squares() -> tuple[np.ndarray, np.ndarray]:
    return np.arange(40 * 4.0).reshape(40, 4), np.arange(40) % 4


def test_the_disguised_split_draws_split_symmetry_and_names_from_the_case_generator() -> None:
    build = disguised_split(_squares, image_shape=(2, 2), test_fraction=0.25)
    case, judge = build(np.random.default_rng(1))
    same, _ = build(np.random.default_rng(1))
    np.testing.assert_array_equal(case["X_train"], same["X_train"])
    assert len(case["X_train"]) == 30 and len(judge["X_test"]) == 10
    draws = {build(np.random.default_rng(s))[0]["X_train"].tobytes() for s in range(6)}
    assert len(draws) == 6  # other secrets, other splits and disguises
    # each image is one of the symmetries of an original, its label renamed consistently
    X, y = _squares()
    names: dict[int, int] = {}
    for image, label in zip(case["X_train"], case["y_train"], strict=True):
        row = int(image.min()) // 4
        assert any(np.array_equal(orient(X[row : row + 1], t, (2, 2))[0], image) for t in range(8))
        assert names.setdefault(int(y[row]), int(label)) == int(label)
    assert sorted(names.values()) == sorted(names)  # a permutation of the classes


def test_orient_gives_the_eight_symmetries_of_the_square() -> None:
    X = np.arange(9.0).reshape(1, 9)
    images = {orient(X, t, (3, 3)).tobytes() for t in range(8)}
    assert len(images) == 8
    assert np.array_equal(orient(X, 0, (3, 3)), X)
    turned = orient(X, 1, (3, 3)).reshape(3, 3)
    assert np.array_equal(turned, np.rot90(X.reshape(3, 3)))
