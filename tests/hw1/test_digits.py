"""The graded digits task: the grader judges the returned network on its weights, the
reference clears the target with a margin whatever the grading secret draws, and a
network trained on the plain digits, elsewhere, fails the disguised cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.calibrate import calibrate, seeds
from autograder.cases import case_seed
from autograder.heldout import orient
from autograder.trained import weights
from dlkit.data import digits
from hw1.cases import checks
from hw1.cases.checks import DIGITS_DIMS, DIGITS_SHAPES, TARGET_ACCURACY, held_out_accuracy
from hw1.model import MLP
from hw1.train import DIGITS_DIMS as STUDENT_DIMS
from hw1.train import train_digits

MARGIN = 0.005  # about 2 of the 359 held-out images (the measured margin is 1.2 points)


def test_the_grader_loads_the_network_train_digits_builds() -> None:
    assert list(DIGITS_DIMS) == STUDENT_DIMS
    model = MLP(STUDENT_DIMS, np.random.default_rng(0))
    assert {k: v.shape for k, v in model.params.items()} == DIGITS_SHAPES


@pytest.mark.calibration
def test_the_reference_clears_the_target_with_a_margin_on_20_secrets() -> None:
    """The numbers in checks.py's comment come from here (and the case docstrings' 96%)."""
    measured = calibrate(
        "hw1", "train_digits_hidden_split", seeds("hw1", "train_digits_hidden_split", 20)
    )
    scores = sorted(m.score for m in measured)
    low, high, median = scores[0], scores[-1], float(np.median(scores))
    print(f"hw1 digits, 20 secrets: {low:.1%} to {high:.1%}, median {median:.1%}")
    assert all(m.passed for m in measured), [m.message for m in measured if not m.passed]
    assert scores[0] >= TARGET_ACCURACY + MARGIN, scores


def test_the_public_case_passes_with_a_margin_on_its_students_seed() -> None:
    from autograder.assignment import Assignment
    from autograder.calibrate import measure

    case = next(c for c in Assignment.load("hw1").public_cases() if c.number == "16.1")
    result = measure("hw1", case.name, case_seed("hw1", case))
    assert result.passed and result.score >= TARGET_ACCURACY + MARGIN, result


@pytest.fixture(scope="module")
def trained_elsewhere() -> dict[str, np.ndarray]:
    """The reference trained on every plain digit, test images included: a checkpoint
    someone could paste into a submission."""
    X, y = digits()
    return weights(train_digits(X, y, np.random.default_rng(0)), "train_digits", "a model")


def test_a_network_trained_elsewhere_fails_the_disguised_cases(
    trained_elsewhere: dict[str, np.ndarray],
) -> None:
    plain = {"X_test": digits()[0], "y_test": digits()[1]}
    assert checks.mlp_accuracy(trained_elsewhere, plain) > 0.99  # it has seen them all
    for seed in range(5):
        _, judge = checks.digits_split(np.random.default_rng([seed, 1]))
        verdict = held_out_accuracy({"weights": trained_elsewhere}, {}, judge)
        assert not verdict.passed and "short of the target" in verdict.message, verdict


def test_the_disguise_keeps_the_task_the_same() -> None:
    """Turned or mirrored images of the same digits, with renamed classes: each symmetry
    is a permutation of the pixels, and the eight are different."""
    X, _ = digits()
    turned = [orient(X[:5], turn, (8, 8)) for turn in range(8)]
    for image in turned:
        assert np.array_equal(np.sort(image, axis=1), np.sort(X[:5], axis=1))
    assert len({t.tobytes() for t in turned}) == 8
    case, judge = checks.digits_split(np.random.default_rng(3))
    assert set(case) == {"X_train", "y_train"} and set(judge) == {"X_test", "y_test"}
    assert len(case["y_train"]) == 1438 and len(judge["y_test"]) == 359
    assert sorted(np.unique(case["y_train"])) == list(range(10))


def test_the_check_names_what_is_wrong_with_the_weights() -> None:
    good = {k: np.zeros(v) for k, v in DIGITS_SHAPES.items()}
    data = {"X_test": np.zeros((3, 64)), "y_test": np.zeros(3, dtype=int)}
    assert held_out_accuracy({"weights": good}, {}, data).passed  # zeros predict class 0

    narrow = dict(good, W2=np.zeros((256, 128)), W3=np.zeros((128, 10)))
    verdict = held_out_accuracy({"weights": narrow}, {}, data)
    assert "W2 has shape (256, 128), expected (256, 256)" in verdict.message
    assert "MLP([64, 256, 256, 10])" in verdict.message

    missing = {k: v for k, v in good.items() if k != "b3"}
    assert "no weights named b3 (10,)" in held_out_accuracy({"weights": missing}, {}, data).message

    extra = dict(good, gamma1=np.ones(256))
    assert "lacks: gamma1" in held_out_accuracy({"weights": extra}, {}, data).message

    diverged = dict(good, W1=np.full((64, 256), np.nan))
    assert "W1 holds NaN" in held_out_accuracy({"weights": diverged}, {}, data).message

    wrong = {"X_test": data["X_test"], "y_test": np.ones(3, dtype=int)}
    verdict = held_out_accuracy({"weights": good}, {}, wrong)
    assert not verdict.passed and "0.0%, short of the target" in verdict.message
    assert "X_train / 16" in verdict.message


def test_returning_predictions_is_refused_with_a_message() -> None:
    with pytest.raises(TypeError, match="train_digits returned a ndarray: return the trained MLP"):
        weights(np.zeros(359), "train_digits", "the trained MLP")
