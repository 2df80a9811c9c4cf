"""Grader data and custom checks of hw1: the digits network is judged on its weights.

`train_digits` returns a trained MLP; the case hands its ``params`` to the judge, which
loads them into the course's own ``MLP([64, 256, 256, 10])`` (the reference's, on
Gradescope) and counts its right answers on held-out digits that never entered the
submission's process. Each case's data are disguised by a secret symmetry of the image
and renaming of the classes (`autograder.heldout.disguised_split`).
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays
from autograder.heldout import disguised_split
from autograder.trained import Threshold, Weights, on_weights
from dlkit.data import digits

# The network the grader loads the weights into (hw1.train.DIGITS_DIMS; a test keeps
# the two equal). Its layer i maps DIMS[i - 1] features to DIMS[i].
DIGITS_DIMS = (64, 256, 256, 10)
DIGITS_SHAPES = {
    name: shape
    for i in range(1, len(DIGITS_DIMS))
    for name, shape in (
        (f"W{i}", (DIGITS_DIMS[i - 1], DIGITS_DIMS[i])),
        (f"b{i}", (DIGITS_DIMS[i],)),
    )
}

# Measured over 20 grading secrets (tests/hw1/test_digits.py): the reference gets 97.2%
# to 99.7% of the held-out digits right, median 98.5%, so it passes 20 of 20 with at
# least 1.2 points (4 images) to spare. A split's difficulty moves the score more than
# the training seed does: one split held the reference to 97.2% whatever the recipe.
TARGET_ACCURACY = 0.96

digits_split = disguised_split(digits, image_shape=(8, 8))


def mlp_accuracy(weights: Weights, data: Arrays) -> float:
    """The share of held-out digits the course's MLP gets right with these weights, fed
    pixels divided by 16, in evaluation mode."""
    from hw1.model import MLP  # the course's network: the reference's, on Gradescope

    model = MLP(list(DIGITS_DIMS), np.random.default_rng(0))
    model.params = {name: np.asarray(value, dtype=np.float64) for name, value in weights.items()}
    return float(np.mean(model.predict(data["X_test"] / 16.0) == data["y_test"]))


held_out_accuracy = on_weights(
    DIGITS_SHAPES,
    mlp_accuracy,
    Threshold(
        "held-out accuracy",
        TARGET_ACCURACY,
        advice="the grader feeds the network pixels divided by 16: train it on X_train / 16",
    ),
    hint="return MLP([64, 256, 256, 10]) with ReLU and no batch normalization",
)
