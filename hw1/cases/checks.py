"""Grader data and custom checks of hw1: the digits case is judged on held-out labels."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.cases import Arrays, Verdict
from autograder.outputs import Outputs
from dlkit.data import digits, train_test_indices

TARGET_ACCURACY = 0.97
# The public case's split (the reference reaches 98.3% to 98.6% on it); the hidden
# case's split is not in the handout.
PUBLIC_SPLIT_SEED = 1001


def digits_split(seed: int) -> Callable[[np.random.Generator], tuple[Arrays, Arrays]]:
    """A grader-data builder: 80% of the digits with labels for training, the other 20%
    as images only; their labels go to the check alone, never to the submission."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, y = digits()
        train, test = train_test_indices(len(y), 0.2, seed)
        return {"X_train": X[train], "y_train": y[train], "X_test": X[test]}, {"y_test": y[test]}

    return build


def held_out_accuracy(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """The predictions must be one integer label per held-out image; 97% right passes."""
    y_test = data["y_test"]
    predictions = np.asarray(got["predictions"])
    if predictions.shape != y_test.shape:
        return Verdict(
            0.0,
            f"predictions has shape {predictions.shape}: return one label per test image, "
            f"shape {y_test.shape}",
        )
    if predictions.dtype.kind == "f" and not np.all(predictions == np.round(predictions)):
        return Verdict(0.0, "predictions are not whole numbers: return class labels (argmax)")
    accuracy = float(np.mean(predictions == y_test))
    target = f"needs {TARGET_ACCURACY:.0%}"
    if accuracy < TARGET_ACCURACY:
        return Verdict(0.0, f"held-out accuracy {accuracy:.1%} is below the target ({target})")
    return Verdict(1.0, f"held-out accuracy {accuracy:.1%} ({target})")
