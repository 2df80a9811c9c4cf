"""Set-ups the cases of hw2 share. Every random input comes from the case's generator."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

CONV = ("dx", "dw", "db")  # the gradients a backward pass returns, named
NORM = ("dx", "dgamma", "dbeta")


def with_weights(module: nn.Module, rng: np.random.Generator) -> nn.Module:
    """``module`` in float64 with every floating entry of its state (weights, biases,
    running statistics) drawn from ``rng``, in the order of the entries' names: a module
    built as its docstring says gets the same values as the reference's."""
    module = module.double()
    state = module.state_dict()
    loaded = {}
    for key in sorted(state):
        value = state[key]
        if not value.is_floating_point():
            loaded[key] = value
        elif key.endswith("running_var"):
            loaded[key] = torch.tensor(rng.uniform(0.5, 1.5, size=tuple(value.shape)))
        else:
            loaded[key] = torch.tensor(0.3 * rng.normal(size=tuple(value.shape)))
    module.load_state_dict(loaded)
    return module


def shapes(module: nn.Module) -> dict[str, list[int]]:
    """The shape of each of the module's state entries, by name: a layer with a bias
    the docstring leaves out shows as an unexpected ``out['shapes']['stem.0.bias']``."""
    state = module.state_dict()
    return {key: list(state[key].shape) for key in sorted(state)}


def tensor(rng: np.random.Generator, *size: int, scale: float = 1.0) -> torch.Tensor:
    return torch.tensor(scale * rng.normal(size=size))


def conv_inputs(
    rng: np.random.Generator, x_shape: tuple[int, ...], w_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, w and b of the given shapes."""
    return rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])


def tiny_cnn(rng: np.random.Generator) -> nn.Module:
    """A fixed small CNN of the grader's own, for the saliency and Grad-CAM cases; it
    comes in training mode, with a dropout that changes its scores unless it is in
    evaluation mode."""
    torch.manual_seed(int(rng.integers(2**31)))
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(24, 3),
    )
    return model.double()


def augmented_items(sub, images: torch.Tensor, rng: np.random.Generator, passes: int = 1):
    """Read every item of ``DigitsDataset(images, labels, digits_augmentation())``
    ``passes`` times (torch's global generator seeded from ``rng``), and once more
    without a transform: the outputs `checks.shifted_items` judges."""
    labels = torch.tensor(rng.integers(0, 10, len(images)))
    augmented = sub.cnn.DigitsDataset(images, labels, sub.cnn.digits_augmentation())
    plain = sub.cnn.DigitsDataset(images, labels)
    torch.manual_seed(int(rng.integers(2**31)))
    read = [[augmented[i] for i in range(len(images))] for _ in range(passes)]
    return {
        "x": images,
        "labels": labels,
        "lengths": [len(augmented), len(plain)],
        "shifted": [torch.stack([image for image, _ in items]) for items in read],
        "item_labels": [[int(label) for _, label in items] for items in read],
        "plain": torch.stack([plain[i][0] for i in range(len(images))]),
    }
