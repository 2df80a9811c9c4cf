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


def shifted_items(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """`DigitsDataset` has one item per image, pairs each image with its label, leaves
    images alone without a transform, and with `digits_augmentation` shifts each image by
    at most one pixel each way, zeros filling in, at random and anew at every access."""
    x, n = got["x"], len(got["x"])
    if list(got["lengths"]) != [n, n]:
        return Verdict(0.0, f"len(dataset) is {got['lengths'][0]} for {n} images")
    if not np.array_equal(got["plain"], x):
        return Verdict(0.0, "without a transform, dataset[i][0] should be images[i] unchanged")
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    offsets = []
    for shifted, labels in zip(got["shifted"], got["item_labels"], strict=True):
        if not np.array_equal(labels, got["labels"]):
            return Verdict(0.0, "dataset[i][1] should be labels[i]")
        if shifted.shape != x.shape:
            shape = tuple(shifted.shape[1:])
            return Verdict(0.0, f"augmented images have shape {shape}, expected (1, 8, 8)")
        for i, (original, moved) in enumerate(zip(padded, shifted, strict=True)):
            found = [
                (dy, dx)
                for dy in range(3)
                for dx in range(3)
                if np.array_equal(original[:, dy : dy + 8, dx : dx + 8], moved)
            ]
            if not found:
                problem = f"item {i}: its image is not images[{i}] moved by 1 pixel or less"
                return Verdict(0.0, problem)
            offsets.append(found[0])
    if len(set(offsets)) < 3:
        return Verdict(0.0, f"only {len(set(offsets))} distinct shifts in {len(offsets)} images")
    passes = np.reshape(got["shifted"], (len(got["shifted"]), n, -1))
    if len(passes) > 1 and all(np.array_equal(passes[0], later) for later in passes[1:]):
        return Verdict(0.0, "each pass over the dataset gave the same shifts: draw them anew")
    return Verdict(1.0, "each item: its image moved by one pixel or less at random, its label")


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
