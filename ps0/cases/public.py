"""Public cases of ps0: students run these with `make test`; the grader runs them too."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, visibility, weight

from autograder.cases import grader_data, judged_by, tolerance
from ps0.cases.checks import (
    close_and_nonnegative,
    diabetes_split,
    held_out_fit,
    shuffled_partition,
)


@weight(3)
@number("1.1")
@visibility("visible")
@tags("numpy")
@judged_by(close_and_nonnegative)
def pairwise_sq_dists_small(sub, rng):
    """pairwise squared distances between two small point sets, and of a set to itself
    (every entry at least 0)"""
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    Z = rng.normal(size=(40, 8)) * 30.0
    return {"XY": sub.arrays.pairwise_sq_dists(X, Y), "self": sub.arrays.pairwise_sq_dists(Z, Z)}


@weight(2)
@number("2.1")
@visibility("visible")
@tags("numpy")
def softmax_rows(sub, rng):
    """softmax of each row of a batch, with large logits"""
    z = rng.normal(scale=30.0, size=(4, 6))
    return sub.arrays.softmax(z)


@weight(2)
@number("2.2")
@visibility("visible")
@tags("numpy")
def logsumexp_rows(sub, rng):
    """log-sum-exp of each row, logits near 800 (exp overflows there)"""
    z = 800.0 + rng.normal(size=(3, 5))
    return sub.arrays.logsumexp(z)


@weight(2)
@number("3.1")
@visibility("visible")
@tags("numpy")
def one_hot_labels(sub, rng):
    """one-hot encoding of ten labels out of four classes"""
    return sub.arrays.one_hot(rng.integers(0, 4, size=10), 4)


@weight(2)
@number("4.1")
@visibility("visible")
@tags("numpy", "einsum")
def batched_matmul_small(sub, rng):
    """a batch of three matrix products"""
    A, B = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 4, 5))
    return sub.arrays.batched_matmul(A, B)


@weight(1)
@number("4.2")
@visibility("visible")
@tags("numpy", "einsum")
def batched_quadratic_form_small(sub, rng):
    """a batch of four quadratic forms"""
    A, x = rng.normal(size=(4, 3, 3)), rng.normal(size=(4, 3))
    return sub.arrays.batched_quadratic_form(A, x)


@weight(3)
@number("5.1")
@visibility("visible")
@tags("numpy", "sampling")
@judged_by(shuffled_partition)
def minibatches_cover_data(sub, rng):
    """23 examples in batches of 5: sizes, coverage, pairing, shuffling"""
    X, y = rng.normal(size=(23, 2)), np.arange(23)
    batches = list(sub.arrays.iterate_minibatches(X, y, 5, rng))
    return {
        "X": X,
        "y": y,
        "batch_size": 5,
        "X_batches": [xb for xb, _ in batches],
        "y_batches": [yb for _, yb in batches],
    }


@weight(3)
@number("6.1")
@visibility("visible")
@tags("calculus")
@tolerance(rtol=1e-5, atol=1e-7)
def numerical_gradient_of_polynomial(sub, rng):
    """numerical gradient of sum(x^3 - 2 x) on a 2x3 array, with the default h and with
    h = 0.1 (central differences then differ from the derivative by h^2); x left unchanged"""
    x = rng.normal(size=(2, 3))
    f = lambda v: float(np.sum(v**3 - 2 * v))  # noqa: E731
    grad = sub.calculus.numerical_gradient(f, x)
    coarse = sub.calculus.numerical_gradient(f, x, h=0.1)
    return {"grad": grad, "coarse": coarse, "x_after": x}


@weight(3)
@number("7.1")
@visibility("visible")
@tags("calculus")
def least_squares_small(sub, rng):
    """least-squares loss and gradient on 8 examples with 3 features"""
    X, y, w = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=3)
    loss, grad = sub.calculus.least_squares(w, X, y)
    return {"loss": loss, "grad": grad}


@weight(3)
@number("8.1")
@visibility("visible")
@tags("calculus", "chain rule")
def chain_rule_on_interval(sub, rng):
    """derivative of log(cos(exp(sin(x)^3))) at points in [-2, 0.8]"""
    x = rng.uniform(-2.0, 0.8, size=7)
    return sub.calculus.log_cos_exp_sin_grad(x)


@weight(3)
@number("9.1")
@visibility("visible")
@tags("calculus", "numpy")
def softmax_jacobian_small(sub, rng):
    """softmax Jacobians of two rows of four logits"""
    return sub.calculus.softmax_jacobian(rng.normal(size=(2, 4)))


@weight(2)
@number("10.1")
@visibility("visible")
@tags("probability")
def gaussian_log_likelihood_small(sub, rng):
    """log-likelihood of 20 samples under N(1, 2^2)"""
    x = rng.normal(1.0, 2.0, size=20)
    return sub.probability.gaussian_log_likelihood(x, 1.0, 2.0)


@weight(2)
@number("10.2")
@visibility("visible")
@tags("probability")
def gaussian_mle_small(sub, rng):
    """maximum-likelihood mean and standard deviation of 50 samples"""
    mu, sigma = sub.probability.gaussian_mle(rng.normal(-3.0, 0.5, size=50))
    return {"mu": mu, "sigma": sigma}


@weight(2)
@number("11.1")
@visibility("visible")
@tags("probability", "information")
def entropy_rows(sub, rng):
    """entropy of three distributions over five outcomes"""
    return sub.probability.entropy(rng.dirichlet(np.ones(5), size=3))


@weight(2)
@number("11.2")
@visibility("visible")
@tags("probability", "information")
def kl_divergence_rows(sub, rng):
    """KL divergence between pairs of distributions, and of each with itself"""
    p, q = rng.dirichlet(np.ones(4), size=3), rng.dirichlet(np.ones(4), size=3)
    return {"kl": sub.probability.kl_divergence(p, q), "self": sub.probability.kl_divergence(p, p)}


@weight(3)
@number("12.1")
@visibility("visible")
@tags("probability", "monte carlo")
def monte_carlo_lognormal_mean(sub, rng):
    """Monte Carlo estimate of E[exp(X)], X ~ N(0, 1), from 10,000 samples"""
    estimate, stderr = sub.probability.monte_carlo_expectation(
        np.exp, lambda g, n: g.normal(size=n), 10_000, rng
    )
    return {"estimate": estimate, "standard_error": stderr}


@weight(3)
@number("13.1")
@visibility("visible")
@tags("probability", "bayes")
def bayes_medical_test(sub, rng):
    """a disease with 1% prevalence and a test with 95% sensitivity, 90% specificity"""
    prior = np.array([0.99, 0.01])  # healthy, sick
    likelihood = np.array([[0.90, 0.10], [0.05, 0.95]])  # rows: P(negative, positive | h)
    posterior, evidence = sub.probability.bayes_posterior(prior, likelihood)
    return {"posterior": posterior, "evidence": evidence}


@weight(3)
@number("14.1")
@visibility("visible")
@tags("regression")
@tolerance(rtol=1e-6, atol=1e-6)
@grader_data(diabetes_split)
def normal_equations_diabetes(sub, rng, data):
    """least-squares weights on the diabetes training set (handed over by the grader:
    the worker has no data-set files)"""
    return sub.regression.normal_equations(data["X_train"], data["y_train"])


@weight(3)
@number("15.1")
@visibility("visible")
@tags("regression", "optimization")
@judged_by(held_out_fit)
@grader_data(diabetes_split)
def gradient_descent_diabetes(sub, rng, data):
    """gradient descent on diabetes: 500 steps from zeros, w and the loss curve, and the
    held-out error of w"""
    w, losses = sub.regression.gradient_descent(data["X_train"], data["y_train"], lr=0.1, steps=500)
    return {"w": w, "losses": losses}
