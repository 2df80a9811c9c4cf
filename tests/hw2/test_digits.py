"""The graded digits CNN: the reference clears 98% with a margin (98.5%) on both graded
splits for two training seeds, so a sound student solution can too."""

from __future__ import annotations

import numpy as np
import pytest

from hw2.cases.checks import PUBLIC_SPLIT_SEED, digits_split
from hw2.cases.hidden import HIDDEN_SPLIT_SEED
from hw2.cnn import train_digits_cnn


@pytest.mark.parametrize("split", [PUBLIC_SPLIT_SEED, HIDDEN_SPLIT_SEED], ids=["public", "hidden"])
def test_the_reference_cnn_reaches_98_5_percent(split: int) -> None:
    data, judge = digits_split(split)(np.random.default_rng(0))
    for seed in range(2):
        predictions = train_digits_cnn(data["X_train"], data["y_train"], data["X_test"], seed)
        accuracy = float(np.mean(predictions == judge["y_test"]))
        assert accuracy >= 0.985, (split, seed, accuracy)
