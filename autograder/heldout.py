"""Held-out data for cases judged on labels the submission never sees: a grader-data
builder that splits a labelled set, and the check that scores returned predictions.

    @judged_by(accuracy_at_least(0.97))
    @grader_data(labelled_split(digits, seed=1001))
    def train_digits(sub, rng, data): ...
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.cases import Arrays, Check, DataBuilder, Verdict
from autograder.outputs import Outputs


def labelled_split(
    load: Callable[[], tuple[np.ndarray, np.ndarray]], seed: int, test_fraction: float = 0.2
) -> DataBuilder:
    """A builder giving the case ``X_train``, ``y_train`` and ``X_test`` (a fixed, seeded
    split of ``load()``), and the check alone ``y_test``."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        X, y = load()
        order = np.random.default_rng(seed).permutation(len(y))
        n_test = max(1, round(len(y) * test_fraction))
        train, test = np.sort(order[n_test:]), np.sort(order[:n_test])
        return {"X_train": X[train], "y_train": y[train], "X_test": X[test]}, {"y_test": y[test]}

    return build


def accuracy_at_least(target: float) -> Check:
    """A check: ``got["predictions"]`` holds one whole-number label per held-out example,
    and at least ``target`` of them are right."""

    def check(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
        y_test = data["y_test"]
        predictions = np.asarray(got["predictions"])
        if predictions.shape != y_test.shape:
            return Verdict(
                0.0,
                f"predictions has shape {predictions.shape}: return one label per test "
                f"image, shape {y_test.shape}",
            )
        if predictions.dtype.kind == "f" and not np.all(predictions == np.round(predictions)):
            return Verdict(0.0, "predictions are not whole numbers: return class labels (argmax)")
        accuracy = float(np.mean(predictions == y_test))
        needs = f"needs {target:.0%}"
        if accuracy < target:
            return Verdict(0.0, f"held-out accuracy {accuracy:.1%} is below the target ({needs})")
        return Verdict(1.0, f"held-out accuracy {accuracy:.1%} ({needs})")

    check.__name__ = check.__qualname__ = f"accuracy_at_least_{target:g}"
    return check
