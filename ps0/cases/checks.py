"""Custom checks of ps0: properties and thresholds where exact outputs are not the point."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, Verdict
from autograder.outputs import Outputs
from dlkit.data import diabetes


def diabetes_split(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
    """Grader data: the training set and the test inputs for the case, the test targets
    for the check only (they never reach the submission's process)."""
    data = diabetes()
    for_case = {"X_train": data.X_train, "y_train": data.y_train, "X_test": data.X_test}
    return for_case, {"y_test": data.y_test}


def shuffled_partition(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Minibatches: right sizes, every example exactly once, rows paired, order shuffled.

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
    return Verdict(1.0, "passed")


def held_out_fit(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Gradient descent: test error within 1% of the reference's, losses never increasing.

    The held-out targets come from the grader data's judge part; the case never sees them.
    """
    y_test = data["y_test"]
    mse = float(np.mean((got["test_predictions"] - y_test) ** 2))
    reference = float(np.mean((expected["test_predictions"] - y_test) ** 2))
    losses = got["losses"]
    if losses.shape != expected["losses"].shape:
        return Verdict(0.0, f"losses has shape {losses.shape}, expected {expected['losses'].shape}")
    if np.any(np.diff(losses) > 1e-9 * np.abs(losses[:-1])):
        return Verdict(0.0, "the training loss increases at some step: check the update's sign")
    if not mse <= 1.01 * reference:
        return Verdict(0.0, f"held-out MSE {mse:.1f} is above the target {1.01 * reference:.1f}")
    return Verdict(1.0, f"held-out MSE {mse:.1f} (target at most {1.01 * reference:.1f})")
