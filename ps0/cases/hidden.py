"""Hidden cases of ps0: never in the handout; the grader draws their inputs from a secret seed.

Their Gradescope visibility is "visible": students see each case's name, score and a
short verdict right away, never its inputs or expected values.
"""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.cases import judged_by, tolerance
from ps0.cases.checks import close_and_nonnegative, shuffled_partition
from ps0.cases.probes import gradient_leaving_x_unchanged, on_copies


@weight(2)
@number("1.2")
@tags("numpy")
@judged_by(close_and_nonnegative)
def pairwise_sq_dists_self_and_far(sub, rng):
    """distances of a set to itself (zero diagonal) and to far-away points"""
    X = rng.normal(size=(30, 7))
    Y = 1e3 + rng.normal(size=(11, 7))
    return {"self": sub.arrays.pairwise_sq_dists(X, X), "far": sub.arrays.pairwise_sq_dists(X, Y)}


@weight(1)
@number("2.3")
@tags("numpy")
def softmax_extreme_and_axis0(sub, rng):
    """softmax of logits around +-1000 (one row and one column all negative), on each axis"""
    z = rng.choice([-1000.0, 1000.0], size=(5, 4)) + rng.normal(size=(5, 4))
    z[0] = -1000.0 + rng.normal(size=4)  # a global max would underflow this whole row
    z[1:, 1] = -1000.0 + rng.normal(size=4)  # and this column, along axis 0
    z[1:, [0, 2, 3]] = np.abs(z[1:, [0, 2, 3]])
    return {"rows": on_copies(sub.arrays.softmax, z), "cols": on_copies(sub.arrays.softmax, z, 0)}


@weight(1)
@number("2.4")
@tags("numpy")
@tolerance(rtol=1e-9)
def logsumexp_3d_axes(sub, rng):
    """log-sum-exp of a 3-D array along each axis, logits down to -1000"""
    z = rng.uniform(-1000.0, 10.0, size=(2, 3, 4))
    return [on_copies(sub.arrays.logsumexp, z, axis=a) for a in (0, 1, 2, -1)]


@weight(1)
@number("3.2")
@tags("numpy")
def one_hot_many_classes(sub, rng):
    """one-hot encoding of 200 labels out of 37 classes, some classes absent"""
    return sub.arrays.one_hot(rng.integers(3, 30, size=200), 37)


@weight(1)
@number("4.3")
@tags("numpy", "einsum")
def batched_matmul_rectangular(sub, rng):
    """a batch of 16 rectangular matrix products"""
    A, B = rng.normal(size=(16, 7, 3)), rng.normal(size=(16, 3, 9))
    return sub.arrays.batched_matmul(A, B)


@weight(1)
@number("4.4")
@tags("numpy", "einsum")
def batched_quadratic_form_spd(sub, rng):
    """quadratic forms of symmetric positive-definite matrices are positive"""
    M = rng.normal(size=(10, 6, 6))
    A = M @ M.transpose(0, 2, 1) + 0.1 * np.eye(6)
    return sub.arrays.batched_quadratic_form(A, rng.normal(size=(10, 6)))


@weight(3)
@number("5.2")
@tags("numpy", "sampling")
@judged_by(shuffled_partition)
def minibatches_uneven_3d(sub, rng):
    """101 image-shaped examples in batches of 16"""
    X, y = rng.normal(size=(101, 2, 3)), np.arange(101)
    batches = list(sub.arrays.iterate_minibatches(X, y, 16, rng))
    return {
        "X": X,
        "y": y,
        "batch_size": 16,
        "X_batches": [xb for xb, _ in batches],
        "y_batches": [yb for _, yb in batches],
    }


@weight(4)
@number("6.2")
@tags("calculus")
@tolerance(rtol=1e-5, atol=1e-7)
def numerical_gradient_3d(sub, rng):
    """numerical gradient of a log-sum-exp of a 2x2x3 array, also with h = 0.3; x left
    unchanged"""
    x = rng.normal(size=(2, 2, 3))
    f = lambda v: float(np.log(np.sum(np.exp(v))))  # noqa: E731
    gradient = sub.calculus.numerical_gradient
    return {
        "grad": gradient_leaving_x_unchanged(gradient, f, x),
        "coarse": gradient_leaving_x_unchanged(gradient, f, x, h=0.3),
    }


@weight(3)
@number("7.2")
@tags("calculus")
@tolerance(rtol=1e-8)
def least_squares_larger(sub, rng):
    """least-squares loss and gradient on 300 examples with 12 features"""
    X, w = rng.normal(size=(300, 12)), rng.normal(size=12)
    y = X @ rng.normal(size=12) + 0.1 * rng.normal(size=300)
    loss, grad = sub.calculus.least_squares(w, X, y)
    return {"loss": loss, "grad": grad}


@weight(3)
@number("8.2")
@tags("calculus", "chain rule")
def chain_rule_on_grid(sub, rng):
    """derivative of log(cos(exp(sin(x)^3))) on a 2-D grid of valid points"""
    x = rng.uniform(2.5, 4.5, size=(4, 5))
    return sub.calculus.log_cos_exp_sin_grad(x)


@weight(3)
@number("9.2")
@tags("calculus", "numpy")
def softmax_jacobian_large_logits(sub, rng):
    """softmax Jacobians of 5 rows of 7 logits of size up to 1000 (one row all below -900)"""
    z = rng.uniform(-1000.0, 1000.0, size=(5, 7))
    z[0] = rng.uniform(-1000.0, -900.0, size=7)
    return sub.calculus.softmax_jacobian(z)


@weight(2)
@number("10.3")
@tags("probability")
@tolerance(rtol=1e-9)
def gaussian_log_likelihood_wide(sub, rng):
    """log-likelihood of 1000 samples under a mis-specified Gaussian"""
    x = rng.standard_t(3, size=1000)
    return sub.probability.gaussian_log_likelihood(x, 0.3, 0.7)


@weight(2)
@number("10.4")
@tags("probability")
def gaussian_mle_shifted(sub, rng):
    """maximum-likelihood estimates of samples far from zero"""
    mu, sigma = sub.probability.gaussian_mle(1e4 + rng.normal(0.0, 3.0, size=500))
    return {"mu": mu, "sigma": sigma}


@weight(1)
@number("11.3")
@tags("probability", "information")
def entropy_with_zeros(sub, rng):
    """entropy of distributions with zero entries, a point mass, and a uniform one"""
    p = rng.dirichlet(np.ones(6), size=(2, 3))
    p[0, 0, :3] = 0.0
    p[0, 0] /= p[0, 0].sum()
    p[1, 1] = np.eye(6)[2]
    p[1, 2] = np.full(6, 1 / 6)
    return on_copies(sub.probability.entropy, p)


@weight(1)
@number("11.4")
@tags("probability", "information")
def kl_divergence_zeros_and_inf(sub, rng):
    """KL with zeros in p (finite) and zeros in q under p > 0 (infinite)"""
    p, q = rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(5), size=4)
    p[0, 1] = 0.0
    p[0] /= p[0].sum()
    q[1, 3] = 0.0
    q[1] /= q[1].sum()
    return on_copies(sub.probability.kl_divergence, p, q)


@weight(3)
@number("12.2")
@tags("probability", "monte carlo")
def monte_carlo_uniform_square(sub, rng):
    """Monte Carlo estimate of E[U^2], U ~ Uniform(-1, 3)"""
    estimate, stderr = sub.probability.monte_carlo_expectation(
        np.square, lambda g, n: g.uniform(-1.0, 3.0, size=n), 5_000, rng
    )
    return {"estimate": estimate, "standard_error": stderr}


@weight(3)
@number("13.2")
@tags("probability", "bayes")
def bayes_random_table(sub, rng):
    """posterior and evidence for a random prior over 4 hypotheses and 6 outcomes"""
    prior = rng.dirichlet(np.ones(4))
    likelihood = rng.dirichlet(np.ones(6), size=4)
    posterior, evidence = sub.probability.bayes_posterior(prior, likelihood)
    return {"posterior": posterior, "evidence": evidence}


@weight(2)
@number("14.2")
@tags("regression")
@tolerance(rtol=1e-7, atol=1e-9)
def normal_equations_ridge(sub, rng):
    """ridge weights on a synthetic problem, for three strengths"""
    X = rng.normal(size=(60, 5))
    y = X @ rng.normal(size=5) + 0.5 * rng.normal(size=60)
    return [on_copies(sub.regression.normal_equations, X, y, l2=l2) for l2 in (0.0, 1.0, 100.0)]


@weight(4)
@number("15.2")
@tags("regression", "optimization")
@tolerance(rtol=1e-7, atol=1e-9)
def gradient_descent_synthetic(sub, rng):
    """weights and loss curve of 50 gradient steps on a synthetic problem"""
    X = rng.normal(size=(40, 4))
    y = X @ rng.normal(size=4) + 0.1 * rng.normal(size=40)
    w, losses = sub.regression.gradient_descent(X, y, lr=0.05, steps=50)
    return {"w": w, "losses": losses}
