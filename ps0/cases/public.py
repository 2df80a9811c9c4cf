"""Public cases of ps0: students run these with `make test`; the grader runs them too."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, visibility, weight

from autograder.cases import grader_data, judged_by, tolerance
from ps0.cases.checks import (
    close_and_nonnegative,
    diabetes_split,
    finite_where_expected,
    held_out_fit,
    kl_conventions,
    no_python_loops,
    raises_value_error,
    ridge_weights,
    shuffled_partition,
)
from ps0.cases.probes import gradient_leaving_x_unchanged, on_copies, steps_by_size

# Logits a softmax must survive: exp overflows above ~709 and underflows below ~-745.
OVERFLOW = (
    "exp(z) overflows to inf for z near 1000, and a row far below the array's maximum "
    "underflows to 0/0: subtract the max along `axis` (np.max(z, axis=axis, "
    "keepdims=True)) before exponentiating"
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


@weight(1)
@number("1.3")
@visibility("visible")
@tags("numpy", "loops")
@judged_by(no_python_loops)
def pairwise_sq_dists_without_python_loops(sub, rng):
    """pairwise_sq_dists takes as many steps of Python for 300 rows of X or of Y as for 3:
    no loop over rows or pairs (README: no for or while loops in arrays.py)"""
    small, tall = rng.normal(size=(3, 2)), rng.normal(size=(300, 2))
    return {
        "pairwise_sq_dists": steps_by_size(
            sub,
            sub.arrays.pairwise_sq_dists,
            {
                "X (3, 2), Y (3, 2)": (small, small[::-1]),
                "X (300, 2), Y (3, 2)": (tall, small),
                "X (3, 2), Y (300, 2)": (small, tall),
            },
        )
    }


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


@weight(1)
@number("2.5")
@visibility("visible")
@tags("numpy", "stability")
@judged_by(finite_where_expected(OVERFLOW))
def softmax_and_logsumexp_of_logits_near_1000(sub, rng):
    """softmax and log-sum-exp of logits near +-1000 along axis -1 and axis 0 (z left
    unchanged): exp overflows unless the max along the axis is subtracted first"""
    z = rng.choice([-1000.0, 1000.0], size=(4, 5)) + rng.normal(size=(4, 5))
    z[0] = -1000.0 + rng.normal(size=5)  # a row far below the global max
    z[1:, 2] = -1000.0 + rng.normal(size=3)  # and a column, along axis 0
    z[1:, [0, 1, 3, 4]] = np.abs(z[1:, [0, 1, 3, 4]])  # every other column reaches +1000
    A = sub.arrays
    return {
        "softmax(z, axis=-1)": on_copies(A.softmax, z, axis=-1),
        "softmax(z, axis=0)": on_copies(A.softmax, z, axis=0),
        "logsumexp(z, axis=-1)": on_copies(A.logsumexp, z, axis=-1),
        "logsumexp(z, axis=0)": on_copies(A.logsumexp, z, axis=0),
    }


@weight(1)
@number("2.6")
@visibility("visible")
@tags("numpy", "loops")
@judged_by(no_python_loops)
def softmax_and_logsumexp_without_python_loops(sub, rng):
    """softmax and logsumexp take as many steps of Python for z (300, 3) or (2, 300) as for
    z (2, 3): no loop over rows or entries (README: no for or while loops in arrays.py)"""
    sizes = {f"z {shape}": (rng.normal(size=shape),) for shape in [(2, 3), (300, 3), (2, 300)]}
    return {
        "softmax": steps_by_size(sub, sub.arrays.softmax, sizes),
        "logsumexp": steps_by_size(sub, sub.arrays.logsumexp, sizes),
    }


@weight(2)
@number("3.1")
@visibility("visible")
@tags("numpy")
def one_hot_labels(sub, rng):
    """one-hot encoding of ten labels out of four classes, and of six labels out of six
    classes that leave the last three empty (the width is num_classes)"""
    return {
        "4 classes": sub.arrays.one_hot(rng.integers(0, 4, size=10), 4),
        "6 classes, 3 unused": sub.arrays.one_hot(rng.integers(0, 3, size=6), 6),
    }


@weight(1)
@number("3.3")
@visibility("visible")
@tags("numpy", "errors")
@judged_by(raises_value_error)
def one_hot_rejects_out_of_range(sub, rng):
    """labels outside [0, num_classes) raise ValueError: one equal to num_classes, one
    negative (it would silently index from the end); labels 0 and 2 of 3 do not"""
    one_hot = sub.arrays.one_hot  # a file that does not import fails here, as it should
    raised = {}
    for labels in ([0, 1, 3], [-1, 0, 1]):
        key = f"one_hot(np.array({labels}), num_classes=3)"
        try:
            one_hot(np.array(labels), 3)
        except ValueError:
            raised[key] = True
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - named in the message
            raise AssertionError(
                f"{key} raised {type(exc).__name__} ({exc}); labels outside "
                "[0, num_classes) must raise ValueError: check the range first"
            ) from None
        else:
            raised[key] = False
    return {"raised": raised, "in range": one_hot(np.array([2, 0, 2]), 3)}


@weight(1)
@number("3.4")
@visibility("visible")
@tags("numpy", "loops")
@judged_by(no_python_loops)
def one_hot_without_python_loops(sub, rng):
    """one_hot takes as many steps of Python for 300 labels as for 3: no loop over the
    labels (README: no for or while loops in arrays.py)"""
    sizes = {f"{n} labels": (rng.integers(0, 4, size=n), 4) for n in (3, 300)}
    return {"one_hot": steps_by_size(sub, sub.arrays.one_hot, sizes)}


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


@weight(1)
@number("4.5")
@visibility("visible")
@tags("numpy", "einsum", "loops")
@judged_by(no_python_loops)
def batched_products_without_python_loops(sub, rng):
    """batched_matmul and batched_quadratic_form take as many steps of Python for a batch of
    300, or 150-wide matrices, as for a batch of 2: no loop over the batch, rows or entries"""
    n = rng.normal
    matmul = {
        "A (2, 2, 3), B (2, 3, 2)": (n(size=(2, 2, 3)), n(size=(2, 3, 2))),
        "A (300, 2, 3), B (300, 3, 2)": (n(size=(300, 2, 3)), n(size=(300, 3, 2))),
        "A (2, 150, 3), B (2, 3, 150)": (n(size=(2, 150, 3)), n(size=(2, 3, 150))),
    }
    quadratic = {
        "A (2, 3, 3), x (2, 3)": (n(size=(2, 3, 3)), n(size=(2, 3))),
        "A (300, 3, 3), x (300, 3)": (n(size=(300, 3, 3)), n(size=(300, 3))),
        "A (2, 150, 150), x (2, 150)": (n(size=(2, 150, 150)), n(size=(2, 150))),
    }
    return {
        "batched_matmul": steps_by_size(sub, sub.arrays.batched_matmul, matmul),
        "batched_quadratic_form": steps_by_size(sub, sub.arrays.batched_quadratic_form, quadratic),
    }


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


@weight(1)
@number("5.3")
@visibility("visible")
@tags("numpy", "sampling", "loops")
@judged_by(no_python_loops)
def minibatches_without_loops_over_rows(sub, rng):
    """iterate_minibatches takes as many steps of Python for 3 batches of 300 rows as for 3
    batches of 2: it may loop over the batches, not over the rows inside them"""

    def batches(X, y, batch_size):
        return list(sub.arrays.iterate_minibatches(X, y, batch_size, rng))

    def order(batches):
        return {
            "sizes": np.array([len(yb) for _, yb in batches]),
            "y": np.concatenate([yb for _, yb in batches]),
            "X": np.sum([np.sum(xb) for xb, _ in batches]),
        }

    sizes = {
        f"N = {3 * b}, batch_size = {b}": (rng.normal(size=(3 * b, 2)), np.arange(3 * b), b)
        for b in (2, 300)
    }
    return {"iterate_minibatches": steps_by_size(sub, batches, sizes, order)}


@weight(3)
@number("6.1")
@visibility("visible")
@tags("calculus")
@tolerance(rtol=1e-5, atol=1e-7)
def numerical_gradient_of_polynomial(sub, rng):
    """numerical gradient of sum(x^3 - 2 x) on a 2x3 array, with the default h and with
    h = 0.1 (central differences then differ from the derivative by h^2), and on a 2x1x3
    array; x holds exactly its values again when the function returns"""
    x, cube = rng.normal(size=(2, 3)), rng.normal(size=(2, 1, 3))
    f = lambda v: float(np.sum(v**3 - 2 * v))  # noqa: E731
    gradient = sub.calculus.numerical_gradient
    return {
        "grad": gradient_leaving_x_unchanged(gradient, f, x),
        "coarse": gradient_leaving_x_unchanged(gradient, f, x, h=0.1),
        "3-D x": gradient_leaving_x_unchanged(gradient, f, cube),
    }


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
@judged_by(finite_where_expected("compute p with the row max subtracted from z: " + OVERFLOW))
def softmax_jacobian_small(sub, rng):
    """softmax Jacobians of two rows of four logits, and of two rows near +-1000 (p computed
    stably)"""
    large = rng.choice([-1000.0, 1000.0], size=(2, 4)) + rng.normal(size=(2, 4))
    large[0] = -1000.0 + rng.normal(size=4)
    large[1, 0] = 1000.0
    return {
        "z (2, 4)": sub.calculus.softmax_jacobian(rng.normal(size=(2, 4))),
        "z near +-1000": sub.calculus.softmax_jacobian(large),
    }


@weight(1)
@number("9.3")
@visibility("visible")
@tags("calculus", "numpy", "loops")
@judged_by(no_python_loops)
def softmax_jacobian_without_python_loops(sub, rng):
    """softmax_jacobian takes as many steps of Python for 300 rows, or rows of 150 logits,
    as for 2 rows of 4: all N Jacobians at once, no loop over the batch or the entries"""
    sizes = {f"z {shape}": (rng.normal(size=shape),) for shape in [(2, 4), (300, 4), (2, 150)]}
    return {"softmax_jacobian": steps_by_size(sub, sub.calculus.softmax_jacobian, sizes)}


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
    return on_copies(sub.probability.entropy, rng.dirichlet(np.ones(5), size=3))


@weight(2)
@number("11.2")
@visibility("visible")
@tags("probability", "information")
def kl_divergence_rows(sub, rng):
    """KL divergence between pairs of distributions, and of each with itself"""
    p, q = rng.dirichlet(np.ones(4), size=3), rng.dirichlet(np.ones(4), size=3)
    kl = sub.probability.kl_divergence
    return {"kl": on_copies(kl, p, q), "self": on_copies(kl, p, p)}


@weight(1)
@number("11.5")
@visibility("visible")
@tags("probability", "information")
@judged_by(
    finite_where_expected(
        "p log p is nan where p = 0 (0 * log 0 = 0 * -inf); the convention is 0 log 0 = 0: "
        "compute p_k log p_k only where p_k > 0 (np.where, with a safe argument for log)"
    )
)
def entropy_with_zero_probabilities(sub, rng):
    """entropy with the convention 0 log 0 = 0: a distribution with two zero entries, a
    point mass (entropy 0) and a uniform one (log 4); p left unchanged"""
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, [1, 3]] = 0.0
    p[0] /= p[0].sum()
    p[1] = np.eye(4)[2]
    p[2] = 0.25
    return {"entropy(p)": on_copies(sub.probability.entropy, p)}


@weight(1)
@number("11.6")
@visibility("visible")
@tags("probability", "information")
@judged_by(kl_conventions)
def kl_divergence_with_zeros_and_infinity(sub, rng):
    """KL(p || q) row by row: a zero in p (its term counts 0), a zero in q where p > 0
    (KL = +inf), a zero in both (counts 0); p and q left unchanged"""
    p, q = rng.dirichlet(np.ones(4), size=3), rng.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0  # finite: the term with p_k = 0 counts 0
    q[1, 3] = 0.0  # +inf: q_k = 0 where p_k > 0
    p[2, 0] = q[2, 0] = 0.0  # finite: p_k = 0 even where q_k = 0
    p /= p.sum(axis=1, keepdims=True)
    q /= q.sum(axis=1, keepdims=True)
    return on_copies(sub.probability.kl_divergence, p, q)


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


@weight(2)
@number("14.3")
@visibility("visible")
@tags("regression")
@judged_by(ridge_weights)
def normal_equations_l2_covers_every_weight(sub, rng):
    """ridge weights for l2 = 3 and l2 = 30 on 40 examples whose last column is the bias
    (ones): the penalty l2/2 ||w||^2 covers every weight, the bias included"""
    X = np.column_stack([rng.normal(size=(40, 3)), np.ones(40)])
    y = X @ np.array([1.5, -2.0, 0.5, 6.0]) + 0.3 * rng.normal(size=40)
    strengths = np.array([3.0, 30.0])
    w = [on_copies(sub.regression.normal_equations, X, y, l2=float(l2)) for l2 in strengths]
    return {"X": X, "y": y, "l2": strengths, "w": w}


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
