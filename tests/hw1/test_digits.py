"""The graded digits task: the reference clears the 97% target with a margin on both
graded splits, whatever the training seed, so a sound student solution can too."""

from __future__ import annotations

import numpy as np
import pytest

from hw1.cases.checks import PUBLIC_SPLIT_SEED, TARGET_ACCURACY, digits_split, held_out_accuracy
from hw1.cases.hidden import HIDDEN_SPLIT_SEED
from hw1.train import train_digits

MARGIN = 0.005  # two images of 359


@pytest.mark.parametrize("split", [PUBLIC_SPLIT_SEED, HIDDEN_SPLIT_SEED], ids=["public", "hidden"])
def test_the_reference_clears_the_target_with_a_margin(split: int) -> None:
    data, judge = digits_split(split)(np.random.default_rng(0))
    assert "y_test" not in data and len(data["X_test"]) == len(judge["y_test"]) == 359
    for seed in range(2):
        predictions = train_digits(
            data["X_train"], data["y_train"], data["X_test"], np.random.default_rng(seed)
        )
        accuracy = float(np.mean(predictions == judge["y_test"]))
        assert accuracy >= TARGET_ACCURACY + MARGIN, (split, seed, accuracy)


def test_the_check_reports_accuracy_and_refuses_malformed_predictions() -> None:
    y = np.arange(100) % 10
    good = held_out_accuracy({"predictions": y}, {}, {"y_test": y})
    assert good.passed and "100.0%" in good.message
    wrong = y.copy()
    wrong[:4] = (wrong[:4] + 1) % 10
    below = held_out_accuracy({"predictions": wrong}, {}, {"y_test": y})
    assert not below.passed and "96.0%" in below.message
    shape = held_out_accuracy({"predictions": y[:50]}, {}, {"y_test": y})
    assert not shape.passed and "shape (50,)" in shape.message
    scores = held_out_accuracy({"predictions": y + 0.5}, {}, {"y_test": y})
    assert not scores.passed and "whole numbers" in scores.message
