"""dlkit.digits_judge: the shipped classifier's held-out accuracy and file, its scores
against independent oracles (scipy's matrix square root for the Frechet distance, loops
over samples for the inception score, the class histogram and the nearest training
image), and the scores' sanity: real held-out digits pass the sample thresholds, cheap
baselines that learn nothing (or only copy) fail them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import linalg

from dlkit.digits_judge import (
    COPY_DISTANCE,
    COVERAGE_SHARE,
    JUDGE_FILE,
    JUDGE_HELD_OUT_ACCURACY,
    SAMPLE_THRESHOLDS,
    DigitsJudgeNet,
    _frechet_distance,
    judge_classifier,
    judge_split,
    score_samples,
)


@pytest.fixture(scope="module")
def split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return judge_split()


def test_the_shipped_judge_is_accurate_on_digits_it_never_saw(split) -> None:  # type: ignore[no-untyped-def]
    _, _, X_test, y_test = split
    net = judge_classifier()
    with torch.no_grad():
        logits = net(X_test.reshape(-1, 1, 8, 8))
    assert logits.shape == (len(y_test), 10) and logits.dtype == torch.float32
    accuracy = float((logits.argmax(1) == y_test).float().mean())
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(JUDGE_HELD_OUT_ACCURACY, abs=1e-4)


def test_the_weights_file_is_small_plain_arrays_of_the_nets_parameters() -> None:
    assert JUDGE_FILE.stat().st_size < 200_000
    with np.load(JUDGE_FILE, allow_pickle=False) as arrays:
        shapes = {name: arrays[name].shape for name in arrays.files}
    assert shapes == {k: tuple(v.shape) for k, v in DigitsJudgeNet().state_dict().items()}


def test_the_classifier_is_a_fresh_float32_copy_whatever_the_default_dtype(
    torch_float64: None,
) -> None:
    a, b = judge_classifier(), judge_classifier()
    assert a is not b and not a.training
    assert all(p.dtype == torch.float32 for p in a.parameters())
    with torch.no_grad():
        a.fc2.bias.add_(1.0)
    assert not torch.equal(a.fc2.bias, judge_classifier().fc2.bias)


def test_the_frechet_distance_matches_scipys_matrix_square_root() -> None:
    g = torch.Generator().manual_seed(0)
    a = torch.randn(300, 6, generator=g, dtype=torch.float64)
    b = 0.5 + torch.randn(200, 6, generator=g, dtype=torch.float64) @ torch.rand(
        6, 6, generator=g, dtype=torch.float64
    )
    A, B = a.numpy(), b.numpy()
    S_a, S_b = np.cov(A, rowvar=False), np.cov(B, rowvar=False)
    root = linalg.sqrtm(S_a @ S_b).real
    expected = np.sum((A.mean(0) - B.mean(0)) ** 2) + np.trace(S_a + S_b - 2 * root)
    assert _frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert _frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_the_scores_follow_their_definitions_by_loops(split) -> None:  # type: ignore[no-untyped-def]
    X_train, _, X_test, _ = split
    images = X_test[:60].reshape(-1, 1, 8, 8)
    train = X_train[:200]
    scores = score_samples(images, train)
    net = judge_classifier()
    with torch.no_grad():
        probs = torch.softmax(net(images).double(), 1).numpy()
    marginal = probs.mean(0)
    kls = [sum(p[k] * math.log(p[k] / marginal[k]) for k in range(10) if p[k] > 0) for p in probs]
    assert scores["inception_score"] == pytest.approx(math.exp(sum(kls) / len(kls)), rel=1e-9)
    assert scores["confidence"] == pytest.approx(probs.max(1).mean(), rel=1e-9)
    counts = [0] * 10
    for p in probs:
        counts[int(np.argmax(p))] += 1
    shares = [c / len(probs) for c in counts]
    assert scores["coverage"] == sum(s >= COVERAGE_SHARE for s in shares)
    entropy = -sum(s * math.log(s) for s in shares if s > 0)
    assert scores["class_entropy"] == pytest.approx(entropy, rel=1e-9)
    nearest = [
        min(math.dist(x.tolist(), t.tolist()) for t in train) for x in images.reshape(-1, 64)
    ]
    assert scores["nearest_distance"] == pytest.approx(float(torch.tensor(nearest).median()))
    assert scores["copy_fraction"] == pytest.approx(np.mean(np.array(nearest) <= COPY_DISTANCE))
    assert scores["mean_intensity"] == pytest.approx(float(images.mean()))


def test_real_held_out_digits_pass_with_margin(split) -> None:  # type: ignore[no-untyped-def]
    X_train, _, X_test, _ = split
    scores = score_samples(X_test, X_train)
    assert SAMPLE_THRESHOLDS.failures(scores) == []
    # the ceiling (measured: FID 6.0, IS 9.6, confidence 0.99, median distance 1.03)
    assert scores["fid"] < 10 and scores["inception_score"] > 9 and scores["confidence"] > 0.97
    assert scores["copy_fraction"] <= 0.01  # a held-out digit is not a copy
    assert scores["nearest_distance"] > 0.9


def _baselines(X: torch.Tensor, y: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    mean, std = X.mean(0), X.std(0)
    cov = torch.cov(X.T.double()) + 1e-4 * torch.eye(64, dtype=torch.float64)
    chol = torch.linalg.cholesky(cov).float()
    threes = X[y == 3]
    rows = torch.randint(len(X), (n,), generator=g)
    return {
        "mean image": mean.expand(n, 64),
        "independent Bernoulli pixels": torch.bernoulli(mean.expand(n, 64), generator=g),
        "independent Gaussian pixels": (mean + std * torch.randn(n, 64, generator=g)).clamp(0, 1),
        "full-covariance Gaussian": (mean + torch.randn(n, 64, generator=g) @ chol.T).clamp(0, 1),
        "uniform noise": torch.rand(n, 64, generator=g),
        "one digit (training 3s)": threes[torch.randint(len(threes), (n,), generator=g)],
        "memorized training images": X[rows],
        "memorized + noise 0.05": (X[rows] + 0.05 * torch.randn(n, 64, generator=g)).clamp(0, 1),
        "memorized + noise 0.1": (X[rows] + 0.1 * torch.randn(n, 64, generator=g)).clamp(0, 1),
    }


def test_cheap_baselines_fail(split) -> None:  # type: ignore[no-untyped-def]
    X_train, y_train, _, _ = split
    for name, images in _baselines(X_train, y_train, 1000).items():
        scores = score_samples(images, X_train)
        assert SAMPLE_THRESHOLDS.failures(scores), f"{name} passes: {scores}"


def test_the_copy_check_catches_memorization_not_real_digits(split) -> None:  # type: ignore[no-untyped-def]
    X_train, _, X_test, _ = split
    assert score_samples(X_train[:500], X_train)["copy_fraction"] == 1.0
    nearest = torch.cdist(X_test.double(), X_train.double()).amin(1)
    assert float((nearest <= COPY_DISTANCE).double().mean()) <= 0.01  # measured: 0.0
