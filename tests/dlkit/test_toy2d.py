"""dlkit.toy2d: the 2-D data against scikit-learn's generators called directly, and the
two-sample distances against scipy (1-D energy distance) and brute-force double loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_moons, make_swiss_roll

from dlkit.toy2d import (
    MOONS_MEAN,
    MOONS_STD,
    SWISS_ROLL_MEAN,
    SWISS_ROLL_STD,
    energy_distance,
    mmd_rbf,
    swiss_roll,
    two_moons,
)


def test_two_moons_is_scikit_learns_seeded_from_rng() -> None:
    X = two_moons(300, np.random.default_rng(5))
    seed = int(np.random.default_rng(5).integers(0, 2**31 - 1))
    raw, _ = make_moons(n_samples=300, noise=0.1, random_state=seed)
    np.testing.assert_allclose(X, (raw - MOONS_MEAN) / MOONS_STD, rtol=1e-12)
    assert X.shape == (300, 2) and X.dtype == np.float64


def test_swiss_roll_is_columns_0_and_2_of_scikit_learns() -> None:
    X = swiss_roll(300, np.random.default_rng(6))
    seed = int(np.random.default_rng(6).integers(0, 2**31 - 1))
    raw, _ = make_swiss_roll(n_samples=300, noise=0.5, random_state=seed)
    np.testing.assert_allclose(X, (raw[:, [0, 2]] - SWISS_ROLL_MEAN) / SWISS_ROLL_STD)
    assert X.shape == (300, 2) and X.dtype == np.float64


@pytest.mark.parametrize("draw", [two_moons, swiss_roll])
def test_data_are_reproducible_and_standardized(draw) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    a, b = draw(50_000, rng), draw(100, rng)
    assert not np.allclose(a[:100], b)  # rng advanced
    np.testing.assert_array_equal(
        draw(100, np.random.default_rng(1)), draw(100, np.random.default_rng(1))
    )
    np.testing.assert_allclose(a.mean(axis=0), 0, atol=0.03)
    np.testing.assert_allclose(a.std(axis=0), 1, atol=0.03)


def brute_energy(a: np.ndarray, b: np.ndarray) -> float:
    def mean_dist(x: np.ndarray, y: np.ndarray) -> float:
        total = 0.0
        for xi in x:
            for yj in y:
                total += math.dist(xi, yj)
        return total / (len(x) * len(y))

    return math.sqrt(2 * mean_dist(a, b) - mean_dist(a, a) - mean_dist(b, b))


def test_energy_distance_matches_scipy_in_one_dimension() -> None:
    rng = np.random.default_rng(2)
    for n, m, shift in [(5, 7, 0.0), (200, 150, 0.3), (1, 1, 2.0), (30, 30, -1.0)]:
        a, b = rng.normal(size=n), rng.normal(loc=shift, scale=1.5, size=m)
        expected = stats.energy_distance(a, b)
        assert energy_distance(a, b) == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert energy_distance(a[:, None], b[:, None]) == pytest.approx(expected, rel=1e-9)


def test_energy_distance_matches_a_double_loop() -> None:
    rng = np.random.default_rng(3)
    for d in (2, 3):
        a, b = rng.normal(size=(13, d)), rng.normal(loc=0.5, size=(9, d))
        assert energy_distance(a, b) == pytest.approx(brute_energy(a, b), rel=1e-10)
        assert energy_distance(a, b) == pytest.approx(energy_distance(b, a), rel=1e-12)
    assert energy_distance(a, a) == 0.0
    assert energy_distance(a, a[::-1]) == pytest.approx(0.0, abs=1e-6)


def brute_mmd(a: np.ndarray, b: np.ndarray, bandwidths: tuple[float, ...]) -> float:
    def k(x: np.ndarray, y: np.ndarray) -> float:
        d2 = sum((xi - yi) ** 2 for xi, yi in zip(x, y, strict=True))
        return sum(math.exp(-d2 / (2 * h * h)) for h in bandwidths)

    def mean_k(x: np.ndarray, y: np.ndarray) -> float:
        return sum(k(xi, yj) for xi in x for yj in y) / (len(x) * len(y))

    return mean_k(a, a) + mean_k(b, b) - 2 * mean_k(a, b)


def test_mmd_rbf_matches_a_double_loop() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(11, 2)), rng.normal(loc=0.3, size=(8, 2))
    for bandwidths in [(1.0,), (0.1, 0.5, 2.0)]:
        assert mmd_rbf(a, b, bandwidths) == pytest.approx(brute_mmd(a, b, bandwidths), rel=1e-10)
    # two single points: 2 H - 2 sum_h exp(-d^2 / 2h^2)
    x, y = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])
    expected = 4 - 2 * (math.exp(-25 / 2) + math.exp(-25 / 50))
    assert mmd_rbf(x, y, (1.0, 5.0)) == pytest.approx(expected, rel=1e-12)
    assert mmd_rbf(a, a) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        mmd_rbf(a, b, (0.0,))


def test_distances_separate_the_data_from_a_gaussian_fit() -> None:
    rng = np.random.default_rng(5)
    a, b = two_moons(500, rng), two_moons(500, rng)
    fit = rng.multivariate_normal(a.mean(axis=0), np.cov(a.T), size=500)
    assert energy_distance(a, b) < energy_distance(fit, b) / 2
    assert mmd_rbf(a, b) < mmd_rbf(fit, b) / 2
