"""The CIFAR-10 loader on a tiny copy written in CIFAR-10's own format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.transforms import v2

from dlkit.cifar import CLASSES, ENV, cifar10, find_cifar10, write_fake_cifar10


def test_reads_a_copy_in_cifar10s_format(tmp_path: Path) -> None:
    written = write_fake_cifar10(tmp_path)
    train = cifar10(tmp_path, train=True, verify=False)
    test = cifar10(tmp_path, train=False, verify=False)
    assert len(train) == 20 and len(test) == 4 and train.classes == list(CLASSES)
    image, label = test[1]
    data, labels = written["test_batch"]
    expected = data[1].reshape(3, 32, 32).transpose(1, 2, 0)  # channels last, like PIL
    np.testing.assert_array_equal(np.asarray(image), expected)
    assert label == labels[1]


def test_transforms_apply(tmp_path: Path) -> None:
    write_fake_cifar10(tmp_path)
    to_tensor = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
    image, _ = cifar10(tmp_path, train=False, transform=to_tensor, verify=False)[0]
    assert image.shape == (3, 32, 32) and 0.0 <= float(image.min()) <= float(image.max()) <= 1.0


def test_the_official_checksums_reject_a_copy_that_is_not_cifar10(tmp_path: Path) -> None:
    write_fake_cifar10(tmp_path)
    with pytest.raises(RuntimeError, match="corrupted"):
        cifar10(tmp_path, verify=True)


def test_without_a_copy_the_message_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert find_cifar10() is None and find_cifar10(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="unpack cifar-10-python.tar.gz"):
        cifar10(tmp_path)
    write_fake_cifar10(tmp_path)
    monkeypatch.setenv(ENV, str(tmp_path))
    assert find_cifar10() == tmp_path
