"""Grader data and custom checks of hw2."""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.compare import Tolerance, compare
from autograder.heldout import disguised_split, labelled_split
from autograder.outputs import Outputs
from autograder.trained import Threshold, Weights, on_weights
from dlkit.data import digits

# The split the public fit case takes its 300 training digits from.
PUBLIC_SPLIT_SEED = 1001

# Measured over 20 grading secrets (tests/hw2/test_digits.py): the reference DigitsCNN
# gets 98.1% to 99.7% of the held-out digits right, median 98.9%: it passes 20 of 20 with
# at least 1.1 points (4 images) to spare. (20 other seeds gave 98.3% to 100%.)
TARGET_ACCURACY = 0.97


def digits_cnn_shapes(c: int = 32) -> dict[str, tuple[int, ...]]:
    """The state of ``DigitsCNN(channels=c)`` as its docstring builds it, by name."""
    shapes: dict[str, tuple[int, ...]] = {}
    for conv, (cin, cout) in ((0, (1, c)), (3, (c, c)), (7, (c, 2 * c))):
        shapes[f"features.{conv}.weight"] = (cout, cin, 3, 3)
        for entry in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"features.{conv + 1}.{entry}"] = (cout,)
        shapes[f"features.{conv + 1}.num_batches_tracked"] = ()
    shapes["classifier.2.weight"] = (10, 8 * c)
    shapes["classifier.2.bias"] = (10,)
    return shapes


DIGITS_CNN_SHAPES = digits_cnn_shapes()
CNN_HINT = "return DigitsCNN() (32 channels) built as its docstring says"

digits_split = disguised_split(digits, image_shape=(8, 8))


def first_digits(n: int) -> DataBuilder:
    """The first ``n`` training digits of the public split: the case trains on them, and
    the check measures the training accuracy on them (as ``X_test``, ``y_test``)."""
    split = labelled_split(digits, PUBLIC_SPLIT_SEED)

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        train, _ = split(rng)
        X, y = train["X_train"][:n], train["y_train"][:n]
        return {"X": X, "y": y}, {"X_test": X, "y_test": y}

    return build


def cnn_accuracy(weights: Weights, data: Arrays) -> float:
    """The share of ``data``'s digits that the course's ``DigitsCNN()`` gets right with
    these weights, in evaluation mode, fed images scaled by `hw2.cnn.digits_images`.
    (Runs in the trusted evaluation process, which holds torch; on Gradescope, hw2.cnn
    there is the reference's.)"""
    import torch

    from hw2.cnn import DigitsCNN, digits_images

    model = DigitsCNN()
    state = model.state_dict()
    model.load_state_dict(
        {name: torch.as_tensor(value, dtype=state[name].dtype) for name, value in weights.items()}
    )
    model.eval()
    with torch.no_grad():
        predictions = model(digits_images(data["X_test"])).argmax(dim=1).numpy()
    return float(np.mean(predictions == data["y_test"]))


held_out_accuracy = on_weights(
    DIGITS_CNN_SHAPES,
    cnn_accuracy,
    Threshold(
        "held-out accuracy",
        TARGET_ACCURACY,
        advice="the grader feeds the network digits_images(X), pixels divided by 16",
    ),
    hint=CNN_HINT,
    apart=True,
)


def shifted_items(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """`DigitsDataset` has one item per image, pairs each image with its label, leaves
    images alone without a transform, and with `digits_augmentation` shifts each image by
    at most one pixel each way, zeros filling in, at random and anew at every access.

    The images and labels are the case's own (``expected``, the reference's run): the
    outputs must show what the dataset did to them, whatever else came back."""
    for key, what in (("x", "images"), ("labels", "labels")):
        if np.shape(got[key]) != np.shape(expected[key]) or not np.array_equal(
            got[key], expected[key]
        ):
            return Verdict(
                0.0, f"the {what} given to DigitsDataset changed: do not modify them in place"
            )
    x, n = expected["x"], len(expected["x"])
    if list(got["lengths"]) != [n, n]:
        return Verdict(0.0, f"len(dataset) is {got['lengths'][0]} for {n} images")
    if not np.array_equal(got["plain"], x):
        return Verdict(0.0, "without a transform, dataset[i][0] should be images[i] unchanged")
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    offsets = []
    for shifted, labels in zip(got["shifted"], got["item_labels"], strict=True):
        if not np.array_equal(labels, expected["labels"]):
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


def shuffled_by_the_seed(epochs: int, batch_size: int, n: int, seed: int) -> list[list[int]]:
    """The example indices of each epoch, in the order a ``DataLoader`` with
    ``shuffle=True`` and ``generator=torch.Generator().manual_seed(seed)`` gives them."""
    import torch
    from torch.utils.data import DataLoader

    loader = DataLoader(
        torch.arange(n),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    return [torch.cat(list(loader)).tolist() for _ in range(epochs)]


def losses_and_batches(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """`fit` returned one mean loss per epoch, the loss fell, and the batches came in
    the order of a DataLoader shuffled by a generator seeded with the given seed."""
    epochs, batch_size, seed = (int(got["config"][k]) for k in ("epochs", "batch_size", "seed"))
    losses = np.asarray(got["losses"], dtype=float)
    if losses.shape != (epochs,):
        return Verdict(0.0, f"fit returned {losses.size} losses: return one per epoch ({epochs})")
    if not np.all(np.isfinite(losses)) or not losses[-1] < 0.5 * losses[0]:
        return Verdict(
            0.0, f"the loss went from {losses[0]:.3g} to {losses[-1]:.3g}: it should halve"
        )
    seen = [int(i) for batch in got["batches"] for i in np.ravel(batch)]
    n = len(data["y_test"])
    want = shuffled_by_the_seed(epochs, batch_size, n, seed)
    if len(seen) != epochs * n:
        return Verdict(
            0.0,
            f"loss_fn saw {len(seen)} examples in {epochs} epochs of {n}: use it once per batch",
        )
    sizes = [int(np.size(batch)) for batch in got["batches"][: -(-n // batch_size)]]
    if sizes[:-1] and max(sizes[:-1]) != batch_size:
        return Verdict(0.0, f"the first batches hold {sizes[:3]} examples: use config.batch_size")
    first = seen[:n]
    if first == sorted(first):
        return Verdict(0.0, "the first epoch saw the examples in their original order: shuffle")
    if [seen[e * n : (e + 1) * n] for e in range(epochs)] != want:
        return Verdict(
            0.0,
            "the batches come in another order than a DataLoader with shuffle=True and "
            "generator=torch.Generator().manual_seed(seed) gives: shuffle with that generator",
        )
    return Verdict(1.0, f"loss {losses[0]:.3g} -> {losses[-1]:.3g}, batches shuffled by the seed")


fits_the_training_set = on_weights(
    DIGITS_CNN_SHAPES,
    cnn_accuracy,
    Threshold("training accuracy", 0.9, advice="train the model in place, on the given X"),
    hint=CNN_HINT,
    first=losses_and_batches,
    apart=True,
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
        if maps.shape == want.shape and np.isnan(maps).any() and not np.isnan(want).any():
            return Verdict(
                0.0,
                "the maps hold NaN where they should be 0: an all-zero map divided by its "
                "maximum is 0 / 0; divide only where the maximum is positive, so that an "
                "all-zero map stays zero",
            )
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


RESNET_TOL = Tolerance(rtol=1e-6, atol=1e-9)


def resnet_feature_sizes_first(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """`harness.resnet_outputs` of a SmallResNet: first the size of each block's output,
    with a message about the strides, then everything compared with the reference."""
    have, want = got["feature_sizes"], expected["feature_sizes"]
    if len(have) != len(want):
        return Verdict(
            0.0,
            f"model.stages holds {len(have)} blocks, expected {len(want)}: "
            "`blocks` BasicBlocks for each of the widths",
        )
    for i, (g, e) in enumerate(zip(have, want, strict=True)):
        g, e = tuple(int(v) for v in g), tuple(int(v) for v in e)
        if g != e:
            return Verdict(
                0.0,
                f"the block model.stages[{i}] outputs shape {g}, expected {e}: the stem and "
                "every block keep the height and width, except the first block of each "
                "stage after the first, which has stride 2 and halves them",
            )
    problem = compare(got, expected, RESNET_TOL)
    if problem:
        return Verdict(0.0, problem)
    return Verdict(1.0, "block sizes, shapes and scores match")
