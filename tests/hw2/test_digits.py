"""The graded digits CNN: judged on its weights by the course's DigitsCNN, calibrated over
20 grading secrets, and `fit`'s case checks the order of the batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.assignment import Assignment
from autograder.calibrate import calibrate, measure, seeds
from autograder.cases import case_seed
from autograder.trained import weights
from dlkit.data import digits
from hw2.cases.checks import (
    DIGITS_CNN_SHAPES,
    TARGET_ACCURACY,
    cnn_accuracy,
    digits_split,
    held_out_accuracy,
    losses_and_batches,
    shuffled_by_the_seed,
)
from hw2.cnn import DigitsCNN, train_digits_cnn

MARGIN = 0.005  # about 2 of the 359 held-out images (the measured margin is 1.1 points)


def test_the_grader_expects_the_state_of_the_reference_digits_cnn() -> None:
    state = DigitsCNN().state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == DIGITS_CNN_SHAPES


@pytest.mark.calibration
def test_the_reference_clears_the_target_with_a_margin_on_20_secrets() -> None:
    """The numbers in checks.py's comment and the cases' docstrings come from here."""
    name = "train_digits_cnn_hidden_split"
    measured = calibrate("hw2", name, seeds("hw2", name, 20))
    scores = sorted(m.score for m in measured)
    low, high, median = scores[0], scores[-1], float(np.median(scores))
    print(f"hw2 digits CNN, 20 secrets: {low:.1%} to {high:.1%}, median {median:.1%}")
    assert all(m.passed for m in measured), [m.message for m in measured if not m.passed]
    assert low >= TARGET_ACCURACY + MARGIN, scores


def test_the_public_cases_pass_on_their_students_seeds() -> None:
    for case in Assignment.load("hw2").public_cases():
        if not case.needs_expected:  # the trained models: 10.1 (fit) and 10.2
            result = measure("hw2", case.name, case_seed("hw2", case))
            assert result.passed, result
            if case.number == "10.2":
                assert result.score >= TARGET_ACCURACY + MARGIN, result


def test_a_cnn_trained_elsewhere_fails_the_disguised_cases() -> None:
    X, y = digits()
    elsewhere = weights(train_digits_cnn(X, y, seed=0), "train_digits_cnn", "a model")
    elsewhere = {k: v.numpy() for k, v in elsewhere.items()}
    assert cnn_accuracy(elsewhere, {"X_test": X, "y_test": y}) > 0.99  # it saw them all
    for seed in range(5):
        _, judge = digits_split(np.random.default_rng([seed, 1]))
        verdict = held_out_accuracy({"weights": elsewhere}, {}, judge)
        assert not verdict.passed and "short of the target" in verdict.message, verdict


def test_the_weights_are_checked_by_name_and_shape() -> None:
    small = {k: v.numpy() for k, v in DigitsCNN(channels=8).state_dict().items()}
    data = {"X_test": np.zeros((2, 64)), "y_test": np.zeros(2, dtype=int)}
    verdict = held_out_accuracy({"weights": small}, {}, data)
    assert "features.0.weight has shape (8, 1, 3, 3), expected (32, 1, 3, 3)" in verdict.message
    assert "DigitsCNN() (32 channels)" in verdict.message


def _outputs(batches: list[list[int]], epochs: int = 2, losses: tuple = (2.0, 0.5)) -> dict:
    return {
        "losses": np.array(losses),
        "batches": [np.array(b) for b in batches],
        "config": {"epochs": epochs, "batch_size": 4, "seed": 7},
    }


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("seeded", "batches shuffled by the seed"),
        ("unshuffled", "original order: shuffle"),
        ("other_generator", "another order than a DataLoader with shuffle=True"),
        ("same_every_epoch", "another order than a DataLoader with shuffle=True"),
    ],
)
def test_fit_must_shuffle_with_the_seeded_generator(order: str, message: str) -> None:
    n, data = 10, {"y_test": np.zeros(10, dtype=int)}
    epochs = shuffled_by_the_seed(2, 4, n, seed=7)
    if order == "unshuffled":
        epochs = [list(range(n))] * 2
    elif order == "other_generator":
        epochs = [torch.randperm(n).tolist() for _ in range(2)]
    elif order == "same_every_epoch":
        epochs = [epochs[0], epochs[0]]
    batches = [e[i : i + 4] for e in epochs for i in range(0, n, 4)]
    verdict = losses_and_batches(_outputs(batches), {}, data)
    assert message in verdict.message and verdict.passed == (order == "seeded"), verdict


def test_fit_reports_losses_that_do_not_fall_or_do_not_count_epochs() -> None:
    data = {"y_test": np.zeros(10, dtype=int)}
    batches = [e[i : i + 4] for e in shuffled_by_the_seed(2, 4, 10, 7) for i in range(0, 10, 4)]
    flat = losses_and_batches(_outputs(batches, losses=(2.0, 1.9)), {}, data)
    assert "it should halve" in flat.message
    short = losses_and_batches(_outputs(batches, losses=(2.0,)), {}, data)
    assert "return one per epoch (2)" in short.message


@pytest.mark.calibration
def test_fit_clears_its_training_accuracy_on_20_secrets() -> None:
    """The numbers in case 10.1's docstring come from here."""
    measured = calibrate("hw2", "fit_learns_300_digits", seeds("hw2", "fit_learns_300_digits", 20))
    scores = sorted(m.score for m in measured)
    print(f"hw2 fit, 20 secrets: {scores[0]:.1%} to {scores[-1]:.1%}")
    assert all(m.passed for m in measured), [m.message for m in measured if not m.passed]
    assert scores[0] >= 0.95, scores


def test_the_augmentation_check_judges_the_cases_own_images() -> None:
    """A driver replaced by the submission could return shifts of images of its own
    choosing: the check compares the images and labels with the case's, so only what
    the dataset did to those can pass."""
    from autograder.outputs import normalize
    from autograder.submission import Submission
    from hw2.cases.checks import shifted_items
    from hw2.cases.harness import augmented_items

    def run(seed: int) -> dict:
        rng = np.random.default_rng(seed)
        images = torch.as_tensor(rng.normal(size=(12, 1, 8, 8)), dtype=torch.float32)
        torch.manual_seed(seed)
        return normalize(augmented_items(Submission.installed("hw2"), images, rng, passes=2))

    expected = run(1)
    assert shifted_items(run(1), expected, {}).passed
    fabricated = run(2)  # a faithful augmentation, of other images
    verdict = shifted_items(fabricated, expected, {})
    assert not verdict.passed
    assert verdict.message == (
        "the images given to DigitsDataset changed: do not modify them in place"
    )
