"""CIFAR-10 from a copy on your disk, through torchvision; nothing is ever downloaded.

Get the "CIFAR-10 python version" archive (cifar-10-python.tar.gz, 163 MB) once, unpack
it, and point at the folder that holds ``cifar-10-batches-py/``: pass ``root``, or set
the environment variable DLCOURSE_CIFAR10. Without a copy, `find_cifar10` returns None
and the course's assignments run on scikit-learn's digits instead, and say so.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV = "DLCOURSE_CIFAR10"
FOLDER = "cifar-10-batches-py"
FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")


def find_cifar10(root: str | Path | None = None) -> Path | None:
    """The folder holding ``cifar-10-batches-py/`` with every batch file: ``root`` if
    given, else $DLCOURSE_CIFAR10; None when neither has a complete copy."""
    candidate = root if root is not None else os.environ.get(ENV)
    if not candidate:
        return None
    folder = Path(candidate).expanduser()
    if all((folder / FOLDER / name).is_file() for name in FILES):
        return folder
    return None


def cifar10(
    root: str | Path | None = None,
    train: bool = True,
    transform: Callable[[Any], Any] | None = None,
    verify: bool = True,
) -> Any:
    """torchvision's CIFAR10 dataset (50,000 training or 10,000 test images, 32x32 RGB,
    10 classes) read from a local copy. ``verify`` checks the files' MD5 sums against
    the official ones (turn it off only for a test copy in the same format).

    Raises FileNotFoundError, saying what to do, when there is no complete copy.
    """
    folder = find_cifar10(root)
    if folder is None:
        where = f"in {root}" if root is not None else f"in ${ENV}" if os.environ.get(ENV) else ""
        raise FileNotFoundError(
            f"no complete copy of CIFAR-10 found {where}".rstrip()
            + f": unpack cifar-10-python.tar.gz and pass the folder holding {FOLDER}/ "
            f"as root, or set {ENV} to it"
        )
    from torchvision.datasets import CIFAR10

    class LocalCIFAR10(CIFAR10):  # type: ignore[misc]
        def _check_integrity(self) -> bool:
            return True if not verify else bool(super()._check_integrity())

        def _load_meta(self) -> None:
            if verify:
                super()._load_meta()
                return
            with open(Path(self.root) / FOLDER / self.meta["filename"], "rb") as f:
                self.classes = pickle.load(f, encoding="latin1")[self.meta["key"]]
            self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    return LocalCIFAR10(str(folder), train=train, transform=transform, download=False)


CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def write_fake_cifar10(
    root: str | Path, per_batch: int = 4, seed: int = 0
) -> dict[str, tuple[Any, list[int]]]:
    """Write a tiny stand-in for CIFAR-10 in its exact file format under
    ``root/cifar-10-batches-py/``: five training batches and a test batch of
    ``per_batch`` random images each, and the class names. For tests and offline demos
    of the loading code (load it with ``verify=False``); returns what each batch holds."""
    import numpy as np

    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = {}
    for name in FILES[:-1]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({"data": data, "labels": labels, "batch_label": name}, f)
        written[name] = (data, labels)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(CLASSES), "num_vis": 3072}, f)
    return written
