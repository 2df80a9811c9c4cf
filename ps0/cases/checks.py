"""Custom checks of ps0: properties and thresholds where exact outputs are not the point."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, Verdict
from autograder.compare import Tolerance, compare
from autograder.outputs import Outputs
from dlkit.data import diabetes


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
