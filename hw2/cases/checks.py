"""Grader data and custom checks of hw2."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.heldout import accuracy_at_least, labelled_split
from autograder.outputs import Outputs
from dlkit.data import digits

TARGET_ACCURACY = 0.98
# The public case's split; the hidden case's split is not in the handout.
PUBLIC_SPLIT_SEED = 1001

held_out_accuracy = accuracy_at_least(TARGET_ACCURACY)


def digits_split(seed: int) -> DataBuilder:
    """80% of the digits with labels for training, 20% as images only (labels to the check)."""
    return labelled_split(digits, seed, test_fraction=0.2)


def one_pixel_shifts(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """Each output image is its input shifted by at most one pixel each way, zeros
    filling in; the shifts are random (not all the same)."""
    x, shifted = got["x"], got["shifted"]
    if shifted.shape != x.shape:
        return Verdict(0.0, f"the output has shape {shifted.shape}, expected {x.shape}")
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    offsets = []
    for i, (original, moved) in enumerate(zip(padded, shifted, strict=True)):
        found = [
            (dy, dx)
            for dy in range(3)
            for dx in range(3)
            if np.array_equal(original[:, dy : dy + 8, dx : dx + 8], moved)
        ]
        if not found:
            return Verdict(0.0, f"image {i} is not its input shifted by at most one pixel")
        offsets.append(found[0])
    if len(set(offsets)) < 3:
        return Verdict(0.0, f"only {len(set(offsets))} distinct shifts in {len(offsets)} images")
    return Verdict(1.0, "every image shifted by at most one pixel, at random")


def fits_the_training_set(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """`fit` returned one mean loss per epoch, the loss fell, and the model learned."""
    losses, epochs = np.asarray(got["losses"], dtype=float), int(expected["epochs"])
    if losses.shape != (epochs,):
        return Verdict(0.0, f"fit returned {losses.size} losses: return one per epoch ({epochs})")
    if not np.all(np.isfinite(losses)) or not losses[-1] < 0.5 * losses[0]:
        return Verdict(
            0.0, f"the loss went from {losses[0]:.3g} to {losses[-1]:.3g}: it should halve"
        )
    accuracy = float(np.mean(got["predictions"] == expected["labels"]))
    if accuracy < 0.9:
        return Verdict(0.0, f"training accuracy {accuracy:.1%} after fit (needs 90%)")
    return Verdict(
        1.0, f"loss {losses[0]:.3g} -> {losses[-1]:.3g}, training accuracy {accuracy:.1%}"
    )
