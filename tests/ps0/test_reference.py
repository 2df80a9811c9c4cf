"""ps0's reference solutions against independent oracles: PyTorch, SciPy, scikit-learn,
finite differences, and brute-force definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats
from scipy.spatial.distance import cdist
from sklearn.linear_model import Ridge

from dlkit.data import diabetes
from ps0 import arrays, calculus, probability, regression


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261126)


def test_pairwise_sq_dists_matches_scipy_and_is_non_negative(rng: np.random.Generator) -> None:
    X, Y = rng.normal(size=(40, 6)), rng.normal(size=(25, 6))
    np.testing.assert_allclose(
        arrays.pairwise_sq_dists(X, Y), cdist(X, Y, "sqeuclidean"), atol=1e-10
    )
    assert (arrays.pairwise_sq_dists(X + 1e4, X + 1e4) >= 0).all()


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_logsumexp_match_torch(rng: np.random.Generator, axis: int) -> None:
    z = rng.normal(scale=300.0, size=(5, 8))
    t = torch.from_numpy(z)
    np.testing.assert_allclose(arrays.softmax(z, axis), torch.softmax(t, axis).numpy(), atol=1e-12)
    np.testing.assert_allclose(
        arrays.logsumexp(z, axis), torch.logsumexp(t, axis).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(arrays.logsumexp(z, axis), special.logsumexp(z, axis), rtol=1e-12)


def test_one_hot_matches_torch_and_rejects_bad_labels(rng: np.random.Generator) -> None:
    labels = rng.integers(0, 6, size=30)
    expected = torch.nn.functional.one_hot(torch.from_numpy(labels), 6).numpy()
    np.testing.assert_array_equal(arrays.one_hot(labels, 6), expected)
    with pytest.raises(ValueError):
        arrays.one_hot(np.array([0, 6]), 6)


def test_einsum_products_match_loops(rng: np.random.Generator) -> None:
    A, B, x = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 3))
    loops = np.stack([a @ b for a, b in zip(A, B, strict=True)])
    np.testing.assert_allclose(arrays.batched_matmul(A, B), loops)
    S = rng.normal(size=(4, 3, 3))
    forms = [xi @ Si @ xi for xi, Si in zip(x, S, strict=True)]
    np.testing.assert_allclose(arrays.batched_quadratic_form(S, x), forms)


def test_minibatches_partition_the_data_and_follow_the_generator(rng: np.random.Generator) -> None:
    X, y = rng.normal(size=(17, 2)), np.arange(17)
    batches = list(arrays.iterate_minibatches(X, y, 4, np.random.default_rng(3)))
    assert [len(b) for _, b in batches] == [4, 4, 4, 4, 1]
    order = np.concatenate([b for _, b in batches])
    np.testing.assert_array_equal(order, np.random.default_rng(3).permutation(17))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, X[yb])


def test_numerical_gradient_matches_torch_autograd(rng: np.random.Generator) -> None:
    x = rng.normal(size=(3, 4))
    before = x.copy()
    grad = calculus.numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    t = torch.from_numpy(x.copy()).requires_grad_()
    torch.sum(torch.sin(t) * t**2).backward()
    assert t.grad is not None
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_least_squares_matches_torch_autograd(rng: np.random.Generator) -> None:
    X, y, w = rng.normal(size=(20, 4)), rng.normal(size=20), rng.normal(size=4)
    loss, grad = calculus.least_squares(w, X, y)
    tw = torch.from_numpy(w).requires_grad_()
    tloss = 0.5 * torch.mean((torch.from_numpy(X) @ tw - torch.from_numpy(y)) ** 2)
    tloss.backward()
    assert tw.grad is not None
    assert loss == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, tw.grad.numpy(), rtol=1e-12)


def test_chain_rule_matches_autograd_and_finite_differences(rng: np.random.Generator) -> None:
    x = rng.uniform(-2.0, 0.8, size=12)
    t = torch.from_numpy(x.copy()).requires_grad_()
    torch.log(torch.cos(torch.exp(torch.sin(t) ** 3))).sum().backward()
    assert t.grad is not None
    got = calculus.log_cos_exp_sin_grad(x)
    np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    h = 1e-6
    central = (calculus.log_cos_exp_sin(x + h) - calculus.log_cos_exp_sin(x - h)) / (2 * h)
    np.testing.assert_allclose(got, central, rtol=1e-5, atol=1e-7)


def test_softmax_jacobian_matches_torch(rng: np.random.Generator) -> None:
    z = rng.normal(scale=3.0, size=(3, 5))
    J = calculus.softmax_jacobian(z)
    for n in range(3):
        oracle = torch.autograd.functional.jacobian(
            lambda v: torch.softmax(v, 0), torch.from_numpy(z[n])
        )
        np.testing.assert_allclose(J[n], oracle.numpy(), atol=1e-12)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-12)


def test_gaussian_likelihood_and_mle_match_scipy(rng: np.random.Generator) -> None:
    x = rng.normal(2.0, 3.0, size=200)
    assert probability.gaussian_log_likelihood(x, 1.5, 2.5) == pytest.approx(
        stats.norm.logpdf(x, 1.5, 2.5).sum(), rel=1e-12
    )
    mu, sigma = probability.gaussian_mle(x)
    loc, scale = stats.norm.fit(x)
    assert (mu, sigma) == pytest.approx((loc, scale), rel=1e-10)
    # The MLE maximizes the likelihood: any nearby parameters do worse.
    best = probability.gaussian_log_likelihood(x, mu, sigma)
    for dmu, dsigma in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert probability.gaussian_log_likelihood(x, mu + dmu, sigma + dsigma) < best


def test_entropy_and_kl_match_scipy_including_zeros(rng: np.random.Generator) -> None:
    p, q = rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(5), size=4)
    p[0, 2] = 0.0
    p[0] /= p[0].sum()
    np.testing.assert_allclose(probability.entropy(p), stats.entropy(p, axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        probability.kl_divergence(p, q), stats.entropy(p, q, axis=1), rtol=1e-12
    )
    q[1, 0] = 0.0
    assert probability.kl_divergence(p, q)[1] == math.inf
    np.testing.assert_allclose(probability.kl_divergence(p, p), 0.0, atol=1e-15)


def test_monte_carlo_is_unbiased_within_its_standard_error() -> None:
    estimate, stderr = probability.monte_carlo_expectation(
        np.exp, lambda g, n: g.normal(size=n), 200_000, np.random.default_rng(0)
    )
    assert abs(estimate - math.exp(0.5)) < 4 * stderr
    assert stderr == pytest.approx(math.sqrt((math.e - 1) * math.e / 200_000), rel=0.05)


def test_bayes_posterior_matches_enumeration(rng: np.random.Generator) -> None:
    prior, likelihood = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4), size=3)
    posterior, evidence = probability.bayes_posterior(prior, likelihood)
    for e in range(4):
        total = sum(prior[k] * likelihood[k, e] for k in range(3))
        assert evidence[e] == pytest.approx(total)
        for k in range(3):
            assert posterior[k, e] == pytest.approx(prior[k] * likelihood[k, e] / total)
    # The medical test of the handout: P(sick | positive) = 0.0095 / 0.1085.
    post, _ = probability.bayes_posterior(
        np.array([0.99, 0.01]), np.array([[0.90, 0.10], [0.05, 0.95]])
    )
    assert post[1, 1] == pytest.approx(0.0095 / 0.1085)


@pytest.mark.parametrize("l2", [0.0, 3.0])
def test_normal_equations_match_scikit_learn(l2: float) -> None:
    data = diabetes()
    oracle = Ridge(alpha=l2, fit_intercept=False, solver="svd").fit(data.X_train, data.y_train)
    w = regression.normal_equations(data.X_train, data.y_train, l2=l2)
    np.testing.assert_allclose(w, oracle.coef_, rtol=1e-8, atol=1e-8)


def test_gradient_descent_converges_to_the_normal_equations() -> None:
    data = diabetes()
    w, losses = regression.gradient_descent(data.X_train, data.y_train, lr=0.3, steps=20_000)
    np.testing.assert_allclose(
        w, regression.normal_equations(data.X_train, data.y_train), rtol=1e-6
    )
    assert losses[0] == pytest.approx(np.mean(data.y_train**2) / 2)
    assert (np.diff(losses) <= 1e-9).all()
