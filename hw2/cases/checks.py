"""Grader data and custom checks of hw2."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.compare import Tolerance, compare
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
                problem = (
                    f"item {i}: its image is not images[{i}] moved by at most one pixel "
                    "each way with zeros filling in"
                )
                return Verdict(0.0, problem)
            offsets.append(found[0])
    if set(offsets) == {(1, 1)}:
        return Verdict(
            0.0, "every image came back unmoved: pad it by one pixel before the random crop"
        )
    if len(set(offsets)) < 3:
        return Verdict(
            0.0,
            f"only {len(set(offsets))} different shifts among {len(offsets)} images: "
            "draw each image's shift at random",
        )
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


# Grad-CAM maps lie in [0, 1]: to 1e-3 they look the same, and an epsilon added to the
# maximum before dividing (as some libraries do) passes.
EXPLANATION_TOL = {"saliency": Tolerance(), "grad_cam": Tolerance(rtol=0.0, atol=1e-3)}


def explained_cleanly(kind: str):
    """A check of `harness.explained` outputs (``kind`` "saliency" or "grad_cam"), or of
    a dict of them: the maps match the reference's, and each call left the model as it
    found it (its mode, no gradient on its parameters, no hook)."""

    def check(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
        if "maps" not in expected:  # several layers, by name
            for name in expected:
                result = check(got[name], expected[name], data)
                if not result.passed:
                    return Verdict(0.0, f"at the {name} layer: {result.message}")
            return Verdict(1.0, "maps match; the model is left as it was")
        if not bool(got["untouched"]):
            return Verdict(
                0.0,
                "the model's parameters got a .grad: take the gradient with "
                "torch.autograd.grad(score, x) instead of .backward()",
            )
        modes = [bool(m) for m in got["modes_after"]]
        for before, after in zip(("training", "evaluation"), modes, strict=True):
            if after != (before == "training"):
                return Verdict(
                    0.0,
                    f"called on a model in {before} mode, it left the model in the other "
                    "mode: note model.training first, and put it back with "
                    "model.train(was_training)",
                )
        if int(got["hooks_left"]) != 0:
            return Verdict(
                0.0,
                "a forward hook is still registered: keep the handle that "
                "register_forward_hook returns and call handle.remove()",
            )
        maps, want = got["maps"], expected["maps"]
        if maps.shape != want.shape:
            hint = (
                ": upsample each map to the input's (H, W)"
                if kind == "grad_cam" and maps.shape[:-2] == want.shape[:-2]
                else ""
            )
            return Verdict(0.0, f"the maps have shape {maps.shape}, expected {want.shape}{hint}")
        problem = compare(maps, want, EXPLANATION_TOL[kind])
        if problem:
            return Verdict(
                0.0,
                problem.replace("the returned value differs", "the maps differ", 1)
                + " (one cause: maps computed in training mode, where dropout and batch"
                " statistics change them)",
            )
        return Verdict(1.0, "maps match; the model is left as it was")

    return check
