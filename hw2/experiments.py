"""Run the experiments of HW2 and write their figures.

    python -m hw2.experiments [--out plots] [--epochs 20] [--cifar DIR]

Writes:
- ``imbalance.png``: per-class test accuracy of one CNN trained on a long-tailed version
  of digits (class c keeps 2%^(c/9) of its images: 131 zeros, 2 nines) with four
  losses: cross-entropy, class-balanced cross-entropy, focal, class-balanced focal;
- ``saliency.png``: for eight test digits (true and predicted class), the digit, its
  saliency map and its Grad-CAM at the last convolutional block of a CNN trained on the
  rest of digits, each map upsampled to 64x64 and drawn over the digit in a perceptual
  colormap (inferno), with a colorbar.

With a local copy of CIFAR-10 (``--cifar DIR`` or $DLCOURSE_CIFAR10), it also trains a
small ResNet on it with crop-and-flip augmentation and reports the test accuracy; on a
CPU that takes hours, on a GPU minutes. Without a copy it says so and skips that part.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlkit.cifar import cifar10, find_cifar10
from dlkit.data import digits, train_test_indices

from .cnn import CNNConfig, DigitsCNN, LossFn, device, fit, predict
from .imbalance import class_balanced_weights, focal_loss
from .resnet import SmallResNet
from .saliency import grad_cam, saliency

TAIL = 0.02  # the rarest class keeps this fraction of its training images


def images(X: np.ndarray) -> torch.Tensor:
    """Digits rows (N, 64), pixels 0..16, as (N, 1, 8, 8) float32 in [0, 1]."""
    return torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)


def long_tailed(y: np.ndarray, train: np.ndarray, seed: int = 0) -> np.ndarray:
    """Indices of a training set where class c keeps a fraction TAIL^(c/9) of its images."""
    rng = np.random.default_rng(seed)
    keep = []
    for c in range(10):
        members = train[y[train] == c]
        n = max(2, round(len(members) * TAIL ** (c / 9)))
        keep.append(rng.permutation(members)[:n])
    return np.concatenate(keep)


def per_class_accuracy(predicted: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([np.mean(predicted[y == c] == c) for c in range(10)])


def imbalance(epochs: int, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Class counts of the long-tailed training set, and per-class test accuracy per loss."""
    X, y = digits()
    train, test = train_test_indices(len(y), 0.3, seed=7)
    keep = long_tailed(y, train, seed)
    counts = np.bincount(y[keep], minlength=10)
    w = torch.tensor(class_balanced_weights(counts, beta=0.999), dtype=torch.float32)
    w = w.to(device())
    losses: dict[str, LossFn] = {
        "cross-entropy": nn.functional.cross_entropy,
        "class-balanced CE": lambda s, t: nn.functional.cross_entropy(s, t, weight=w),
        "focal (gamma 2)": lambda s, t: focal_loss(s, t, gamma=2.0),
        "class-balanced focal": lambda s, t: focal_loss(s, t, gamma=2.0, weights=w),
    }
    results = {}
    for name, loss_fn in losses.items():
        torch.manual_seed(seed)
        model = DigitsCNN()
        fit(model, images(X[keep]), torch.tensor(y[keep]), CNNConfig(epochs=epochs), seed, loss_fn)
        results[name] = per_class_accuracy(predict(model, images(X[test])), y[test])
    return counts, results


def attention_maps(epochs: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Eight test digits with their saliency and Grad-CAM maps, from a CNN trained on
    the rest."""
    X, y = digits()
    train, test = train_test_indices(len(y), 0.2, seed=7)
    torch.manual_seed(seed)
    model = DigitsCNN()
    fit(model, images(X[train]), torch.tensor(y[train]), CNNConfig(epochs=epochs), seed)
    pick = test[:8]
    x = images(X[pick]).to(device())
    target = torch.tensor(y[pick]).to(device())
    last_block = model.features[-2]  # the ReLU of the last conv block: (N, 64, 4, 4)
    return {
        "images": X[pick].reshape(-1, 8, 8),
        "labels": y[pick],
        "predicted": predict(model, images(X[pick])),
        "saliency": saliency(model, x, target).cpu().numpy(),
        "grad_cam": grad_cam(model, last_block, x, target).cpu().numpy(),
    }


def cifar_resnet(root: Path, epochs: int, seed: int = 0, verify: bool = True) -> float:
    """Train a small ResNet on CIFAR-10 with crop-and-flip augmentation; test accuracy.
    (``verify=False`` only for a stand-in copy: see `dlkit.cifar.write_fake_cifar10`.)"""
    from torch.utils.data import DataLoader
    from torchvision.transforms import v2

    base = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    augment = v2.Compose([v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip(), *base])
    train_set = cifar10(root, train=True, transform=augment, verify=verify)
    test_set = cifar10(root, train=False, transform=v2.Compose(base), verify=verify)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=128, shuffle=True, generator=generator)
    torch.manual_seed(seed)
    model = SmallResNet(cin=3, classes=10, widths=(32, 64, 128), blocks=2).to(device())
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, 2e-3, total_steps=epochs * len(loader)
    )
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb.to(device())), yb.to(device()))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    right = 0
    with torch.no_grad():
        for xb, yb in DataLoader(test_set, batch_size=256):
            right += int((model(xb.to(device())).argmax(1).cpu() == yb).sum())
    return right / len(test_set)


def plot_imbalance(counts: np.ndarray, results: dict[str, np.ndarray], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    width = 0.8 / len(results)
    for i, (name, accuracy) in enumerate(results.items()):
        label = f"{name} (worst {accuracy.min():.0%})"
        ax.bar(np.arange(10) + (i - 1.5) * width, accuracy, width, label=label)
    ax.set_xticks(range(10), [f"{c}\n({n})" for c, n in enumerate(counts)])
    ax.set(xlabel="class (training images)", ylabel="test accuracy", ylim=(0, 1.4))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title("A long-tailed digits training set: per-class test accuracy")
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


UPSAMPLE = 64  # pixels per side of the drawn digits and maps (the digits are 8x8)


def upsampled(images: np.ndarray, size: int = UPSAMPLE) -> np.ndarray:
    """(N, h, w) images or maps, bilinearly upsampled to (N, size, size)."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))[:, None]  # (N, 1, h, w)
    up = nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return up[:, 0].numpy()


def plot_attention(maps: dict[str, np.ndarray], path: Path) -> None:
    """A column per digit, titled with its true and predicted class (red when they
    differ): the digit upsampled to 64x64, then its saliency map and its Grad-CAM map
    upsampled alike and drawn over it. Each map is scaled to peak at 1 and coloured by
    the perceptual ``inferno`` colormap, opaque in proportion to its value, so that the
    digit (dimmed to grey) shows through where the map is low; one colorbar."""
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n = len(maps["labels"])
    digits = upsampled(maps["images"] / 16.0)  # pixels 0..16 -> [0, 1]
    rows: list[tuple[str, np.ndarray | None]] = [("digit", None)]
    for key, title in (("saliency", "saliency"), ("grad_cam", "Grad-CAM")):
        heat = upsampled(maps[key])
        peak = heat.reshape(n, -1).max(axis=1)
        rows.append((title, heat / np.where(peak > 0, peak, 1.0)[:, None, None]))
    cmap = plt.get_cmap("inferno")
    fig, axes = plt.subplots(3, n, figsize=(1.35 * n + 1.0, 4.6), dpi=110, squeeze=False)
    for r, (title, heat) in enumerate(rows):
        for i in range(n):
            ax = axes[r, i]
            ax.imshow(digits[i], cmap="gray", vmin=0, vmax=1 if heat is None else 1.8)
            if heat is not None:
                opacity = 0.85 * np.clip(heat[i], 0, 1)
                ax.imshow(heat[i], cmap=cmap, vmin=0, vmax=1, alpha=opacity)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_ylabel(title)
            if r == 0:
                true, predicted = int(maps["labels"][i]), int(maps["predicted"][i])
                color = "black" if true == predicted else "tab:red"
                ax.set_title(f"true {true}\npredicted {predicted}", fontsize=8, color=color)
    fig.suptitle("Where the CNN looks: each map over its digit, scaled to peak at 1", fontsize=10)
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    bar = fig.add_axes((0.93, 0.06, 0.015, 0.56))  # beside the two rows of maps
    fig.colorbar(ScalarMappable(Normalize(0, 1), cmap), cax=bar, label="map / its maximum")
    fig.savefig(path)
    plt.close(fig)


def run(out: Path, epochs: int, cifar: str | None = None) -> dict[str, object]:
    import matplotlib

    matplotlib.use("Agg")
    counts, results = imbalance(epochs)
    maps = attention_maps(epochs)
    out.mkdir(parents=True, exist_ok=True)
    plot_imbalance(counts, results, out / "imbalance.png")
    plot_attention(maps, out / "saliency.png")
    report: dict[str, object] = {"counts": counts, "imbalance": results, "maps": maps}
    root = find_cifar10(cifar)
    report["cifar_root"] = root
    if root is not None:
        report["cifar_accuracy"] = cifar_resnet(root, epochs)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw2.experiments", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("plots"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--cifar", default=None, help="folder holding cifar-10-batches-py/")
    args = parser.parse_args(argv)
    try:
        report = run(args.out, args.epochs, args.cifar)
    except NotImplementedError as exc:
        print(f"not implemented yet: {exc}\nFinish the PyTorch tasks first.", file=sys.stderr)
        return 1
    results = report["imbalance"]
    assert isinstance(results, dict)
    for name, accuracy in results.items():
        print(f"{name:22s} mean {accuracy.mean():.1%}, worst class {accuracy.min():.1%}")
    if report["cifar_root"] is None:
        print("CIFAR-10: no local copy (pass --cifar DIR or set DLCOURSE_CIFAR10): skipped")
    else:
        print(f"CIFAR-10: small ResNet test accuracy {report['cifar_accuracy']:.1%}")
    print(f"wrote {args.out}/imbalance.png and {args.out}/saliency.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
