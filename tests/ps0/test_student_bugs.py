"""Every rule ps0's README and docstrings state fails a public case when a student breaks
it, with a message that names the function and the rule: a student learns each rule from
`make test`, never from a hidden "wrong answer"."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import NamedTuple

import pytest

from autograder.submission import Submission
from ps0.cases.probes import python_steps
from tests.conftest import Mutant


class Bug(NamedTuple):
    """A plausible mistake: ``old`` becomes ``new`` in ``file``; the public case ``case``
    fails, and its message holds each of ``says``."""

    file: str
    old: str
    new: str
    case: str
    says: tuple[str, ...]


SOFTMAX_BODY = """    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)"""
DISTANCES_BODY = """    sq_x = np.sum(X * X, axis=1)[:, None]  # (N, 1)
    sq_y = np.sum(Y * Y, axis=1)[None, :]  # (1, M)
    return np.maximum(sq_x + sq_y - 2.0 * (X @ Y.T), 0.0)"""
RANGE_CHECK = "labels.size and (labels.min() < 0 or labels.max() >= num_classes)"
ENTROPY_BODY = """    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)"""
KL_BODY = """        log_ratio = np.log(np.where(p > 0, p, 1.0)) - np.log(q)
        terms = np.where(p > 0, p * log_ratio, 0.0)"""
RIDGE = "np.linalg.solve(X.T @ X + l2 * np.eye(d), X.T @ y)"
GD_STEP = """        losses[t] = residual @ residual / (2.0 * n)
        w = w - lr * (X.T @ residual) / n"""

BUGS = {
    # Tasks 1-5: no loops over elements, rows or batches in arrays.py
    "distances: a comprehension over the rows of X": Bug(
        "arrays.py",
        DISTANCES_BODY,
        "    return np.array([np.sum((Y - x) ** 2, axis=1) for x in X])",
        "1.3 pairwise_sq_dists_without_python_loops",
        ("pairwise_sq_dists", "X (300, 2)", "it loops over the rows"),
    ),
    "distances: a loop over the rows of Y": Bug(
        "arrays.py",
        DISTANCES_BODY,
        """    D = np.empty((len(X), len(Y)))
    for j in range(len(Y)):
        D[:, j] = np.sum((X - Y[j]) ** 2, axis=1)
    return D""",
        "1.3 pairwise_sq_dists_without_python_loops",
        ("pairwise_sq_dists", "Y (300, 2)"),
    ),
    "softmax: np.vectorize over the entries": Bug(
        "arrays.py",
        "    e = np.exp(shifted)\n",
        "    e = np.vectorize(lambda v: np.exp(v))(shifted)\n",
        "2.6 softmax_and_logsumexp_without_python_loops",
        ("softmax", "loops over the rows or entries"),
    ),
    "logsumexp: a loop over the rows": Bug(
        "arrays.py",
        """    c = np.max(z, axis=axis, keepdims=True)
    out = c + np.log(np.sum(np.exp(z - c), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)""",
        """    out = []
    for row in z:
        c = row.max()
        out.append(c + np.log(np.sum(np.exp(row - c))))
    return np.array(out)""",
        "2.6 softmax_and_logsumexp_without_python_loops",
        ("logsumexp", "z (300, 3)"),
    ),
    "logsumexp: np.apply_along_axis over the rows": Bug(
        "arrays.py",
        "    c = np.max(z, axis=axis, keepdims=True)\n",
        "    c = np.expand_dims(np.apply_along_axis(np.max, axis, z), axis)\n",
        "2.6 softmax_and_logsumexp_without_python_loops",
        ("logsumexp", "z (300, 3)"),
    ),
    "one_hot: map over the labels": Bug(
        "arrays.py",
        "    return np.eye(num_classes, dtype=np.float64)[labels]",
        "    return np.array(list(map(lambda label: np.eye(num_classes)[label], labels)))",
        "3.4 one_hot_without_python_loops",
        ("one_hot", "300 labels"),
    ),
    "one_hot: a loop over the labels": Bug(
        "arrays.py",
        "    return np.eye(num_classes, dtype=np.float64)[labels]",
        """    Y = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        Y[i, label] = 1.0
    return Y""",
        "3.4 one_hot_without_python_loops",
        ("one_hot", "300 labels"),
    ),
    "batched_matmul: a loop over the batch": Bug(
        "arrays.py",
        '    return np.einsum("bnk,bkm->bnm", A, B)',
        "    return np.stack([a @ b for a, b in zip(A, B)])",
        "4.5 batched_products_without_python_loops",
        ("batched_matmul", "A (300, 2, 3)"),
    ),
    "batched_quadratic_form: a double loop over the entries": Bug(
        "arrays.py",
        '    return np.einsum("bi,bij,bj->b", x, A, x)',
        """    q = np.einsum("bi,bi->b", x, x) * 0.0
    for i in range(x.shape[1]):
        for j in range(x.shape[1]):
            q += x[:, i] * A[:, i, j] * x[:, j]
    return q""",
        "4.5 batched_products_without_python_loops",
        ("batched_quadratic_form", "A (2, 150, 150)"),
    ),
    "minibatches: a loop over the rows of each batch": Bug(
        "arrays.py",
        "        yield X[idx], y[idx]",
        "        yield np.array([X[i] for i in idx]), np.array([y[i] for i in idx])",
        "5.3 minibatches_without_loops_over_rows",
        ("iterate_minibatches", "batch_size = 300"),
    ),
    # Task 2: the max shift, along the given axis, and z left alone
    "softmax without the max shift": Bug(
        "arrays.py",
        "    shifted = z - np.max(z, axis=axis, keepdims=True)",
        "    shifted = z",
        "2.5 softmax_and_logsumexp_of_logits_near_1000",
        ("softmax(z, axis=-1)", "subtract the max along `axis`"),
    ),
    "softmax shifted by the max of the whole array": Bug(
        "arrays.py",
        "    shifted = z - np.max(z, axis=axis, keepdims=True)",
        "    shifted = z - np.max(z)",
        "2.5 softmax_and_logsumexp_of_logits_near_1000",
        ("softmax(z, axis=", "underflows"),
    ),
    "softmax that ignores axis": Bug(
        "arrays.py",
        SOFTMAX_BODY,
        """    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)""",
        "2.5 softmax_and_logsumexp_of_logits_near_1000",
        ("softmax(z, axis=0)",),
    ),
    "softmax that shifts z in place": Bug(
        "arrays.py",
        "    shifted = z - np.max(z, axis=axis, keepdims=True)",
        "    z -= np.max(z, axis=axis, keepdims=True)\n    shifted = z",
        "2.5 softmax_and_logsumexp_of_logits_near_1000",
        ("softmax changed its input z in place",),
    ),
    "logsumexp that ignores axis": Bug(
        "arrays.py",
        "    c = np.max(z, axis=axis, keepdims=True)\n",
        "    axis = -1\n    c = np.max(z, axis=axis, keepdims=True)\n",
        "2.5 softmax_and_logsumexp_of_logits_near_1000",
        ("logsumexp(z, axis=0)",),
    ),
    # Task 3: the range check and the width
    "one_hot without the range check": Bug(
        "arrays.py",
        RANGE_CHECK,
        "False",
        "3.3 one_hot_rejects_out_of_range",
        ("one_hot(np.array([0, 1, 3]), num_classes=3) raised IndexError", "ValueError"),
    ),
    "one_hot that lets negative labels through": Bug(
        "arrays.py",
        RANGE_CHECK,
        "labels.size and labels.max() >= num_classes",
        "3.3 one_hot_rejects_out_of_range",
        ("one_hot(np.array([-1, 0, 1]), num_classes=3) returned instead of raising ValueError",),
    ),
    "one_hot as wide as the largest label": Bug(
        "arrays.py",
        "    return np.eye(num_classes, dtype=np.float64)[labels]",
        "    return np.eye(labels.max() + 1)[labels]",
        "3.1 one_hot_labels",
        ("6 classes, 3 unused",),
    ),
    # Task 6: x restored exactly, any shape
    "numerical_gradient that does not restore x": Bug(
        "calculus.py",
        "        x[index] = original\n",
        "",
        "6.1 numerical_gradient_of_polynomial",
        ("numerical_gradient left its input x changed", "put that saved value back"),
    ),
    "numerical_gradient for 2-D arrays only": Bug(
        "calculus.py",
        "    for index in np.ndindex(x.shape):",
        "    for index in [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])]:",
        "6.1 numerical_gradient_of_polynomial",
        ("3-D x",),
    ),
    # Task 9: p computed stably
    "softmax_jacobian without the max shift": Bug(
        "calculus.py",
        "    shifted = z - z.max(axis=1, keepdims=True)",
        "    shifted = z",
        "9.1 softmax_jacobian_small",
        ("z near +-1000", "row max subtracted"),
    ),
    "softmax_jacobian: a loop over the batch": Bug(
        "calculus.py",
        "    return p[:, :, None] * eye[None] - p[:, :, None] * p[:, None, :]",
        "    return np.stack([np.diag(row) - np.outer(row, row) for row in p])",
        "9.3 softmax_jacobian_without_python_loops",
        ("softmax_jacobian", "z (300, 4)"),
    ),
    # Task 11: 0 log 0 = 0; KL's zeros and infinity; p and q left alone
    "entropy with 0 log 0 = nan": Bug(
        "probability.py",
        ENTROPY_BODY,
        "    return -np.sum(p * np.log(p), axis=-1)",
        "11.5 entropy_with_zero_probabilities",
        ("entropy(p)", "nan", "0 log 0 = 0"),
    ),
    "entropy that overwrites the zeros of p": Bug(
        "probability.py",
        ENTROPY_BODY,
        "    p[p == 0] = 1.0\n    return -np.sum(p * np.log(p), axis=-1)",
        "11.5 entropy_with_zero_probabilities",
        ("entropy changed its input p in place",),
    ),
    "KL with 0 log 0 = nan": Bug(
        "probability.py",
        KL_BODY,
        "        terms = p * np.log(p / q)",
        "11.6 kl_divergence_with_zeros_and_infinity",
        ("kl_divergence(p, q)[0] is nan", "p_k = 0 counts 0"),
    ),
    "KL with an epsilon in q": Bug(
        "probability.py",
        KL_BODY,
        """        q = q + 1e-12
        log_ratio = np.log(np.where(p > 0, p, 1.0)) - np.log(q)
        terms = np.where(p > 0, p * log_ratio, 0.0)""",
        "11.6 kl_divergence_with_zeros_and_infinity",
        ("kl_divergence(p, q)[1]", "expected +inf"),
    ),
    # Task 14: the penalty, the bias included
    "normal equations without the penalty": Bug(
        "regression.py",
        RIDGE,
        "np.linalg.solve(X.T @ X, X.T @ y)",
        "14.3 normal_equations_l2_covers_every_weight",
        ("normal_equations(X, y, l2=3)", "without any penalty"),
    ),
    "normal equations that leave the bias out of the penalty": Bug(
        "regression.py",
        RIDGE,
        "np.linalg.solve(X.T @ X + l2 * np.diag([1.0] * (d - 1) + [0.0]), X.T @ y)",
        "14.3 normal_equations_l2_covers_every_weight",
        ("bias (last column) left out of the penalty",),
    ),
    # Task 15: the loss recorded before each step
    "gradient descent recording the loss after the step": Bug(
        "regression.py",
        GD_STEP,
        """        w = w - lr * (X.T @ residual) / n
        residual = X @ w - y
        losses[t] = residual @ residual / (2.0 * n)""",
        "15.1 gradient_descent_diabetes",
        ("losses[0]", "Record L(w) before each update"),
    ),
}


@pytest.mark.parametrize("bug", BUGS.values(), ids=list(BUGS))
def test_a_stated_rule_broken_fails_its_public_case(
    bug: Bug, mutants: Callable[[str], Mutant]
) -> None:
    m = mutants("ps0")
    failures = m.public_failures(m.make(bug.file, bug.old, bug.new))
    assert bug.case in failures, f"no public case caught it; failed: {sorted(failures)}"
    message = failures[bug.case]
    for words in bug.says:
        assert words in message, message


LAZY = """

def _zeros(*args, **kwargs):
    return np.zeros(1)


pairwise_sq_dists = softmax = logsumexp = one_hot = _zeros
batched_matmul = batched_quadratic_form = iterate_minibatches = _zeros
"""


def test_functions_that_return_anything_quickly_earn_no_rule_points(
    mutants: Callable[[str], Mutant],
) -> None:
    """The loop cases, and the range check of one_hot, also want the right results: a
    function that runs no loop (or always raises) because it does nothing earns nothing."""
    m = mutants("ps0")
    end = "        yield X[idx], y[idx]\n    # END SOLUTION\n"
    failures = m.public_failures(m.make("arrays.py", end, end + LAZY))
    rules = [
        "1.3 pairwise_sq_dists_without_python_loops",
        "2.6 softmax_and_logsumexp_without_python_loops",
        "3.3 one_hot_rejects_out_of_range",
        "3.4 one_hot_without_python_loops",
        "4.5 batched_products_without_python_loops",
        "5.3 minibatches_without_loops_over_rows",
    ]
    assert set(rules) <= set(failures), sorted(failures)
    assert "pairwise_sq_dists on X (3, 2), Y (3, 2) returns shape (1,)" in failures[rules[0]]


def test_counting_steps_gives_back_the_trace_function_it_found() -> None:
    """Coverage tools and debuggers trace too: the loop cases count steps with their own
    trace function, then restore the one they found, even when the function raises."""
    found = sys.gettrace()

    def tracer(frame: FrameType, event: str, arg: object) -> None:
        return None

    sys.settrace(tracer)
    try:
        steps, result = python_steps(Submission.installed("ps0"), lambda: 42)
        assert sys.gettrace() is tracer and result == 42
        with pytest.raises(ZeroDivisionError):
            python_steps(Submission.installed("ps0"), lambda: 1 / 0)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(found)
