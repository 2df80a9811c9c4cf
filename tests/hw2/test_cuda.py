"""hw2's PyTorch reference on a GPU: the same code trains, predicts and explains on CUDA.

Skipped where there is no GPU (CI has none); run on a machine that has one with
``python -m pytest tests/hw2/test_cuda.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from dlkit.cifar import write_fake_cifar10
from hw2 import experiments
from hw2.cases.checks import cnn_accuracy, digits_split
from hw2.cnn import CNNConfig, DigitsCNN, device, fit, predict, train_digits_cnn
from hw2.resnet import SmallResNet
from hw2.saliency import grad_cam, saliency

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _digits(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    data, _ = digits_split(np.random.default_rng(0))
    X = torch.tensor(data["X_train"][:n] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    return X, torch.tensor(data["y_train"][:n])


def test_device_is_the_gpu() -> None:
    assert device().type == "cuda"


def test_fit_trains_the_model_on_the_gpu_from_cpu_tensors() -> None:
    X, y = _digits(300)
    torch.manual_seed(0)
    model = DigitsCNN()
    losses = fit(model, X, y, CNNConfig(epochs=10), seed=0)  # as graded case 10.1 does
    assert {p.device.type for p in model.parameters()} == {"cuda"}
    assert losses[-1] < 0.5 * losses[0]
    predictions = predict(model, X)  # CPU images in, numpy labels out
    assert isinstance(predictions, np.ndarray) and float(np.mean(predictions == y.numpy())) > 0.9


def test_the_graded_cnn_reaches_98_percent_on_the_gpu() -> None:
    data, judge = digits_split(np.random.default_rng(0))
    model = train_digits_cnn(data["X_train"], data["y_train"], seed=0)
    assert {p.device.type for p in model.parameters()} == {"cuda"}
    state = {k: v.cpu().numpy() for k, v in model.state_dict().items()}
    assert cnn_accuracy(state, judge) >= 0.98  # the grader's evaluation, on the CPU


def test_explanations_on_the_gpu_match_the_cpu() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 10)
    ).double()
    x, target = torch.randn(5, 1, 8, 8, dtype=torch.float64), torch.tensor([0, 3, 9, 1, 2])
    on_cpu = saliency(model, x, target), grad_cam(model, model[1], x, target)
    model.cuda()
    x, target = x.cuda(), target.cuda()
    on_gpu = saliency(model, x, target), grad_cam(model, model[1], x, target)
    for cpu, gpu in zip(on_cpu, on_gpu, strict=True):
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu)


def test_resnet_forward_and_backward_on_the_gpu() -> None:
    model = SmallResNet(cin=3, classes=10, widths=(8, 16, 32), blocks=1).cuda()
    scores = model(torch.randn(4, 3, 32, 32, device="cuda"))
    scores.sum().backward()
    assert scores.shape == (4, 10) and all(p.grad is not None for p in model.parameters())


def test_the_cifar_resnet_trains_on_the_gpu(tmp_path: Path) -> None:
    write_fake_cifar10(tmp_path, per_batch=32)
    accuracy = experiments.cifar_resnet(tmp_path, epochs=1, verify=False)
    assert 0.0 <= accuracy <= 1.0
