"""A trusted judge of generated 8x8 digits: a small classifier built at bundle time, and
the scores of a batch of samples computed with it.

The grader draws images from a submitted generative model's weights (loaded into the
course's own architecture, with the grader's own noise) and hands them to
`score_samples`, together with the images the model trained on. The classifier is a
small convolutional network trained once, deterministically, by ``python -m
dlkit.digits_judge`` on a fixed split of scikit-learn's digits (`JUDGE_SPLIT`), with
one-pixel shifts as augmentation; its weights ship beside this file as
``digits_judge.npz`` (plain arrays, no pickle). Its accuracy on the 360 digits of the
split it never saw is `JUDGE_HELD_OUT_ACCURACY`.

Pixel scale everywhere: the digits' counts 0..16 divided by 16, so in [0, 1].
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

JUDGE_FILE = Path(__file__).with_name("digits_judge.npz")
JUDGE_SPLIT = (0.2, 0)  # (test_fraction, seed) of dlkit.data.train_test_indices
JUDGE_SEED = 0
JUDGE_HELD_OUT_ACCURACY = 0.9889  # 355 of 359, printed by `python -m dlkit.digits_judge`
# A sample counts as a copy when its nearest training image is within this Euclidean
# distance (over the 64 pixels in [0, 1]); calibrated in tests/dlkit/test_digits_judge.py.
COPY_DISTANCE = 0.5
# A class is covered when at least this share of the samples is predicted to be of it.
COVERAGE_SHARE = 0.03


@dataclass(frozen=True)
class Thresholds:
    """Bounds on `score_samples`' scores of a batch of samples that a model must meet."""

    fid_max: float
    inception_min: float
    coverage_min: int
    copy_fraction_max: float
    nearest_distance_min: float

    def failures(self, scores: dict[str, float]) -> list[str]:
        """What the scores miss, one line each (empty: they pass)."""
        checks = [
            ("fid", scores["fid"] <= self.fid_max, f"<= {self.fid_max}"),
            (
                "inception_score",
                scores["inception_score"] >= self.inception_min,
                f">= {self.inception_min}",
            ),
            ("coverage", scores["coverage"] >= self.coverage_min, f">= {self.coverage_min}"),
            (
                "copy_fraction",
                scores["copy_fraction"] <= self.copy_fraction_max,
                f"<= {self.copy_fraction_max}",
            ),
            (
                "nearest_distance",
                scores["nearest_distance"] >= self.nearest_distance_min,
                f">= {self.nearest_distance_min}",
            ),
        ]
        return [f"{key} {scores[key]:.3f}, needs {bound}" for key, ok, bound in checks if not ok]


# Calibrated on 1000 samples of hw4's reference GAN (tests/hw4/test_gan.py) and on real
# held-out digits and cheap baselines (tests/dlkit/test_digits_judge.py).
SAMPLE_THRESHOLDS = Thresholds(
    fid_max=80.0,
    inception_min=5.0,
    coverage_min=8,
    copy_fraction_max=0.05,
    nearest_distance_min=0.8,
)


class DigitsJudgeNet(nn.Module):
    """Images (N, 1, 8, 8) in [0, 1] -> logits (N, 10) of the digits 0..9.

        h = relu(conv1(x))                 (N, 16, 8, 8)
        h = maxpool2(relu(conv2(h)))       (N, 32, 4, 4)
        h = maxpool2(relu(conv3(h)))       (N, 32, 2, 2)
        f = relu(fc1(h flattened))         (N, 64)      the features of `features`
        logits = fc2(f)                    (N, 10)

    The convolutions are 3x3 with padding 1. No batch normalization or dropout: the
    network is the same function in training and evaluation mode.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv1(x))  # (N, 16, 8, 8)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (N, 32, 4, 4)
        h = F.max_pool2d(F.relu(self.conv3(h)), 2)  # (N, 32, 2, 2)
        return F.relu(self.fc1(h.flatten(start_dim=1)))  # (N, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.features(x))  # (N, 10)


def _shift(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image (N, 1, 8, 8) moved by its own random offset in {-1, 0, 1}^2, the
    pixels that enter filled with zeros (the digits' background)."""
    padded = F.pad(images, (1, 1, 1, 1))  # (N, 1, 10, 10)
    offsets = torch.randint(0, 3, (len(images), 2), generator=generator)  # (N, 2)
    rows = offsets[:, 0, None] + torch.arange(8)  # (N, 8)
    cols = offsets[:, 1, None] + torch.arange(8)  # (N, 8)
    n = torch.arange(len(images))[:, None, None]
    return padded[n, 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)  # (N, 1, 8, 8)


def train_judge(
    X: torch.Tensor, y: torch.Tensor, seed: int = JUDGE_SEED, epochs: int = 60
) -> DigitsJudgeNet:
    """The judge's recipe: Adam (lr 2e-3, weight decay 1e-4), batches of 64, cross-entropy,
    every batch shifted by one pixel at random (`_shift`), from ``torch.manual_seed(seed)``.

    Inputs: X (N, 64) float32 in [0, 1], y (N,) int64 in 0..9. Returns: the trained net.
    """
    torch.manual_seed(seed)
    shifts = torch.Generator().manual_seed(seed + 1)
    net = DigitsJudgeNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3, weight_decay=1e-4)
    images = X.reshape(-1, 1, 8, 8)
    for _ in range(epochs):
        for rows in torch.split(torch.randperm(len(images)), 64):
            loss = F.cross_entropy(net(_shift(images[rows], shifts)), y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def judge_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The split the judge was trained on: X_train (N, 64), y_train (N,), X_test, y_test,
    the images float32 in [0, 1]."""
    from dlkit.data import digits, train_test_indices

    images, labels = digits()
    train, test = train_test_indices(len(images), *JUDGE_SPLIT)
    X = torch.tensor(images / 16.0, dtype=torch.float32)
    y = torch.tensor(labels)
    return X[train], y[train], X[test], y[test]


@functools.cache
def _weights() -> dict[str, np.ndarray]:
    with np.load(JUDGE_FILE) as arrays:
        return {name: arrays[name] for name in arrays.files}


def judge_classifier() -> DigitsJudgeNet:
    """The trusted classifier (a fresh copy, in evaluation mode, float32 on the CPU) with
    the shipped weights: images (N, 1, 8, 8) in [0, 1] -> logits (N, 10)."""
    net = DigitsJudgeNet().to(torch.float32)  # whatever torch's default dtype is
    state = {name: torch.from_numpy(array) for name, array in _weights().items()}
    net.load_state_dict(state)
    return net.eval()


def _frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The Frechet distance between Gaussians fitted to the rows of a (N, D) and b (M, D):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), in float64."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)  # (D, D)
    vals, vecs = torch.linalg.eigh(cov_a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    fd = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross
    return float(fd)


@torch.no_grad()
def score_samples(images: torch.Tensor, train_images: torch.Tensor) -> dict[str, float]:
    """Scores of N generated images against the M images the model trained on.

    Inputs:  images (N, 1, 8, 8) (or (N, 64)) in [0, 1]; train_images (M, 64) in [0, 1].
    Returns, with p(y|x) the judge's softmax and y_hat its argmax:
      confidence       mean over samples of max_y p(y|x)                   (real ~0.99)
      coverage         number of classes y_hat takes on >= COVERAGE_SHARE of the samples
      class_entropy    entropy (nats) of the histogram of y_hat (ln 10 = 2.30 at most)
      inception_score  exp(mean_x KL(p(y|x) || p(y))), p(y) the mean of p(y|x) (10 at most)
      fid              Frechet distance between the judge's features (`DigitsJudgeNet.
                       features`) of the samples and of the training images
      copy_fraction    share of samples whose nearest training image is within
                       COPY_DISTANCE (Euclidean, 64 pixels)
      nearest_distance median over samples of the distance to the nearest training image
      mean_intensity   mean pixel of the samples (the digits': about 0.30)
    """
    net = judge_classifier()
    x = images.detach().to("cpu", torch.float32).reshape(-1, 1, 8, 8)
    train = train_images.detach().to("cpu", torch.float32).reshape(-1, 1, 8, 8)
    feats = net.features(x)  # (N, 64)
    probs = F.softmax(net.fc2(feats).double(), dim=1)  # (N, 10)
    counts = torch.bincount(probs.argmax(1), minlength=10).double()  # (10,)
    shares = counts / counts.sum()
    nonzero = shares[shares > 0]
    marginal = probs.mean(0)  # (10,)
    kl = (probs * (probs.clamp_min(1e-30).log() - marginal.log())).sum(1)  # (N,)
    nearest = torch.cdist(x.reshape(-1, 64).double(), train.reshape(-1, 64).double()).amin(1)
    return {
        "confidence": float(probs.amax(1).mean()),
        "coverage": float((shares >= COVERAGE_SHARE).sum()),
        "class_entropy": float(-(nonzero * nonzero.log()).sum()),
        "inception_score": float(kl.mean().exp()),
        "fid": _frechet_distance(feats, net.features(train)),
        "copy_fraction": float((nearest <= COPY_DISTANCE).double().mean()),
        "nearest_distance": float(nearest.median()),
        "mean_intensity": float(x.mean()),
    }


def main() -> None:
    """Train the judge on its split, print its held-out accuracy, write JUDGE_FILE."""
    torch.set_num_threads(1)
    X_train, y_train, X_test, y_test = judge_split()
    net = train_judge(X_train, y_train)
    with torch.no_grad():
        accuracy = float((net(X_test.reshape(-1, 1, 8, 8)).argmax(1) == y_test).float().mean())
    print(f"held-out accuracy {accuracy:.4f} on {len(y_test)} digits")
    arrays = {name: t.detach().numpy() for name, t in net.state_dict().items()}
    np.savez(JUDGE_FILE, **arrays)
    print(f"wrote {JUDGE_FILE} ({JUDGE_FILE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
