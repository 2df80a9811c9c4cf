"""Held-out data for trained-model cases: grader-data builders that hand the case a
training set and keep the held-out examples, inputs *and* labels, for the check alone.

    @judged_by(on_weights(...))
    @grader_data(disguised_split(digits, image_shape=(8, 8)))
    def train_digits(sub, rng, data): ...

`disguised_split` draws a fresh split from the case's generator (so a hidden case's
split comes from the grading secret) and disguises the whole data set the same secret
way: the images are turned or mirrored (one of the 8 symmetries of the square) and the
classes renamed (a permutation). A network trained on what it is given learns the
disguised task exactly as well as the plain one (its initialization draws every weight
independently, so the symmetric problem is the same problem). Weights trained elsewhere,
say on the whole public data set, predict the plain classes of plain images and fail.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.cases import Arrays, DataBuilder

Loader = Callable[[], tuple[np.ndarray, np.ndarray]]


def split_indices(n: int, test_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A random partition of ``range(n)`` into sorted train and test indices."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    order = rng.permutation(n)
    n_test = max(1, round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def orient(X: np.ndarray, turn: int, image_shape: tuple[int, int]) -> np.ndarray:
    """Rows of flattened square images under symmetry ``turn`` in 0..7: ``turn % 4``
    quarter turns, mirrored left to right when ``turn >= 4``."""
    height, width = image_shape
    if height != width:
        raise ValueError(f"the symmetries of a square need square images, got {image_shape}")
    images = X.reshape(len(X), height, width)
    images = np.rot90(images, k=turn % 4, axes=(1, 2))
    if turn >= 4:
        images = images[:, :, ::-1]
    return np.ascontiguousarray(images).reshape(X.shape)


def unorient(X: np.ndarray, turn: int, image_shape: tuple[int, int]) -> np.ndarray:
    """The inverse of `orient`: rows under symmetry ``turn`` back to the plain images."""
    height, width = image_shape
    images = X.reshape(len(X), height, width)
    if turn >= 4:
        images = images[:, :, ::-1]
    images = np.rot90(images, k=-(turn % 4), axes=(1, 2))
    return np.ascontiguousarray(images).reshape(X.shape)


def disguised_split(
    load: Loader, image_shape: tuple[int, int], test_fraction: float = 0.2
) -> DataBuilder:
    """A builder giving the case ``X_train`` and ``y_train``, and the check alone
    ``X_test`` and ``y_test``: a random split of ``load()`` drawn from the case's
    generator, every image under one random symmetry of the square and every label
    renamed by one random permutation of the classes (``names[y]``)."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, y = load()
        train, test = split_indices(len(y), test_fraction, rng)
        turn = int(rng.integers(8))
        names = rng.permutation(int(y.max()) + 1)
        X, y = orient(X, turn, image_shape), names[y]
        return {"X_train": X[train], "y_train": y[train]}, {"X_test": X[test], "y_test": y[test]}

    return build


def labelled_split(load: Loader, seed: int, test_fraction: float = 0.2) -> DataBuilder:
    """A builder giving the case ``X_train`` and ``y_train`` of a fixed split (by
    ``seed``) of ``load()``, and the check alone the held-out ``X_test`` and ``y_test``."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, y = load()
        train, test = split_indices(len(y), test_fraction, np.random.default_rng(seed))
        return {"X_train": X[train], "y_train": y[train]}, {"X_test": X[test], "y_test": y[test]}

    return build
