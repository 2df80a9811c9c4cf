"""A convolutional network in PyTorch for 8x8 digit images, and its training loop.

Device-agnostic: everything runs on ``device()``, CUDA when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class DigitsCNN(nn.Module):
    """conv3x3(1 -> c) BN ReLU, conv3x3(c -> c) BN ReLU, maxpool 2     (N, c, 4, 4)
    conv3x3(c -> 2c) BN ReLU, maxpool 2                                (N, 2c, 2, 2)
    flatten, dropout, linear(8c -> 10)                                  (N, 10)

    Input: (N, 1, 8, 8) images scaled to [0, 1]. Output: class scores (N, 10).
    ``channels`` is c; ``dropout`` is the probability with which the Dropout layer
    zeroes each input in training mode.

    Build it as two ``nn.Sequential`` attributes, in this order (the grader loads
    weights by these names): ``features`` = Conv2d, BatchNorm2d, ReLU, Conv2d,
    BatchNorm2d, ReLU, MaxPool2d, Conv2d, BatchNorm2d, ReLU, MaxPool2d (convolutions
    with padding 1 and no bias: the BN after each has its own shift), and
    ``classifier`` = Flatten, Dropout, Linear.
    """

    def __init__(self, channels: int = 32, dropout: float = 0.25) -> None:
        super().__init__()
        # BEGIN SOLUTION: the three conv blocks of the docstring, then the classifier
        c = channels

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            *block(1, c), *block(c, c), nn.MaxPool2d(2), *block(c, 2 * c), nn.MaxPool2d(2)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(8 * c, 10))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: features, then classifier
        return self.classifier(self.features(x))  # (N, 10)
        # END SOLUTION


def digits_augmentation() -> v2.Transform:
    """The training-time augmentation, a torchvision ``v2`` transform of one image
    (1, 8, 8) -> (1, 8, 8): shift it by up to one pixel each way, zeros filling in.

    The digits are centred only roughly, so the network should not care where exactly.
    Look at ``v2.RandomCrop`` and its ``padding`` argument. Its random draws come from
    torch's global generator (seed it with `torch.manual_seed`). A v2 transform treats a
    torch tensor (..., H, W) as an image; it refuses a numpy array.
    """
    # BEGIN SOLUTION: one v2 transform: which crop size and padding give these shifts?
    return v2.RandomCrop(8, padding=1)
    # END SOLUTION


class DigitsDataset(Dataset):
    """Images (N, 1, 8, 8) and labels (N,) as a map-style dataset.

    ``dataset[i]`` is the pair ``(transform(images[i]), labels[i])``, or
    ``(images[i], labels[i])`` when ``transform`` is None. The transform runs anew at
    every access, so each epoch sees a different random version of each image.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        # BEGIN SOLUTION: keep the three; check that images and labels pair up
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images, self.labels, self.transform = images, labels, transform
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION: the number of examples
        return len(self.labels)
        # END SOLUTION

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # BEGIN SOLUTION: one image, transformed when there is a transform, and its label
        x = self.images[i]  # (1, 8, 8)
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[i]
        # END SOLUTION


@dataclass(frozen=True)
class CNNConfig:
    epochs: int = 20
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    augment: bool = True


LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def fit(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    config: CNNConfig,
    seed: int,
    loss_fn: LossFn = nn.functional.cross_entropy,
) -> list[float]:
    """Train ``model`` with AdamW and a one-cycle schedule over a shuffled DataLoader,
    minimizing ``loss_fn(scores, labels)``; return the mean training loss of each epoch
    (a list of ``config.epochs`` floats, each averaged over the epoch's examples).

    - Move the model to `device()` first, and each batch as it comes (CUDA when there is one).
    - The DataLoader reads a `DigitsDataset` of ``X`` and ``y``, with
      `digits_augmentation()` as its transform when ``config.augment`` is on (None when
      off), in batches of ``config.batch_size``, shuffled by a ``torch.Generator``
      seeded with ``seed``. (The transform draws from torch's global generator: the
      caller seeds that one.)
    - AdamW with ``config.lr`` and ``config.weight_decay``; ``OneCycleLR`` with
      ``max_lr=config.lr`` and ``total_steps = epochs * batches per epoch``, stepped
      after every optimizer step.
    """
    # BEGIN SOLUTION: an augmented dataset in a seeded DataLoader, AdamW, OneCycleLR
    transform = digits_augmentation() if config.augment else None
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        DigitsDataset(X, y, transform),
        batch_size=config.batch_size,
        shuffle=True,
        generator=generator,
    )
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.epochs * len(loader)
    )
    target = device()
    model.to(target).train()
    losses = []
    for _ in range(config.epochs):
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(target), yb.to(target)
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(yb)
        losses.append(total / len(y))
    return losses
    # END SOLUTION


@torch.no_grad()
def predict(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    model.eval()
    return model(X.to(device())).argmax(dim=1).cpu().numpy()


def digits_images(X: np.ndarray) -> torch.Tensor:
    """Flattened digits (N, 64), pixels 0..16, as the network takes them: (N, 1, 8, 8)
    float32 in [0, 1]. The grader feeds held-out images through this same scaling."""
    return torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)


def train_digits_cnn(X_train: np.ndarray, y_train: np.ndarray, seed: int) -> DigitsCNN:
    """The graded task: train a ``DigitsCNN()`` (the default 32 channels) on 8x8 digits
    and return it.

    The grader judges the network, not predictions: it loads the returned model's
    ``state_dict()`` into its own ``DigitsCNN()`` and measures, in evaluation mode, its
    accuracy on held-out images your code never sees, scaled by `digits_images`. The
    images may come turned or mirrored and the classes renamed (a secret of each case,
    the same for the held-out images): a network trained on what it is given does not
    notice.

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first, so that the
    initial weights, the augmentation's shifts and the batch order all follow from it
    (the same seed gives the same network).

    Inputs:  X_train (N, 64) pixels 0..16, y_train (N,) in 0..9, a seed for torch.
    Returns: the trained DigitsCNN.
    """
    # BEGIN SOLUTION: scale with digits_images, fit a DigitsCNN, return it
    torch.manual_seed(seed)
    model = DigitsCNN()
    fit(model, digits_images(X_train), torch.tensor(y_train), CNNConfig(), seed)
    return model
    # END SOLUTION
