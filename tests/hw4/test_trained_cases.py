"""hw4's trained-model cases, judged as the grader judges them: the VAE on held-out
digits with their pixels in a secret order, the 2-D diffusion model and flow by the
energy distance of the judge's samples to held-out points of the secretly turned moons.
The calibrations (20 grading secrets each) run in `make calibrate`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.assignment import Assignment
from autograder.calibrate import calibrate, measure, seeds
from autograder.cases import case_seed
from hw4.cases.cartpole import DQN_TARGET, REINFORCE_TARGET
from hw4.cases.digit_checks import FID_MAX
from hw4.cases.lake import TARGET_RATIO
from hw4.cases.points_checks import (
    TARGET_DISTANCE,
    diffusion_distance,
    diffusion_samples,
    point_mlp_shapes,
    turned_moons,
)
from hw4.cases.vae_checks import (
    SAMPLES,
    TARGET_NATS,
    VAE_SHAPES,
    held_out_elbo,
    held_out_nats,
    shuffled_digits_split,
)
from hw4.diffusion import Denoiser2D
from hw4.vae import VAE, held_out_negative_elbo

CASES = {
    "vae": "2.2",
    "gan": "5.2",
    "digits": "9.2",
    "diffusion": "8.2",
    "flow": "10.3",
    "qlearning": "12.2",
    "reinforce": "14.2",
    "dqn": "15.2",
}
# the margin each score keeps from its target, on the student's seed and on the 20
# secrets: below it for a loss or a distance, above it for a return
MARGINS = {
    "vae": 0.3,
    "gan": 10.0,
    "digits": 20.0,
    "diffusion": 0.01,
    "flow": 0.01,
    "qlearning": 0.1,
    "reinforce": 50.0,
    "dqn": 20.0,
}
TARGETS = {
    "vae": TARGET_NATS,
    "gan": FID_MAX,
    "digits": FID_MAX,
    "diffusion": TARGET_DISTANCE,
    "flow": TARGET_DISTANCE,
    "qlearning": TARGET_RATIO,
    "reinforce": REINFORCE_TARGET,
    "dqn": DQN_TARGET,
}
RETURNS = {"qlearning", "reinforce", "dqn"}  # scores that must reach at least the target


def _clears(model: str, score: float) -> bool:
    """The score keeps its margin from the target, on the right side."""
    if model in RETURNS:
        return score >= TARGETS[model] + MARGINS[model]
    return score <= TARGETS[model] - MARGINS[model]


def _case(number: str):  # type: ignore[no-untyped-def]
    return next(c for c in Assignment.load("hw4").public_cases() if c.number == number)


def _state(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {key: value.detach().numpy() for key, value in model.state_dict().items()}


def test_the_digit_cases_hold_the_judges_fid_bound() -> None:
    from dlkit.digits_judge import SAMPLE_THRESHOLDS

    assert FID_MAX == SAMPLE_THRESHOLDS.fid_max


def test_the_grader_expects_the_state_of_the_course_models() -> None:
    assert {k: tuple(v.shape) for k, v in VAE().state_dict().items()} == VAE_SHAPES
    assert {k: tuple(v.shape) for k, v in Denoiser2D().state_dict().items()} == point_mlp_shapes()


def test_the_vae_case_gets_training_pixels_in_the_order_of_the_held_out_ones() -> None:
    """One secret order for the whole split: the training images and the held-out ones
    are the two parts of a split of the digits, every image's pixels permuted the same
    way (the generator draws the split, then the order)."""
    from autograder.heldout import split_indices
    from dlkit.data import digits

    for_case, for_check = shuffled_digits_split()(np.random.default_rng(3))
    X = (digits()[0] / 16.0).astype(np.float32)
    rng = np.random.default_rng(3)
    train, test = split_indices(len(X), 0.2, rng)
    order = rng.permutation(64)
    assert not np.array_equal(order, np.arange(64))
    np.testing.assert_array_equal(for_check["held_out"], X[test][:, order])
    rows = X[train][:, order]
    np.testing.assert_array_equal(np.unique(for_case["X"], axis=0), np.unique(rows, axis=0))
    assert for_case["X"].dtype == np.float32 and len(for_case["X"]) == len(train)
    assert set(for_check) == {"held_out", "noise_seed"} and set(for_case) == {"X"}


def test_the_judges_estimate_is_the_courses_negative_elbo_with_its_own_noise() -> None:
    rng = np.random.default_rng(0)
    model = VAE()
    held_out = rng.uniform(size=(20, 64)).astype(np.float32)
    data = {"held_out": held_out, "noise_seed": np.array(7)}
    expected = held_out_negative_elbo(
        model, torch.as_tensor(held_out), torch.Generator().manual_seed(7), SAMPLES
    )
    assert held_out_nats(_state(model), data) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("history", "words"),
    [
        ([], "history holds 0 finite values"),
        ([30.0, float("nan")], "history holds 2"),
        ([30.0, 31.0], "does not learn"),
    ],
)
def test_a_vae_history_that_is_missing_or_does_not_fall_fails(
    history: list[float], words: str
) -> None:
    got = {"weights": _state(VAE()), "history": history}
    data = {"held_out": np.zeros((2, 64), np.float32), "noise_seed": np.array(0)}
    verdict = held_out_elbo(got, {}, data)
    assert not verdict.passed and words in verdict.message, verdict


def test_the_moons_are_turned_by_one_rotation_for_training_and_held_out_points() -> None:
    """The turn is orthogonal (distances between points are kept) and secret (two
    secrets give two turns); the held-out points are turned the same way."""
    a_case, a_check = turned_moons()(np.random.default_rng(1))
    b_case, _ = turned_moons()(np.random.default_rng(2))
    assert a_case["X"].shape == (2000, 2) and a_check["held_out"].shape == (1000, 2)
    radii = np.linalg.norm(a_case["X"], axis=1)
    from dlkit.toy2d import energy_distance, two_moons

    plain = two_moons(2000, np.random.default_rng(9))
    assert energy_distance(radii, np.linalg.norm(plain, axis=1)) < 0.05  # same radii
    assert energy_distance(a_case["X"], a_check["held_out"]) < 0.06  # one distribution
    assert energy_distance(a_case["X"], b_case["X"]) > 0.1  # another secret, another turn


def test_an_untrained_denoiser_fails_the_2d_check_with_its_distance() -> None:
    _, for_check = turned_moons()(np.random.default_rng(0))
    torch.manual_seed(0)
    got = {"weights": _state(Denoiser2D())}
    verdict = diffusion_samples(got, {}, for_check)
    assert not verdict.passed and "energy distance" in verdict.message, verdict
    assert diffusion_distance(got["weights"], for_check) > TARGET_DISTANCE


@pytest.mark.parametrize("model", sorted(CASES))
def test_the_public_training_case_passes_on_its_students_seed(model: str) -> None:
    """What a student's `make test` runs, judged as the grader judges it."""
    case = _case(CASES[model])
    result = measure("hw4", case.name, case_seed("hw4", case))
    assert result.passed and _clears(model, result.score), result


@pytest.mark.calibration
@pytest.mark.parametrize("model", sorted(CASES))
def test_the_reference_clears_the_target_with_a_margin_on_20_secrets(model: str) -> None:
    """The numbers in the cases' docstrings come from here."""
    name = _case(CASES[model]).name
    measured = calibrate("hw4", name, seeds("hw4", name, 20))
    scores = sorted(m.score for m in measured)
    median = float(np.median(scores))
    print(f"hw4 {model}, 20 secrets: {scores[0]:.3f} to {scores[-1]:.3f}, median {median:.3f}")
    assert all(m.passed for m in measured), [m.message for m in measured if not m.passed]
    assert all(_clears(model, s) for s in scores), scores
