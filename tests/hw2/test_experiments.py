from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dlkit.cifar import ENV, write_fake_cifar10
from hw2 import experiments


def test_the_long_tail_keeps_fewer_images_of_each_later_class() -> None:
    y = np.repeat(np.arange(10), 100)
    counts = np.bincount(y[experiments.long_tailed(y, np.arange(len(y)))], minlength=10)
    assert counts[0] == 100 and counts[9] == 2 and np.all(np.diff(counts) <= 0)


def test_the_experiments_write_both_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    report = experiments.run(tmp_path, epochs=1)
    assert report["cifar_root"] is None
    results = report["imbalance"]
    assert isinstance(results, dict) and len(results) == 4
    for accuracy in results.values():
        assert accuracy.shape == (10,) and np.all((0 <= accuracy) & (accuracy <= 1))
    for plot in ("imbalance.png", "saliency.png"):
        data = (tmp_path / plot).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_the_cifar_resnet_trains_on_a_local_copy(tmp_path: Path) -> None:
    write_fake_cifar10(tmp_path, per_batch=8)
    with pytest.raises(RuntimeError, match="corrupted"):  # real runs check the checksums
        experiments.cifar_resnet(tmp_path, epochs=1)
    accuracy = experiments.cifar_resnet(tmp_path, epochs=1, verify=False)
    assert 0.0 <= accuracy <= 1.0


def test_class_balanced_weights_lift_the_worst_class_on_long_tailed_digits() -> None:
    counts, results = experiments.imbalance(epochs=20)
    assert counts[0] > 50 * counts[9]
    plain, balanced = results["cross-entropy"], results["class-balanced CE"]
    assert balanced.min() > plain.min() + 0.2, (plain.min(), balanced.min())
    assert results["class-balanced focal"].min() > plain.min() + 0.1
