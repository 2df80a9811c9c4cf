"""Custom checks of ps0: properties and thresholds where exact outputs are not the point."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, Check, Verdict
from autograder.compare import Tolerance, compare
from autograder.outputs import Outputs, flatten, format_path
from dlkit.data import diabetes

# A loop over the rows runs its body once per row: 300 rows add at least 300 steps of
# Python (lines run, functions called), numpy's own work on them adds none.
LOOP_STEPS = 100


def diabetes_split(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
    """Grader data: the training set for the case, the test set for the check only (it
    never reaches the submission's process: the check predicts with the returned w)."""
    data = diabetes()
    for_case = {"X_train": data.X_train, "y_train": data.y_train}
    return for_case, {"X_test": data.X_test, "y_test": data.y_test}


def shuffled_partition(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Minibatches: right sizes, every example exactly once, rows paired, the order the
    reference draws from the same generator (one ``rng.permutation``).

    The inputs come from the reference's run (``expected``), not from the submission's.
    """
    X, ids, batch_size = expected["X"], expected["y"], int(expected["batch_size"])
    X_batches, y_batches = got["X_batches"], got["y_batches"]
    n = len(ids)
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(y_batches) != len(sizes) or len(X_batches) != len(sizes):
        return Verdict(0.0, f"expected {len(sizes)} batches of sizes {sizes}, got {len(y_batches)}")
    got_sizes = [len(b) for b in y_batches]
    if got_sizes != sizes:
        return Verdict(0.0, f"batch sizes are {got_sizes}, expected {sizes}")
    order = np.concatenate(y_batches)
    if sorted(order.tolist()) != sorted(ids.tolist()):
        return Verdict(0.0, "the batches do not hold every example exactly once")
    for i, (xb, yb) in enumerate(zip(X_batches, y_batches, strict=True)):
        if xb.shape != (len(yb), *X.shape[1:]) or not np.array_equal(xb, X[yb]):
            return Verdict(0.0, f"in batch {i}, rows of X are not paired with their labels")
    if np.array_equal(order, np.sort(order)):
        return Verdict(0.0, "the examples come in their original order: shuffle them with rng")
    if not np.array_equal(order, np.concatenate(expected["y_batches"])):
        return Verdict(
            0.0,
            "the examples come in another order than rng.permutation(N) gives: draw the "
            "order with one call of rng.permutation, then slice it",
        )
    return Verdict(1.0, "passed")


def held_out_fit(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Gradient descent: the method's own iterates (the reference's w and loss curve after
    the given steps from zeros: a closed-form least-squares w has other values and fails),
    losses never increasing, and the held-out error, which the check computes itself
    from the returned w: the test set never reaches the submission's process."""
    X_test, y_test = data["X_test"], data["y_test"]
    losses = np.asarray(got["losses"])
    if losses.shape != expected["losses"].shape:
        return Verdict(0.0, f"losses has shape {losses.shape}, expected {expected['losses'].shape}")
    if np.any(np.diff(losses) > 1e-9 * np.abs(losses[:-1])):
        return Verdict(0.0, "the training loss increases at some step: check the update's sign")
    want = expected["losses"]
    first = Tolerance(rtol=1e-6)
    if compare(losses[:1], want[:1], first) and not compare(losses[:-1], want[1:], first):
        return Verdict(
            0.0,
            f"losses[0] is {losses[0]:.6g}, the loss after the first step; the loss at w = 0 "
            f"is {want[0]:.6g}. Record L(w) before each update: losses[t] is the loss of the "
            "weights the step t starts from",
        )
    problem = compare({"w": got["w"], "losses": losses}, expected, Tolerance(rtol=1e-6))
    if problem:
        return Verdict(
            0.0,
            f"{problem} (gradient descent from w = 0 with the given lr and steps has exactly "
            "these iterates; a closed-form solution has others)",
        )
    mse = float(np.mean((X_test @ got["w"] - y_test) ** 2))
    return Verdict(1.0, f"the reference's iterates; held-out MSE {mse:.1f}")


def close_and_nonnegative(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Squared distances: the reference's values within the default tolerance, and not
    one entry below zero (rounding makes tiny ones negative unless they are clipped)."""
    problem = compare(got, expected, Tolerance())
    if problem:
        return Verdict(0.0, problem)
    for name, value in got.items():
        if np.min(value) < 0:
            return Verdict(
                0.0,
                f"out[{name!r}] has a negative entry ({np.min(value):.2g}): a squared "
                "distance is at least 0; clip the rounding errors at zero",
            )
    return Verdict(1.0, "passed")


def no_python_loops(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Loops: each function took about as many steps of Python on its large inputs as on
    its small one, and returned the reference's results on all of them
    (``{function: {input: {"steps": n, "result": summary}}}``, from
    `ps0.cases.probes.steps_by_size`)."""
    for function, runs in got.items():
        steps = {name: int(run["steps"]) for name, run in runs.items()}
        small = min(steps, key=steps.__getitem__)
        large = max(steps, key=steps.__getitem__)
        if steps[large] - steps[small] >= LOOP_STEPS:
            return Verdict(
                0.0,
                f"{function} takes {steps[large]:,} steps of Python (lines run, functions "
                f"called) on {large} but {steps[small]:,} on {small}: it loops over the rows "
                "or entries (a for or while loop, a comprehension, np.vectorize, map or "
                "np.apply_along_axis over them). Work on whole arrays instead: broadcasting, "
                "reductions along an axis with keepdims=True, fancy indexing, np.einsum",
            )
    for function, runs in got.items():
        for name, run in runs.items():
            mine, theirs = run["result"], expected[function][name]["result"]
            problem = compare(mine, theirs)
            if problem is None:
                continue
            if set(theirs) == {"shape", "sum", "first"} and set(mine) == set(theirs):
                shape = tuple(int(n) for n in mine["shape"])
                want = tuple(int(n) for n in theirs["shape"])
                problem = (
                    f"returns shape {shape}, expected {want}"
                    if shape != want
                    else f"returns other values (sum {float(mine['sum']):.6g}, expected "
                    f"{float(theirs['sum']):.6g})"
                )
            return Verdict(
                0.0,
                f"{function} on {name} {problem}: no loop, but this case also wants the "
                "right results; the task's other public cases show what to fix",
            )
    return Verdict(1.0, "passed")


def finite_where_expected(rule: str, tol: Tolerance = Tolerance()) -> Check:
    """The reference's values within ``tol``; where the submission has nan or inf and the
    reference a finite number, the message says so first and states ``rule``."""

    def check(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
        problem = compare(got, expected, tol)
        if problem is None:
            return Verdict(1.0, "passed")
        flat_got = flatten(got)
        for path, want in flatten(expected).items():
            value = np.asarray(flat_got.get(path, want), dtype=np.float64)
            if value.shape != want.shape:
                break
            bad = ~np.isfinite(value) & np.isfinite(want)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
                at = f" at {index}" if index else ""
                return Verdict(
                    0.0,
                    f"{format_path(path)} is {value[index]}{at} where {want[index]:.6g} is "
                    f"expected: {rule}",
                )
        return Verdict(0.0, problem)

    return check


def kl_conventions(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """KL divergence: the reference's values; a row that should be +inf or finite and is
    not gets a message that states the convention it breaks."""
    problem = compare(got, expected, Tolerance())
    if problem is None:
        return Verdict(1.0, "passed")
    if isinstance(got, np.ndarray) and got.shape == expected.shape:
        for row, (g, e) in enumerate(zip(got.astype(np.float64), expected, strict=True)):
            value = f"kl_divergence(p, q)[{row}] is {g:.6g}"
            if np.isnan(g):
                rule = (
                    "a term with p_k = 0 counts 0, whatever q_k is (0 log 0 is nan in floating "
                    "point): sum p_k log(p_k / q_k) only where p_k > 0"
                )
                return Verdict(0.0, f"{value}: {rule}")
            if np.isinf(e) and not np.isinf(g):
                rule = (
                    "some q_k = 0 where p_k > 0, and then KL(p || q) = +inf (do not add an "
                    "epsilon to q, nor skip the terms where q_k = 0)"
                )
                return Verdict(0.0, f"{value}, expected +inf: {rule}")
            if np.isinf(g) and not np.isinf(e):
                rule = "a term with p_k = 0 counts 0, even where q_k = 0"
                return Verdict(0.0, f"{value}, expected {e:.6g}: {rule}")
    return Verdict(0.0, problem)


def raises_value_error(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """``{"raised": {call: raised}, "in range": result}``: each call with labels out of
    range raised ValueError, and labels in range gave the reference's encoding (a
    function that always raises earns nothing)."""
    for call, raised in got["raised"].items():
        if not bool(raised):
            return Verdict(
                0.0,
                f"{call} returned instead of raising ValueError: labels must lie in "
                "[0, num_classes); check the range before encoding (a negative label would "
                "silently index np.eye from the end)",
            )
    problem = compare(got["in range"], expected["in range"])
    if problem:
        return Verdict(0.0, f"labels in range: {problem}")
    return Verdict(1.0, "passed")


def ridge_weights(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Ridge weights: the reference's within rtol 1e-7; other weights that solve a
    neighbouring problem (no penalty, the bias left out of it, l2 scaled by N) are named.

    The inputs come from the reference's run (``expected``), not from the submission's.
    """
    tol = Tolerance(rtol=1e-7, atol=1e-9)
    problem = compare(got["w"], expected["w"], tol)
    if problem is None:
        return Verdict(1.0, "passed")
    X, y, strengths = expected["X"], expected["y"], expected["l2"]
    n, d = X.shape
    no_bias = np.eye(d)
    no_bias[-1, -1] = 0.0
    variants = {
        "the weights without any penalty (l2 unused)": lambda l2: 0.0 * no_bias,
        "the weights with the bias (last column) left out of the penalty; in this "
        "assignment the penalty covers every weight, the bias included": lambda l2: l2 * no_bias,
        "the weights for l2 * N: the data term is the sum 1/2 ||X w - y||^2, not a mean": (
            lambda l2: n * l2 * np.eye(d)
        ),
        "the weights for l2 / 2: the gradient of l2/2 ||w||^2 is l2 w": (
            lambda l2: l2 / 2 * np.eye(d)
        ),
        "the weights for 2 l2: the gradient of l2/2 ||w||^2 is l2 w": (
            lambda l2: 2 * l2 * np.eye(d)
        ),
    }
    for i, (l2, w) in enumerate(zip(strengths, got["w"], strict=True)):
        if compare(w, expected["w"][i], tol) is None or np.shape(w) != (d,):
            continue
        for what, penalty in variants.items():
            # each variant's minimizer, as least squares on data augmented by the penalty
            rows = np.sqrt(penalty(float(l2)))
            augmented = np.vstack([X, rows]), np.concatenate([y, np.zeros(d)])
            other = np.linalg.lstsq(*augmented, rcond=None)[0]
            if compare(w, other, tol) is None:
                return Verdict(
                    0.0,
                    f"normal_equations(X, y, l2={l2:g}) returned {what}: set the gradient "
                    "of the whole objective, both terms, to zero",
                )
        break
    return Verdict(0.0, problem)
